"""CBS Kerncijfers wijken en buurten (KWB) as one series over the years.

CBS publishes KWB as one table per year, and each year's columns drift: 92 columns in 2016 and 99 later, moved
positions, a trailing ``_`` in 2020, whole themes empty in a year. Imported as they are, five files are five
datasets, and no trend can be drawn. Here every column is mapped through a registry shipped with the package
(``data/kwb_variables.yaml``: a stable variable id, its kind — count, percent, per 1 000, mean … — and the variable
it is a share or average of) and the files become one long table ``(area_code, year, variable, value, status)``.
What the registry does not know is listed, never dropped silently; a variable a year does not publish is reported
for that year (no rows), never stored as zero.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from udc import yamltext
from udc.areas import registry as area_registry
from udc.areas.codes import normalise as normalise_code
from udc.errors import InputError, UdcError
from udc.privacy.actions import performs
from udc.sources.importer import resolve_areas
from udc.sources.symbols import SYMBOLS
from udc.sources.tabular import read_table
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store

KINDS = ("count", "percent", "per_1000", "mean", "density", "median", "code")
ROLLED_UP = ("percent", "per_1000", "mean")  # weighted by their weight variable; counts are summed
# StatLine's symbols for "no figure here" (unknown, secret, nil, unreliable): a missing value, status "no figure"
NO_FIGURE = [s for s, meaning in SYMBOLS.items() if meaning in ("unknown", "secret", "nil", "unreliable")]
DATASET = "kwb"


@dataclass(frozen=True)
class Variable:
    """One KWB variable: the same thing in every year's table, whatever its column is called there."""

    id: str
    kind: str
    theme: str
    label: dict[str, str]
    keys: tuple[str, ...]
    weight: str | None = None

    def title(self, language: str = "nl") -> str:
        return self.label.get(language) or self.label["nl"]


@dataclass(frozen=True)
class Registry:
    """The variables, the StatLine table of each year and every known spelling of each column."""

    tables: dict[int, str]
    variables: dict[str, Variable]
    area_keys: tuple[str, ...]
    by_key: dict[str, str] = field(repr=False)

    def match(self, column: str) -> Variable | None:
        """The variable a column holds, by any of its known spellings (case, spaces and a trailing ``_`` aside)."""
        found = self.by_key.get(normalise(column))
        return self.variables[found] if found else None

    def year_of(self, name: str) -> int | None:
        """The year a file holds, from its name: a StatLine table id of the registry, or a year 1990-2099."""
        for year, table in self.tables.items():
            if table.lower() in name.lower():
                return year
        years = re.findall(r"(?<!\d)(199\d|20\d\d)(?!\d)", name)
        return int(years[-1]) if years else None


def normalise(key: str) -> str:
    return re.sub(r"\s+", " ", str(key)).strip().rstrip("_").casefold()


@functools.cache
def registry() -> Registry:
    """The shipped registry (``data/kwb_variables.yaml``, with the OData keys of ``data/kwb_odata.yaml`` where
    verified), checked: every kind known, every weight a variable, no spelling claimed twice."""
    folder = resources.files("udc.sources") / "data"
    doc = yamltext.safe_load((folder / "kwb_variables.yaml").read_text(encoding="utf-8"))
    variables: dict[str, Variable] = {}
    by_key: dict[str, str] = {}
    for item in doc["variables"]:
        v = Variable(item["id"], item["kind"], item["theme"], item["label"], tuple(item["keys"]), item.get("weight"))
        if v.kind not in KINDS or v.id in variables:
            raise UdcError(f"kwb_variables.yaml: variable '{v.id}': unknown kind '{v.kind}' or a second entry")
        variables[v.id] = v
        for key in v.keys:
            _claim(by_key, key, v.id)
    odata = folder / "kwb_odata.yaml"
    if odata.is_file():
        for table in (yamltext.safe_load(odata.read_text(encoding="utf-8")) or {}).get("tables", {}).values():
            for key, vid in (table.get("variables") or {}).items():
                if vid in variables:
                    _claim(by_key, key, vid, odata=True)
    for v in variables.values():
        if v.weight is not None and v.weight not in variables and v.kind != "density":
            raise UdcError(f"kwb_variables.yaml: variable '{v.id}' is weighted by unknown '{v.weight}'")
    tables = {int(y): str(t) for y, t in doc["tables"].items()}
    return Registry(tables, variables, tuple(doc["area_keys"]), by_key)


