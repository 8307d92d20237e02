"""Verhuisstromen's views are Ibis expressions compiled by the gate's engine: no SQL text in the study, and on Spark
every table's cells are computed there (no counted rows brought back into the embedded DuckDB)."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from two_engines import spark_jobs
from udc.analysis import flows
from udc.privacy import engine
from udc.privacy.access import User
from udc.privacy.audit import store_log
from udc.privacy.cube import Cube
from udc.store import Store, spark

RESEARCHER = User("onderzoeker", "researcher")
XDIST_GROUP = "spark"  # under the slow step, with the other modules that run Spark (tests/conftest.py)
SQL = re.compile(r"\b(SELECT|VALUES|FROM|JOIN|GROUP BY|GROUPING SETS|UNION|CASE WHEN)\b")


def test_the_study_holds_no_sql_text() -> None:
    """Every string literal of the module (f-string parts included) is free of SQL keywords: the views, the area
    list and the lookup tables are Ibis expressions and in-memory tables, never a query pasted together."""
    tree = ast.parse(inspect.getsource(flows))
    literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert literals and not [s for s in literals if SQL.search(s)]


@pytest.mark.slow  # Spark on the standalone cluster the tests start
@pytest.mark.usefixtures("spark_cluster")
def test_on_spark_each_table_is_one_spark_job_over_the_cached_count(demo_open: Store) -> None:
    """The count stays in the Spark session (cached, computed at its first use); each table's cells are one Spark
    job over it — before, the one job was the count, whose rows were then copied into the embedded DuckDB. While
    the study runs, the embedded store holds nothing of it: no temporary table, no view, no new table (on DuckDB
    the count is a temporary table there)."""
    views = ("balance", "destinations", "triggers")
    audit = store_log(demo_open.path)
    tables_before = _embedded(demo_open)
    seen: list[set[str]] = []
    with spark_jobs() as ran, engine.using(demo_open, "spark"):
        original = spark.execute

        def watched(expr: object, seconds: float) -> object:
            seen.append(_embedded(demo_open))
            return original(expr, seconds)

        spark.execute = watched
        try:
            tables = flows.study(
                demo_open, ["GM9901", "demoregio"], years=(2019, 2020), views=views, user=RESEARCHER, audit=audit
            )
        finally:
            spark.execute = original
    assert set(tables) == set(views) and all(len(t.cells) > 0 for t in tables.values())
    assert len(ran) == len(views)
    assert all(type(expr._find_backend()).__module__.startswith("ibis.backends.pyspark") for expr in ran)
    assert seen and all(s == tables_before for s in seen), "counted rows reached the embedded store"
    on_duckdb = []
    with Cube(demo_open, flows.MOVES, {"year": lambda t: t.year}, user=RESEARCHER, audit=audit):
        on_duckdb.append(_embedded(demo_open))
    assert on_duckdb[0] - tables_before, "the check would not see a count held in the embedded store"


def _embedded(store: Store) -> set[str]:
    """Every table and view of the embedded DuckDB, temporary ones included (not DuckDB's own catalog views)."""
    rows = store.con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    return {r[0] for r in rows}
