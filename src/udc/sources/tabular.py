"""Municipal tables: CSV (any encoding/separator, Dutch or English numbers), Excel, Parquet, a database table.

Returns a DataFrame plus how it was read, and validates declared column types and constraints, naming the
file, row and field of the first problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from udc.errors import InputError, UdcError
from udc.sources.disguised import html_tables, sniff
from udc.sources.textfile import Text, decode, file_number_style, number_style, parse_number, read_rows

TYPES = ("string", "integer", "number", "boolean", "date")


@dataclass
class ReadResult:
    data: pd.DataFrame
    source: str
    details: dict[str, Any] = field(default_factory=dict)


def is_database_url(text: str) -> bool:
    return "://" in text and not Path(text).exists()


def read_table(
    source: str,
    *,
    sheet: str | None = None,
    table: str | None = None,
    text_columns: list[str] | None = None,
    missing: list[str] | None = None,
) -> ReadResult:
    """Read a CSV/TSV, Excel or ODS sheet, Parquet file, JSON/GeoJSON file or ``--table`` from a SQLAlchemy URL.
    ``missing``: values that mean "no number" in numeric columns (kept as typed missing values)."""
    if is_database_url(source):
        return _read_database(source, table)
    path = Path(source)
    if not path.exists():
        raise InputError("file not found", file=source)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            return ReadResult(pd.read_parquet(path), source, {"format": "parquet"})
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise InputError(f"cannot read Parquet: {_first_line(exc)}", file=source) from None
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _read_spreadsheet(path, sheet, text_columns or [], missing or [])
    if suffix in (".json", ".geojson"):
        from udc.sources.jsonfile import read_json

        frame, details = read_json(path)
        return ReadResult(frame, source, details)
    return _read_csv(path, text_columns or [], missing or [])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "unreadable"


def _read_spreadsheet(path: Path, sheet: str | None, text_columns: list[str], missing: list[str]) -> ReadResult:
    """An Excel or ODS file — or what was saved under that name: a CSV file is read as CSV, a web page's single
    table as that table; anything else is named, never pandas' "specify an engine manually"."""
    source, suffix = str(path), path.suffix.lower()
    kind = "ODS" if suffix == ".ods" else "Excel"
    found = sniff(path)
    if found == "text":
        read = _read_csv(path, text_columns, missing)
        read.details["saved_as"] = suffix
        return read
    if found == "html":
        return _read_html(path, text_columns, missing)
    if found == "binary":
        raise InputError(
            f"cannot open as {kind}: not a spreadsheet (xlsx, xls, ods), a web page or CSV text", file=source
        )
    if found == "xml" or (found == "ole2" and not _has("xlrd")):
        what = "an XML spreadsheet (Excel 2003 XML)" if found == "xml" else OLE2_WHAT[suffix == ".xls"]
        raise InputError(f"{what}, which udc cannot read: save it from Excel as .xlsx or export CSV", file=source)
    engine = "xlrd" if found == "ole2" else ("odf" if suffix == ".ods" else "openpyxl")
    try:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine=engine)
    except Exception as exc:  # a damaged file: zipfile, XML and value errors alike
        raise InputError(f"cannot open as {kind} ({type(exc).__name__}: {_first_line(exc)})", file=source) from None
    details: dict[str, Any] = {"format": kind.lower(), "sheet": sheet or "first"}
    units = _sheet_units(frame, source, missing)
    if engine == "openpyxl":
        units |= _percent_cells(path, sheet, frame)
    return ReadResult(frame, source, {**details, "units": units} if units else details)


