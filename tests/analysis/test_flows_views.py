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
from udc.store import Store

RESEARCHER = User("onderzoeker", "researcher")
SQL = re.compile(r"\b(SELECT|VALUES|FROM|JOIN|GROUP BY|GROUPING SETS|UNION|CASE WHEN)\b")


def test_the_study_holds_no_sql_text() -> None:
    """Every string literal of the module (f-string parts included) is free of SQL keywords: the views, the area
    list and the lookup tables are Ibis expressions and in-memory tables, never a query pasted together."""
    tree = ast.parse(inspect.getsource(flows))
    literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert literals and not [s for s in literals if SQL.search(s)]


@pytest.mark.slow  # Spark starts a JVM
def test_on_spark_each_table_is_one_spark_job_over_the_cached_count(demo_open: Store) -> None:
    """The count stays in the Spark session (cached, computed at its first use); each table's cells are one Spark
    job over it — before, the one job was the count, whose rows were then copied into the embedded DuckDB."""
    views = ("balance", "destinations", "triggers")
    audit = store_log(demo_open.path)
    with spark_jobs() as ran, engine.using(demo_open, "spark"):
        tables = flows.study(
            demo_open, ["GM9901", "demoregio"], years=(2019, 2020), views=views, user=RESEARCHER, audit=audit
        )
    assert set(tables) == set(views) and all(len(t.cells) > 0 for t in tables.values())
    assert len(ran) == len(views)
    assert all(type(expr._find_backend()).__module__.startswith("ibis.backends.pyspark") for expr in ran)
