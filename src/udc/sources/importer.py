"""Bring a table into the store: read, validate, resolve areas and periods, pseudonymise, catalogue — atomically.

One function per kind of source, each ending in a single catalogue transaction (``catalogue.save``): if anything
fails before, nothing is stored; if the process dies during it, DuckDB rolls the transaction back.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
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
    years: list[int] = field(default_factory=list)
    """The years the dataset holds after an ``--append`` import (empty for the other imports)."""


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


@dataclass(frozen=True)
class ImportOptions:
    """How one municipal table is read and catalogued — the options of ``udc import``, of
    ``s.sources.import_table`` and of :func:`import_municipal`, spelled out once here so the three cannot drift."""

    title: str | None = None
    """Title in the catalogue (default: the dataset's name)."""
    sensitivity: str = "internal"
    """open, internal or microdata; pseudonymised data becomes microdata whatever is given."""
    area_column: str | None = None
    """Column with area codes or names, resolved to ``area_code``."""
    area_kinds: list[str] | None = None
    """Only match names of these kinds (e.g. wijk, buurt)."""
    within: str | None = None
    """Only match names inside this area or region (e.g. GM0917)."""
    year: int | None = None
    """The year of a file without a period column (also the year whose names are matched)."""
    period_column: str | None = None
    """Column with years or CBS period codes, parsed into ``year``."""
    schema: Path | None = None
    """JSON with declared column types and constraints, checked before anything is stored."""
    pseudonymise: str | None = None
    """Identifier column (BSN) replaced by a keyed pseudonym; needs ``key``."""
    key: bytes | None = None
    """The pseudonym key (HMAC-SHA-256)."""
    allow_unmatched: bool = False
    """Keep rows whose area name matches nothing (without a code) instead of refusing the file."""
    sheet: str | None = None
    """Excel sheet."""
    table: str | None = None
    """Table in a database URL."""
    licence: str | None = None
    """Licence of the data, recorded in the catalogue."""
    missing: list[str] | None = None
    """Values meaning "no number" in numeric columns, kept as typed missing values."""
    keys: list[str] | None = None
    """Columns that with area and period identify a row."""
    duplicates: str = "refuse"
    """What to do with rows sharing a key: refuse (default), keep (record-level data), first, last, sum (numeric
    columns added up)."""
    points: tuple[str, str] | None = None
    """(x, y) columns — longitude/latitude, or RD x/y with ``crs`` 28992 — assigned to buurt, wijk and gemeente by
    point-in-polygon."""
    crs: int | None = None
    """EPSG code of ``points`` (default: guessed from their range)."""
    areas_year: int | None = None
    """Year of the boundaries ``points`` are assigned to (default: ``year``, the period, or this year)."""
    aliases: Path | None = None
    """Extra name aliases (a CSV ``alias;name``) on top of the built-in list."""


@dataclass
class _Draft:
    """The table between reading and cataloguing, as the steps of :func:`import_municipal` shape it."""

    frame: pd.DataFrame
    notes: list[str]
    sensitivity: str
    duplicates: str
    columns: list[ColumnInfo] = field(default_factory=list)
    unmatched: list[area_names.NameMatch] = field(default_factory=list)
    label: str | None = None  # the source's own area column, as stored


def _unit_notes(units: dict[str, str]) -> list[str]:
    """Say which columns were written with a unit: the numbers are stored bare, the unit in the catalogue."""
    if not units:
        return []
    return ["read as numbers with their unit: " + ", ".join(f"{c} ({u})" for c, u in units.items())]


def _check(name: str, options: ImportOptions) -> None:
    """Refuse a bad name, sensitivity or duplicate rule before the file is read."""
    Dataset(name=name, title=options.title or name, source="check", sensitivity=options.sensitivity)
    if options.duplicates not in DUPLICATES:
        raise UdcError(f"--on-duplicate {options.duplicates}: expected one of {', '.join(DUPLICATES)}")
    if options.points and options.area_column:
        raise UdcError("give either --area-column or coordinates (--lat/--lon, --x/--y), not both")


def _add_periods(draft: _Draft, options: ImportOptions, source: str) -> None:
    """``year`` from the period column (each value parsed, a bad one refused by row) or from ``options.year``."""
    frame, column = draft.frame, options.period_column
    if column:
        if column not in frame.columns:
            raise InputError(f"no column '{column}' (columns: {', '.join(frame.columns)})", file=source)
        years = []
        for row, value in enumerate(frame[column], start=2):
            try:
                years.append(parse_period(str(value).split(".")[0]).year)
            except ValueError as exc:
                raise InputError(str(exc), file=source, row=row, field=column) from None
        frame["year"] = years
        draft.columns.append(ColumnInfo(column, "period"))
    elif options.year is not None:
        frame["year"] = options.year
    if "year" in frame.columns:
        draft.columns.append(ColumnInfo("year", "period", "Jaar"))


def _add_points(store: Store, draft: _Draft, points: tuple[str, str], options: ImportOptions, source: str) -> None:
    """Area codes from coordinates; points are records, many per area, so a repeated key is kept unless told."""
    year = options.areas_year or options.year or _mode_year(draft.frame)
    draft.columns += _assign_points(store, draft.frame, points, options.crs, year, source, draft.notes)
    if draft.duplicates == "refuse":
        draft.duplicates = "keep"


def _add_areas(store: Store, draft: _Draft, column: str, options: ImportOptions, source: str) -> None:
    """``area_code`` from the area column's codes or names; the column itself stays as a label."""
    if column not in draft.frame.columns:
        raise InputError(f"no column '{column}' (columns: {', '.join(draft.frame.columns)})", file=source)
    codes, notes, draft.unmatched = resolve_areas(
        store,
        draft.frame,
        column,
        options.year or _mode_year(draft.frame),
        kinds=options.area_kinds,
        within=options.within,
        allow_unmatched=options.allow_unmatched,
        source=source,
        aliases=options.aliases,
    )
    if column == "area_code":  # the file's own column keeps its values beside the resolved codes
        column = "area_code_source"
        draft.frame = draft.frame.rename(columns={"area_code": column})
    draft.frame.insert(0, "area_code", codes)
    draft.columns += [ColumnInfo("area_code", "area", "Gebiedscode"), ColumnInfo(column, "label")]
    draft.notes += notes
    draft.label = column


def _pseudonymise(draft: _Draft, column: str, key: bytes | None, source: str) -> None:
    """The identifier column replaced by a keyed pseudonym: person-level data, so the dataset becomes microdata."""
    if column not in draft.frame.columns:
        raise InputError(f"no column '{column}' to pseudonymise", file=source)
    if key is None:
        raise UdcError("pseudonymising needs a key (UDC_PSEUDONYM_KEY or --key-file)")
    values = list(draft.frame.pop(column))
    draft.frame.insert(0, "pseudonym", pseudonyms.pseudonymise(values, key, file=source, field=column))
    draft.columns.append(ColumnInfo("pseudonym", "key", "Pseudoniem (HMAC-SHA-256)"))
    if draft.sensitivity != "microdata":
        draft.notes.append(f"sensitivity {draft.sensitivity} → microdata: person-level data keyed by pseudonym")
        draft.sensitivity = "microdata"


def _treat_duplicates(draft: _Draft, options: ImportOptions, source: str) -> None:
    """Repeated keys refused or treated as ``options.duplicates`` says; person-level records are all kept."""
    if draft.sensitivity == "microdata":  # many per area and period by nature (pseudonymised data is microdata)
        draft.duplicates = "keep"
    labels = [c for c in (draft.label, options.period_column) if c]
    draft.frame, note = _duplicates(draft.frame, options.keys or [], draft.duplicates, source, labels)
    if note:
        draft.notes.append(note)


def _municipal_dataset(
    name: str, source: str, options: ImportOptions, draft: _Draft, details: dict[str, Any]
) -> Dataset:
    """The catalogue entry: where the table came from (file digest or database URL), its coverage and the notes."""
    start, end = _period_range(draft.frame)
    origin = "database" if is_database_url(source) else "file"
    return Dataset(
        name=name,
        title=options.title or name,
        source=f"municipal: {Path(source).name if origin == 'file' else source}",
        sensitivity=draft.sensitivity,
        licence=options.licence,
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=start,
        period_end=end,
        area_coverage=_areas(draft.frame, "area_code" if options.area_column else None),
        provenance={
            origin: source,
            "sha256": _digest(source),
            **details,
            "notes": draft.notes,
            "pseudonymised": options.pseudonymise,
        },
    )


@performs(
    "import.municipal",
    lambda source, name, options=None: {
        "source": str(source),
        "dataset": name,
        "sensitivity": (options or ImportOptions()).sensitivity,
    },
    lambda r: {"dataset": r.dataset, "rows": r.rows},
)
def import_municipal(store: Store, source: str, name: str, options: ImportOptions | None = None) -> ImportResult:
    """A municipal file or database table into the catalogue (see ``udc import --help`` and :class:`ImportOptions`):
    read, checked, given periods and areas, pseudonymised, de-duplicated, then saved in one catalogue transaction."""
    options = options or ImportOptions()
    _check(name, options)
    draft, details = _read_draft(source, options)
    _shape(store, draft, options, source)
    draft.notes += _replacing(store, name)
    catalogue.save(store, _municipal_dataset(name, source, options, draft, details), draft.frame, columns=draft.columns)
    return ImportResult(name, len(draft.frame), draft.sensitivity, draft.notes, draft.unmatched)


def _read_draft(source: str, options: ImportOptions) -> tuple[_Draft, dict[str, Any]]:
    """The file read and checked against the schema, not yet given periods or areas; with how it was read."""
    text_columns = [c for c in (options.pseudonymise, options.area_column) if c]
    read = read_table(
        source, sheet=options.sheet, table=options.table, text_columns=text_columns, missing=options.missing
    )
    if read.data.empty:
        raise InputError("no rows", file=source)
    frame = read.data
    if options.schema is not None:
        frame = validate(frame, load_schema(options.schema), source, decimal=read.details.get("decimal", "point"))
    units = read.details.pop("units", {})
    notes = [", ".join(f"{k} {v}" for k, v in read.details.items()), *_unit_notes(units)]
    draft = _Draft(frame, notes, options.sensitivity, options.duplicates)
    draft.columns += [ColumnInfo(column, "value", unit=unit) for column, unit in units.items()]
    return draft, read.details


def _shape(store: Store, draft: _Draft, options: ImportOptions, source: str) -> None:
    """Periods, areas, pseudonyms and the duplicate rule applied to a read draft, in that order."""
    _add_periods(draft, options, source)
    if options.points:
        _add_points(store, draft, options.points, options, source)
    if options.area_column:
        _add_areas(store, draft, options.area_column, options, source)
    if options.pseudonymise:
        _pseudonymise(draft, options.pseudonymise, options.key, source)
    _treat_duplicates(draft, options, source)


# -- several yearly files, one dataset (udc import --append) ----------------------------------------------
_YEAR_IN_NAME = re.compile(r"(?<!\d)(19\d\d|20\d\d|2100)(?!\d)")


def year_in_name(source: str) -> int | None:
    """The year a file's name holds: a 4-digit year 1900–2100 standing alone (not part of a longer number such as a
    date or a table id). None without one; different years in one name are an error — picking one would be a guess."""
    found = _years_in_name(source)
    if len(found) > 1:
        raise InputError(
            f"the file name holds several years ({', '.join(map(str, found))}): name the year column "
            "(--year-column) or give --year",
            file=source,
        )
    return found[0] if found else None


def _years_in_name(source: str) -> list[int]:
    if is_database_url(source):
        return []
    return sorted({int(y) for y in _YEAR_IN_NAME.findall(Path(source).name)})


@dataclass
class _Part:
    """One file of an append import (or the stored dataset's kept years), shaped and ready to stack."""

    where: str  # the file, or "the stored 'name'"
    frame: pd.DataFrame
    columns: list[ColumnInfo]
    record: dict[str, Any] = field(default_factory=dict)  # its provenance entry
    unmatched: list[area_names.NameMatch] = field(default_factory=list)


def _file_year(source: str, options: ImportOptions, count: int) -> tuple[int | None, str, list[str]]:
    """Where a file's year comes from: its year column, else ``--year`` (one file only: several files would all get
    the same year), else its name. Returns the year (None: per row from the column), how, and a note."""
    if options.period_column:
        return None, f"column {options.period_column}", []
    if options.year is not None:
        named = [y for y in _years_in_name(source) if y != options.year]
        note = [f"year {options.year} from --year (the file name says {', '.join(map(str, named))})"] if named else []
        return options.year, "--year", note
    named = year_in_name(source)
    if named is not None:
        return named, "file name", []
    also = " or --year (for a single file)" if count == 1 else ""
    raise InputError(
        f"no year: the file name holds no year 1900–2100; name the column that holds it (--year-column){also}",
        file=source,
    )


def _read_year_file(store: Store, source: str, options: ImportOptions, count: int) -> _Part:
    """One file read, given its year (from a column, ``--year`` or its name) and areas, de-duplicated within itself."""
    year, how, notes = _file_year(source, options, count)
    chosen = replace(options, year=year) if year is not None else options
    draft, details = _read_draft(source, chosen)
    if year is not None and "year" in draft.frame.columns:
        raise InputError(
            "the file has its own column 'year': name it as the year column (--year-column year)", file=source
        )
    _shape(store, draft, chosen, source)
    years = sorted(int(y) for y in draft.frame["year"].unique())
    draft.notes = [*notes, *draft.notes]
    record = {
        "file" if not is_database_url(source) else "database": source,
        "sha256": _digest(source),
        "years": years,
        "year_from": how,
        "rows": len(draft.frame),
        "imported_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "sensitivity": draft.sensitivity,
        **details,
        "notes": draft.notes,
    }
    return _Part(source, draft.frame, draft.columns, record, draft.unmatched)


def _kind(series: pd.Series) -> str | None:
    """What a column holds, in a statistician's words (None: nothing, so any kind fits): integer, number, text,
    boolean, date."""
    values = series.dropna()
    if values.empty:
        return None
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    inferred = pd.api.types.infer_dtype(values, skipna=True)  # object columns (spreadsheets) say what they hold
    return {
        "integer": "integer",
        "floating": "number",
        "mixed-integer-float": "number",
        "decimal": "number",
        "boolean": "boolean",
        "datetime": "date",
        "datetime64": "date",
        "date": "date",
        "string": "text",
    }.get(inferred, f"mixed ({inferred})")


_DTYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean"}


def _years_text(years: list[int]) -> str:
    return ", ".join(map(str, years)) if years else "no year"


def _stack(parts: list[_Part]) -> tuple[pd.DataFrame, list[ColumnInfo], list[str]]:
    """The parts as one table, columns aligned by name: a column a part lacks is null for its rows (never 0), a
    column first seen in a later part is added, integers beside decimals become numbers; any other difference of
    kind (text in one year, numbers in another) or of unit is refused, naming the file, the column and both."""
    kinds: dict[str, tuple[str, _Part]] = {}
    units: dict[str, tuple[str, _Part]] = {}
    info: dict[str, ColumnInfo] = {}
    notes: list[str] = []
    for part in parts:
        for column in part.frame.columns:
            kind = _kind(part.frame[column])
            if kind is None:
                continue
            seen = kinds.get(column)
            if seen is None:
                kinds[column] = (kind, part)
            elif seen[0] != kind:
                if {seen[0], kind} != {"integer", "number"}:
                    raise InputError(
                        f"column '{column}' holds {kind} here but {seen[0]} in {Path(seen[1].where).name} "
                        f"({_years_text(seen[1].record.get('years', []))}): make the files agree or import under "
                        "another name",
                        file=part.where,
                        field=str(column),
                    )
                kinds[column] = ("number", seen[1])
        for column_info in part.columns:
            info.setdefault(column_info.name, column_info)
            if not column_info.unit:
                continue
            unit, first = units.setdefault(column_info.name, (column_info.unit, part))
            if unit != column_info.unit:
                raise InputError(
                    f"column '{column_info.name}' is in {column_info.unit} here but in {unit} in "
                    f"{Path(first.where).name} ({_years_text(first.record.get('years', []))}): make the files agree",
                    file=part.where,
                    field=column_info.name,
                )
    for name, (unit, _) in units.items():
        info[name] = replace(info[name], unit=unit)
        bare = [
            year
            for p in parts
            if name in p.frame.columns
            and p.frame[name].notna().any()
            and not any(c.name == name and c.unit for c in p.columns)
            for year in p.record.get("years", [])
        ]
        if bare:
            notes.append(
                f"column '{name}' is written with {unit} in some years but as bare numbers in {_years_text(bare)}: "
                "check that those years are on the same scale (5,1% is 5.1, never 0.051)"
            )
    order = list(dict.fromkeys(str(c) for part in parts for c in part.frame.columns))
    frames = []
    for part in parts:
        frame = part.frame.reindex(columns=order)
        for column in order:
            dtype = _DTYPES.get(kinds.get(column, ("",))[0])
            if dtype and str(frame[column].dtype) != dtype:
                frame[column] = frame[column].astype(object).where(frame[column].notna(), None).astype(dtype)
        frames.append(frame)
        absent = [c for c in order if c not in part.frame.columns]
        if absent and len(part.frame):
            shown = ", ".join(absent[:8]) + (f" and {len(absent) - 8} more" if len(absent) > 8 else "")
            notes.append(f"{_years_text(part.record.get('years', []))}: no column {shown} (null for those rows)")
    stacked = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=order)
    stacked = stacked.sort_values("year", kind="stable", ignore_index=True)
    return stacked, [info.get(c, ColumnInfo(c)) for c in order], notes + _look_alikes(parts, order)