def _claim(by_key: dict[str, str], key: str, vid: str, *, odata: bool = False) -> None:
    """One spelling, one variable. An OData key (``Appartement_48``) names a column of one table; the same key in
    another year's table may hold another variable, so those are kept with their suffix and claimed only once."""
    k = normalise(key)
    if by_key.get(k, vid) != vid and not odata:
        raise UdcError(f"kwb_variables.yaml: spelling '{key}' is claimed by '{by_key[k]}' and '{vid}'")
    by_key.setdefault(k, vid)


@dataclass
class KwbFile:
    """What one file gave: its year, the columns mapped and not, and the variables it has no figure for."""

    path: str
    year: int
    rows: int
    mapped: int
    unmapped: list[str]
    empty: list[str]  # variables of the registry this year's file has no figure for (absent or all empty)


@dataclass
class KwbResult:
    dataset: str
    rows: int
    files: list[KwbFile]
    years: list[int]

    @property
    def mapped_share(self) -> float:
        """Share of the files' data columns (the area column aside) that the registry maps."""
        mapped = sum(f.mapped for f in self.files)
        total = mapped + sum(len(f.unmapped) for f in self.files)
        return mapped / total if total else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "rows": self.rows,
            "years": self.years,
            "mapped_share": round(self.mapped_share, 4),
            "files": [
                {
                    "file": Path(f.path).name,
                    "year": f.year,
                    "areas": f.rows,
                    "mapped": f.mapped,
                    "unmapped": f.unmapped,
                    "without_figures": f.empty,
                }
                for f in self.files
            ],
        }


MAX_FIGURE = 1e15  # no KWB figure comes near it; "inf" or 1e308 would overflow every roll-up and JSON output


def existing_series(store: Store, dataset: str) -> pd.DataFrame:
    """The stored series a new import adds to — only an open series of this shape: any other dataset of that name
    (person rows, an internal table) would be rewritten and catalogued as open."""
    entry = catalogue.get(store, dataset)
    if entry.sensitivity != "open":
        raise InputError(f"dataset '{dataset}' is {entry.sensitivity}, not the open KWB series: give another --dataset")
    kept = catalogue.read(store, dataset)
    if set(kept.columns) != {c.name for c in COLUMNS}:
        raise InputError(
            f"dataset '{dataset}' is not a KWB series (its columns are not {', '.join(c.name for c in COLUMNS)}): "
            "give another --dataset"
        )
    return kept


def _numbers(frame: pd.DataFrame, column: str, source: str) -> tuple[pd.Series, pd.Series]:
    """A column's values as numbers and each cell's status: a figure, or why there is none (never a zero)."""
    raw = frame[column]
    text = raw.astype("string").str.strip()
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    missing = text.isna() | (text == "")
    symbol = text.isin(NO_FIGURE)
    bad = (values.isna() | ~np.isfinite(values.fillna(0)) | (values.abs() > MAX_FIGURE)) & ~missing & ~symbol
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"'{text.iloc[row][:40]}' is not a figure (a finite number below 10^15) "
            f"or a StatLine symbol ({' '.join(NO_FIGURE)})",
            file=source,
            row=row + 2,
            field=column,
        )
    status = pd.Series("published", index=frame.index, dtype="string")
    status[missing | symbol] = "no figure"
    return values.astype("float64"), status


