"""Bring a table into the store: read, validate, resolve areas and periods, pseudonymise, catalogue — atomically.

One function per kind of source, each ending in a single catalogue transaction (``catalogue.save``): if anything
fails before, nothing is stored; if the process dies during it, DuckDB rolls the transaction back.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from udc.areas import registry
from udc.areas.codes import KINDS, kind_of, normalise
from udc.errors import InputError, UdcError
from udc.privacy import pseudonyms
from udc.privacy.actions import performs
from udc.sources import names as area_names
from udc.sources.statline import Column, StatlineTable
from udc.sources.statline_files import read_offline
from udc.sources.symbols import parse_period
from udc.sources.tabular import is_database_url, load_schema, read_table, validate
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store

CBS_LICENCE = "CC BY 4.0 (Bron: CBS)"


@dataclass
class ImportResult:
    dataset: str
    rows: int
    sensitivity: str
    notes: list[str] = field(default_factory=list)
    unmatched: list[area_names.NameMatch] = field(default_factory=list)


def _digest(source: str) -> str | None:
    path = Path(source)
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _replacing(store: Store, name: str) -> list[str]:
    """A note when an import replaces a dataset of the same name: it is never silent."""
    if not catalogue.exists(store, name):
        return []
    entry = catalogue.get(store, name)
    return [f"replaces the earlier '{name}' ({store.count(entry.table_name or '')} rows from {entry.source})"]


def _columns(columns: list[Column]) -> list[ColumnInfo]:
    return [ColumnInfo(c.name, c.role, c.title, c.unit, c.decimals, c.description) for c in columns]


def _period_range(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    if "year" in frame.columns and frame["year"].notna().any():
        return str(int(frame["year"].min())), str(int(frame["year"].max()))
    return None, None


def _areas(frame: pd.DataFrame, column: str | None) -> str | None:
    if not column or column not in frame.columns:
        return None
    codes = sorted({str(c) for c in frame[column].dropna().unique()})
    return f"{len(codes)} areas: {', '.join(codes[:5])}{' …' if len(codes) > 5 else ''}"


# -- StatLine ---------------------------------------------------------------------------------------------
def _save_cbs(
    store: Store,
    name: str,
    title: str,
    source: str,
    frame: pd.DataFrame,
    columns: list[Column],
    provenance: dict[str, Any],
) -> None:
    """CBS tables are open data under CC BY 4.0, catalogued with period and area coverage."""
    area = next((c.name for c in columns if c.role == "area"), None)
    start, end = _period_range(frame)
    dataset = Dataset(
        name=name,
        title=title,
        source=source,
        sensitivity="open",
        licence=CBS_LICENCE,
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=start,
        period_end=end,
        area_coverage=_areas(frame, area),
        provenance=provenance,
    )
    catalogue.save(store, dataset, frame, columns=_columns(columns))


@performs(
    "import.statline",
    lambda result, name=None: {"table": result.table, "dataset": name},
    lambda r: {"dataset": r.dataset, "rows": r.rows},
)
def save_statline(store: Store, result: StatlineTable, name: str | None = None) -> ImportResult:
    """A fetched StatLine table as an ``open`` dataset with CBS provenance."""
    name = name or f"cbs_{result.table.lower()}"
    provenance = {
        "url": result.url,
        "api": result.api,
        "modified": result.modified,
        "from_cache": result.from_cache,
        **result.provenance,
    }
    _save_cbs(store, name, result.title, f"CBS StatLine {result.table}", result.data, result.columns, provenance)
    return ImportResult(name, len(result.data), "open", [f"{result.api} {result.url}"])


@performs(
    "import.statline_offline",
    lambda path, name=None: {"file": str(path), "dataset": name},
    lambda r: {"dataset": r.dataset, "rows": r.rows},
)
def import_statline_offline(store: Store, path: Path | list[Path], name: str | None = None) -> ImportResult:
    """A StatLine CSV download, an odata4 package folder, or raw OData response files (JSON pages)."""
    table = read_offline(path)
    first = path[0] if isinstance(path, list) else path
    # raw OData files are often several selections of one table: name them by file, not by table
    basis = first.stem if table.kind == "odata-json" else (table.table or first.stem)
    name = name or f"cbs_{re.sub(r'[^a-z0-9]+', '_', basis.lower()).strip('_')}"[:63]
    provenance = {
        "file": str(path) if not isinstance(path, list) else [str(p) for p in path],
        "sha256": _digest(str(first)),
        "kind": table.kind,
        "modified": table.modified,
        "notes": table.notes,
    }
    source = f"CBS StatLine {table.table or first.name} (offline {table.kind})"
    notes = [*table.notes, *_replacing(store, name)]
    _save_cbs(store, name, table.title, source, table.data, table.columns, provenance)
    return ImportResult(name, len(table.data), "open", notes)


# -- municipal data ---------------------------------------------------------------------------------------
DUPLICATES = ("refuse", "keep", "first", "last", "sum")


def _mode_year(frame: pd.DataFrame) -> int:
    return (
        int(frame["year"].mode()[0]) if "year" in frame.columns and frame["year"].notna().any() else datetime.now().year
    )


def _assign_points(
    store: Store,
    frame: pd.DataFrame,
    columns: tuple[str, str],
    crs: int | None,
    year: int,
    source: str,
    notes: list[str],
) -> list[ColumnInfo]:
    """Buurt, wijk and gemeente codes from coordinate columns; points outside every area are reported by row."""
    from udc.areas import points as located
    from udc.areas.geometry import RD_NEW, WGS84

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"no coordinate column(s) {', '.join(missing)} (columns: {', '.join(frame.columns)})", file=source
        )
    x, y = frame[columns[0]], frame[columns[1]]
    sample = pd.to_numeric(x, errors="coerce").dropna()
    chosen = crs or (RD_NEW if len(sample) and sample.abs().max() > 360 else WGS84)
    result = located.assign(store, x, y, year=year, crs=chosen)
    for position, name in enumerate(("buurt_code", "wijk_code", "gemeente_code")):
        frame.insert(position, name, result.codes[name].to_numpy())
    finest = next((c for c in ("buurt_code", "wijk_code", "gemeente_code") if frame[c].notna().any()), "gemeente_code")
    frame.insert(0, "area_code", frame[finest].to_numpy())
    notes.append(result.summary())
    if result.outside:
        rows = ", ".join(str(i + 2) for i in result.outside[:10])
        notes.append(f"outside every area (kept, without codes): rows {rows}{' …' if len(result.outside) > 10 else ''}")
    if result.invalid:
        rows = ", ".join(str(i + 2) for i in result.invalid[:10])
        notes.append(f"without coordinates (kept, without codes): rows {rows}")
    return [
        ColumnInfo("area_code", "area", "Gebiedscode"),
        ColumnInfo("buurt_code", "dimension", "Buurt"),
        ColumnInfo("wijk_code", "dimension", "Wijk"),
        ColumnInfo("gemeente_code", "dimension", "Gemeente"),
    ]


def _duplicates(
    frame: pd.DataFrame, keys: list[str], how: str, source: str, labels: list[str]
) -> tuple[pd.DataFrame, str | None]:
    """Rows sharing area, period and the declared key columns: refused unless ``how`` says what to do. ``labels``
    (the source's area and period columns) are never summed."""
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise InputError(
            f"key column(s) {', '.join(missing)} not found (columns: {', '.join(frame.columns)})", file=source
        )
    key = [c for c in ("area_code", "year") if c in frame.columns] + keys
    if not key or how == "keep" or (key == ["year"] and not keys):
        return frame, None
    twins = frame.duplicated(key, keep=False)
    if not twins.any():
        return frame, None
    extra = int(frame.duplicated(key).sum())
    if how == "refuse":
        first = frame[twins].index[0]
        same = frame[twins & (frame[key] == frame.loc[first, key]).all(axis=1)].index
        shown = ", ".join(f"{k}={frame.loc[first, k]}" for k in key)
        raise InputError(
            f"{extra} row(s) repeat a key ({', '.join(key)}): {shown} on rows {same[0] + 2} and {same[1] + 2}; say how "
            "to treat them (--on-duplicate keep|first|last|sum) or name the columns that tell them apart (--key …)",
            file=source,
            row=int(same[1]) + 2,
        )
    if how in ("first", "last"):
        kept = frame.drop_duplicates(key, keep=how).reset_index(drop=True)
        return kept, f"{extra} duplicate row(s) dropped ({how} kept)"
    numeric = [c for c in frame.columns if c not in key and c not in labels and pd.api.types.is_numeric_dtype(frame[c])]
    summed = frame.groupby(key, as_index=False, sort=False, dropna=False).agg(
        {**{c: "sum" for c in numeric}, **{c: "first" for c in frame.columns if c not in key and c not in numeric}}
    )
    return summed[list(frame.columns)], f"{extra} duplicate row(s) summed into their first ({', '.join(numeric)})"


def resolve_areas(
    store: Store,
    frame: pd.DataFrame,
    column: str,
    year: int,
    *,
    kinds: list[str] | None,
    within: str | None,
    allow_unmatched: bool,
    source: str,
    aliases: Path | None = None,
) -> tuple[pd.Series, list[str], list]:
    """``area_code`` for a column of codes or names; unknown codes and unmatched names are errors."""
    values = frame[column]
    texts = [None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip() for v in values]
    present = [t for t in texts if t]

    def is_code(text: str) -> bool:
        try:
            return kind_of(text) not in ("region",)
        except UdcError:
            return False

    if present and all(is_code(t) for t in present):
        known = registry.known_codes(store)
        codes = [normalise(t) if t else None for t in texts]
        for row, code in enumerate(codes, start=2):
            if code and code not in known:
                raise InputError(
                    f"unknown area code '{code}' (import its code list or geometry first)",
                    file=source,
                    row=row,
                    field=column,
                )
        distinct = len(set(codes) - {None})
        return pd.Series(codes, index=frame.index), [f"{distinct} area code(s) in {len(present)} rows"], []
    report = area_names.match_names(store, sorted(set(present)), year, kinds=kinds, within=within, alias_file=aliases)
    by_name = {m.name: m for m in report.matches}
    unmatched = report.unmatched
    if unmatched and report.empty_kinds:
        where = f" in {within} ({registry.names(store).get(within, within)})" if within else ""
        kinds_text = ", ".join(KINDS.get(k, k) for k in report.empty_kinds)
        raise InputError(
            f"the registry has no {kinds_text}{where} in any year, so no name can match one: import that geometry or "
            "code list first (udc areas import / udc areas fetch)",
            file=source,
            field=column,
        )
    if unmatched and not allow_unmatched:
        first = unmatched[0]
        row = texts.index(first.name) + 2
        hint = f"; did you mean {', '.join(first.suggestions)}" if first.suggestions else ""
        what = (
            "matches several areas (an alias file, --aliases, says which)"
            if first.how == "ambiguous"
            else "matches no area"
        )
        raise InputError(
            f"name '{first.name}' {what}{hint} ({len(unmatched)} names unmatched; --within narrows, "
            "--allow-unmatched keeps them without a code)",
            file=source,
            row=row,
            field=column,
        )
    codes = [by_name[t].code if t else None for t in texts]
    notes = [report.summary()]
    empty = [row for row, t in enumerate(texts, start=2) if not t]
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (" …" if len(empty) > 10 else "")
        notes.append(f"{len(empty)} row(s) without an area name (kept, without a code): rows {shown}")
    return pd.Series(codes, index=frame.index), notes, unmatched


@performs(
    "import.municipal",
    lambda source, name, **kw: {
        "source": str(source),
        "dataset": name,
        "sensitivity": kw.get("sensitivity", "internal"),
    },
    lambda r: {"dataset": r.dataset, "rows": r.rows},
)
def import_municipal(
    store: Store,
    source: str,
    name: str,
    *,
    title: str | None = None,
    sensitivity: str = "internal",
    area_column: str | None = None,
    area_kinds: list[str] | None = None,
    within: str | None = None,
    year: int | None = None,
    period_column: str | None = None,
    schema: Path | None = None,
    pseudonymise: str | None = None,
    key: bytes | None = None,
    allow_unmatched: bool = False,
    sheet: str | None = None,
    table: str | None = None,
    licence: str | None = None,
    missing: list[str] | None = None,
    keys: list[str] | None = None,
    duplicates: str = "refuse",
    points: tuple[str, str] | None = None,
    crs: int | None = None,
    areas_year: int | None = None,
    aliases: Path | None = None,
) -> ImportResult:
    """A municipal file or database table into the catalogue (see ``udc import --help``). ``missing``: values
    meaning "no number" in numeric columns; ``keys``: columns that with area and period identify a row;
    ``duplicates``: what to do with rows sharing a key — refuse (default), keep (record-level data), first, last,
    sum (numeric columns added up). ``points``: (x, y) columns — longitude/latitude, or RD x/y with ``crs`` 28992 —
    assigned to buurt, wijk and gemeente by point-in-polygon with the geometry of ``areas_year``."""
    Dataset(name=name, title=title or name, source="check", sensitivity=sensitivity)  # validate early
    if duplicates not in DUPLICATES:
        raise UdcError(f"--on-duplicate {duplicates}: expected one of {', '.join(DUPLICATES)}")
    read = read_table(
        source, sheet=sheet, table=table, text_columns=[c for c in (pseudonymise, area_column) if c], missing=missing
    )
    frame = read.data
    if frame.empty:
        raise InputError("no rows", file=source)
    if schema is not None:
        frame = validate(frame, load_schema(schema), source, decimal=read.details.get("decimal", "point"))
    columns: list[ColumnInfo] = []
    notes = [", ".join(f"{k} {v}" for k, v in read.details.items())]
    if period_column:
        if period_column not in frame.columns:
            raise InputError(f"no column '{period_column}' (columns: {', '.join(frame.columns)})", file=source)
        years = []
        for row, value in enumerate(frame[period_column], start=2):
            try:
                years.append(parse_period(str(value).split(".")[0]).year)
            except ValueError as exc:
                raise InputError(str(exc), file=source, row=row, field=period_column) from None
        frame["year"] = years
        columns.append(ColumnInfo(period_column, "period"))
    elif year is not None:
        frame["year"] = year
    if "year" in frame.columns:
        columns.append(ColumnInfo("year", "period", "Jaar"))
    unmatched: list = []
    if points and area_column:
        raise UdcError("give either --area-column or coordinates (--lat/--lon, --x/--y), not both")
    if points:
        columns += _assign_points(store, frame, points, crs, areas_year or year or _mode_year(frame), source, notes)
        duplicates = "keep" if duplicates == "refuse" else duplicates  # points are records: many per area
    if area_column:
        if area_column not in frame.columns:
            raise InputError(f"no column '{area_column}' (columns: {', '.join(frame.columns)})", file=source)
        match_year = year or (int(frame["year"].mode()[0]) if "year" in frame.columns else datetime.now().year)
        codes, area_notes, unmatched = resolve_areas(
            store,
            frame,
            area_column,
            match_year,
            kinds=area_kinds,
            within=within,
            allow_unmatched=allow_unmatched,
            source=source,
            aliases=aliases,
        )
        if area_column == "area_code":  # the file's own column keeps its values beside the resolved codes
            area_column = "area_code_source"
            frame = frame.rename(columns={"area_code": area_column})
        frame.insert(0, "area_code", codes)
        columns += [ColumnInfo("area_code", "area", "Gebiedscode"), ColumnInfo(area_column, "label")]
        notes += area_notes
    if pseudonymise:
        if pseudonymise not in frame.columns:
            raise InputError(f"no column '{pseudonymise}' to pseudonymise", file=source)
        if key is None:
            raise UdcError("pseudonymising needs a key (UDC_PSEUDONYM_KEY or --key-file)")
        frame.insert(
            0, "pseudonym", pseudonyms.pseudonymise(list(frame.pop(pseudonymise)), key, file=source, field=pseudonymise)
        )
        columns.append(ColumnInfo("pseudonym", "key", "Pseudoniem (HMAC-SHA-256)"))
        if sensitivity != "microdata":
            notes.append(f"sensitivity {sensitivity} → microdata: person-level data keyed by pseudonym")
            sensitivity = "microdata"
    if pseudonymise or sensitivity == "microdata":
        duplicates = "keep"  # person-level records: many per area and period by nature
    frame, duplicate_note = _duplicates(
        frame, keys or [], duplicates, source, [c for c in (area_column, period_column) if c]
    )
    if duplicate_note:
        notes.append(duplicate_note)
    notes += _replacing(store, name)
    start, end = _period_range(frame)
    origin = "database" if is_database_url(source) else "file"
    dataset = Dataset(
        name=name,
        title=title or name,
        source=f"municipal: {Path(source).name if origin == 'file' else source}",
        sensitivity=sensitivity,
        licence=licence,
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=start,
        period_end=end,
        area_coverage=_areas(frame, "area_code" if area_column else None),
        provenance={
            origin: source,
            "sha256": _digest(source),
            **read.details,
            "notes": notes,
            "pseudonymised": pseudonymise,
        },
    )
    catalogue.save(store, dataset, frame, columns=columns)
    return ImportResult(name, len(frame), sensitivity, notes, unmatched)
