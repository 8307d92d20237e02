"""Review of issue 28 item 6 (yearly snapshots, the builder's filters): attacks that must fail on a safe system.

Each test passes when the system is safe. A failing test here is a finding: see the docstring for the attack."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import udc
from udc.api import TooFew
from udc.errors import UdcError
from udc.privacy.request import Filter
from udc.store import Store, catalogue

YEARLY = "synth_persons_yearly"


@pytest.fixture(scope="module")
def door(demo_store: Path) -> udc.Udc:
    return udc.open(demo_store)


def test_a_snapshot_period_as_the_measure_does_not_sum_the_snapshots(door: udc.Udc) -> None:
    """snapshots.one_period returns the request unchanged when the snapshot column is the *measure*: a table of
    synth_persons_yearly by education with measure 'year' counts every person once per year (person-years, ~4x the
    latest year's count in the demo) and publishes the mean year — the sum over snapshots the docs say never
    happens. Safe: forced to the latest year (and says so) or refused."""
    one = door.table(dataset=YEARLY, dimensions=["education"])
    try:
        summed = door.table(dataset=YEARLY, dimensions=["education"], measure="year")
    except udc.UdcError:
        return  # refused: safe
    total = lambda p: int(p.cells.loc[p.cells.education == "Totaal", "count"].iloc[0])  # noqa: E731
    assert summed.forced is not None, "measure=year on a snapshot table was neither forced to one year nor refused"
    assert total(summed) == total(one)


def test_the_minimum_population_refusal_is_not_an_oracle_on_one_buurts_small_count(
    door: udc.Udc, demo_store: Path
) -> None:
    """The refusal (gate.TooFew) compares the *true* count of a selection with min_population. A researcher may
    filter buurt_code on any list of up to 200 buurten, so the refusal answers "is Σ x_b over these buurten ≥ 100?"
    for any set. Attack (only refusals are read): add buurten one by one to a pad P (age ≥ 90, 2022) until the
    request is answered; P (one buurt short) holds 100 − t people (t small, here 1–2). Then for any other buurt v,
    'P + v answered' says exactly whether v has at least t people aged 90+ — a small true count the cell key
    withholds ('empty looks like suppressed'). With t = 1 it says whether anyone aged 90+ lives in v.
    Safe: the answers do not follow one buurt's true small count."""
    with Store(demo_store) as store:
        stored = catalogue.get(store, YEARLY).table_name
        truth = {
            r["b"]: r["n"]
            for r in store.rows(
                f"SELECT buurt_code AS b, count(*) FILTER (WHERE age >= 90) AS n FROM {stored} "
                "WHERE year = 2022 GROUP BY 1"
            )
        }
    codes = sorted(truth)

    def answered(buurten: list[str]) -> bool:
        filters = [
            {"column": "year", "values": [2022]},
            {"column": "age", "between": [90, 120]},  # on the declared cut points
            {"column": "buurt_code", "values": sorted(buurten)},
        ]
        try:
            door.table(dataset=YEARLY, dimensions=["education"], filters=filters)
            return True
        except TooFew:
            return False

    pad: list[str] = []  # the attacker's best pad, built here from the truth (the refusals found it in 124 calls)
    for code in codes:
        if sum(truth[c] for c in pad) + truth[code] <= 98:
            pad.append(code)
    step = 100 - sum(truth[c] for c in pad)  # what the pad lacks (unknown to the attacker, used only to judge)
    assert step == 2, step
    targets = [c for c in codes if c not in pad][:30]
    told = [answered([*pad, c]) == (truth[c] >= step) for c in targets]
    varied = {truth[c] >= step for c in targets}
    assert not (all(told) and len(varied) == 2), (
        f"refusals told for all {len(targets)} buurten whether ≥ {step} people aged 90+ lived there in 2022"
    )


def test_definitions_pooling_named_periods_do_not_give_away_a_years_withheld_cells(door: udc.Udc) -> None:
    """'Definitions may pool named periods' (snapshots.one_period with ad_hoc=False): three suppression definitions
    — buurt × education for 2021, for 2022, and for 2021+2022 pooled — are each protected alone (no linked audit
    across them), so pooled − 2022 gives exact counts of cells the 2021 table withholds (in the demo 28 of them,
    primary cells below 10 among them). Safe: no cell the 2021 table withholds equals pooled − 2022."""
    from udc.api import Definition

    def run(years: list[int], name: str) -> object:
        request = {
            "dataset": YEARLY,
            "dimensions": ["buurt_code", "education"],
            "area": "buurt_code",
            "filters": [{"column": "year", "values": years}, {"column": "buurt_code", "prefix": "BU"}],
        }
        done = door.run(Definition(name=name, title=name, request=request, method="suppress"))
        return done.cells.set_index(["buurt_code", "education"])["count"]

    one, two = run([2021], "review_a"), run([2022], "review_b")
    assert one.isna().any() and two.notna().any()  # the one-year tables are answered, with withheld cells
    with pytest.raises(UdcError, match="may not pool years"):  # the fix: a suppressed table never pools snapshots
        run([2021, 2022], "review_ab")


def test_filtered_tables_differenced_do_not_give_exact_counts(door: udc.Udc, demo_store: Path) -> None:
    """The builder's filters, differenced: wijk W minus buurt A (both filters) and age 20–34 minus 20–29 give noisy,
    not exact, counts of the rest (each filtered table's cells carry their own persons' cell-key noise)."""
    with Store(demo_store) as store:
        stored = catalogue.get(store, YEARLY).table_name
        buurten = [
            r["b"]
            for r in store.rows(
                f"SELECT buurt_code AS b FROM {stored} WHERE year = 2022 AND buurt_code LIKE 'BU990101%' "
                "GROUP BY 1 HAVING count(*) >= 100 ORDER BY 1"
            )
        ]
        truth = {
            (r["b"], r["e"]): r["n"]
            for r in store.rows(
                f"SELECT buurt_code AS b, education AS e, count(*) AS n FROM {stored} WHERE year = 2022 GROUP BY 1, 2"
            )
        }

    def counts(*filters: dict) -> dict[str, int]:
        p = door.table(
            dataset=YEARLY, dimensions=["education"], filters=[{"column": "year", "values": [2022]}, *filters]
        )
        return {e: None if n is pd.NA else int(n) for e, n in zip(p.cells.education, p.cells["count"], strict=True)}

    wijk = counts({"column": "buurt_code", "prefix": "BU990101"})
    exact = []
    for b in buurten:
        one = counts({"column": "buurt_code", "values": [b]})
        for e in ("high", "low", "middle"):
            rest = sum(n for (bb, ee), n in truth.items() if ee == e and bb.startswith("BU990101") and bb != b)
            if wijk[e] is not None and one[e] is not None:
                exact.append(wijk[e] - one[e] == rest)
    assert exact and not all(exact)
    young, wider = counts({"column": "age", "between": [20, 29]}), counts({"column": "age", "between": [20, 34]})
    with Store(demo_store) as store:
        band = {
            r["e"]: r["n"]
            for r in store.rows(
                f"SELECT education AS e, count(*) AS n FROM {stored} WHERE year = 2022 AND age BETWEEN 30 AND 34 "
                "GROUP BY 1"
            )
        }
    ages = [wider[e] - young[e] == band.get(e, 0) for e in ("high", "low", "middle", "Totaal") if e in band]
    exact += ages
    assert not all(exact), "every differenced count was exact"


def test_records_without_a_key_in_a_tiny_selection_are_refused_like_any_other(door: udc.Udc, demo_store: Path) -> None:
    """Review of the guard summed from leaf cells: a leaf of records without a record key (a mover in neither
    snapshot of the year: a newborn who left in its birth year) has a NULL key sum. Turned into an error before the
    guard ran, it told a researcher whether a selection of five moves held such a mover (an internal error instead
    of the refusal every other tiny selection gets). Safe: tiny selections are refused alike, large ones answered."""
    with Store(demo_store) as store:
        stored = catalogue.get(store, "flows_moves").table_name
        keyless = store.rows(
            f"SELECT from_area AS a, from_gm AS g, year AS y FROM {stored} WHERE record_key IS NULL "
            "AND from_area LIKE 'BU%' ORDER BY 1, 3"
        )
    assert keyless, "the demo has movers without a snapshot (the case under test)"
    for row in keyless[:4]:
        tiny = [Filter(column="from_area", values=[row["a"]]), Filter(column="year", values=[row["y"]])]
        with pytest.raises(TooFew):
            door.table(dataset="flows_moves", dimensions=["role"], filters=tiny)
    row = keyless[0]
    wide = [Filter(column="from_gm", values=[row["g"]]), Filter(column="year", values=[row["y"]])]
    answered = door.table(dataset="flows_moves", dimensions=["role"], filters=wide)
    assert (answered.cells["role"] == "Totaal").any()
