"""Computed indicators against the microdata counted independently: cell-key counts within the noise bound,
suppression-protected counts exact, the ratio from the published counts, an interval around every value that is
wider for a small buurt than for its municipality."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import udc as api
from cli_runner import udc
from udc.store import Store, catalogue


@pytest.fixture(scope="module")
def computed(demo_store: Path) -> pd.DataFrame:
    return api.open(demo_store).indicators.compute(["jeugd_jeugdzorg", "armoede_laag_inkomen"], years="2021")


def raw(store: Path, dataset: str) -> pd.DataFrame:
    with Store(store, read_only=True) as s:  # the test's own count of the microdata, not through the gate
        return catalogue.read(s, dataset)


def test_counts_agree_with_the_microdata(demo_store: Path, computed: pd.DataFrame) -> None:
    persons = raw(demo_store, "synth_persons_yearly")
    young = persons[(persons.year == 2021) & (persons.age <= 17) & persons.buurt_code.str.startswith("BU")]
    young = young.assign(gm="GM" + young.buurt_code.str[2:6])
    row = computed[
        (computed.indicator == "jeugd_jeugdzorg") & (computed.area_code == "GM9901") & (computed.period == "2021")
    ].iloc[0]
    truth_n = (young.gm == "GM9901").sum()
    truth_k = ((young.gm == "GM9901") & young.youth_care).sum()
    assert abs(row.denominator - truth_n) <= 2 and abs(row.numerator - truth_k) <= 2  # cell key: |noise| ≤ D = 2
    assert row.value == pytest.approx(100 * row.numerator / row.denominator)
    assert row.ci_low < row.value < row.ci_high and row.status == "published"
    households = raw(demo_store, "synth_households")
    hh = households[(households.year == 2021) & households.buurt_code.str.startswith("BU9901")]
    low = computed[
        (computed.indicator == "armoede_laag_inkomen") & (computed.area_code == "GM9901") & (computed.period == "2021")
    ].iloc[0]
    # households carry record keys too (cell key, not exact suppression: exact counts of chosen areas differenced)
    assert abs(low.numerator - (hh.income_class == "low").sum()) <= 2 and abs(low.denominator - len(hh)) <= 2


def test_small_areas_get_wider_intervals_and_withheld_counts_no_value(computed: pd.DataFrame) -> None:
    part = computed[(computed.indicator == "jeugd_jeugdzorg") & (computed.period == "2021")]
    municipality = part[part.area_code == "GM9901"].iloc[0]
    buurten = part[(part.level == "buurt") & (part.status == "published") & part.area_code.str.startswith("BU9901")]
    widths = buurten.ci_high - buurten.ci_low
    assert (widths > municipality.ci_high - municipality.ci_low).all()
    assert {"buurt", "wijk", "gemeente", "region", "total"} <= set(part.level)
    withheld = part[part.status == "suppressed"]
    assert withheld.value.isna().all() and withheld.ci_low.isna().all()


def test_cli_contract_keys(demo_store: Path) -> None:
    out = udc(
        "--store",
        str(demo_store),
        "indicators",
        "compute",
        "--ids",
        "bevolking_65plus",
        "--level",
        "gemeente",
        "--years",
        "2021",
        "--format",
        "json",
    ).stdout
    rows = json.loads(out)
    assert rows and set(rows[0]) == {
        "indicator",
        "area_code",
        "period",
        "value",
        "numerator",
        "denominator",
        "ci_low",
        "ci_high",
        "status",
    }
    assert {r["area_code"][:2] for r in rows} == {"GM"}
    listed = json.loads(udc("indicators", "list", "--format", "json").stdout)
    assert "jeugd_jeugdzorg" in {r["id"] for r in listed}


def test_every_library_indicator_computes_on_the_demo(demo_store: Path) -> None:
    from udc.indicators.model import library

    frame = api.open(demo_store).indicators.compute(years="2021", levels=["gemeente", "total"])
    totals = frame[frame.area_code == "Totaal"].set_index("indicator")
    counted = {i for i, d in library().items() if d.weighted is None}  # rolled-up rates need a KWB series
    assert set(totals.index) == counted and counted != set(library())
    # The small demo has about a hundred newborns in 2021: those with two or more risk factors, born preterm or with
    # a low weight are fewer than the policy's minimum of 10, so the gate withholds those counts (and only those)
    # even for the whole region.
    newborns = raw(demo_store, "synth_newborns")
    born = newborns[newborns.year == 2021]
    small = {
        "jeugd_pasgeborenen_risico": (born.risk_factors >= 2).sum(),
        "jeugd_vroeggeboorte": born.preterm.sum(),
        "jeugd_laag_geboortegewicht": born.low_birth_weight.sum(),
    }
    for indicator, count in small.items():
        assert (totals.loc[indicator].status == "suppressed") == (count < 10), (indicator, count)
    published = totals[totals.status == "published"]
    assert set(totals.index) - set(published.index) <= {i for i, count in small.items() if count < 10}
    for indicator in (library()[i] for i in published.index):
        row = totals.loc[indicator.id]
        assert row.value == pytest.approx(indicator.scale * row.numerator / row.denominator)
        if indicator.unit == "percent":
            assert 0 <= row.ci_low <= row.value <= row.ci_high <= 100


def test_funnel_flags_follow_the_control_limits(computed: pd.DataFrame) -> None:
    import numpy as np

    part = computed[(computed.indicator == "armoede_laag_inkomen") & (computed.period == "2021")]
    total = part[part.area_code == "Totaal"].iloc[0]
    p0 = total.numerator / total.denominator
    for row in part[(part.status == "published") & (part.level == "buurt")].itertuples():
        z = (row.numerator / row.denominator - p0) / np.sqrt(p0 * (1 - p0) / row.denominator)
        expected = (
            "above_998"
            if z > 3.0902
            else "above_95"
            if z > 1.96
            else "below_998"
            if z < -3.0902
            else "below_95"
            if z < -1.96
            else "within"
        )
        assert row.funnel == expected
    assert part.funnel.notna().any() and total.funnel == "within"


def test_a_release_accepts_withheld_values_without_their_table_but_never_values(demo_store: Path) -> None:
    """A count the gate refused as too detailed contributed nothing (all NaN): the release goes ahead without it.
    A value from microdata with no protected table behind it is refused."""
    from udc.indicators import release
    from udc.indicators.compute import compute
    from udc.indicators.model import library
    from udc.privacy.access import User
    from udc.privacy.audit import store_log

    admin, audit = User("beheer", "admin"), store_log(demo_store)
    lowbw, youth = library()["jeugd_laag_geboortegewicht"], library()["jeugd_jeugdzorg"]
    with Store(demo_store) as store:
        used: list = []
        frame = compute(store, youth, years=[2021], user=admin, audit=audit, collect=used)
        withheld = frame.assign(indicator=lowbw.id, numerator=float("nan"), denominator=float("nan"))
        both = pd.concat([frame, withheld], ignore_index=True)
        release.release(store, both, used, [youth, lowbw], name="ind_test", user=admin, audit=audit)
        assert catalogue.get(store, "ind_test").provenance["derived_from"] == len(used)
        leaked = pd.concat([frame, frame.assign(indicator=lowbw.id)], ignore_index=True)
        with pytest.raises(Exception, match="has values but no protected table"):
            release.release(store, leaked, used, [youth, lowbw], name="ind_test", user=admin, audit=audit)
