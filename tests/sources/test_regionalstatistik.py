"""Regionalstatistik flat CSV (issue 31, item 2): the German table 12411-01-01-5 (population by sex and 17 age
groups, Stichtag 31.12., Gemeinden) imported offline — AGS as LAU codes, 31 December as 1 January of the next year
with the note on every value, GENESIS's symbols typed, one-line errors, atomic.

No German file is in ../shared/data: the fixture is written here in the documented ffcsv shape of a
regionalstatistik.de / GENESIS-Online download (statistics_code, time_code, time, <n>_variable_code,
<n>_variable_attribute_code, <n>_variable_attribute_label, value, value_unit, value_variable_code); codes real
(Städteregion Aachen 05334, Aachen 05334002, Herzogenrath 05334016), values illustrative."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import udc
from cli_runner import udc as run_udc
from udc.sources.regionalstatistik import AGE_GROUPS, age_bounds
from udc.store import Store, catalogue

HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    "1_variable_attribute_code;1_variable_attribute_label;2_variable_code;2_variable_label;"
    "2_variable_attribute_code;2_variable_attribute_label;3_variable_code;3_variable_label;"
    "3_variable_attribute_code;3_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label"
)
PLACES = [("GEMEIN", "05334002", "Aachen, krfr. Stadt"), ("GEMEIN", "05334016", "Herzogenrath, Stadt"),
          ("KREISE", "05334", "Städteregion Aachen")]  # fmt: skip


def _row(variable: str, code: str, name: str, day: str, sex: str, age: str, value: str) -> str:
    label = {"GEMEIN": "Gemeinden", "KREISE": "Kreise und krfr. Städte"}[variable]
    return (
        f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;{day};{variable};{label};{code};{name};"
        f"GES;Geschlecht;{sex};{ {'GESM': 'männlich', 'GESW': 'weiblich', '': 'Insgesamt'}[sex] };"
        f"ALTX17;Altersgruppen (unter 3 bis 75 u. m.);{age};{dict(AGE_GROUPS).get(age, 'Insgesamt')};"
        f"{value};Anzahl;BEVSTD;Bevölkerungsstand"
    )


def _fixture(folder: Path, extra: list[str] | None = None, name: str = "12411-01-01-5.csv") -> Path:
    rows = []
    for day in ("2021-12-31", "2022-12-31"):
        for variable, code, place in PLACES:
            for i, (age, *_rest) in enumerate(AGE_GROUPS):
                rows.append(_row(variable, code, place, day, "", age, str(1000 + 10 * i + len(code))))
    path = folder / name
    path.write_text(HEADER + "\n" + "\n".join([*rows, *(extra or [])]) + "\n", encoding="utf-8")
    return path


def test_a_12411_table_imports_with_lau_codes_aligned_years_and_typed_symbols(tmp_path: Path) -> None:
    symbols = [
        _row("GEMEIN", "05334002", "Aachen", "31.12.2022", "GESM", "ALT075UM", "-"),
        _row("GEMEIN", "05334002", "Aachen", "31.12.2022", "GESW", "ALT075UM", "."),
        _row("GEMEIN", "05334016", "Herzogenrath", "31.12.2022", "GESM", "ALT075UM", "x"),
        _row("GEMEIN", "05334016", "Herzogenrath", "31.12.2022", "GESW", "ALT075UM", "/"),
        _row("GEMEIN", "053340000016", "Herzogenrath", "31.12.2022", "GESW", "ALT065B75", "12,5"),  # an ARS
    ]
    ran = run_udc("--store", str(tmp_path / "s"), "regionalstatistik", "import", str(_fixture(tmp_path, symbols)),
                  "--dataset", "de_bevolking")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "3 areas (DE_05334, DE_05334002, DE_05334016)" in ran.stdout and "periods 2022-2023" in ran.stdout
    table = udc.open(tmp_path / "s").read("de_bevolking")
    assert len(table) == 2 * 3 * len(AGE_GROUPS) + len(symbols)  # every row kept, missing ones too
    assert set(table.level) == {"gemeinde", "kreis"}
    newest = table[(table.area_code == "DE_05334002") & (table.ges == "Totaal") & (table.altx17 == "ALT000B03")]
    assert newest.set_index("period").value.to_dict() == {"2022": 1008.0, "2023": 1008.0}
    assert set(newest.reference) == {"31.12.2021 (= 1 januari 2022)", "31.12.2022 (= 1 januari 2023)"}
    assert set(newest.date) == {"2021-12-31", "2022-12-31"}
    typed = table[table.ges != "Totaal"].set_index(["area_code", "ges", "altx17"])
    assert typed.loc[("DE_05334002", "GESM", "ALT075UM")].value == 0  # "-": nothing, exactly zero
    for key, status in [(("DE_05334002", "GESW", "ALT075UM"), "unknown or secret"),
                        (("DE_05334016", "GESM", "ALT075UM"), "not applicable"),
                        (("DE_05334016", "GESW", "ALT075UM"), "not reliable enough")]:  # fmt: skip
        assert pd_isna(typed.loc[key].value) and typed.loc[key].status == status  # missing, never 0
    assert typed.loc[("DE_05334016", "GESW", "ALT065B75")].value == 12.5  # ARS → AGS; decimal comma
    assert set(table.measure) == {"BEVSTD"} and set(table.unit) == {"Anzahl"}


def pd_isna(value: object) -> bool:
    return bool(pd.isna(value))


def test_the_older_flat_shape_imports_too(tmp_path: Path) -> None:
    path = tmp_path / "flat.csv"
    path.write_text(
        "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;1_Merkmal_Label;"
        "1_Auspraegung_Code;1_Auspraegung_Label;BEVSTD__Bevoelkerungsstand__Anzahl\n"
        "12411;Fortschreibung;STAG;Stichtag;31.12.2022;KREISE;Kreise;05334;Städteregion Aachen;557026\n"
        "12411;Fortschreibung;STAG;Stichtag;31.12.2022;DLAND;Bundesländer;05;Nordrhein-Westfalen;18139116\n"
        "12411;Fortschreibung;STAG;Stichtag;31.12.2022;DINSG;Deutschland;DG;Deutschland;...\n",
        encoding="latin-1",
    )
    ran = run_udc("--store", str(tmp_path / "s"), "regionalstatistik", "import", str(path), "--dataset", "de")
    assert ran.returncode == 0, ran.stderr
    table = udc.open(tmp_path / "s").read("de").set_index("area_code")
    assert table.loc["DE_05334"].value == 557026 and table.loc["DEA"].value == 18139116  # a Land as NUTS 1
    assert pd_isna(table.loc["DE"].value) and table.loc["DE"].status == "not yet available"
    assert set(table.period) == {"2023"} and set(table.measure) == {"BEVSTD"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (_row("GEMEIN", "5334002", "Aachen", "2022-12-31", "", "ALT000B03", "1"), "field '1_variable_attribute"),
        (_row("GEMEIN", "05334002", "Aachen", "Dez. 2022", "", "ALT000B03", "1"), "row 5, field 'time'"),
        (_row("GEMEIN", "05334002", "Aachen", "2022-12-31", "", "ALT000B03", "1.234"), "row 5, field 'value'"),
    ],
)
def test_a_bad_row_is_one_line_naming_the_row_and_field_and_nothing_is_stored(
    tmp_path: Path, row: str, message: str
) -> None:
    store = tmp_path / "s"
    good = _fixture(tmp_path, name="good.csv")
    assert run_udc("--store", str(store), "regionalstatistik", "import", str(good), "--dataset", "de").returncode == 0
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n" + "\n".join([_row(*PLACES[0], "2022-12-31", "", "ALT000B03", "5")] * 3 + [row]))
    ran = run_udc("--store", str(store), "regionalstatistik", "import", str(path), "--dataset", "de", check=False)
    assert ran.returncode != 0 and message in ran.stderr and "Traceback" not in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1
    assert len(udc.open(store).read("de")) == 2 * 3 * len(AGE_GROUPS)  # the earlier import stands


def test_age_groups_give_their_bounds() -> None:
    assert age_bounds("ALT065B75") == (65, 75) and age_bounds("ALT075UM") == (75, None)
    assert age_bounds("ALT000B03") == (0, 3) and age_bounds("GESM") is None
    assert [a[0] for a in AGE_GROUPS][:2] == ["ALT000B03", "ALT003B06"] and len(AGE_GROUPS) == 17


def test_an_import_never_replaces_microdata_or_a_release_and_variables_never_take_a_fixed_column(
    demo_store: Path, tmp_path: Path
) -> None:
    """Found by a cold attack: an analyst's file under the name of a microdata table or a gate release replaced it
    (the persons gone, the release served as the file); a variable named AREA_CODE overwrote the area."""
    store = str(demo_store)
    run_udc("--store", store, "users", "add", "ana", "--role", "analyst")
    good = _fixture(tmp_path)
    for name in ("synth_persons_yearly", "grensregio_indicatoren"):
        ran = run_udc("--store", store, "regionalstatistik", "import", str(good), "--dataset", name, "--user", "ana",
                      check=False)  # fmt: skip
        assert (
            ran.returncode != 0 and "another kind of table" in ran.stderr and len(ran.stderr.strip().splitlines()) == 1
        )
    municipal = tmp_path / "m.csv"
    municipal.write_text("gemeente,jaar,aantal\nGM9901,2022,5\n")
    for name, why in (("synth_persons_yearly", "is a microdata table"), ("grensregio_indicatoren", "is a release")):
        ran = run_udc(
            "--store", store, "import", str(municipal), "--dataset", name, "--sensitivity", "open", check=False
        )  # fmt: skip — the catalogue's own guard, for every importer
        assert ran.returncode != 0 and why in ran.stderr and len(ran.stderr.strip().splitlines()) == 1
    with Store(demo_store, read_only=True) as opened:
        assert catalogue.get(opened, "synth_persons_yearly").sensitivity == "microdata"
        assert opened.rows("SELECT count(*) AS n FROM ds_synth_persons_yearly")[0]["n"] > 1000  # the persons stand
    assert "country" in udc.open(demo_store).read("grensregio_indicatoren").columns  # the release stands
    clash = tmp_path / "clash.csv"
    clash.write_text(
        HEADER + "\n" + _row(*PLACES[0], "2022-12-31", "", "ALT000B03", "5").replace(";GES;", ";AREA_CODE;")
    )
    ran = run_udc("--store", store, "regionalstatistik", "import", str(clash), "--dataset", "x", check=False)
    assert ran.returncode != 0 and "field '2_variable_code'" in ran.stderr and "GENESIS variable code" in ran.stderr
    huge = tmp_path / "huge.csv"
    huge.write_text(HEADER + "\n" + "x" * 200_000 + "\n")
    ran = run_udc("--store", store, "regionalstatistik", "import", str(huge), "--dataset", "x", check=False)
    assert ran.returncode != 0 and "not a readable flat CSV" in ran.stderr and "Traceback" not in ran.stderr


def test_two_tables_of_one_statistic_are_an_error_not_a_guess(demo_store: Path, tmp_path: Path) -> None:
    """Found by a cold attack: the German figures came from whichever table sorted last by name."""
    store = str(demo_store)
    run_udc("--store", store, "regionalstatistik", "import", str(_fixture(tmp_path)), "--dataset", "zz_second")
    ran = run_udc("--store", store, "indicators", "compute", "--ids", "bevolking_65plus", "--region", "grensregio",
                  "--years", "2021", check=False)  # fmt: skip
    assert ran.returncode != 0 and "regionalstatistik_bevolking, zz_second" in ran.stderr
