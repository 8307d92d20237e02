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
    rows = _json("--store", str(store_path), "study", "expected", "--outcome", "youth_care", "--level", "wijk")
    assert rows and all(
        list(r) == ["area_code", "observed", "expected", "ratio", "ci_low", "ci_high", "flag"] for r in rows
    )
    assert all(r["area_code"].startswith("WK") for r in rows)
    shown = [r for r in rows if r["observed"] is not None]
    assert len(shown) >= len(rows) // 2
    for r in shown:
        assert r["ci_low"] <= r["ratio"] <= r["ci_high"]
        assert r["flag"] == ("above" if r["ci_low"] > 1 else "below" if r["ci_high"] < 1 else "as_expected")
    # the whole region against itself: observed and expected add up to about the same
    observed, expected = sum(r["observed"] for r in shown), sum(r["expected"] for r in shown)
    assert abs(observed - expected) / expected < 0.1


def test_every_number_is_a_published_cell_or_made_from_them(store_path: Path) -> None:
    """What the study shows per wijk is the gate's own cell (the same one a researcher's table gives), never a count
    below the threshold; per factor level, sums of published cells of at least the threshold each."""
    s = udc_api.open(store_path)
    threshold = current(Store(store_path, read_only=True)).min_count
    expected = s.study.expected("youth_care", level="wijk")
    direct = s.table(
        dataset="synth_youth_risk",
        dimensions=["buurt_code"],
        area="buurt_code",
        filters=[Filter(column="year", between=expected.years), Filter(column="youth_care_start", values=["true"])],
    ).cells.set_index("buurt_code")["count"]
    for row in expected.rows.itertuples():
        published = direct.get(row.area_code)
        assert (row.observed is None or pd.isna(row.observed)) == pd.isna(published)
        if row.observed is not None and not pd.isna(row.observed):
            assert row.observed == published >= threshold
    determinants = s.study.determinants("youth_care")
    assert (determinants.rows.events >= threshold).all() and (determinants.rows.exposure >= threshold).all()
    assert all(t.method == "cellkey" for t in determinants.tables)


def test_too_few_published_cells_refuse_the_model(store_path: Path) -> None:
    with pytest.raises(UdcError, match="residual degrees of freedom"):
        udc_api.open(store_path).study.determinants("bijstand", years="2021")


def test_unknown_outcomes_factors_and_levels_are_one_line_errors(store_path: Path) -> None:
    for args, message in [
        (["determinants", "--outcome", "crime"], "unknown outcome 'crime': expected one of bijstand, debt_help"),
        (["determinants", "--outcome", "youth_care", "--by", "person_id"], "--by person_id: factors are distinct"),
        (["expected", "--outcome", "youth_care", "--level", "straat"], "--level straat: expected one of buurt"),
    ]:
        ran = udc("--store", str(store_path), "study", *args, check=False)
        assert ran.returncode == 1 and message in ran.stderr and "Traceback" not in ran.stderr


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
    result = s.study.expected("youth_care", level="gemeente")
    assert {t.source for t in result.tables} == {"synth_youth_risk"}
    assert all(t.method == "cellkey" and t.suppressed >= 0 for t in result.tables)