def _percent_cells(path: Path, sheet: str | None, frame: pd.DataFrame) -> dict[str, str]:
    """Columns whose numeric cells are all formatted as a percentage: Excel stores 5,1% as 0.051, a CSV writes
    5,1% — both become 5.1 with unit "%", so one convention holds whatever the file. ``frame`` changes in place."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = (book[sheet] if sheet else book.worksheets[0]).iter_rows()
        header = [str(c.value) if c.value is not None else None for c in next(rows, ())]
        percent: dict[str, bool] = {}
        for row in rows:
            for name, cell in zip(header, row, strict=False):
                if name in frame.columns and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    percent[name] = percent.get(name, True) and "%" in str(cell.number_format)
    finally:
        book.close()
    chosen = [name for name, yes in percent.items() if yes]
    for name in chosen:
        frame[name] = [None if pd.isna(v) else round(float(v) * 100, 10) for v in frame[name]]
    return dict.fromkeys(chosen, "%")


OLE2_WHAT = ("an OLE2 file (a password-protected workbook or Excel 97-2003)", "an Excel 97-2003 file (.xls)")


def _sheet_units(frame: pd.DataFrame, source: str, missing: list[str]) -> dict[str, str]:
    """Sheet columns typed as text with a unit ("5,1%" in a text cell) become numbers, as in CSV; the unit of each
    such column is returned for the catalogue. ``frame`` is changed in place."""
    units: dict[str, str] = {}
    for name in frame.columns:
        cells = frame[name]
        if not all(isinstance(v, str) for v in cells.dropna()):
            continue
        texts = [v if isinstance(v, str) else "" for v in cells]
        found = split_unit(texts, missing, source, str(name))
        if not found:
            continue
        units[str(name)], bare = found
        style = file_number_style([bare], ";")
        frame[name] = [_sheet_number(t, style, missing, source, row, str(name)) for row, t in enumerate(bare, 2)]
    return units


def _sheet_number(text: str, style: str, missing: list[str], source: str, row: int, name: str) -> float | None:
    """A cell's bare number (its unit split off), None when empty or declared missing."""
    text = text.strip()
    if not text or text in missing:
        return None
    try:
        return parse_number(text, style)
    except ValueError:
        raise InputError(f"'{text}' is not a number", file=source, row=row, field=name) from None


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _read_html(path: Path, text_columns: list[str], missing: list[str]) -> ReadResult:
    """A web page saved as a spreadsheet: its one table, read like CSV (same number conventions and checks); a page
    with no table or several is refused, naming how many."""
    text, encoding = decode(path)
    tables = html_tables(text)
    if len(tables) != 1:
        count = "no table" if not tables else f"{len(tables)} tables"
        raise InputError(
            f"an HTML page ({count}), not an {'ODS' if path.suffix.lower() == '.ods' else 'Excel'} file: save it "
            "from Excel as .xlsx or export CSV",
            file=str(path),
        )
    header, *rows = tables[0]
    for line, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise InputError(
                f"{len(row)} cells where the table's header has {len(header)} (merged cells?)", file=str(path), row=line
            )
    read = _typed(header, rows, Text(text, encoding, ";"), path, text_columns, missing)
    del read.details["separator"]
    read.details.update({"format": "html table", "saved_as": path.suffix.lower()})
    return read


def _read_csv(path: Path, text_columns: list[str], missing: list[str]) -> ReadResult:
    header, rows, meta = read_rows(path)
    return _typed(header, rows, meta, path, text_columns, missing)


def _typed(
    header: list[str], rows: list[list[str]], meta: Text, path: Path, text_columns: list[str], missing: list[str]
) -> ReadResult:
    """Rows of text as typed columns: numbers in the file's convention (with a unit, or a few declared missing
    values), the rest text."""
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"duplicate column names {dupes}", file=str(path))
    data: dict[str, Any] = {}
    styles: dict[str, str] = {}
    by_column = [[r[i] for r in rows] for i in range(len(header))]
    units: dict[str, str] = {}
    for index, name in enumerate(header):
        found = None if name in text_columns else split_unit(by_column[index], missing, str(path), name)
        if found:
            units[name], by_column[index] = found
    convention = file_number_style(by_column, meta.separator)
    notes: list[str] = []
    for index, name in enumerate(header):
        values = by_column[index]
        style = None if name in text_columns else number_style(values, convention)
        share = 0.0 if name in units else 0.8  # a unit column's other values are all declared missing
        odd = {} if style or name in text_columns else mostly_numeric(values, convention, share)
        if odd:
            declared = {v: rows_ for v, rows_ in odd.items() if v in missing}
            if len(declared) < len(odd):
                value, at = next((v, r) for v, r in odd.items() if v not in missing)
                others = f" and {len(odd) - len(declared) - 1} other value(s)" if len(odd) - len(declared) > 1 else ""
                raise InputError(
                    f"column is numeric except for '{value}' ({len(at)}×, first row {at[0]}){others}: declare such "
                    f"values missing (--missing {','.join(sorted(v for v in odd if v not in missing))}) or fix them",
                    file=str(path),
                    row=at[0],
                    field=name,
                )
            data[name] = [None if v.strip() in odd or not v.strip() else parse_number(v, convention) for v in values]
            data[f"{name}__symbol"] = [v.strip() if v.strip() in odd else None for v in values]
            notes.append(f"{name}: " + ", ".join(f"'{v}' {len(r)}× as missing" for v, r in odd.items()))
            styles[name] = convention
            if all(x is None or float(x).is_integer() for x in data[name]):
                data[name] = pd.array([None if x is None else int(x) for x in data[name]], dtype="Int64")
            continue
        if style is None:
            data[name] = [v.strip() or None for v in values]
        else:
            data[name] = [parse_number(v, style) if v.strip() else None for v in values]
            styles[name] = style
            if all(x is None or float(x).is_integer() for x in data[name]):
                data[name] = pd.array([None if x is None else int(x) for x in data[name]], dtype="Int64")
    decimal = "comma" if convention == "nl" else "point"
    details = {"format": "csv", "encoding": meta.encoding, "separator": meta.separator, "decimal": decimal}
    if notes:
        details["missing"] = "; ".join(notes)
    if units:
        _check_unit_columns(data, units, str(path))
        details["units"] = units
    return ReadResult(pd.DataFrame(data, columns=list(data)), str(path), details)