def _look_alikes(parts: list[_Part], order: list[str]) -> list[str]:
    """Columns whose names differ only in case, spaces or a trailing ``_`` (CBS marks a changed definition so): kept
    apart — columns align by exact name — but said, with the years each has figures for, so a renamed column is not
    missed."""
    groups: dict[str, list[str]] = {}
    for column in order:
        groups.setdefault(re.sub(r"\s+", " ", column).strip().rstrip("_").casefold(), []).append(column)
    alike = [names for names in groups.values() if len(names) > 1]
    if not alike:
        return []

    def years(column: str) -> str:
        found = {int(y) for p in parts if column in p.frame.columns for y in p.frame.year[p.frame[column].notna()]}
        return f"{column} ({_years_text(sorted(found)) if found else 'no figures'})"

    shown = "; ".join(" beside ".join(map(years, names)) for names in alike[:5])
    more = f" and {len(alike) - 5} more" if len(alike) > 5 else ""
    return [
        f"kept apart, as columns align by exact name: {shown}{more}; rename a file's column to join them "
        "(KWB files: udc kwb import maps such spellings)"
    ]


def _stored_part(
    store: Store, name: str, new_years: set[int], area: bool
) -> tuple[_Part | None, list[str], Dataset | None]:
    """What the stored dataset keeps: its rows of the years not re-imported, its column metadata and the provenance
    of the files those years came from. Refused when it is not a yearly municipal dataset of the same area key."""
    if not catalogue.exists(store, name):
        return None, [], None
    entry = catalogue.get(store, name)
    if not entry.source.startswith("municipal:"):
        raise UdcError(f"'{name}' holds {entry.source}, not municipal files: append to another dataset")
    frame = catalogue.read(store, name)
    if "year" not in frame.columns:
        raise UdcError(
            f"'{name}' was imported without a year column, so years cannot be added to it: import under another name"
        )
    if ("area_code" in frame.columns) != area:
        raise UdcError(
            f"'{name}' is stored {'with' if 'area_code' in frame.columns else 'without'} areas (area_code) and these "
            f"files {'with' if area else 'without'}: use the same area column (--area-column) as before"
        )
    described = catalogue.describe(store, name)["columns"]
    columns = [ColumnInfo(**c) for c in described]
    replaced = frame["year"].isin(list(new_years))
    notes = []
    if replaced.any():
        counts = frame.loc[replaced, "year"].value_counts().sort_index()
        notes.append("replaces " + ", ".join(f"{int(y)} ({n} rows)" for y, n in counts.items()) + f" of '{name}'")
    kept = frame[~replaced].reset_index(drop=True)
    kept_years = sorted(int(y) for y in kept["year"].dropna().unique())
    if kept_years:
        notes.append(f"keeps {_years_text(kept_years)} of '{name}'")
    earlier = entry.provenance.get("files")
    if earlier is None:  # stored by a plain import: one source for all its years
        origin = entry.provenance.get("file") or entry.provenance.get("database")
        earlier = [{"file": origin, "sha256": entry.provenance.get("sha256"), "years": kept_years}]
    records = []
    for record in earlier:
        left = [y for y in record.get("years", []) if y in kept_years]
        if left:
            rows = int(kept["year"].isin(left).sum())
            records.append({**record, "years": left, "rows": rows})
    part = _Part(f"the stored '{name}'", kept, columns, {"years": kept_years, "files": records})
    return part, notes, entry


