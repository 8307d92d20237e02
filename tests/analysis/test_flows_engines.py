"""Verhuisstromen on two engines: the moves counted by DuckDB or by Spark (local mode) give identical protected
tables in every view — counts, cell-key perturbations, withheld cells, notes — for municipalities and a region."""

from __future__ import annotations

import pytest

from two_engines import both, same
from udc.analysis import flows
from udc.privacy.access import User
from udc.privacy.audit import store_log
from udc.store import Store

# the slow step, on the Spark standalone cluster the tests start (tests/conftest.py), in one worker's session
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark_cluster")]
XDIST_GROUP = "spark"
RESEARCHER = User("onderzoeker", "researcher")


@pytest.fixture(scope="module")
def store(demo_open: Store) -> Store:
    return demo_open


@pytest.mark.parametrize("level", ["gemeente", "wijk"])
def test_every_view_is_identical_on_duckdb_and_spark(store: Store, level: str) -> None:
    audit = store_log(store.path)
    views = (*flows.VIEWS, "rates") if level == "gemeente" else ("od",)

    def run() -> dict:
        return flows.study(
            store,
            ["GM9901", "GM9902", "demoregio"],
            years=(2019, 2020),
            views=views,
            level=level,
            user=RESEARCHER,
            audit=audit,
        )

    duck, spark = both(store, run)
    assert set(duck) == set(spark) == set(views)
    for view in views:
        assert len(duck[view].cells) > 5 and (duck[view].cells.status != "suppressed").any(), view
        same(duck[view].cells, spark[view].cells)
        assert duck[view].notes == spark[view].notes, view