def read_file(store: Store, path: str, *, year: int | None, within: str | None) -> tuple[pd.DataFrame, KwbFile]:
    """One KWB file as long rows (area_code, year, variable, value, status), areas by code or by name."""
    reg = registry()
    year = year or reg.year_of(Path(path).name)
    if year is None:
        raise InputError("no year in the file name: give --year", file=path)
    read = read_table(path, text_columns=list(reg.area_keys), missing=NO_FIGURE)
    frame = read.data
    if frame.empty:
        raise InputError("no rows", file=path)
    area = next((c for c in frame.columns if normalise(c) in {normalise(k) for k in reg.area_keys}), None)
    if area is None:
        raise InputError(f"no area column (expected one of {', '.join(reg.area_keys)})", file=path)
    codes, _notes, _unmatched = resolve_areas(
        store, frame, area, year, kinds=None, within=within, allow_unmatched=False, source=path
    )
    columns: dict[str, list[str]] = {}
    unmapped = []
    for column in frame.columns:
        if column == area:
            continue
        variable = reg.match(column)
        if variable is None:
            unmapped.append(column)
        else:
            columns.setdefault(variable.id, []).append(column)
    parts = []
    for vid, names in columns.items():
        values, status = _one_variable(frame, names, path)
        parts.append(
            pd.DataFrame({"area_code": codes, "year": year, "variable": vid, "value": values, "status": status})
        )
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    present = set(long.loc[long.status == "published", "variable"]) if len(long) else set()
    from_tables = {s.variable for sources in statline_sources().values() for s in sources}  # never in a KWB file
    empty = [vid for vid in reg.variables if vid not in present and vid not in from_tables]
    long = long[long.variable.isin(present)] if len(long) else long
    mapped = sum(len(n) for n in columns.values())
    return long, KwbFile(path, year, int(codes.notna().sum()), mapped, unmapped, empty)


def _one_variable(frame: pd.DataFrame, names: list[str], source: str) -> tuple[pd.Series, pd.Series]:
    """The values of a variable that a file spells in one or more columns (two spellings of one year: one filled,
    or both the same — different figures for one thing are refused)."""
    values, status = _numbers(frame, names[0], source)
    for other in names[1:]:
        more, more_status = _numbers(frame, other, source)
        clash = values.notna() & more.notna() & (values != more)
        if clash.any():
            row = int(clash.to_numpy().nonzero()[0][0]) + 2
            raise InputError(f"columns '{names[0]}' and '{other}' give different figures", file=source, row=row)
        take = values.isna() & more.notna()
        values, status = values.where(~take, more), status.where(~take, more_status)
    return values, status


COLUMNS = [
    ColumnInfo("area_code", "area", "Gebiedscode"),
    ColumnInfo("year", "period", "Jaar"),
    ColumnInfo("variable", "dimension", "Variabele"),
    ColumnInfo("value", "value", "Waarde"),
    ColumnInfo("status", "label", "Status"),
]


@performs(
    "import.kwb",
    lambda paths, **kw: {"files": [Path(p).name for p in paths], "dataset": kw.get("dataset", DATASET)},
    lambda r: {"dataset": r.dataset, "rows": r.rows, "years": r.years},
)
def import_kwb(
    store: Store,
    paths: list[str],
    *,
    dataset: str = DATASET,
    within: str | None = None,
    year: int | None = None,
) -> KwbResult:
    """KWB files (one per year, any spelling of the columns, areas by code or name) into one series. Years already
    in the series are replaced by the new files' figures, other years kept; the whole is saved in one transaction
    (a bad file leaves the stored series as it was)."""
    if not paths:
        raise UdcError("no files given")
    if year is not None and len(paths) > 1:
        raise UdcError("--year applies to one file; with several the year comes from each file's name")
    frames, files = [], []
    for path in paths:
        long, report = read_file(store, path, year=year, within=within)
        if report.year in {f.year for f in files}:
            raise InputError(f"a second file for {report.year}", file=path)
        frames.append(long)
        files.append(report)
    series = pd.concat(frames, ignore_index=True)
    if catalogue.exists(store, dataset):
        kept = existing_series(store, dataset)
        series = pd.concat([kept[~kept.year.isin([f.year for f in files])], series], ignore_index=True)
    series = series.astype({"year": "int64", "value": "float64", "status": "string"})
    series = series.sort_values(["year", "variable", "area_code"], ignore_index=True)
    years = sorted(int(y) for y in series.year.unique())
    result = KwbResult(dataset, len(series), files, years)
    entry = Dataset(
        name=dataset,
        title="Kerncijfers wijken en buurten (CBS), reeks",
        source="CBS Kerncijfers wijken en buurten: " + ", ".join(Path(p).name for p in paths),
        sensitivity="open",
        licence="CC BY 4.0",
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=str(years[0]),
        period_end=str(years[-1]),
        provenance={"kwb": result.summary()},
    )
    catalogue.save(store, entry, series, columns=COLUMNS)
    return result


