"""Issue 29: indicators over the open KWB series of Heerlen (real files, 2016-2020) — published rates, averages and
pairs of counts rolled up from buurten, with intervals where the figures are counts, a release of them, and the
ISO 37120 report they complete; microdata never rolls up outside the gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli_runner import udc
from udc.errors import UdcError
from udc.indicators import iso, model, weighted
from udc.store import Store, catalogue


@pytest.fixture(scope="module")
def heerlen(heerlen_kwb_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("weighted") / "store"
    shutil.copytree(heerlen_kwb_template, path)
    return path


@pytest.fixture(scope="module")
def published(heerlen: Path) -> dict:
    """The series' own figures: (variable, area, year) → value."""
    with Store(heerlen, read_only=True) as store:
        series = catalogue.read(store, "kwb")
    return {(r.variable, r.area_code, int(r.year)): r.value for r in series.itertuples()}


def compute(store_path: Path, indicator_id: str, years: list[int], levels: list[str] | None = None):
    with Store(store_path, read_only=True) as store:
        return weighted.compute(store, model.get(indicator_id), years=years, levels=levels)


def test_a_pair_of_counts_is_their_quotient_and_larger_areas_divide_their_sums(heerlen: Path, published: dict) -> None:
    frame = compute(heerlen, "economie_vestigingen", [2017]).set_index("area_code")
    gemeente = frame.loc["GM0917"]
    expected = published[("vestigingen", "GM0917", 2017)] / published[("inwoners", "GM0917", 2017)] * 1000
    assert gemeente.method == "published" and gemeente.value == pytest.approx(expected)
    # the counts it divides are in the output, whole numbers (programs read them)
    assert gemeente.numerator == published[("vestigingen", "GM0917", 2017)]
    assert gemeente.denominator == published[("inwoners", "GM0917", 2017)]
    assert gemeente.ci_low < gemeente.value < gemeente.ci_high
    # a wijk's roll-up is the quotient of its buurten's sums
    wijk = frame[frame.level == "wijk"].dropna(subset=["rolled_up"]).iloc[0]
    inside = wijk.name[2:8]  # WK091710 → the buurten BU091710xx
    buurten = [c for (v, c, y) in published if v == "inwoners" and y == 2017 and c[:2] == "BU" and c[2:8] == inside]
    num = sum(published.get(("vestigingen", c, 2017), np.nan) for c in buurten)
    den = sum(published[("inwoners", c, 2017)] for c in buurten if ("vestigingen", c, 2017) in published)
    assert wijk.rolled_up == pytest.approx(num / den * 1000)


def test_an_average_times_its_weight_divided_is_a_total_per_inhabitant_without_an_interval(
    heerlen: Path, published: dict
) -> None:
    row = compute(heerlen, "energie_elektriciteit_per_inwoner", [2018], ["gemeente"]).iloc[0]
    kwh = published[("elektriciteit", "GM0917", 2018)] * published[("woningvoorraad", "GM0917", 2018)]
    assert row.value == pytest.approx(kwh / published[("inwoners", "GM0917", 2018)])  # 1 408 kWh per inhabitant
    assert np.isnan(row.ci_low) and np.isnan(row.numerator)  # kWh are no count: no Poisson interval, no "numerator"


def test_a_rate_published_per_1000_is_shown_per_100000_and_has_an_interval_of_the_count_it_implies(
    heerlen: Path, published: dict
) -> None:
    frame = compute(heerlen, "veiligheid_geweld_per_100000", [2016, 2017, 2018], ["gemeente", "buurt"])
    gemeente = frame[frame.area_code == "GM0917"].set_index("period")
    for year in (2016, 2017, 2018):
        assert gemeente.value[str(year)] == 100 * published[("geweld", "GM0917", year)]
    # the implied count of a gemeente (~650 crimes) gives a narrow interval; a small buurt's a wide one
    g = gemeente.loc["2018"]
    assert g.ci_low < g.value < g.ci_high and (g.ci_high - g.ci_low) / g.value < 0.25
    buurten = frame[(frame.level == "buurt") & (frame.period == "2018") & (frame.value > 0)]
    widths = (buurten.ci_high - buurten.ci_low) / buurten.value
    assert widths.max() > 0.5 and np.isnan(buurten.numerator).all()  # implied counts are not published counts
    assert set(buurten.funnel.dropna()) <= {"above_998", "above_95", "within", "below_95", "below_998"}
    assert buurten.funnel.notna().sum() >= 40


