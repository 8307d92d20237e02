"""``udc import --append``: yearly municipal files with the same area key stacked into one dataset with a year.

The small files are written here in the shape municipalities publish yearly figures (one file per year, a row per
buurt with its CBS code and name, Dutch numbers, columns that come and go between years); the real Heerlen Kerncijfers
files are read in place from ../shared/data.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from cli_runner import udc
from udc.errors import InputError, UdcError
from udc.privacy.audit import store_log
from udc.sources.importer import ImportOptions, append_municipal, import_municipal, year_in_name
from udc.store import Store, catalogue

BY_CODE = ImportOptions(area_column="buurtcode", sensitivity="open")

# Wmo clients per Heerlen buurt (codes and names of the real 2022 buurten); 2022 drops a column, 2023 adds one.
WMO = {
    "wmo_clienten_per_buurt_2021.csv": (
        "buurtcode;buurtnaam;wmo_clienten;huishoudelijke_hulp\n"
        "BU09171000;Maria Gewanden;112;40\nBU09171001;Terschuren;87;31\nBU09171100;Mariarade-Noord;64;22\n"
    ),
    "wmo_clienten_per_buurt_2022.csv": (
        "buurtcode;buurtnaam;wmo_clienten\n"
        "BU09171000;Maria Gewanden;118\nBU09171001;Terschuren;90\nBU09171100;Mariarade-Noord;61\n"
    ),
    "wmo_clienten_per_buurt_2023.csv": (
        "buurtcode;buurtnaam;wmo_clienten;jeugdhulp_aandeel\n"
        "BU09171000;Maria Gewanden;121;8,5\nBU09171001;Terschuren;93;7,25\nBU09171100;Mariarade-Noord;66;9\n"
    ),
}


@pytest.fixture
def parkstad(parkstad_template: Path, tmp_path: Path) -> Store:
    shutil.copytree(parkstad_template, tmp_path / "store")
    with Store(tmp_path / "store") as store:
        yield store


@pytest.fixture
def wmo(tmp_path: Path) -> list[str]:
    for name, text in WMO.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [str(tmp_path / name) for name in WMO]


def _snapshot(store: Store, name: str) -> tuple[list[dict], dict]:
    """The stored rows and catalogue entry, to show a refused import changed nothing."""
    rows = catalogue.read(store, name).astype(object).to_dict("records")
    entry = catalogue.get(store, name)
    return rows, {k: v for k, v in vars(entry).items() if k != "retrieved_at"} | {"at": entry.retrieved_at}


def test_year_in_name() -> None:
    assert year_in_name("wmo_clienten_per_buurt_2021.csv") == 2021
    assert year_in_name("/data/2019/Kerncijfers_wijken_en_buurten_2016_pp.csv") == 2016  # the name, not the folder
    assert year_in_name("export_20210101.csv") is None  # a date is not a year
    assert year_in_name("tabel_83765NED.csv") is None
    assert year_in_name("wmo_2021_v2021.csv") == 2021
    assert year_in_name("telling_1899.csv") is None and year_in_name("telling_2100.csv") == 2100
    with pytest.raises(InputError, match=r"vergelijk_2019_2020.csv: the file name holds several years \(2019, 2020\)"):
        year_in_name("vergelijk_2019_2020.csv")


def test_yearly_files_stack_into_one_dataset(parkstad: Store, wmo: list[str]) -> None:
    result = append_municipal(parkstad, wmo, "wmo", BY_CODE)
    assert result.years == [2021, 2022, 2023] and result.rows == 9
    frame = catalogue.read(parkstad, "wmo").sort_values(["year", "area_code"], ignore_index=True)
    assert list(frame.columns) == [
        "area_code",
        "buurtcode",
        "buurtnaam",
        "wmo_clienten",
        "huishoudelijke_hulp",
        "year",
        "jeugdhulp_aandeel",
    ]
    assert frame.year.tolist() == [2021] * 3 + [2022] * 3 + [2023] * 3
    assert frame.wmo_clienten.tolist() == [112, 87, 64, 118, 90, 61, 121, 93, 66]
    # a column a year lacks is null for that year, never 0; a later year's new column is added
    assert frame.huishoudelijke_hulp[:3].tolist() == [40, 31, 22] and frame.huishoudelijke_hulp[3:].isna().all()
    assert frame.jeugdhulp_aandeel[:6].isna().all() and frame.jeugdhulp_aandeel[6:].tolist() == [8.5, 7.25, 9.0]
    nulls = parkstad.rows("SELECT count(*) AS n FROM ds_wmo WHERE huishoudelijke_hulp IS NULL")[0]["n"]
    assert nulls == 6  # stored as NULL (not NaN, not 0)
    assert "2022: no column huishoudelijke_hulp, jeugdhulp_aandeel (null for those rows)" in result.notes
    entry = catalogue.get(parkstad, "wmo")
    assert (entry.period_start, entry.period_end, entry.sensitivity) == ("2021", "2023", "open")
    assert entry.source == "municipal: " + ", ".join(Path(p).name for p in wmo)
    files = entry.provenance["files"]
    assert [(Path(f["file"]).name, f["years"], f["year_from"], f["rows"]) for f in files] == [
        (Path(p).name, [year], "file name", 3) for p, year in zip(wmo, (2021, 2022, 2023), strict=True)
    ]
    assert all(len(f["sha256"]) == 64 for f in files) and entry.provenance["years"] == [2021, 2022, 2023]
    roles = catalogue.roles(parkstad, "wmo")
    assert roles["area_code"] == "area" and roles["year"] == "period" and roles["buurtcode"] == "label"


def test_reimporting_a_year_replaces_it_and_keeps_the_others(parkstad: Store, wmo: list[str], tmp_path: Path) -> None:
    append_municipal(parkstad, wmo[:2], "wmo", BY_CODE)
    corrected = tmp_path / "correctie" / "wmo_clienten_per_buurt_2022.csv"
    corrected.parent.mkdir()
    corrected.write_text("buurtcode;buurtnaam;wmo_clienten\nBU09171000;Maria Gewanden;119\n", encoding="utf-8")
    result = append_municipal(parkstad, [str(corrected)], "wmo", BY_CODE)
    assert "replaces 2022 (3 rows) of 'wmo'" in result.notes and "keeps 2021 of 'wmo'" in result.notes
    frame = catalogue.read(parkstad, "wmo").sort_values(["year", "area_code"], ignore_index=True)
    assert frame.year.tolist() == [2021, 2021, 2021, 2022] and frame.wmo_clienten.tolist() == [112, 87, 64, 119]
    assert frame.huishoudelijke_hulp.tolist()[:3] == [40, 31, 22]  # the kept year keeps its own columns
    files = catalogue.get(parkstad, "wmo").provenance["files"]
    assert [(f["file"], f["years"], f["rows"]) for f in files] == [(wmo[0], [2021], 3), (str(corrected), [2022], 1)]
    # the same file again: its year is replaced by itself, nothing doubles
    append_municipal(parkstad, [str(corrected)], "wmo", BY_CODE)
    assert len(catalogue.read(parkstad, "wmo")) == 4


def test_a_bad_file_among_several_leaves_the_dataset_as_it_was(parkstad: Store, wmo: list[str], tmp_path: Path) -> None:
    append_municipal(parkstad, wmo[:2], "wmo", BY_CODE)
    before = _snapshot(parkstad, "wmo")
    clash = tmp_path / "wmo_clienten_per_buurt_2024.csv"
    clash.write_text(
        "buurtcode;buurtnaam;wmo_clienten\nBU09171000;Maria Gewanden;veel\nBU09171001;Terschuren;weinig\n"
        "BU09171100;Mariarade-Noord;geen\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        append_municipal(parkstad, [wmo[2], str(clash)], "wmo", BY_CODE)
    message = str(error.value)
    assert message == (
        f"{clash}, field 'wmo_clienten': column 'wmo_clienten' holds text here but integer in the stored 'wmo' "
        "(2021, 2022): make the files agree or import under another name"
    )
    assert "\n" not in message
    unknown = tmp_path / "wmo_clienten_per_buurt_2025.csv"
    unknown.write_text("buurtcode;wmo_clienten\nBU09179999;5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"wmo_clienten_per_buurt_2025.csv, row 2, field 'buurtcode': unknown area"):
        append_municipal(parkstad, [wmo[2], str(unknown)], "wmo", BY_CODE)
    assert _snapshot(parkstad, "wmo") == before
    # a clash between two new files names the later file and the earlier one
    with pytest.raises(InputError, match=r"holds text here but integer in wmo_clienten_per_buurt_2023.csv \(2023\)"):
        append_municipal(parkstad, [wmo[2], str(clash)], "nieuw", BY_CODE)
    assert not catalogue.exists(parkstad, "nieuw")


def test_integers_and_decimals_of_one_column_become_numbers(parkstad: Store, tmp_path: Path) -> None:
    for year, value in ((2021, "12"), (2022, "12,5")):
        (tmp_path / f"gemiddelde_{year}.csv").write_text(f"buurtcode;gemiddelde\nBU09171000;{value}\n")
    append_municipal(parkstad, sorted(map(str, tmp_path.glob("gemiddelde_*.csv"))), "gem", BY_CODE)
    assert parkstad.columns("ds_gem")["gemiddelde"] == "DOUBLE"
    assert catalogue.read(parkstad, "gem").gemiddelde.tolist() == [12.0, 12.5]


def test_units_must_agree_across_years(parkstad: Store, tmp_path: Path) -> None:
    files = {2021: "5,1%", 2022: "4,8", 2023: "€ 12"}
    for year, value in files.items():
        (tmp_path / f"aandeel_{year}.csv").write_text(f"buurtcode;aandeel\nBU09171000;{value}\nBU09171001;{value}\n")
    paths = [str(tmp_path / f"aandeel_{year}.csv") for year in files]
    result = append_municipal(parkstad, paths[:2], "aandeel", BY_CODE)
    assert (
        "column 'aandeel' is written with % in some years but as bare numbers in 2022: check that those years are on "
        "the same scale (5,1% is 5.1, never 0.051)"
    ) in result.notes
    assert catalogue.describe(parkstad, "aandeel")["columns"][2]["unit"] == "%"
    with pytest.raises(InputError, match=r"aandeel_2023.csv, field 'aandeel': column 'aandeel' is in € here but in % "):
        append_municipal(parkstad, paths[2:], "aandeel", BY_CODE)


def test_year_from_a_column_or_from_year(parkstad: Store, tmp_path: Path) -> None:
    long = tmp_path / "meldingen_per_buurt.csv"
    long.write_text("jaar;buurtcode;meldingen\n2019;BU09171000;14\n2020;BU09171000;17\n2020;BU09171001;3\n")
    result = append_municipal(
        parkstad, [str(long)], "meldingen", ImportOptions(area_column="buurtcode", period_column="jaar")
    )
    assert result.years == [2019, 2020] and result.rows == 3
    assert catalogue.get(parkstad, "meldingen").provenance["files"][0]["year_from"] == "column jaar"
    # CBS period codes in the column, and a later export of 2020 only replacing 2020
    later = tmp_path / "meldingen_2020_herzien.csv"
    later.write_text("perioden;buurtcode;meldingen\n2020JJ00;BU09171000;18\n")
    append_municipal(
        parkstad, [str(later)], "meldingen", ImportOptions(area_column="buurtcode", period_column="perioden")
    )
    frame = catalogue.read(parkstad, "meldingen").sort_values("year", ignore_index=True)
    assert frame.year.tolist() == [2019, 2020] and frame.meldingen.tolist() == [14, 18]
    # one file without a year in its name: --year
    plain = tmp_path / "meldingen_actueel.csv"
    plain.write_text("buurtcode;meldingen\nBU09171000;21\n")
    result = append_municipal(parkstad, [str(plain)], "meldingen", ImportOptions(area_column="buurtcode", year=2021))
    assert result.years == [2019, 2020, 2021]


def test_files_whose_year_cannot_be_told_are_refused(parkstad: Store, wmo: list[str], tmp_path: Path) -> None:
    plain = tmp_path / "meldingen_actueel.csv"
    plain.write_text("buurtcode;meldingen\nBU09171000;21\n")
    with pytest.raises(InputError, match=r"^\S*meldingen_actueel.csv: no year: the file name holds no year 1900–2100"):
        append_municipal(parkstad, [wmo[0], str(plain)], "m", BY_CODE)
    with pytest.raises(InputError, match=r"\(--year-column\) or --year \(for a single file\)$"):
        append_municipal(parkstad, [str(plain)], "m", BY_CODE)
    with pytest.raises(UdcError, match="--year applies to one file"):
        append_municipal(parkstad, wmo, "m", ImportOptions(area_column="buurtcode", year=2021))
    twice = tmp_path / "tweede" / "wmo_clienten_2021_herzien.csv"
    twice.parent.mkdir()
    twice.write_text(WMO["wmo_clienten_per_buurt_2021.csv"])
    with pytest.raises(InputError, match=r"wmo_clienten_2021_herzien.csv: 2021 is also in wmo_clienten_per_buurt_2021"):
        append_municipal(parkstad, [wmo[0], str(twice)], "m", BY_CODE)
    own = tmp_path / "eigen_2021.csv"
    own.write_text("buurtcode;year;n\nBU09171000;2020;1\n")
    with pytest.raises(InputError, match="has its own column 'year'"):
        append_municipal(parkstad, [str(own)], "m", BY_CODE)
    assert catalogue.list_datasets(parkstad) == []


def test_only_yearly_municipal_datasets_of_the_same_key_take_years(
    parkstad: Store, wmo: list[str], tmp_path: Path
) -> None:
    import_municipal(parkstad, wmo[0], "zonder_jaar", BY_CODE)
    with pytest.raises(UdcError, match="'zonder_jaar' was imported without a year column"):
        append_municipal(parkstad, [wmo[1]], "zonder_jaar", BY_CODE)
    append_municipal(parkstad, wmo[:1], "wmo", BY_CODE)
    with pytest.raises(UdcError, match=r"stored with areas \(area_code\) and these files without"):
        append_municipal(parkstad, [wmo[1]], "wmo", ImportOptions())
    # a dataset a plain import stored with a year takes further years, its file kept in the provenance
    import_municipal(parkstad, wmo[0], "los", ImportOptions(area_column="buurtcode", year=2021))
    append_municipal(parkstad, [wmo[1]], "los", BY_CODE)
    entry = catalogue.get(parkstad, "los")
    assert [(f["file"], f["years"]) for f in entry.provenance["files"]] == [(wmo[0], [2021]), (wmo[1], [2022])]
    assert entry.sensitivity == "internal"  # as strict as the stored year, said in the notes


def test_the_append_is_audited_as_a_municipal_import(parkstad: Store, wmo: list[str]) -> None:
    append_municipal(parkstad, wmo, "wmo", BY_CODE)
    log = store_log(parkstad.path)
    log.flush()
    details = [json.loads(e["detail"]) for e in log.entries() if e["action"] == "import.municipal"]
    assert any(d.get("append") and d.get("dataset") == "wmo" and d.get("sources") == wmo for d in details)
    assert any(d.get("years") == [2021, 2022, 2023] and d.get("rows") == 9 for d in details)


def test_one_real_heerlen_file_under_two_years(parkstad: Store, data: Path) -> None:
    path = str(data / "heerlen_urbandata" / "Kerncijfers_wijken_en_buurten_2016_pp.csv")
    options = ImportOptions(area_column="Wijk_Buurt", within="GM0917", sensitivity="open")
    append_municipal(parkstad, [path], "heerlen", replace(options, year=2016))
    result = append_municipal(parkstad, [path], "heerlen", replace(options, year=2017))
    assert "  year 2017 from --year (the file name says 2016)" in result.notes
    assert "keeps 2016 of 'heerlen'" in result.notes
    frame = catalogue.read(parkstad, "heerlen")
    assert result.years == [2016, 2017] and len(frame) == 2 * 81
    gemeente = frame[frame.area_code == "GM0917"].sort_values("year")
    assert gemeente.Bevolking_Aantal_inwoners.tolist() == [87406, 87406]


def test_the_real_heerlen_files_stack_across_their_column_drift(parkstad: Store, data: Path) -> None:
    files = sorted(map(str, (data / "heerlen_urbandata").glob("Kerncijfers_wijken_en_buurten_*_pp.csv")))
    options = ImportOptions(area_column="Wijk_Buurt", within="GM0917", sensitivity="open")
    result = append_municipal(parkstad, files, "heerlen", options)
    assert result.years == [2016, 2017, 2018, 2019, 2020] and result.rows == 5 * 81
    frame = catalogue.read(parkstad, "heerlen")
    widths = {Path(f).name[-11:-7]: len(pd.read_csv(f, nrows=0).columns) for f in files}
    assert len(frame.columns) >= max(widths.values()) + 2  # every file's columns, plus area_code and year
    inwoners = frame[frame.area_code == "GM0917"].sort_values("year").Bevolking_Aantal_inwoners.tolist()
    assert inwoners[0] == 87406 and inwoners[-1] == 87086  # the first and last file's gemeente rows
    first_only = [c for c in pd.read_csv(files[0], nrows=0).columns if c not in pd.read_csv(files[-1], nrows=0).columns]
    assert first_only and frame.loc[frame.year == 2020, first_only].isna().all().all()
    # 2020 spells some columns with a trailing "_": kept apart (names align exactly), and said
    assert {"Zorg_Wmo_cliënten", "Zorg_Wmo_cliënten_"} <= set(frame.columns)  # 2018 and 2020 write the "_"
    wmo = frame.sort_values("year").loc[
        frame.area_code == "GM0917", ["year", "Zorg_Wmo_cliënten", "Zorg_Wmo_cliënten_"]
    ]
    assert wmo.notna().sum().tolist() == [5, 1, 1]  # one year each has figures: 2019 and 2018 (2020 has none)
    (alike,) = [n for n in result.notes if n.startswith("kept apart")]
    werknemers = "Arbeid_Onderverdeling_arbeidsparticipatie_Percentage_werknemers"
    assert f"{werknemers} (2018, 2019) beside {werknemers}_ (no figures)" in alike


def test_append_from_the_cli(tmp_path: Path, parkstad_template: Path, wmo: list[str]) -> None:
    store = str(tmp_path / "cli-store")
    shutil.copytree(parkstad_template, store)
    out = udc("import", *wmo, "--append", "--dataset", "wmo", "--area-column", "buurtcode", "--store", store).stdout
    assert out.splitlines()[0] == "wmo: 9 rows, years 2021, 2022, 2023, sensitivity internal"
    assert "  2022: no column huishoudelijke_hulp, jeugdhulp_aandeel (null for those rows)" in out
    shown = json.loads(udc("catalog", "show", "wmo", "--store", store, "--format", "json").stdout)[0]
    assert [f["years"] for f in shown["provenance"]["files"]] == [[2021], [2022], [2023]]
    several = udc("import", *wmo, "--dataset", "x", "--store", store, check=False)
    assert several.returncode == 1 and "several sources are stacked by year only with --append" in several.stderr
    long = tmp_path / "meldingen.csv"
    long.write_text("jaar;buurtcode;meldingen\n2019;BU09171000;14\n2020;BU09171000;17\n")
    args = ("--dataset", "m", "--area-column", "buurtcode", "--store", store)
    out = udc("import", str(long), "--append", "--year-column", "jaar", *args).stdout
    assert out.startswith("m: 2 rows, years 2019, 2020")
    alone = udc("import", str(long), "--year-column", "jaar", *args, check=False)
    assert alone.returncode == 1 and "--year-column goes with --append" in alone.stderr
    plain = udc("import", wmo[0], "--dataset", "plain", "--area-column", "buurtcode", "--store", store).stdout
    assert plain.splitlines()[0] == "plain: 3 rows, sensitivity internal"  # without --append: as before