def variables_frame(language: str = "nl") -> pd.DataFrame:
    """The registry as a table (for ``udc kwb variables`` and the docs)."""
    reg = registry()
    return pd.DataFrame(
        [
            {"id": v.id, "title": v.title(language), "kind": v.kind, "weight": v.weight, "theme": v.theme}
            for v in reg.variables.values()
        ]
    )


# -- StatLine tables into the series (the police's registered crime per wijk and buurt) -------------------------
@dataclass(frozen=True)
class StatlineSource:
    """Where a variable of the registry comes from in a StatLine table: the figures of ``topic`` for the ``codes``
    of ``dimension``, summed (one code: the figure itself)."""

    variable: str
    table: str
    dimension: str
    topic: str
    codes: tuple[str, ...]


@functools.cache
def statline_sources() -> dict[str, list[StatlineSource]]:
    """The registry's variables that come from a StatLine table (their ``statline:`` entry), by table id."""
    folder = resources.files("udc.sources") / "data"
    doc = yamltext.safe_load((folder / "kwb_variables.yaml").read_text(encoding="utf-8"))
    sources: dict[str, list[StatlineSource]] = {}
    for item in doc["variables"]:
        spec = item.get("statline")
        if spec:
            source = StatlineSource(
                item["id"], str(spec["table"]).upper(), spec["dimension"], spec["topic"], tuple(spec["codes"])
            )
            sources.setdefault(source.table, []).append(source)
    return sources


def statline_filter(table: str, within: str | None = None) -> str:
    """The OData ``$filter`` asking CBS for only the rows the registry reads: its codes (padded to six characters,
    as the police tables store them) and, for a gemeente, the rows of that gemeente, its wijken and its buurten
    (``startswith`` on the area code); a region or nothing asks for every area (filtered here afterwards)."""
    sources = _sources_of(table)
    codes = sorted({c for s in sources for c in s.codes})
    dimension = sources[0].dimension
    parts = ["(" + " or ".join(f"{dimension} eq '{c.ljust(6)}'" for c in codes) + ")"]
    if within and re.fullmatch(r"GM\d{4}", within.strip().upper()):
        number = within.strip().upper()[2:]
        prefixes = [f"startswith(WijkenEnBuurten,'{kind}{number}')" for kind in ("GM", "WK", "BU")]
        parts.append("(" + " or ".join(prefixes) + ")")
    return " and ".join(parts)


def _sources_of(table: str) -> list[StatlineSource]:
    sources = statline_sources().get(table.upper())
    if not sources:
        known = ", ".join(sorted(statline_sources())) or "none"
        raise UdcError(f"no variable of the KWB registry comes from StatLine table '{table}' (known: {known})")
    return sources


