"""Files saved as a spreadsheet that are something else — a web page's "Excel export", a CSV renamed to .xlsx — are
recognised by their first bytes: read as what they are, or refused in one line naming what they are."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli_runner import udc
from shared_data import DATA

# The shape of a portal's "download as Excel": an HTML page with Office namespaces, a BOM, Dutch numbers.
EXPORT = """\ufeff<html xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>Export</title></head>
<body><table border="1">
<tr><th>gemeente</th><th>jaar</th><th>werkloosheid</th><th>inwoners</th></tr>
<tr><td>GM0917</td><td>2022</td><td>5,1%</td><td>86.762</td></tr>
<tr><td>GM0899</td><td>2022</td><td>4,3%</td><td>27.622</td></tr>
</table></body></html>
"""
PAGE = (
    "<!DOCTYPE html>\n<html><body><p>Kerncijfers</p><table><tr><td>a</td></tr></table>\n<table><tr><td>b</td></tr>"
    "</table></body></html>\n"
)
CSV = "gemeente;jaar;bijstand\nGM0917;2022;1.234,5\nGM0899;2022;5\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("disguised") / "store"
    udc("--store", str(path), "areas", "import", str(DATA / "nlextract" / "gemeentelijke-indeling.csv"))
    return path


def _import(store: Path, name: str, content: str | bytes, dataset: str, *, check: bool = True):
    path = store.parent / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    args = ("--area-column", "gemeente", "--period-column", "jaar")
    return udc("--store", str(store), "import", str(path), "--dataset", dataset, *args, check=check), path


def test_a_web_page_saved_as_xls_is_read_as_its_table(store: Path) -> None:
    import udc as api

    out, _ = _import(store, "export.xls", EXPORT, "export")
    assert "format html table" in out.stdout and "saved_as .xls" in out.stdout
    s = api.open(store)
    frame = s.read("export").set_index("area_code")
    assert frame.loc["GM0917", "inwoners"] == 86762 and frame.loc["GM0899", "werkloosheid"] == 4.3
    units = {c["name"]: c["unit"] for c in s.describe("export")["columns"]}
    assert units["werkloosheid"] == "%"


def test_a_csv_saved_as_xlsx_is_read_as_csv(store: Path) -> None:
    import udc as api

    out, _ = _import(store, "bijstand.xlsx", CSV, "hernoemd")
    assert "format csv" in out.stdout and "saved_as .xlsx" in out.stdout
    frame = api.open(store).read("hernoemd").set_index("area_code")
    assert frame.loc["GM0917", "bijstand"] == 1234.5


REFUSED = {
    "pagina.xls": (PAGE, "an HTML page (2 tables), not an Excel file: save it from Excel as .xlsx or export CSV"),
    "leeg.xlsx": (
        "<html><body>Geen gegevens</body></html>",
        "an HTML page (no table), not an Excel file: save it from Excel as .xlsx or export CSV",
    ),
    "oud.xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "an Excel 97-2003 file (.xls), which udc cannot read: save it from Excel as .xlsx or export CSV",
    ),
    "xml.xls": (
        '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
        "an XML spreadsheet (Excel 2003 XML), which udc cannot read: save it from Excel as .xlsx or export CSV",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_cannot_be_read_is_named_in_one_line(store: Path, name: str) -> None:
    import udc as api

    content, expected = REFUSED[name]
    before = [e["name"] for e in api.open(store).catalogue()]
    result, path = _import(store, name, content, "geweigerd", check=False)
    assert result.returncode == 1 and result.stderr == f"udc: error: {path}: {expected}\n"
    assert "engine" not in result.stderr and [e["name"] for e in api.open(store).catalogue()] == before


def test_text_cells_with_a_unit_in_a_real_workbook_are_numbers(store: Path) -> None:
    import openpyxl

    import udc as api

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["gemeente", "jaar", "aandeel"], ["GM0917", 2022, "5,1%"], ["GM0899", 2022, "12 %"]):
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    _import(store, "aandeel.xlsx", content.getvalue(), "aandeel")
    s = api.open(store)
    assert list(s.read("aandeel").sort_values("area_code")["aandeel"]) == [12.0, 5.1]
    assert {c["name"]: c["unit"] for c in s.describe("aandeel")["columns"]}["aandeel"] == "%"


def test_percentage_cells_are_percents_as_in_csv(store: Path) -> None:
    """Excel keeps 5,1% as 0.051 with a percent format: stored as 5.1 with unit "%", like a CSV's "5,1%"."""
    import openpyxl

    import udc as api

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["gemeente", "jaar", "werkloosheid", "inwoners"])
    for code, share, people in (("GM0917", 0.051, 86762), ("GM0899", 0.125, 27622)):
        sheet.append([code, 2022, share, people])
        sheet.cell(sheet.max_row, 3).number_format = "0.0%"
    content = io.BytesIO()
    book.save(content)
    _import(store, "procent.xlsx", content.getvalue(), "procent")
    s = api.open(store)
    frame = s.read("procent").set_index("area_code")
    assert frame.loc["GM0917", "werkloosheid"] == 5.1 and frame.loc["GM0899", "inwoners"] == 27622
    units = {c["name"]: c["unit"] for c in s.describe("procent")["columns"]}
    assert units["werkloosheid"] == "%" and units["inwoners"] is None
