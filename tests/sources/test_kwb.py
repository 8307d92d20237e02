"""Issue 29: the five real Heerlen KWB files (2016-2020, keyed by name, columns drifting) become one series, and
published rates and averages become indicators rolled up by their weight that reproduce CBS's own higher-level
figures (up to CBS's rounding)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cli_runner import udc
from shared_data import DATA
from udc.areas import registry
from udc.errors import InputError
from udc.indicators import model, weighted
from udc.sources import kwb
from udc.store import Store, catalogue

FILES = sorted((DATA / "heerlen_urbandata").glob("Kerncijfers_wijken_en_buurten_*_pp.csv"))


@pytest.fixture(scope="module")
def heerlen(parkstad_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of Heerlen's wijken and buurten (2022 geometry: the files' names match them) for the series."""
    path = tmp_path_factory.mktemp("kwb") / "store"
    shutil.copytree(parkstad_template, path)
    return path


@pytest.fixture(scope="module")
def imported(heerlen: Path) -> dict:
    result = udc("--store", str(heerlen), "kwb", "import", *map(str, FILES), "--within", "GM0917", "--format", "json")
    return json.loads(result.stdout)[0]


def test_five_years_become_one_series_with_the_drift_resolved(imported: dict, heerlen: Path) -> None:
    assert len(FILES) == 5 and imported["years"] == [2016, 2017, 2018, 2019, 2020]
    assert imported["mapped_share"] >= 0.95
    by_year = {f["year"]: f for f in imported["files"]}
    assert all(f["areas"] == 81 for f in by_year.values())  # gemeente, 23 wijken, 57 buurten; the footer is no row
    # 2020 spells columns with a trailing "_" and publishes no housing or energy: mapped, and said
    assert not by_year[2020]["unmapped"]
    missing_2020 = set(by_year[2020]["without_figures"])
    assert {"woningvoorraad", "pct_onbewoond", "elektriciteit", "aardgas"} <= missing_2020
    assert "woningvoorraad" not in by_year[2019]["without_figures"]
    with Store(heerlen, read_only=True) as store:
        series = catalogue.read(store, "kwb")
    assert set(series.columns) >= {"area_code", "year", "variable", "value", "status"}
    assert series[(series.year == 2020) & (series.variable == "woningvoorraad")].empty  # no figure, never a zero
    # the variable spelled differently in 2019 and 2020 is one variable with both years
    wmo = series[(series.variable == "opleiding_laag") & (series.area_code == "GM0917")]
    assert sorted(wmo.year) == [2019]  # 2020's column exists but is empty: no figure
    inwoners = series[(series.variable == "inwoners") & (series.area_code == "GM0917")].set_index("year").value
    assert inwoners.to_dict() == {2016: 87406, 2017: 87189, 2018: 86762, 2019: 86832, 2020: 87086}


def test_published_rates_roll_up_to_the_published_gemeente_and_wijk_figures(imported: dict, heerlen: Path) -> None:
    with Store(heerlen, read_only=True) as store:
        wijken = [a["code"] for a in registry.list_areas(store, kind="WK", within="GM0917")]
    assert len(wijken) == 23
    udc("--store", str(heerlen), "regions", "define", "heerlen_wijken", "--members", ",".join(wijken))
    ids = "veiligheid_diefstal_uit_woning,energie_elektriciteit"
    shown = udc(
        "--store",
        str(heerlen),
        "indicators",
        "compute",
        "--ids",
        ids,
        "--region",
        "heerlen_wijken",
        "--years",
        "2016-2018",
        "--format",
        "json",
    )
    rows = [r for r in json.loads(shown.stdout) if r["area_code"] == "heerlen_wijken"]  # the region, not its members
    assert {(r["indicator"], r["period"]) for r in rows} == {
        (i, str(y)) for i in ids.split(",") for y in (2016, 2017, 2018)
    }
    with Store(heerlen, read_only=True) as store:
        series = catalogue.read(store, "kwb")
    published = series[series.area_code == "GM0917"].set_index(["variable", "year"]).value
    for row in rows:
        assert row["method"] == "weighted roll-up" and row["source_value"] is None
        if row["indicator"] == "veiligheid_diefstal_uit_woning":
            assert abs(row["value"] - published[("diefstal_uit_woning", int(row["period"]))]) <= 1.0
        else:
            gemeente = published[("elektriciteit", int(row["period"]))]
            assert abs(row["value"] - gemeente) <= 0.02 * gemeente
    # wijken: the published figure is the value, the roll-up of its buurten beside it, within the same bounds
    with Store(heerlen, read_only=True) as store:
        for iid, _variable, close in (
            ("veiligheid_diefstal_uit_woning", "diefstal_uit_woning", lambda a, b: abs(a - b) <= 1.0),
            ("energie_elektriciteit", "elektriciteit", lambda a, b: abs(a - b) <= 0.02 * b),
        ):
            frame = weighted.compute(store, model.get(iid), years=[2016, 2017, 2018], levels=["wijk"])
            both = frame.dropna(subset=["source_value", "rolled_up"])
            assert (both.method == "published").all() and (both.value == both.source_value).all()
            share = sum(close(r.rolled_up, r.source_value) for r in both.itertuples()) / len(both)
            assert len(both) >= 60 and share >= 0.9, (iid, share)


def test_a_text_in_a_number_column_names_file_row_and_field_and_nothing_changes(
    heerlen: Path, imported: dict, tmp_path: Path
) -> None:
    store_copy = tmp_path / "store"
    shutil.copytree(heerlen, store_copy)
    frame = pd.read_csv(FILES[0], dtype=str)
    frame.loc[3, "Bevolking_Aantal_inwoners"] = "veel"
    bad = tmp_path / "Kerncijfers_wijken_en_buurten_2016_pp.csv"
    frame.to_csv(bad, index=False)
    with Store(store_copy) as store:
        before = catalogue.read(store, "kwb")
        with pytest.raises(
            InputError, match=r"row 5, field 'Bevolking_Aantal_inwoners': column is numeric except for 'veel'"
        ):
            kwb.import_kwb(store, [str(bad)], within="GM0917")
        pd.testing.assert_frame_equal(catalogue.read(store, "kwb"), before)
    failed = udc("--store", str(store_copy), "kwb", "import", str(bad), "--within", "GM0917", check=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr and failed.stderr.count("\n") == 1


def test_the_registry_claims_each_spelling_once_and_weights_are_variables() -> None:
    reg = kwb.registry()
    assert len(reg.variables) >= 100
    assert reg.match("Zorg_Wmo_cliënten_").id == reg.match("zorg_wmo_cliënten").id == "wmo_clienten"
    for v in reg.variables.values():
        if v.kind in kwb.ROLLED_UP and v.weight:
            assert v.weight in reg.variables
    assert reg.year_of("84583NED_TypedDataSet.json") == 2019 and reg.year_of("kwb_2016_pp.csv") == 2016