@dataclass
class StatlineSeries:
    """What a StatLine table gave the series: the variables and years, the areas kept and why others were not."""

    dataset: str
    table: str
    rows: int
    years: list[int]
    areas: int
    variables: dict[str, int]  # variable → figures published (area-years with a figure)
    without_figures: list[str]  # variables of this table with no figure at all in what was fetched
    skipped_areas: dict[str, int]  # why → how many codes (not an area kind of the series, unknown, outside)
    skipped_periods: int  # rows of months or quarters (the series holds years)

    def summary(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "table": self.table,
            "rows": self.rows,
            "years": self.years,
            "areas": self.areas,
            "variables": self.variables,
            "without_figures": self.without_figures,
            "skipped_areas": self.skipped_areas,
            "skipped_periods": self.skipped_periods,
        }


def statline_long(store: Store, result: Any, *, within: str | None = None) -> tuple[pd.DataFrame, StatlineSeries]:
    """A fetched StatLine table (:class:`udc.sources.statline.StatlineTable`) as long rows of the series: for each
    registry variable from this table, per area and year the sum of its codes' figures. A figure CBS leaves empty
    (or a code missing for that area and year) makes the variable "no figure" there, never a zero or a part-sum.
    Areas: gemeenten, wijken and buurten the store knows (within ``within``); others are counted, not stored."""
    table = result.table.upper()
    sources = _sources_of(table)
    data = result.data
    roles = {c.name: c.role for c in result.columns}
    area = next((c for c, r in roles.items() if r == "area"), None)
    period = next((c for c, r in roles.items() if r == "period"), None)
    dimension, topic = sources[0].dimension, sources[0].topic
    for needed, what in ((area, "an area dimension"), (period, "a period dimension")):
        if needed is None:
            raise InputError(f"{table}: no {what} in the fetched table", field=", ".join(data.columns))
    for column in (dimension, topic):
        if column not in data.columns:
            raise InputError(f"{table}: no column '{column}' (the registry reads it)", field=", ".join(data.columns))
    yearly = data["period_kind"] == "year" if "period_kind" in data.columns else pd.Series(True, index=data.index)
    skipped_periods = int((~yearly).sum())
    frame = pd.DataFrame(
        {
            "area_code": data.loc[yearly, area].astype("string").str.strip().str.upper(),
            "year": data.loc[yearly, "year"],
            "code": data.loc[yearly, dimension].astype("string").str.strip(),
            "value": pd.to_numeric(data.loc[yearly, topic], errors="coerce"),
        }
    )
    skipped: dict[str, int] = {}
    codes = pd.Series(frame.area_code.unique(), dtype="string").dropna()
    kind = codes.str[:2]
    series_kind = kind.isin(["GM", "WK", "BU"])
    if (~series_kind).any():
        skipped["not a gemeente, wijk or buurt"] = int((~series_kind).sum())
    codes = codes[series_kind]
    if within:
        scope = area_registry.descendants(store, within) | {normalise_code(within)}
        outside = ~codes.isin(scope)
        if outside.any():
            skipped[f"outside {within}"] = int(outside.sum())
        codes = codes[~outside]
    known = area_registry.known_codes(store)
    unknown = ~codes.isin(known)
    if unknown.any():
        skipped["not in the store's areas"] = int(unknown.sum())
    codes = set(codes[~unknown])
    frame = frame[frame.area_code.isin(codes)]
    parts = []
    for source in sources:
        rows = frame[frame.code.isin(source.codes)]
        grouped = rows.groupby(["area_code", "year"], sort=False).value
        totals = pd.DataFrame({"sum": grouped.sum(min_count=1), "figures": grouped.count()}).reset_index()
        complete = totals.figures == len(source.codes)  # every code of the variable has a figure there
        parts.append(
            pd.DataFrame(
                {
                    "area_code": totals.area_code.astype(str),
                    "year": totals.year.astype("int64"),
                    "variable": source.variable,
                    "value": totals["sum"].where(complete).astype("float64"),
                    "status": pd.Series("published", index=totals.index, dtype="string").where(complete, "no figure"),
                }
            )
        )
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    published = long[long.status == "published"].groupby("variable").size() if len(long) else pd.Series(dtype=int)
    figures = {s.variable: int(published.get(s.variable, 0)) for s in sources}
    report = StatlineSeries(
        dataset="",
        table=table,
        rows=len(long),
        years=sorted(int(y) for y in long.year.unique()) if len(long) else [],
        areas=len(set(long.area_code)) if len(long) else 0,
        variables=figures,
        without_figures=[v for v, n in figures.items() if n == 0],
        skipped_areas=skipped,
        skipped_periods=skipped_periods,
    )
    return long, report


