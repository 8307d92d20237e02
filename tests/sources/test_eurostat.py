"""Eurostat SDMX-CSV (issue 31, item 2, first part): regional statistics per NUTS code imported offline — flags in
words, missing values typed (never 0, never dropped), what each period means, one-line errors, atomic.

No Eurostat file is in ../shared/data: the fixture is written here in the documented SDMX-CSV 1.0 shape of the data
browser's download (DATAFLOW, LAST UPDATE, the dimensions, TIME_PERIOD, OBS_VALUE, OBS_FLAG); the values are
illustrative, the codes real (DEA2D Städteregion Aachen, NL423 Zuid-Limburg)."""

from __future__ import annotations

from pathlib import Path

import pytest

import udc
from cli_runner import udc as run_udc
from udc.errors import InputError

HEADER = "DATAFLOW,LAST UPDATE,freq,unit,sex,age,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
FLOW = "ESTAT:DEMO_R_PJANAGGR3(1.0),25/03/24 23:00:00,A,NR,T,TOTAL"
ROWS = [
    f"{FLOW},DEA2D,2021,555465,",
    f"{FLOW},DEA2D,2022,557026,",
    f"{FLOW},NL423,2021,,c",
    f"{FLOW},NL423,2022,246875,p",
    f"{FLOW},DE,2022,84358845,b",
]


def _file(folder: Path, rows: list[str], name: str = "demo_r_pjanaggr3.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_sdmx_csv_file_imports_with_codes_periods_flags_and_reference(tmp_path: Path) -> None:
    ran = run_udc("--store", str(tmp_path / "s"), "eurostat", "import", str(_file(tmp_path, ROWS)),
                  "--dataset", "eurostat_bevolking")  # fmt: skip
    assert "5 values, 3 areas" in ran.stdout and "missing 1" in ran.stdout
    table = udc.open(tmp_path / "s").read("eurostat_bevolking").set_index(["area_code", "period"])
    assert table.loc[("DEA2D", "2022"), "value"] == 557026
    confidential = table.loc[("NL423", "2021")]
    assert confidential.isna().value and confidential.status == "confidential"  # missing, not 0
    assert table.loc[("NL423", "2022"), "status"] == "provisional"
    assert table.loc[("DE", "2022"), "status"] == "break in time series"
    assert set(table.reference) == {"population on 1 January of the year"}
    assert set(table.sex) == {"T"} and len(table) == len(ROWS)  # every row kept, dimensions kept


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([f"{FLOW},DEA2D,2021,lots,"], "row 2, field 'OBS_VALUE': 'lots' is not a number"),
        ([f"{FLOW},Aachen,2021,1,"], "row 2, field 'geo': 'AACHEN' is not a NUTS or country code"),
        ([f"{FLOW},DEA2D,21,1,"], "row 2, field 'TIME_PERIOD': '21' is not a period"),
    ],
)
def test_bad_rows_are_one_line_errors_and_the_stored_table_stays(tmp_path: Path, rows: list[str], message: str) -> None:
    store = tmp_path / "s"
    run_udc("--store", str(store), "eurostat", "import", str(_file(tmp_path, ROWS)), "--dataset", "eurostat_bevolking")
    bad = _file(tmp_path, [*ROWS[:2], *rows[:0], *rows], name="bad.csv")
    ran = run_udc("--store", str(store), "eurostat", "import", str(bad), "--dataset", "eurostat_bevolking", check=False)
    assert ran.returncode == 1 and message.replace("row 2", "row 4") in ran.stderr and "Traceback" not in ran.stderr
    assert len(udc.open(store).read("eurostat_bevolking")) == len(ROWS)  # nothing half-written


def test_a_file_without_the_sdmx_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("gemeente;jaar;waarde\nGM0917;2022;1\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected the SDMX-CSV columns geo, TIME_PERIOD, OBS_VALUE"):
        udc.open(tmp_path / "s").sources.import_eurostat(path, dataset="x")
