"""Running a gate query: compiled from a typed request, checked, one statement, with a time limit.

The SQL that reaches DuckDB is produced by Ibis from a :class:`~udc.privacy.request.TableRequest`, never written by a
caller. As a second line of defence it is parsed (sqlglot) before it runs: exactly one ``SELECT``, reading only the
dataset's own table — no catalogue, no other table, no table function (files, URLs). Interfaces that answer ad-hoc
requests (``udc serve``, ``udc gate crosstab``) also switch DuckDB's external access off for their process
(:func:`lock_down`), so not even a bug in this chain could read or write a file. Each query runs on its own cursor and
is interrupted when it exceeds the policy's time limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import ibis.expr.types as ir
import pandas as pd
import sqlglot
from sqlglot import exp

from udc.errors import UdcError, Unavailable
from udc.store import catalogue
from udc.store.db import Store

_WHOLE: OrderedDict[tuple[str, ...], Any] = OrderedDict()
_WHOLE_SIZE = 512  # whole-dataset figures kept (value counts per column, a measure's profile)


def lock_down(store: Store) -> None:
    """No file functions, no ``COPY``, no extension loading for the rest of this process's store connection."""
    store.con.execute("SET enable_external_access = false")


def external_access(store: Store) -> bool:
    row = store.con.execute("SELECT current_setting('enable_external_access')").fetchone()
    return bool(row and row[0])


def checked_sql(store: Store, expr: ir.Expr, table: str) -> str:
    """The expression's SQL, refused unless it is one SELECT over ``table`` alone. The check runs on the syntax
    tree the SQL text is generated from (Ibis compiles to a sqlglot tree, then to text): the text is that tree
    written out, so parsing it back — a fifth of a gate request's time — would check the same thing again."""
    tree = store.ibis.compiler.to_sqlglot(expr)
    _check_tree(tree, table)
    return tree.sql(dialect=store.ibis.dialect, copy=False)


def _check(sql: str, table: str, dialect: str = "duckdb") -> None:
    """The verdict on one query text, parsed first (Spark's SQL is compiled by Spark's own Ibis backend)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:  # our own compiler's output: a bug, reported as one line
        raise UdcError(f"gate query did not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise UdcError("gate query refused: expected exactly one SELECT statement")
    _check_tree(statements[0], table)


def _check_tree(tree: exp.Expression, table: str) -> None:
    """One read-only SELECT over ``table`` alone: no other table, no table function, no command."""
    if not isinstance(tree, exp.Query):
        raise UdcError("gate query refused: expected exactly one SELECT statement")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables = {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}
    functions = [t for t in tree.find_all(exp.Table) if not t.name]
    if tables - {table} or functions:
        raise UdcError(f"gate query refused: it reads {sorted(tables - {table}) or 'a table function'}")
    if any(isinstance(node, exp.Command | exp.Copy | exp.Insert | exp.Update | exp.Delete) for node in tree.walk()):
        raise UdcError("gate query refused: not a read-only query")


ENGINES = ("duckdb", "spark")


def current(store: Store) -> str:
    """The engine gate queries on ``store`` run on now (duckdb unless inside :func:`using`)."""
    return getattr(store, "gate_engine", "duckdb")


@contextmanager
def using(store: Store, name: str) -> Iterator[None]:
    """Gate queries on ``store`` run on engine ``name`` (duckdb, the embedded default, or spark) inside the block:
    the same Ibis expressions, compiled for that engine; the protection afterwards is the same code."""
    if name not in ENGINES:
        raise UdcError(f"unknown engine '{name[:20]}': expected {' or '.join(ENGINES)}")
    before = current(store)
    store.gate_engine = name
    try:
        yield
    finally:
        store.gate_engine = before
        if name == "spark" and before != "spark":  # the job is over: its microdata copies go (udc.store.spark)
            from udc.store import spark

            spark.clean_up(store)


def table(store: Store, name: str) -> ir.Table:
    """A dataset's table on the store's current gate engine."""
    if current(store) == "spark":
        from udc.store import spark

        return spark.table(store, name)
    return store.ibis.table(name)


def _checked_spark(expr: ir.Expr, table: str) -> None:
    """On Spark too: the compiled query is one SELECT reading only the dataset's own (Parquet) table."""
    from udc.store import spark

    _check(spark.compile_sql(expr), f"udc_{table}", dialect="spark")


def run(store: Store, expr: ir.Expr, table: str, seconds: float) -> pd.DataFrame:
    """Run a checked gate query on a fresh cursor; interrupted (503) after ``seconds``."""
    if current(store) == "spark":
        from udc.store import spark

        _checked_spark(expr, table)
        return spark.execute(expr, seconds)
    sql = checked_sql(store, expr, table)
    cursor = store.con.cursor()
    timer = threading.Timer(seconds, cursor.interrupt)
    timer.start()
    try:
        return cursor.execute(sql).df()
    except duckdb.InterruptException:
        stopped = f"the table took longer than {seconds:g} s and was stopped: ask for fewer dimensions or filters"
        raise Unavailable(stopped) from None
    finally:
        timer.cancel()
        cursor.close()


def whole(store: Store, table: str, what: str, compute: Callable[[], Any]) -> Any:
    """A figure over the *whole* dataset (never a selection), computed once per catalogue generation: the units per
    value of a column, a column's distinct count, a measure's profile. Every request asked for them again — a full
    scan per dimension per request — although they change only when the dataset does (a replaced or dropped dataset
    starts a new generation). What a request's filters keep is never cached here."""
    key = (str(store.path.resolve()), catalogue.generation(store), current(store), table, what)
    if key in _WHOLE:
        _WHOLE.move_to_end(key)
        return _WHOLE[key]
    value = _WHOLE[key] = compute()
    while len(_WHOLE) > _WHOLE_SIZE:
        _WHOLE.popitem(last=False)
    return value


def scalar(store: Store, expr: ir.Expr, table: str, seconds: float) -> Any:
    frame = run(store, expr, table, seconds)
    return frame.iloc[0, 0]
