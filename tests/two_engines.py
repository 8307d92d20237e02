"""Run the same thing on DuckDB and on Spark, and compare: shared by the engines' differential tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from udc.store import Store


@contextmanager
def spark_jobs() -> Iterator[list[object]]:
    """The expressions sent to Spark inside the block (to prove a run went through Spark)."""
    from udc.store import spark

    ran: list[object] = []
    original = spark.execute

    def counted(expr: Any, seconds: float) -> Any:
        ran.append(expr)
        return original(expr, seconds)

    spark.execute = counted
    try:
        yield ran
    finally:
        spark.execute = original


def both(store: Store, run: Callable[[], Any]) -> tuple[Any, Any]:
    """``run()`` on DuckDB, then inside ``engine.using(store, 'spark')``; fails if nothing went through Spark."""
    from udc.privacy import engine

    on_duckdb = run()
    with spark_jobs() as ran, engine.using(store, "spark"):
        on_spark = run()
        handed = list((store.path / ".spark").glob("*.parquet"))  # removed when the job ends
    assert ran and handed, "the Spark run did not go through Spark"
    return on_duckdb, on_spark


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Identical frames up to row order (sorted by every column that is not a number)."""
    key = [c for c in a.columns if not pd.api.types.is_numeric_dtype(a[c])]
    left = a.sort_values(key).reset_index(drop=True)
    right = b[a.columns].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