@performs(
    "import.kwb",
    lambda result, **kw: {
        "statline": getattr(result, "table", None),
        "catalog": getattr(result, "provenance", {}).get("catalog"),
        "dataset": kw.get("dataset", DATASET),
        "within": kw.get("within"),
    },
    lambda r: {"dataset": r.dataset, "rows": r.rows, "years": r.years},
)
def import_kwb_statline(
    store: Store, result: Any, *, dataset: str = DATASET, within: str | None = None
) -> StatlineSeries:
    """A fetched StatLine table (the police's 47018NED …) into the KWB series through the registry's ``statline``
    entries. Replaced: this table's variables for the years fetched, in the areas fetched for (``within``, else
    all); every other row of the series is kept (the KWB files' variables of the same years, other years, other
    gemeenten). One transaction: a failure leaves the stored series as it was."""
    long, report = statline_long(store, result, within=within)
    if long.empty:
        skipped = ", ".join(f"{n} {why}" for why, n in report.skipped_areas.items())
        raise InputError(
            f"{report.table}: no figure for an area of the store"
            + (f" within {within}" if within else "")
            + (f" (area codes skipped: {skipped})" if skipped else "")
        )
    variables = list(report.variables)
    series = long
    entry_before = catalogue.get(store, dataset) if catalogue.exists(store, dataset) else None
    if entry_before is not None:
        # only an open series is added to: any other dataset of that name (person rows, an internal table, a
        # StatLine table as fetched) would be rewritten — and catalogued as open
        if entry_before.sensitivity != "open":
            raise InputError(
                f"dataset '{dataset}' is {entry_before.sensitivity}, not the open KWB series: give another --dataset"
            )
        kept = catalogue.read(store, dataset)
        if set(kept.columns) != {c.name for c in COLUMNS}:
            raise InputError(
                f"dataset '{dataset}' is not a KWB series (its columns are not {', '.join(c.name for c in COLUMNS)})"
                ": give another --dataset"
            )
        replaced = kept.variable.isin(variables) & kept.year.isin(report.years)
        if within:
            replaced &= kept.area_code.isin(area_registry.descendants(store, within) | {normalise_code(within)})
        series = pd.concat([kept[~replaced], long], ignore_index=True)
    series = series.astype({"year": "int64", "value": "float64", "status": "string"})
    series = series.sort_values(["year", "variable", "area_code"], ignore_index=True)
    years = sorted(int(y) for y in series.year.unique())
    report.dataset = dataset
    source = f"Politie (CBS dataderden {report.table}, {result.title})"
    provenance = dict(entry_before.provenance) if entry_before is not None else {}
    provenance.setdefault("statline", {})[report.table] = {
        **report.summary(),
        "url": result.url,
        "modified": result.modified,
        "filter": result.provenance.get("filter"),
        "catalog": result.provenance.get("catalog"),
    }
    before = entry_before.source if entry_before is not None else ""
    entry = Dataset(
        name=dataset,
        title=entry_before.title if entry_before is not None else "Kerncijfers wijken en buurten (CBS), reeks",
        source=before if source in before else "; ".join(s for s in (before, source) if s),
        sensitivity="open",
        licence="CC BY 4.0",
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=str(years[0]),
        period_end=str(years[-1]),
        provenance=provenance,
    )
    catalogue.save(store, entry, series, columns=COLUMNS)
    return report