# A number written with its unit: a currency sign before it, a unit after it ("5,1%", "12 %", "3,5 km", "€ 1.234").
_WITH_UNIT = re.compile(
    r"^(?P<pre>[€$£])?\s*(?P<sign>[-+−]?)(?P<number>[\d.,]*\d[\d.,]*)\s*(?P<post>%|‰|€|[^\W\d_][\w²³/.]*)?$"
)
UNITS = frozenset(
    (  # noqa: SIM905 - a list of words reads best as words
        "% ‰ € euro EUR km m cm mm m2 m² m3 m³ km2 km² ha kg g ton t l liter kWh MWh GWh kW MW GJ jaar jr maanden "
        "dagen dag uur min sec pers personen inw"
    ).split()
)
"""Units recognised after a number: a fixed list, so that "12a" (a house number) or "6411 AB" (a postcode) never
reads as a number with a unit."""


def _unit_of(text: str) -> tuple[str, str] | None:
    """(number, unit) of a value written with a known unit or currency sign; None for anything else."""
    match = _WITH_UNIT.match(text)
    if not match or bool(match["pre"]) == bool(match["post"]):
        return None
    unit = match["pre"] or match["post"]
    sign = "-" if match["sign"] in ("-", "−") else ""  # "+1,2%" in a column of changes; a typographic minus
    return (sign + match["number"], unit) if unit in UNITS else None


def split_unit(values: list[str], missing: list[str], source: str, name: str) -> tuple[str, list[str]] | None:
    """A column of numbers written with one unit ("5,1%"): the unit and the bare numbers, so the column is read as
    numbers (5.1, unit "%") instead of text. Most filled values carrying a unit but not all the same one, or beside
    bare numbers or text, is refused by row: a silent text column would lose the numbers."""
    present = [(row, v.strip()) for row, v in enumerate(values, start=2) if v.strip()]
    found = {row: _unit_of(text) for row, text in present}
    with_unit = [(row, f) for row, f in found.items() if f]
    if not with_unit or len(with_unit) * 2 < len(present):
        return None
    first_row, (_, unit) = with_unit[0]
    for row, text in present:
        if text in missing:
            continue
        seen = found[row]
        if seen is None or seen[1] != unit:
            raise InputError(
                f"'{text}' where the column holds numbers in {unit} (row {first_row}: "
                f"'{dict(present)[first_row]}'): expected a number followed by {unit}"
                + (" or a value declared missing (--missing …)" if seen is None else ""),
                file=source,
                row=row,
                field=name,
            )
    return unit, [found[row][0] if (found.get(row)) else v for row, v in enumerate(values, start=2)]


def _check_unit_columns(data: dict[str, Any], units: dict[str, str], source: str) -> None:
    """A column read with a unit must have become numbers (its bare values might not parse in the file's number
    convention, "1.2.3 km"): never text with the unit stripped."""
    for name in units:
        if not pd.api.types.is_numeric_dtype(pd.Series(data[name]).dropna().infer_objects()):
            raise InputError(f"values written with {units[name]} are not all numbers", file=source, field=name)


def mostly_numeric(values: list[str], style: str, share: float = 0.8, distinct: int = 5) -> dict[str, list[int]]:
    """For a column that is numeric except for a few values (≥ ``share`` of the filled cells are numbers, at most
    ``distinct`` other values): those values and the rows (file lines) they are on; else {} (a text column)."""
    odd: dict[str, list[int]] = {}
    numbers = 0
    for row, v in enumerate(values, start=2):
        text = v.strip()
        if not text:
            continue
        if number_style([text], style):
            numbers += 1
        else:
            odd.setdefault(text, []).append(row)
            if len(odd) > distinct:
                return {}
    filled = numbers + sum(len(r) for r in odd.values())
    return odd if numbers and numbers >= share * filled else {}