def test_a_mean_has_no_interval_and_a_definition_cannot_mix_kinds() -> None:
    body = model.get("energie_aardgas").model_dump(mode="json")
    with pytest.raises(ValueError, match="published mean has unit 'mean'"):
        model.Indicator.model_validate(body | {"unit": "percent"})
    with pytest.raises(ValueError, match="number or its title"):
        model.Indicator.model_validate(body | {"iso37120": {"number": "7.1", "title": "x", "formula": "f"}})


def test_every_iso_title_a_definition_names_is_in_the_catalogue() -> None:
    titles = {e["en"] for e in iso.catalogue()["indicators"]}
    numbers = {e.get("number") for e in iso.catalogue()["indicators"]}
    for indicator in model.library().values():
        if indicator.iso37120:
            assert indicator.iso37120.title in titles or indicator.iso37120.number in numbers, indicator.id


def test_microdata_never_rolls_up_outside_the_gate(heerlen: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(heerlen, copy)
    with Store(copy) as store:
        store.con.execute("UPDATE datasets SET sensitivity = 'microdata' WHERE name = 'kwb'")  # as if it were
        for indicator_id in ("veiligheid_geweld", "energie_aardgas", "economie_vestigingen"):
            with pytest.raises(UdcError, match="'kwb' is microdata"):
                weighted.compute(store, model.get(indicator_id), years=[2017])


def test_released_open_indicators_and_the_iso_report_from_real_data(heerlen: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(heerlen, copy)
    ids = "veiligheid_geweld,energie_aardgas,economie_vestigingen,wonen_onbewoond"
    udc("--store", str(copy), "indicators", "compute", "--ids", ids, "--years", "2016-2020", "--release", "indicatoren")
    with Store(copy, read_only=True) as store:
        released = catalogue.read(store, "indicatoren")
        entry = catalogue.get(store, "indicatoren")
    assert set(released.indicator) == set(ids.split(",")) and entry.sensitivity == "open"
    assert set(released.period) == {"2016", "2017", "2018", "2019", "2020"}
    wccd = tmp_path / "wccd.csv"
    report = udc(
        "--store", str(copy), "indicators", "iso37120", "GM0917", "--years", "2016-2020", "--format", "json",
        "--wccd", str(wccd),
    )  # fmt: skip
    shown = json.loads(report.stdout)[0]
    computed = {r["title_en"]: r for r in shown["indicators"] if r["status"] == "computed"}
    assert len(computed) == shown["summary"]["computed"] >= 8, sorted(computed)
    assert computed["Personal automobiles per capita"]["value"] == pytest.approx(44960 / 87086, abs=0.005)
    # the published gemeente row of 2020: 3 275 motorcycles, 87 086 inhabitants
    assert computed["Two-wheel motorized vehicles per capita"]["value"] == pytest.approx(3275 / 87086, abs=0.0005)
    assert computed["Two-wheel motorized vehicles per capita"]["year"] == "2020"
    assert computed["Businesses per 100 000 population"]["year"] == "2017"
    # 5.3 has a register definition too (no data here): the one with a value is reported
    assert computed["Share of the population living in poverty"]["indicator"] == "armoede_laag_inkomen_kwb"
    submission = pd.read_csv(wccd, dtype={"iso_number": str, "year": str})
    assert list(submission.columns) == ["iso_number", "theme", "indicator", "value", "unit", "year", "source",
                                        "formula", "area_code"]  # fmt: skip
    assert len(submission) == len(computed) and set(submission.indicator) == set(computed)
    assert submission.set_index("indicator").loc["Businesses per 100 000 population", "iso_number"] == "5.6"
    assert submission.source.str.startswith("CBS Kerncijfers").all()
