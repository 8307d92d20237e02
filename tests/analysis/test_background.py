"""Background studies through the gate (issue 30): determinants of youth care recover the demo's planted risk
multipliers (low income ×1.9, single parent ×1.7); expected versus observed per wijk; every number a published cell
or a function of published cells; refusals through the rulebook."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import udc as udc_api
from cli_runner import udc
from udc.analysis import background
from udc.errors import Forbidden, UdcError
from udc.privacy import parties
from udc.privacy.access import add_user
from udc.privacy.audit import AuditLog, engine_for, operational_url
from udc.privacy.policy import current
from udc.privacy.request import Filter
from udc.store import Store, catalogue
from udc.synth.params import Params

PARTY = "woningcorporatie"  # the demo's party whose agreement allows no ad-hoc tables


@pytest.fixture(scope="module")
def store_path(demo_store: Path) -> Path:
    return demo_store


def _json(*args: str) -> list[dict]:
    return json.loads(udc(*args, "--format", "json").stdout)


def test_determinants_recover_the_planted_risk_multipliers(store_path: Path) -> None:
    rows = _json("--store", str(store_path), "study", "determinants", "--outcome", "youth_care",
                 "--by", "income_class,household_type")  # fmt: skip
    assert rows and all({"factor", "level", "rr", "ci_low", "ci_high"} <= set(r) for r in rows)
    by = {(r["factor"], r["level"]): r for r in rows}
    planted = Params()
    low, single = by["income_class", "low"], by["household_type", "single_parent"]
    assert low["ci_low"] <= planted.youth_care_low_income <= low["ci_high"], low
    assert single["ci_low"] <= planted.youth_care_single_parent <= single["ci_high"], single
    assert by["income_class", "middle"]["reference"] and by["income_class", "middle"]["rr"] == 1
    assert all(isinstance(r["events"], int) and isinstance(r["exposure"], int) for r in rows)


def test_expected_rows_have_the_documented_shape_and_flags(store_path: Path) -> None:
    """(The test demo's 12 000 persons start too little youth care per wijk and year for the gate to publish it:
    gemeenten here; the default demo's wijken in benchmarks/bench_background.py and the browser test.)"""
    rows = _json("--store", str(store_path), "study", "expected", "--outcome", "youth_care", "--level", "gemeente")
    assert rows and all(
        list(r) == ["area_code", "observed", "expected", "ratio", "ci_low", "ci_high", "flag"] for r in rows
    )
    assert all(r["area_code"].startswith("GM") for r in rows)
    shown = [r for r in rows if r["observed"] is not None]
    assert len(shown) >= 4
    for r in shown:
        assert r["ci_low"] <= r["ratio"] <= r["ci_high"]
        assert r["flag"] == ("above" if r["ci_low"] > 1 else "below" if r["ci_high"] < 1 else "as_expected")
    # the whole region against itself: observed and expected add up to about the same
    observed, expected = sum(r["observed"] for r in shown), sum(r["expected"] for r in shown)
    assert abs(observed - expected) / expected < 0.1


def test_every_number_is_a_published_cell_or_made_from_them(store_path: Path) -> None:
    """What the study shows per area is the sum of the gate's own yearly cells (the ones a researcher's table gives),
    withheld when any year is; never a count below the threshold. Per factor level: sums of published cells of at
    least the threshold each."""
    s = udc_api.open(store_path)
    threshold = current(Store(store_path, read_only=True)).min_count
    expected = s.study.expected("youth_care", level="gemeente")
    first, last = expected.years
    direct = s.table(
        dataset="synth_youth_risk",
        dimensions=["buurt_code", "year"],
        area="buurt_code",
        filters=[Filter(column="year", between=(first, last)), Filter(column="youth_care_start", values=["true"])],
    )
    assert direct.primary is None  # the gate's private flags stay inside the library
    cells = direct.cells[direct.cells.year != "Totaal"]
    for row in expected.rows.itertuples():
        yearly = cells[cells.buurt_code == row.area_code]["count"]
        withheld = yearly.isna().any()
        assert (row.observed is None or pd.isna(row.observed)) == withheld
        if not withheld:
            assert row.observed == int(yearly.sum()) and (yearly >= threshold).all()
    determinants = s.study.determinants("youth_care")
    assert determinants.tables == []  # the gate's objects are not handed out
    assert (determinants.rows.events >= threshold).all() and (determinants.rows.exposure >= threshold).all()


def test_a_span_is_the_sum_of_its_years_so_spans_cannot_be_averaged(store_path: Path) -> None:
    """The many-spans attack (every span of a period asked, a least-squares solve per year) found nothing to average:
    each year is one fixed published cell, and a span's count is exactly their sum (the risk table is a yearly
    snapshot, so the gate never counts a span as one set with noise of its own)."""
    s = udc_api.open(store_path)
    one = {y: s.study.expected("youth_care", level="gemeente", years=str(y)).rows.set_index("area_code").observed
           for y in (2019, 2020, 2021)}  # fmt: skip
    both = s.study.expected("youth_care", level="gemeente", years="2019-2021").rows.set_index("area_code").observed
    compared = 0
    for code, value in both.items():
        parts = [one[y][code] for y in one]
        if value is None or pd.isna(value):
            assert any(p is None or pd.isna(p) for p in parts)
            continue
        assert value == sum(parts)
        compared += 1
    assert compared >= 3


def test_too_few_published_cells_refuse_the_model(store_path: Path) -> None:
    with pytest.raises(UdcError, match="residual degrees of freedom"):
        udc_api.open(store_path).study.determinants("bijstand", years="2021")


def test_unknown_outcomes_factors_and_levels_are_one_line_errors(store_path: Path) -> None:
    for args, message in [
        (["determinants", "--outcome", "crime"], "unknown outcome 'crime': expected one of bijstand, debt_help"),
        (["determinants", "--outcome", "youth_care", "--by", "person_id"], "--by person_id: factors are distinct"),
        (["expected", "--outcome", "youth_care", "--level", "straat"], "--level straat: expected one of buurt"),
        (["expected", "--outcome", "youth_care", "--area", "GM99'; DROP"], "expected a gemeente (GM0917) or wijk"),
        (["expected", "--outcome", "youth_care", "--area", "GM0917"], "--area GM0917: not an area in this store"),
        (["determinants", "--outcome", "youth_care", "--by", ","], "factors are distinct and among"),
        (["expected", "--outcome", "youth_care", "--release", "kerncijfers_jeugdzorg"], "is named verwacht_"),
        (["expected", "--outcome", "bijstand", "--release", "verwacht_youth_care"], "holds something else"),
        (["report", "--outcome", "youth_care", "--out", "/nonexistent/x.pdf"], "/nonexistent does not exist"),
    ]:
        ran = udc("--store", str(store_path), "study", *args, check=False)
        assert ran.returncode == 1 and message in ran.stderr and "Traceback" not in ran.stderr


def test_an_agreement_for_gemeenten_only_refuses_a_study_within_one_wijk(store_path: Path, tmp_path: Path) -> None:
    """A filter to one wijk publishes that wijk's table, whatever its dimensions: the agreement's levels decide."""
    path = shutil.copytree(store_path, tmp_path / "store")
    engine = engine_for(operational_url(path))
    add_user(engine, "prof", "researcher", "correct horse battery")
    parties.add_party(engine, "uni", "Universiteit (fictief)", "onderwijs")
    parties.add_member(engine, "uni", "prof")
    parties.add_agreement(
        engine,
        parties.Agreement("onderzoek", "uni", "onderzoek", datasets=("synth_youth_risk",), levels=("gemeente",)),
    )
    engine.dispose()
    s = udc_api.open(path, user="prof")
    within_gemeente = [Filter(column="buurt_code", prefix="BU9901")]
    assert len(s.table(dataset="synth_youth_risk", dimensions=["income_class"], filters=within_gemeente).cells)
    with pytest.raises(Forbidden, match="wijk"):
        s.study.determinants("youth_care", within="WK990100")
    with pytest.raises(Forbidden, match="wijk"):
        s.table(dataset="synth_youth_risk", dimensions=["income_class"],
                filters=[Filter(column="buurt_code", prefix="BU990100")])  # fmt: skip


def test_a_party_without_ad_hoc_tables_is_refused_and_audited(store_path: Path, tmp_path: Path) -> None:
    path = shutil.copytree(store_path, tmp_path / "store")
    engine = engine_for(operational_url(path))
    add_user(engine, "corp", "researcher", "correct horse battery")
    parties.add_member(engine, PARTY, "corp")
    with pytest.raises(Forbidden, match=re.escape(f"party '{PARTY}' does not allow ad-hoc tables")):
        udc_api.open(path, user="corp").study.expected("youth_care")
    add_user(engine, "analist", "analyst", "correct horse battery")  # no gate role at all
    with pytest.raises(Forbidden):
        udc_api.open(path, user="analist").study.determinants("youth_care")
    entries = AuditLog.for_store(path, engine).entries()
    engine.dispose()
    refused = [
        e for e in entries if e["action"] == "study.expected" and json.loads(e["detail"])["outcome"] == "refused"
    ]
    assert refused and refused[-1]["actor"] == "corp"


def test_a_release_keeps_its_areas_and_its_name(store_path: Path, tmp_path: Path) -> None:
    """A researcher's new version cannot shrink the demo's table to one gemeente (the page would show that), and a
    name is matched whole (a trailing newline is not a name)."""
    path = shutil.copytree(store_path, tmp_path / "store")
    s = udc_api.open(path)
    with pytest.raises(UdcError, match="holds areas this run does not"):
        s.study.release("youth_care", level="gemeente", within="GM9907")
    with pytest.raises(UdcError, match="is named verwacht_"):
        s.study.release("youth_care", "verwacht_x\n")
    assert s.study.release("youth_care") == 2  # the same selection again: a new version


def test_the_demo_releases_the_wijk_table_as_open_data(store_path: Path) -> None:
    name = background.release_name(background.get("youth_care"))
    with Store(store_path, read_only=True) as store:
        assert catalogue.get(store, name).sensitivity == "open"
        released = catalogue.read(store, name)
    assert set(released.outcome) == {"youth_care"} and released.area_code.str.startswith("WK").all()
    assert {"observed", "expected", "ratio", "ci_low", "ci_high", "flag", "period"} <= set(released.columns)


@pytest.mark.slow
def test_the_planted_wijk_is_flagged_above_on_a_larger_population(tmp_path: Path) -> None:
    """The known answer at a size where the planted excess (×1.6 in WK990107) has the power to show: its interval
    lies above 1 (benchmarks/bench_background.py repeats this over ten seeds at the default demo size)."""
    from udc.synth.generate import generate

    with Store(tmp_path / "s") as store:
        generate(store, persons=60_000, seed=5, years=(2019, 2022))
        s = udc_api.open(tmp_path / "s")
        rows = background.expected(store, background.get("youth_care"), user=s.user, audit=s.audit).rows
    planted = rows.set_index("area_code").loc[Params().youth_care_excess_wijk]
    assert planted.flag == "above" and planted.ci_low > 1, planted
    assert (rows.flag == "above").sum() <= 4  # the planted wijk and chance (43 wijken, 2.5 % each side)


def test_a_single_table_request_is_what_the_study_asks_the_gate(store_path: Path) -> None:
    """The study asks the gate typed requests over its dataset only: nothing it counts comes from elsewhere."""
    s = udc_api.open(store_path)
    with Store(store_path, read_only=True) as store:
        result = background.expected(store, background.get("youth_care"), level="gemeente", user=s.user, audit=s.audit)
    assert {t.source for t in result.tables} == {"synth_youth_risk"}
    assert all(t.method == "cellkey" and t.suppressed >= 0 for t in result.tables)


def test_stacking_counts_households_with_two_or_more_kinds_of_support(store_path: Path, tmp_path: Path) -> None:
    """Households per wijk by how many of bijstand, debt help and youth care they have: one table per year under
    secondary suppression (admins only); a gemeente is the sum of its wijken's published cells, withheld if any is,
    and --area only selects rows — every figure a slice or a sum of that one checked pattern."""
    wijken = _json("--store", str(store_path), "study", "stacking")
    assert wijken and all(r["area_code"].startswith("WK") for r in wijken)
    threshold = current(Store(store_path, read_only=True)).min_count
    for r in wijken:
        for key in ("households", "with_0", "with_1", "with_2_or_more"):
            assert r[key] is None or (isinstance(r[key], int) and (r[key] == 0 or r[key] >= threshold))
        if r["share_two_or_more"] is not None:
            assert r["share_two_or_more"] == round(100 * r["with_2_or_more"] / r["households"], 1)
    gemeenten = _json("--store", str(store_path), "study", "stacking", "--level", "gemeente")
    by_wijk = pd.DataFrame(wijken)
    for g in gemeenten:
        mine = by_wijk[by_wijk.area_code.str[2:6] == g["area_code"][2:]]
        for key in ("households", "with_0", "with_1", "with_2_or_more"):
            expected = None if mine[key].isna().any() else int(mine[key].sum())
            assert g[key] == expected, (g["area_code"], key)
    within = _json("--store", str(store_path), "study", "stacking", "--area", "GM9906")
    assert within == [r for r in wijken if r["area_code"].startswith("WK9906")]  # a slice, not another table
    path = shutil.copytree(store_path, tmp_path / "store")
    engine = engine_for(operational_url(path))
    add_user(engine, "onderzoeker2", "researcher", "correct horse battery")
    engine.dispose()
    with pytest.raises(Forbidden):
        udc_api.open(path, user="onderzoeker2").study.stacking()
