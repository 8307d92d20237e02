"""Yearly snapshots are never summed over their years, through whichever door (udc.privacy.snapshots, issue 28)."""

from __future__ import annotations

from pathlib import Path

import pytest

import udc
from cli_runner import udc as run_udc
from udc.privacy.snapshots import SNAPSHOT, SummedSnapshots
from udc.store import Store, catalogue

YEARLY = "synth_persons_yearly"


@pytest.fixture(scope="module")
def door(demo_store: Path) -> udc.Udc:
    return udc.open(demo_store)  # the store's owner


def test_the_catalogue_marks_the_yearly_tables_period_as_a_snapshot(demo_store: Path) -> None:
    with Store(demo_store) as store:
        assert catalogue.roles(store, YEARLY)["year"] == SNAPSHOT
        assert catalogue.roles(store, "synth_households")["year"] == SNAPSHOT
        assert catalogue.roles(store, "flows_residents")["year"] == SNAPSHOT  # the rates' denominators, per year
        assert SNAPSHOT not in catalogue.roles(store, "meldingen").values()  # a report's year may be added up


def test_a_request_without_the_year_is_counted_for_the_latest_year_and_says_so(door: udc.Udc) -> None:
    forced = door.table(dataset=YEARLY, dimensions=["education"])
    by_year = door.table(dataset=YEARLY, dimensions=["education", "year"])
    latest = int(by_year.cells.year[by_year.cells.year != "Totaal"].max())
    assert forced.forced == ("year", latest)
    assert any("year = " in n for n in forced.notes)
    one_year = by_year.cells.loc[(by_year.cells.education == "Totaal") & (by_year.cells.year == str(latest)), "count"]
    total = forced.cells.loc[forced.cells.education == "Totaal", "count"].iloc[0]
    assert total == one_year.iloc[0]  # the same cell (same record keys, same noise): one snapshot
    # never the sum of every year's snapshot: an ad-hoc table lists each year alone, with no 'Totaal' over years
    # (that margin, one noisy cell per subset of years, averaged over many subsets gave a withheld year exactly)
    assert (by_year.cells.year != "Totaal").all()


def test_a_filter_to_one_year_is_kept_and_several_years_are_refused(door: udc.Udc) -> None:
    one = door.table(dataset=YEARLY, dimensions=["education"], filters=[{"column": "year", "values": [2020]}])
    assert one.forced is None
    with pytest.raises(SummedSnapshots, match="once per 'year'"):
        door.table(dataset=YEARLY, dimensions=["education"], filters=[{"column": "year", "values": [2019, 2020]}])
    with pytest.raises(SummedSnapshots):
        door.table(dataset=YEARLY, dimensions=["role"], filters=[{"column": "year", "between": [2019, 2021]}])


def test_event_tables_are_not_forced_and_derived_yearly_tables_are(door: udc.Udc) -> None:
    assert door.table(dataset="meldingen", dimensions=["category"]).forced is None
    assert door.table(dataset="flows_residents", dimensions=["role"]).forced[0] == "year"


def test_the_cli_says_which_year_it_counted_and_refuses_several(door: udc.Udc, demo_store: Path) -> None:
    ran = run_udc("gate", "crosstab", YEARLY, "--by", "education", "--format", "json", "--store", str(demo_store))
    assert "note: counted for year = 2022 only" in ran.stderr
    several = ("--by", "role", "--filter", "year=2019,2020", "--store", str(demo_store))
    refused = run_udc("gate", "crosstab", YEARLY, *several, check=False)
    assert refused.returncode == 1 and "once per 'year'" in refused.stderr