@performs(
    "import.municipal",
    lambda sources, name, options=None: {
        "sources": [str(s) for s in sources],
        "dataset": name,
        "sensitivity": (options or ImportOptions()).sensitivity,
        "append": True,
    },
    lambda r: {"dataset": r.dataset, "rows": r.rows, "years": r.years},
)
def append_municipal(store: Store, sources: list[str], name: str, options: ImportOptions | None = None) -> ImportResult:
    """Yearly municipal files with the same area key stacked into one dataset with a ``year`` column (``udc import
    --append``): the year of each file from its year column (``options.period_column``), ``--year`` (one file) or
    its name. Years already stored are replaced, the others kept; every file is read and checked before anything is
    saved, in one catalogue transaction, so a bad file leaves the stored dataset exactly as it was."""
    options = options or ImportOptions()
    _check(name, options)
    if not sources:
        raise UdcError("no files given")
    if options.year is not None and options.period_column:
        raise UdcError("give the year column (--year-column) or --year, not both")
    if options.year is not None and len(sources) > 1:
        raise UdcError("--year applies to one file; with several the year comes from each file's name or column")
    parts: list[_Part] = []
    unmatched: list[area_names.NameMatch] = []
    seen: dict[int, str] = {}
    for source in sources:
        part = _read_year_file(store, source, options, len(sources))
        for year in part.record["years"]:
            if year in seen:
                raise InputError(f"{year} is also in {Path(seen[year]).name}: one file per year", file=source)
            seen[year] = source
        parts.append(part)
        unmatched += part.unmatched
    stored, notes, entry = _stored_part(store, name, set(seen), "area_code" in parts[0].frame.columns)
    everything = [stored, *parts] if stored is not None and len(stored.frame) else parts
    frame, columns, stack_notes = _stack(everything)
    sensitivity = catalogue.strictest([p.record["sensitivity"] for p in parts])
    if entry is not None and entry.sensitivity != sensitivity:
        if catalogue.strictest([sensitivity, entry.sensitivity]) != sensitivity:
            notes.append(f"sensitivity {sensitivity} → {entry.sensitivity}: as strict as the stored years")
            sensitivity = entry.sensitivity
        else:
            notes.append(f"sensitivity {entry.sensitivity} → {sensitivity}: the new files are stricter")
    for part in parts:
        notes.append(
            f"{Path(part.where).name}: {part.record['rows']} rows, {_years_text(part.record['years'])} "
            f"(year from {part.record['year_from']})"
        )
        notes += [f"  {n}" for n in part.record["notes"] if n]
    notes += stack_notes
    files = [*(stored.record["files"] if stored is not None else []), *(p.record for p in parts)]
    years = sorted(int(y) for y in frame["year"].unique())
    start, end = _period_range(frame)
    names = [Path(str(f.get("file") or f.get("database"))).name for f in files]
    dataset = Dataset(
        name=name,
        title=options.title or (entry.title if entry is not None else name),
        source="municipal: "
        + (", ".join(names) if len(names) <= 3 else f"{len(names)} files ({names[0]} … {names[-1]})"),
        sensitivity=sensitivity,
        licence=options.licence or (entry.licence if entry is not None else None),
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=start,
        period_end=end,
        area_coverage=_areas(frame, "area_code" if "area_code" in frame.columns else None),
        provenance={"append": True, "files": files, "years": years, "pseudonymised": options.pseudonymise},
    )
    catalogue.save(store, dataset, frame, columns=columns)
    return ImportResult(name, len(frame), sensitivity, notes, unmatched, years)
