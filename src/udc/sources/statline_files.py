"""Offline StatLine imports: a "CSV met statistische symbolen" download and an odata4 CSV package folder.

Inside the secure environment there is no internet; these are the files an analyst carries in.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from udc.areas.codes import kind_of
from udc.errors import InputError, UdcError
from udc.sources.statline import Column, _add_period_columns
from udc.sources.symbols import VALUE_ATTRIBUTES, parse_cell, strip_code
from udc.sources.textfile import decode, read_rows

_UNIT = re.compile(r"\(([^()]*)\)\s*$")


@dataclass
class OfflineTable:
    title: str
    data: pd.DataFrame
    columns: list[Column]
    kind: str
    notes: list[str] = field(default_factory=list)
    modified: str | None = None
    table: str | None = None


def safe_name(header: str, taken: set[str]) -> str:
    """A snake_case column name from a StatLine header ("Opleidingsniveau/Laag/Waarde (%)" → ...)."""
    base = header.replace("%", " pct ").lower()
    base = re.sub(r"[^0-9a-z]+", "_", base.encode("ascii", "ignore").decode()).strip("_") or "column"
    if base[0].isdigit():
        base = f"c_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _is_code(value: str) -> bool:
    try:
        return kind_of(value.strip()) not in ("region", "nuts", "lau")
    except UdcError:
        return False


def read_statline_csv(path: Path) -> OfflineTable:
    """Semicolon, quoted, padded codes, symbols, footer lines: numbers become floats, symbols a companion column."""
    header, rows, meta = read_rows(path)
    if not rows:
        raise InputError("no data rows", file=str(path))
    data: dict[str, list] = {}
    columns: list[Column] = []
    taken: set[str] = set()
    notes = [f"encoding {meta.encoding}, separator '{meta.separator}'"]
    for index, title in enumerate(header):
        values = [r[index] for r in rows]
        name = safe_name(title, taken)
        unit = _UNIT.search(title)
        if title.lower().startswith("perioden"):
            data[name] = [v.strip() for v in values]
            columns.append(Column(name, "period", title))
            continue
        parsed = []
        try:
            parsed = [parse_cell(v) for v in values]
        except ValueError:
            parsed = []
        if parsed and any(num is not None for num, _ in parsed):
            data[name] = [num for num, _ in parsed]
            columns.append(Column(name, "value", title, unit[1] if unit else None))
            symbols = [sym for _, sym in parsed]
            if any(symbols):
                data[f"{name}__symbol"] = symbols
                columns.append(Column(f"{name}__symbol", "symbol", f"{title}: symbool"))
            continue
        stripped = [v.strip() for v in values]
        data[name] = stripped
        role = "area" if all(_is_code(v) for v in stripped if v) else "label"
        columns.append(Column(name, role, title))
    frame = pd.DataFrame(data)
    periods = [c for c in columns if c.role == "period"]
    if periods:
        _add_period_columns(frame, periods, columns)
    return OfflineTable(path.stem, frame, columns, "statline-csv", notes)


def _read_semicolon(path: Path) -> pd.DataFrame:
    text, _ = decode(path)
    if text.startswith("version https://git-lfs.github.com/spec/"):
        raise InputError("a Git LFS pointer, not the data (fetch the real file with git lfs pull)", file=str(path))
    return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)


def read_odata4_folder(folder: Path) -> OfflineTable:
    """``Observations.csv`` + ``MeasureCodes.csv`` + ``*Codes.csv`` (+ ``Dimensions.csv``, ``D-*.json``)."""
    observations = folder / "Observations.csv"
    if not observations.exists():
        raise InputError("no Observations.csv: not an odata4 CSV package", file=str(folder))
    frame = _read_semicolon(observations)
    needed = {"Measure", "Value"}
    if not needed <= set(frame.columns):
        raise InputError(f"expected columns {sorted(needed)}, found {list(frame.columns)}", file=str(observations))
    frame = frame.drop(columns=["Id"], errors="ignore")
    meta: dict = {}
    for candidate in sorted(folder.glob("D-*.json")):
        meta = json.loads(candidate.read_text(encoding="utf-8"))
    kinds = {}
    if (folder / "Dimensions.csv").exists():
        dims = _read_semicolon(folder / "Dimensions.csv")
        kinds = dict(zip(dims["Identifier"], dims.get("Kind", pd.Series([""] * len(dims))), strict=True))
    columns = [Column("Measure", "dimension", "Onderwerp")]
    if (folder / "MeasureCodes.csv").exists():
        measures = _read_semicolon(folder / "MeasureCodes.csv").set_index("Identifier")
        frame["Measure_label"] = frame["Measure"].map(measures["Title"])
        frame["unit"] = frame["Measure"].map(measures.get("Unit", pd.Series(dtype=str)))
        columns += [Column("Measure_label", "label", "Onderwerp (naam)"), Column("unit", "label", "Eenheid")]
    dimension_columns = [
        c
        for c in frame.columns
        if c not in ("Measure", "Measure_label", "unit", "Value", "StringValue", "ValueAttribute")
    ]
    for dim in dimension_columns:
        frame[dim] = frame[dim].map(strip_code)
        kind = kinds.get(dim, "")
        role = "area" if "Geo" in kind or dim.startswith("Regio") else "period" if dim == "Perioden" else "dimension"
        columns.append(Column(dim, role, dim))
        codes = folder / f"{dim}Codes.csv"
        if codes.exists():
            table = _read_semicolon(codes)
            frame[f"{dim}_label"] = frame[dim].map(
                dict(zip(table["Identifier"].map(strip_code), table["Title"], strict=True))
            )
            columns.append(Column(f"{dim}_label", "label", f"{dim} (naam)"))
    frame["Value"] = pd.to_numeric(frame["Value"].replace("", None), errors="coerce")
    columns.append(Column("Value", "value", "Waarde"))
    if "StringValue" in frame.columns:
        frame["StringValue"] = frame["StringValue"].map(lambda v: v.strip() or None)
        columns.append(Column("StringValue", "value", "Waarde (tekst)"))
    if "ValueAttribute" in frame.columns:
        frame["value_symbol"] = frame.pop("ValueAttribute").map(lambda v: VALUE_ATTRIBUTES.get(v, v))
        columns.append(Column("value_symbol", "symbol", "Symbool"))
    periods = [c for c in columns if c.role == "period"]
    if periods:
        _add_period_columns(frame, periods, columns)
    return OfflineTable(
        meta.get("Title", folder.name),
        frame,
        columns,
        "odata4-package",
        modified=meta.get("Modified"),
        table=meta.get("Identifier"),
    )


def read_json_responses(paths: list[Path]) -> OfflineTable:
    """Raw OData v3/v4 response files (``value`` arrays; pages in order; ``TableInfos``/``DataProperties`` when
    given): codes unpadded, ``Perioden`` as periods, region codes as the area, numbers as values (null → the
    symbol 'unknown', as StatLine shows '.'), a code list (``Key``/``Title``) as a table of codes."""
    from udc.sources.jsonfile import read_odata_json

    table, title, rows, properties = read_odata_json(paths)
    frame = pd.DataFrame(rows).drop(columns=["ID"], errors="ignore")
    columns: list[Column] = []
    for name in list(frame.columns):
        prop = properties.get(name) or {}
        label = prop.get("Title") or name
        values = frame[name]
        if values.map(lambda v: isinstance(v, str) or v is None).all():
            frame[name] = values.map(strip_code)
            present = [v for v in frame[name] if v]
            role = (
                "period"
                if name == "Perioden"
                else "area"
                if present and all(_is_code(v) for v in present)
                else "dimension"
                if name != "Title" and name != "Description"
                else "label"
            )
            columns.append(Column(name, role, label))
            continue
        frame[name] = pd.to_numeric(values, errors="coerce")
        columns.append(Column(name, "value", label, prop.get("Unit"), prop.get("Decimals")))
        if frame[name].isna().any():
            frame[f"{name}__symbol"] = frame[name].map(lambda v: "unknown" if pd.isna(v) else None)
            columns.append(Column(f"{name}__symbol", "symbol", f"{label}: symbool"))
    periods = [c for c in columns if c.role == "period"]
    if periods:
        _add_period_columns(frame, periods, columns)
    notes = [f"{len(paths)} OData file(s), {len(rows)} rows"] + (["with DataProperties"] if len(properties) > 1 else [])
    ids = [r.get("ID") for r in rows]
    if len(rows) in (5_000, 10_000) and ids == list(range(len(rows))):
        notes.append(
            f"WARNING: exactly {len(rows):,} rows with IDs 0–{len(rows) - 1:,}: CBS's ODataApi cuts an answer "
            "there without a next link — this is probably only the first part of the table; fetch it with "
            "'udc statline fetch' or give every part"
        )
    return OfflineTable(
        title or table or paths[0].stem,
        frame,
        columns,
        "odata-json",
        notes,
        modified=properties.get("__modified__"),
        table=table,
    )


def read_offline(path: Path | list[Path]) -> OfflineTable:
    """A StatLine CSV file, an odata4 package folder, or raw OData response files (JSON, one or more pages)."""
    paths = path if isinstance(path, list) else [path]
    for p in paths:
        if not p.exists():
            raise InputError("file not found", file=str(p))
    if all(p.suffix.lower() == ".json" for p in paths):
        return read_json_responses(paths)
    if len(paths) > 1:
        raise InputError(
            "several files are only for OData JSON pages; give one CSV or package folder", file=str(paths[1])
        )
    if paths[0].is_dir():
        return read_odata4_folder(paths[0])
    return read_statline_csv(paths[0])
