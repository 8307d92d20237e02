"""A series across a municipal merger: Onderbanken, Nuth and Schinnen became Beekdaelen on 1 January 2019 (the real
validity list and region code list in the registry). On the 2020 boundaries the 2018 value of Beekdaelen is the
ratio of the three predecessors' summed counts — not an average of their ratios — and says how it was made."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_runner import udc

ROWS = [  # area_code, year, mannen, inwoners (a municipal table in the documented shape, per year's boundaries)
    ("GM0881", 2018, 3_890, 7_810),
    ("GM0951", 2018, 7_480, 15_120),
    ("GM0962", 2018, 6_370, 12_890),
    ("GM0917", 2018, 42_810, 86_760),
    ("GM1954", 2020, 17_880, 35_930),
    ("GM0917", 2020, 42_700, 86_870),
]
DEFINITION = {
    "id": "aandeel_mannen_gm",
    "version": 1,
    "title": {"nl": "Aandeel mannen", "en": "Share of men"},
    "description": {"nl": "Mannen als percentage van de inwoners.", "en": "Men as a percentage of residents."},
    "theme": "bevolking",
    "unit": "percent",
    "universe": {"nl": "Inwoners", "en": "Residents"},
    "numerator": {"dataset": "limburg", "measure": "mannen", "area": "area_code"},
    "denominator": {"dataset": "limburg", "measure": "inwoners", "area": "area_code"},
    "levels": ["gemeente", "total"],
    "polarity": "neutral",
    "source": "fixture in the shape of CBS Kerncijfers",
}


@pytest.fixture(scope="module")
def store(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rebase")
    path = folder / "store"
    shutil.copytree(registry_template, path)
    table = folder / "limburg.csv"
    table.write_text("gemeentecode,jaar,mannen,inwoners\n" + "".join(f"{a},{y},{m},{i}\n" for a, y, m, i in ROWS))
    udc(
        "--store",
        str(path),
        "import",
        str(table),
        "--dataset",
        "limburg",
        "--area-column",
        "gemeentecode",
        "--period-column",
        "jaar",
        "--sensitivity",
        "open",
    )
    (folder / "def.yaml").write_text(json.dumps(DEFINITION))
    udc("--store", str(path), "indicators", "add", str(folder / "def.yaml"))
    return path


def test_the_merged_municipality_gets_its_predecessors_summed_counts(store: Path) -> None:
    rows = json.loads(
        udc(
            "--store",
            str(store),
            "indicators",
            "compute",
            "--ids",
            "aandeel_mannen_gm",
            "--years",
            "2018-2020",
            "--boundaries",
            "2020",
            "--format",
            "json",
        ).stdout
    )
    by = {(r["area_code"], r["period"]): r for r in rows}
    merged = by[("GM1954", "2018")]
    assert (merged["numerator"], merged["denominator"]) == (3_890 + 7_480 + 6_370, 7_810 + 15_120 + 12_890)
    assert merged["value"] == pytest.approx(round(100 * 17_740 / 35_820, 1))
    averaged = (100 * 3_890 / 7_810 + 100 * 7_480 / 15_120 + 100 * 6_370 / 12_890) / 3
    assert round(averaged, 1) != merged["value"]  # the test would not notice an average otherwise
    assert merged["note"].startswith("merged to 2020: GM0881 (1.0000), GM0951 (1.0000), GM0962 (1.0000)")
    assert by[("GM0917", "2018")]["note"] == "" and by[("GM1954", "2020")]["note"] == ""
    assert ("GM0881", "2018") not in by  # the old codes are gone from a series on the 2020 boundaries


def test_without_boundaries_each_year_keeps_its_own_codes(store: Path) -> None:
    rows = json.loads(
        udc(
            "--store",
            str(store),
            "indicators",
            "compute",
            "--ids",
            "aandeel_mannen_gm",
            "--years",
            "2018-2020",
            "--format",
            "json",
        ).stdout
    )
    codes = {(r["area_code"], r["period"]) for r in rows}
    assert {("GM0881", "2018"), ("GM1954", "2020")} <= codes and ("GM1954", "2018") not in codes
    assert "note" not in rows[0]


def test_a_series_of_open_figures_is_released_with_its_notes(store: Path) -> None:
    from udc.store import Store, catalogue

    udc(
        "--store",
        str(store),
        "indicators",
        "compute",
        "--ids",
        "aandeel_mannen_gm",
        "--years",
        "2018-2020",
        "--boundaries",
        "2020",
        "--release",
        "aandeel_mannen_reeks",
    )
    with Store(store, read_only=True) as s:
        released = catalogue.read(s, "aandeel_mannen_reeks")
        entry = catalogue.get(s, "aandeel_mannen_reeks")
    row = released[(released.area_code == "GM1954") & (released.period == "2018")].iloc[0]
    assert row.note.startswith("merged to 2020") and entry.sensitivity == "open"
    assert entry.provenance["derived_from"] == 0  # open figures only: no gate table was needed
