"""The gate on two engines: the same typed requests compiled by Ibis for DuckDB (embedded) and for Apache Spark
(local mode, data handed over as Parquet) give identical published tables — counts, cell-key perturbations,
suppression patterns and statuses — and identical indicators. Any difference fails."""

from __future__ import annotations

import pytest

from two_engines import both, same
from udc.privacy.access import User
from udc.privacy.request import Filter, TableRequest
from udc.store import Store

# the slow step, on the Spark standalone cluster the tests start (tests/conftest.py), in one worker's session
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark_cluster")]
XDIST_GROUP = "spark"
ADMIN = User("beheer", "admin")


@pytest.fixture(scope="module")
def store(demo_open: Store) -> Store:
    return demo_open


REQUESTS = {
    "buurt × year, rolled up": TableRequest(
        dataset="synth_persons_yearly",
        dimensions=["buurt_code", "year"],
        filters=[Filter(column="buurt_code", prefix="BU")],
        area="buurt_code",
    ),
    "derived age band × education, filtered": TableRequest(
        dataset="synth_persons_yearly",
        dimensions=["leeftijd", "education"],
        filters=[Filter(column="year", values=[2020]), Filter(column="age", between=(18, 79))],
    ),
    "role × youth care × student": TableRequest(
        dataset="synth_persons_yearly", dimensions=["role", "jeugdzorg", "student"]
    ),
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_cell_key_tables_are_identical_on_duckdb_and_spark(store: Store, name: str) -> None:
    from udc.privacy.audit import store_log
    from udc.privacy.gate import crosstab

    audit = store_log(store.path)
    duck, spark = both(store, lambda: crosstab(store, REQUESTS[name], user=ADMIN, audit=audit).cells)
    assert len(duck) > 3 and (duck.status == "perturbed").any()
    same(duck, spark)


def test_secondary_suppression_patterns_are_identical(store: Store) -> None:
    from udc.privacy.audit import store_log
    from udc.privacy.gate import Definition, run_defined

    request = TableRequest(
        dataset="synth_persons_yearly",
        dimensions=["buurt_code", "education"],
        filters=[Filter(column="buurt_code", prefix="BU"), Filter(column="year", values=[2021])],
        area="buurt_code",
    )
    definition = Definition(name="engines_suppress", title="t", request=request, method="suppress")
    audit = store_log(store.path)
    duck, spark = both(store, lambda: run_defined(store, definition, user=ADMIN, audit=audit).cells)
    assert (duck.status == "suppressed").any() and (duck.status == "published").any()
    same(duck, spark)


@pytest.mark.parametrize("indicator_id", ["bevolking_65plus", "jeugd_jeugdzorg", "participatie_binnen_termijn"])
def test_indicators_are_identical_on_duckdb_and_spark(store: Store, indicator_id: str) -> None:
    from udc.indicators.compute import compute
    from udc.indicators.model import library
    from udc.privacy.audit import store_log

    audit = store_log(store.path)
    indicator = library()[indicator_id]
    duck, spark = both(store, lambda: compute(store, indicator, years=[2020, 2021], user=ADMIN, audit=audit))
    assert duck.value.notna().sum() > 3
    same(duck, spark)


def test_an_unknown_engine_is_one_line() -> None:
    from udc.errors import UdcError
    from udc.privacy import engine

    with pytest.raises(UdcError, match="expected duckdb or spark"), engine.using(object(), "oracle"):  # type: ignore[arg-type]
        pass
