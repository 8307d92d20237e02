"""Kansrijk van Start, on principle, never becomes a label on a family: the risk-factor profile exists per area only.
Every attempt at a per-child or per-family list, score or flag through the gate is refused — by identifier, by exact
date, by a value (nearly) unique per child — and the monitor's own output holds area aggregates only."""

from __future__ import annotations

from pathlib import Path

import pytest

import udc as api
from udc.errors import Forbidden


@pytest.mark.parametrize(
    ("dataset", "dimensions", "why"),
    [
        ("synth_newborns", ["person_id"], "identif"),  # a list of children
        ("synth_newborns", ["birth_date", "buurt_code"], "identif"),  # exact dates pin a child down
        ("synth_households", ["household_id"], "identif"),  # a per-family table
        ("synth_newborns", ["birth_weight"], "different value for almost every record"),  # a per-child value
    ],
)
def test_per_child_or_per_family_tables_are_refused(
    demo_store: Path, dataset: str, dimensions: list[str], why: str
) -> None:
    with pytest.raises(Forbidden, match=why):
        api.open(demo_store).table(dataset=dataset, dimensions=dimensions)


def test_the_risk_profile_per_area_is_an_aggregate(demo_store: Path) -> None:
    table = api.open(demo_store).table(dataset="synth_newborns", dimensions=["buurt_code", "risk_factors"])
    cells = table.cells
    published = cells[cells.status != "suppressed"]
    assert (published["count"].dropna() >= 10).all() or published.empty  # no small cell leaves the gate
    assert {"person_id", "household_id", "birth_date"}.isdisjoint(cells.columns)


def test_the_monitor_speaks_of_areas_only() -> None:
    from udc.monitoring.monitor import COLUMNS

    names = {c.name for c in COLUMNS}
    assert names == {"indicator", "group", "period", "numerator", "denominator", "value", "areas"}