def _read_database(url: str, table: str | None) -> ReadResult:
    if not table:
        raise UdcError("a database source needs --table NAME")
    try:
        import sqlalchemy
    except ImportError:  # pragma: no cover - a pinned dependency
        raise UdcError("reading a database needs SQLAlchemy (pip install sqlalchemy)") from None
    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as connection:
            frame = pd.read_sql_table(table, connection)
    except (sqlalchemy.exc.SQLAlchemyError, ValueError) as exc:
        raise InputError(f"cannot read table '{table}': {str(exc).splitlines()[0]}", file=url) from None
    return ReadResult(frame, url, {"format": "database", "table": table})


def load_schema(path: Path) -> dict[str, dict[str, Any]]:
    """``{"columns": {"name": {"type": "integer", "required": true, "unique": true, "min": 0, …}}}``."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the schema: {exc}", file=str(path)) from None
    columns = schema.get("columns") if isinstance(schema, dict) else None
    if not isinstance(columns, dict):
        raise InputError('expected {"columns": {"name": {"type": …}}}', file=str(path))
    for name, spec in columns.items():
        if spec.get("type", "string") not in TYPES:
            raise InputError(f"type '{spec.get('type')}' of '{name}' is not one of {TYPES}", file=str(path))
    return columns


def validate(
    frame: pd.DataFrame, schema: dict[str, dict[str, Any]], source: str, *, decimal: str = "point"
) -> pd.DataFrame:
    """Convert and check declared columns (numbers as the file writes them: ``decimal`` comma or point); the first
    violation is an error with row and field."""
    out = frame.copy()
    for name, spec in schema.items():
        if name not in out.columns:
            if spec.get("required"):
                raise InputError(f"required column '{name}' is missing", file=source)
            continue
        kind = spec.get("type", "string")
        series = out[name]
        converted = _convert(series, kind, "nl" if decimal == "comma" else "en")
        bad = series.notna() & converted.isna()
        if bad.any():
            row = int(bad.idxmax()) + 2
            raise InputError(f"'{series[bad.idxmax()]}' is not a valid {kind}", file=source, row=row, field=name)
        if spec.get("required") and converted.isna().any():
            raise InputError("a value is required", file=source, row=int(converted.isna().idxmax()) + 2, field=name)
        if spec.get("unique"):
            dupes = converted[converted.duplicated(keep=False) & converted.notna()]
            if len(dupes):
                raise InputError(
                    f"duplicate key '{dupes.iloc[0]}' (also row {int(dupes.index[0]) + 2})",
                    file=source,
                    row=int(dupes.index[1]) + 2,
                    field=name,
                )
        for bound, test in (("min", lambda s, b: s < b), ("max", lambda s, b: s > b)):
            if bound in spec and kind in ("integer", "number"):
                out_of_range = converted.notna() & test(converted.astype(float), spec[bound])
                if out_of_range.any():
                    i = int(out_of_range.idxmax())
                    raise InputError(
                        f"{converted[i]} is outside the allowed {bound} {spec[bound]}",
                        file=source,
                        row=i + 2,
                        field=name,
                    )
        if "values" in spec:
            odd = converted.notna() & ~converted.astype(str).isin([str(v) for v in spec["values"]])
            if odd.any():
                i = int(odd.idxmax())
                raise InputError(f"'{converted[i]}' is not one of {spec['values']}", file=source, row=i + 2, field=name)
        out[name] = converted
    return out


def _number(value: Any, style: str) -> float | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    try:
        return parse_number(text, style) if number_style([text], style) else None
    except ValueError:
        return None


def _convert(series: pd.Series, kind: str, style: str = "en") -> pd.Series:
    if kind == "string":
        return series.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    if kind in ("integer", "number"):
        numbers = pd.to_numeric(series.map(lambda v: _number(v, style)), errors="coerce")
        if kind == "integer":
            whole = numbers.isna() | (numbers % 1 == 0)
            numbers = numbers.where(whole)
            return numbers.astype("Int64")
        return numbers.astype(float)
    if kind == "boolean":
        truth = {
            "true": True,
            "ja": True,
            "1": True,
            "yes": True,
            "false": False,
            "nee": False,
            "0": False,
            "no": False,
        }
        return series.map(lambda v: truth.get(str(v).strip().lower()) if v is not None and not pd.isna(v) else None)
    return pd.to_datetime(series, errors="coerce", dayfirst=True)
