"""Numbers written with a unit ("5,1%", "12 %", "3,5 km", "€ 1.234") are numbers: stored bare, the unit in the
catalogue's column metadata — a column of one unit and some text is refused by row, never stored as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import udc
from shared_data import DATA

HEADER = "gemeente;jaar;werkloosheid;afstand;bedrag\n"
GOOD = HEADER + "GM0917;2022;5,1%;3,5 km;€ 1.234\nGM0899;2022;+12 %;12 km;€ 15\nGM0882;2022;−0,3%;1.200,5 km;€ 7,50\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("units") / "store"
    udc("--store", str(path), "areas", "import", str(DATA / "nlextract" / "gemeentelijke-indeling.csv"))
    return path


def _import(store: Path, content: str, dataset: str, *, check: bool = True, extra: tuple[str, ...] = ()):
    table = store.parent / f"{dataset}.csv"
    table.write_text(content, encoding="utf-8")
    args = ("--area-column", "gemeente", "--period-column", "jaar", *extra)
    return udc("--store", str(store), "import", str(table), "--dataset", dataset, *args, check=check), table


def test_numbers_with_a_unit_are_numbers_and_the_unit_is_catalogued(store: Path) -> None:
    import udc as api

    out, _ = _import(store, GOOD, "met_eenheden")
    assert "read as numbers with their unit: werkloosheid (%), afstand (km), bedrag (€)" in out.stdout
    s = api.open(store)
    frame = s.read("met_eenheden").set_index("area_code")
    assert frame["werkloosheid"].dtype.kind == "f" and frame.loc["GM0917", "werkloosheid"] == 5.1  # 5.1, not 0.051
    assert frame.loc["GM0882", "afstand"] == 1200.5 and frame.loc["GM0917", "bedrag"] == 1234
    assert frame.loc["GM0899", "werkloosheid"] == 12 and frame.loc["GM0882", "werkloosheid"] == -0.3  # signs
    columns = {c["name"]: c for c in s.describe("met_eenheden")["columns"]}
    assert (columns["werkloosheid"]["unit"], columns["afstand"]["unit"], columns["bedrag"]["unit"]) == ("%", "km", "€")


MIXED = {
    "text": (
        HEADER + "GM0917;2022;5,1%;1 km;€ 1\nGM0899;2022;onbekend;1 km;€ 1\nGM0882;2022;0,3%;1 km;€ 1\n",
        "row 3, field 'werkloosheid': 'onbekend' where the column holds numbers in % (row 2: '5,1%'): expected a "
        "number followed by % or a value declared missing (--missing …)",
    ),
    "bare": (
        HEADER + "GM0917;2022;5,1%;1 km;€ 1\nGM0899;2022;4,0%;1 km;€ 1\nGM0882;2022;7;1 km;€ 1\n",
        "row 4, field 'werkloosheid': '7' where the column holds numbers in % (row 2: '5,1%'): expected a number "
        "followed by % or a value declared missing (--missing …)",
    ),
    "units": (
        HEADER + "GM0917;2022;1%;3,5 km;€ 1\nGM0899;2022;1%;800 m;€ 1\nGM0882;2022;1%;2 km;€ 1\n",
        "row 3, field 'afstand': '800 m' where the column holds numbers in km (row 2: '3,5 km'): expected a number "
        "followed by km",
    ),
}


@pytest.mark.parametrize("case", sorted(MIXED))
def test_a_unit_column_with_other_values_is_refused_by_row_and_nothing_is_stored(store: Path, case: str) -> None:
    import udc as api

    content, expected = MIXED[case]
    _import(store, GOOD, f"vast_{case}")
    s = api.open(store)
    before = ({e["name"] for e in s.catalogue()}, s.read(f"vast_{case}"), s.describe(f"vast_{case}")["columns"])
    for dataset in (f"gemengd_{case}", f"vast_{case}"):  # a new dataset, and one the file would replace
        result, table = _import(store, content, dataset, check=False)
        assert result.returncode == 1 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr == f"udc: error: {table}, {expected}\n"
    s = api.open(store)
    assert {e["name"] for e in s.catalogue()} == before[0] and s.read(f"vast_{case}").equals(before[1])
    assert s.describe(f"vast_{case}")["columns"] == before[2]


def test_declared_missing_values_beside_a_unit_are_missing(store: Path) -> None:
    import udc as api

    content = HEADER + "GM0917;2022;5,1%;1 km;€ 1\nGM0899;2022;.;1 km;€ 1\nGM0882;2022;0,3%;1 km;€ 1\n"
    _import(store, content, "met_punt", extra=("--missing", "."))
    frame = api.open(store).read("met_punt").set_index("area_code")
    assert frame.loc["GM0917", "werkloosheid"] == 5.1 and pd_isna(frame.loc["GM0899", "werkloosheid"])


def test_house_numbers_and_postcodes_stay_text(store: Path) -> None:
    import udc as api

    content = "gemeente;jaar;huisnummer;postcode\nGM0917;2022;12a;6411 AB\nGM0899;2022;3;6441 HA\n"
    _import(store, content, "adressen")
    frame = api.open(store).read("adressen")
    assert list(frame["huisnummer"]) == ["12a", "3"] and list(frame["postcode"]) == ["6411 AB", "6441 HA"]


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
