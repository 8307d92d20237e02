"""Municipal tables: CSV (any encoding/separator, Dutch or English numbers), Excel, Parquet, a database table.

Returns a DataFrame plus how it was read, and validates declared column types and constraints, naming the
file, row and field of the first problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from udc.errors import InputError, UdcError
from udc.sources.textfile import file_number_style, number_style, parse_number, read_rows

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
        kind = "ODS" if suffix == ".ods" else "Excel"
        try:
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="odf" if suffix == ".ods" else None)
        except Exception as exc:  # a damaged or mislabelled file: zipfile, XML and value errors alike
            raise InputError(f"cannot open as {kind} ({type(exc).__name__}: {_first_line(exc)})", file=source) from None
        return ReadResult(frame, source, {"format": kind.lower(), "sheet": sheet or "first"})
    if suffix in (".json", ".geojson"):
        from udc.sources.jsonfile import read_json

        frame, details = read_json(path)
        return ReadResult(frame, source, details)
    return _read_csv(path, text_columns or [], missing or [])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "unreadable"


def _read_csv(path: Path, text_columns: list[str], missing: list[str]) -> ReadResult:
    header, rows, meta = read_rows(path)
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"duplicate column names {dupes}", file=str(path))
    data: dict[str, Any] = {}
    styles: dict[str, str] = {}
    by_column = [[r[i] for r in rows] for i in range(len(header))]
    convention = file_number_style(by_column, meta.separator)
    notes: list[str] = []
    for index, name in enumerate(header):
        values = by_column[index]
        style = None if name in text_columns else number_style(values, convention)
        odd = {} if style or name in text_columns else mostly_numeric(values, convention)
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
    return ReadResult(pd.DataFrame(data, columns=list(data)), str(path), details)


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
