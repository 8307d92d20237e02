"""What the pages and the API read: only open and released tables, the area registry and geometry.

No function here touches microdata; the table builder is the one exception and goes through ``gate.crosstab``.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from cachetools import LRUCache

from udc.areas import registry
from udc.areas.codes import is_span, period_key
from udc.errors import UdcError
from udc.privacy.access import PUBLIC
from udc.privacy.export import visible
from udc.store import catalogue
from udc.store.catalogue import AREA_COLUMNS
from udc.store.db import Store, quote

LEVELS = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}
TOTAL = "Totaal"
FOREIGN_MUNICIPALITY = "^(DE|BE)_[0-9]{6,}$"  # a German or Belgian Gemeinde (LAU): drawn beside the gemeenten


@dataclass
class AreaTable:
    """A catalogue table with one row per area (and year, and other dimensions)."""

    name: str
    title: str
    area: str
    value: str
    year: str | None
    dims: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)  # every numeric measure; ``value`` is the default


def microdata(store: Store, *, keyed: bool = True) -> list[dict[str, Any]]:
    """The microdata tables the table builder can answer (``keyed``: a record key, which the cell-key method the
    builder uses needs), or (not ``keyed``) the others — an events or households table without one."""
    out = []
    for entry in catalogue.entries(store, sensitivity="microdata"):
        columns = {r["column_name"] for r in store.rows(f"DESCRIBE {quote(entry['table_name'])}")}
        if ("record_key" in columns) == keyed:
            out.append({"name": entry["name"], "title": entry["title"]})
    return out


SKIPPED = {  # why a published table is not in the explorer (Dutch, English)
    "own_page": (
        "afgeleide tabellen (indicatoren, vergelijking, monitors) staan op hun eigen pagina's",
        "derived tables (indicators, references, monitors) are on pages of their own",
    ),
    "no_area": ("geen kolom met gebiedscodes (gemeente, wijk of buurt)", "no column with area codes"),
    "no_measure": ("geen kolom met getallen", "no column with numbers"),
    "no_codes": (
        "de gebiedskolom bevat geen CBS-gebiedscodes (GM…, WK…, BU…)",
        "the area column holds no CBS area codes (GM…, WK…, BU…)",
    ),
    "flows": ("herkomst en bestemming: zie Verhuisstromen", "origin and destination: see Migration flows"),
}


def area_tables(store: Store, skipped: dict[str, str] | None = None) -> dict[str, AreaTable]:
    """Open/released tables with an area column of area codes and a numeric value column; the reason (a key of
    :data:`SKIPPED`) every other published table is left out goes into ``skipped``."""
    out: dict[str, AreaTable] = {}
    skipped = skipped if skipped is not None else {}
    for entry in catalogue.entries(store, published=True):
        provenance = entry["provenance"]
        if _across_the_border(store, entry):  # one indicator at a time on one map across the border
            out[entry["name"]] = _indicators_table(entry)
            continue
        if provenance.get("method") == "derived" or provenance.get("role", "").startswith("indicator_"):
            skipped[entry["name"]] = "own_page"  # a sum over indicators means nothing
            continue
        found = _area_table(store, entry)
        if isinstance(found, str):
            skipped[entry["name"]] = found
        else:
            out[entry["name"]] = found
    return out


def _across_the_border(store: Store, entry: dict[str, Any]) -> bool:
    """A released indicator table of a region across the border (``udc indicators compute --region … --release``):
    Dutch and foreign municipalities side by side, which no other page shows on one map."""
    columns = store.columns(entry["table_name"]) if entry.get("table_name") else {}
    return {"indicator", "area_code", "period", "value", "country"} <= set(columns)


def _indicators_table(entry: dict[str, Any]) -> AreaTable:
    """The explorer's view of an indicator table: the indicator a filter (one at a time: values are never summed
    over indicators or areas), the year its period, the value its measure."""
    return AreaTable(entry["name"], entry["title"], "area_code", "value", "period", ["indicator"], ["value"])


def _area_table(store: Store, entry: dict[str, Any]) -> AreaTable | str:
    """One catalogue entry as an explorer table, or why it is not one."""
    columns = store.columns(entry["table_name"])
    area = next((c for c in AREA_COLUMNS if c in columns), None)
    if area is None:
        return "no_area"
    numeric = [c for c, t in columns.items() if t in ("DOUBLE", "BIGINT", "INTEGER", "FLOAT", "HUGEINT", "SMALLINT")]
    measures = [c for c in numeric if c not in ("year", "jaar")]
    if not measures:
        return "no_measure"
    sample = store.rows(
        f"SELECT count(*) AS n FROM {quote(entry['table_name'])} WHERE {quote(area)} SIMILAR TO '(BU|WK|GM)[0-9]+'"
    )
    if not sample[0]["n"]:
        return "no_codes"
    labels = {"rules", "status", "unit", "period_kind", area, *measures}
    dims = [
        c
        for c, t in columns.items()
        if c not in labels and c != "year" and t == "VARCHAR" and not c.endswith(("_label", "_symbol"))
    ]
    roles = catalogue.roles(store, entry["name"])
    coded = [d for d in dims if _codes(store, entry, d)]
    if any(_other_areas(store, entry, area, d) for d in coded):
        return "flows"  # a second area column (origin–destination): not one value per area
    dims = [d for d in dims if roles.get(d) not in ("area", "label", "period") and d not in coded]
    value = "count" if "count" in measures else _default_measure(store, entry["table_name"], measures)
    year = "year" if "year" in columns else None
    return AreaTable(entry["name"], entry["title"], area, value, year, dims, measures)


def _codes(store: Store, entry: dict[str, Any], column: str) -> bool:
    """Whether a text column holds area codes (the source column beside the resolved area code); margins
    (Totaal) do not count either way."""
    row = store.rows(
        f"SELECT avg(CASE WHEN {quote(column)} SIMILAR TO '(BU|WK|GM)[0-9]+' THEN 1 ELSE 0 END) AS share "
        f"FROM (SELECT {quote(column)} FROM {quote(entry['table_name'])} WHERE {quote(column)} <> '{TOTAL}' "
        "LIMIT 1000)"
    )
    return bool(row and (row[0]["share"] or 0) > 0.5)


def _default_measure(store: Store, table: str, measures: list[str]) -> str:
    """The measure a table opens with: its inhabitants if it has them, else the first that varies between areas
    (CBS key figures begin with region codes and flags that are the same everywhere)."""
    named = [m for m in measures if "inwoners" in m.lower() and "per" not in m.lower()]
    if named:
        return named[0]
    distinct = ", ".join(f"approx_count_distinct({quote(m)}) AS n{i}" for i, m in enumerate(measures[:60]))
    counted = store.rows(f"SELECT {distinct} FROM {quote(table)}")[0]
    varying = [m for i, m in enumerate(measures[:60]) if (counted[f"n{i}"] or 0) > 1]
    return varying[0] if varying else measures[0]


def _other_areas(store: Store, entry: dict[str, Any], area: str, column: str) -> bool:
    """Whether a code column names other areas than the area column (a flow's destination), not the same ones."""
    row = store.rows(
        f"SELECT count(*) AS n FROM (SELECT 1 FROM {quote(entry['table_name'])} WHERE {quote(column)} <> "
        f"{quote(area)} AND {quote(column)} SIMILAR TO '(BU|WK|GM)[0-9]+' LIMIT 1)"
    )
    return bool(row and row[0]["n"])


def column_titles(store: Store, name: str) -> dict[str, str]:
    """column → the title its source gave it (StatLine metadata, a release's column info), where there is one."""
    return {c["name"]: c["title"] for c in catalogue.describe(store, name)["columns"] if c.get("title")}


def levels_of(store: Store, table: AreaTable) -> list[str]:
    """The area levels (gemeente, wijk, buurt) a table has figures for — only those are offered."""
    entry = catalogue.get(store, table.name)
    found = {
        r["k"]
        for r in store.rows(
            f"SELECT DISTINCT substr({quote(table.area)}, 1, 2) AS k FROM {quote(entry.table_name or '')}"
        )
    }
    if found & {"DE", "BE"}:  # foreign municipalities are at the gemeente level
        found.add("GM")
    return [level for level, prefix in LEVELS.items() if prefix in found]


def filters_for(store: Store, table: AreaTable, given: dict[str, str]) -> dict[str, str]:
    """The chosen value of every other dimension: as given, else Totaal when the table has it, else the first."""
    choices = options(store, table)
    out = {}
    for dim in table.dims:
        values = choices.get(dim, [])
        wanted = given.get(dim)
        out[dim] = wanted if wanted in values else (TOTAL if TOTAL in values or not values else values[0])
    return out


def names(store: Store) -> dict[str, str]:
    return registry.names(store)


def named_areas(store: Store) -> dict[str, str]:
    return registry.named_areas(store)


def options(store: Store, table: AreaTable) -> dict[str, list[str]]:
    """The values of the year and the other dimensions (for the filters)."""
    entry = catalogue.get(store, table.name)
    out = {}
    for column in [*([table.year] if table.year else []), *table.dims]:
        values = [
            r["v"]
            for r in store.rows(
                f"SELECT DISTINCT {quote(column)}::VARCHAR AS v FROM {quote(entry.table_name or '')} "
                "WHERE v IS NOT NULL ORDER BY 1"
            )
        ]
        out[column] = values
    return out


def explore(
    store: Store, table: AreaTable, *, year: str | None, level: str, filters: dict[str, str], value: str | None = None
) -> pd.DataFrame:
    """``code, name, value, status`` for every area of ``level`` plus the Totaal row when the table has one."""
    if level not in LEVELS:
        raise UdcError(f"unknown level '{level}': expected {', '.join(LEVELS)}")
    entry = catalogue.get(store, table.name)
    foreign = f" OR regexp_matches({quote(table.area)}, '{FOREIGN_MUNICIPALITY}')" if level == "gemeente" else ""
    where = [f"({quote(table.area)} LIKE '{LEVELS[level]}%' OR {quote(table.area)} = '{TOTAL}'{foreign})"]
    params: list[Any] = []
    if table.year and year:
        where.append(f"{quote(table.year)}::VARCHAR = ?")
        params.append(year)
    where, params = _dims(table, filters, where, params)
    status = ", status" if "status" in store.columns(entry.table_name or "") else ""
    frame = store.query(
        f"SELECT {quote(table.area)} AS code, {quote(_measure(table, value))}::DOUBLE AS value{status} "
        f"FROM {quote(entry.table_name or '')} WHERE {' AND '.join(where)} ORDER BY 1",
        params,
    )
    if "status" not in frame.columns:
        frame["status"] = "published"
    lookup = names(store)
    frame["name"] = frame.code.map(lambda c: lookup.get(c, c))
    return frame[["code", "name", "value", "status"]]


def _dims(table: AreaTable, filters: dict[str, str], where: list[str], params: list[Any]) -> tuple[list, list]:
    """Conditions fixing every other dimension to its chosen value (Totaal unless chosen)."""
    for dim in table.dims:
        where.append(f"{quote(dim)}::VARCHAR = ?")
        params.append(filters.get(dim) or TOTAL)
    return where, params


def _measure(table: AreaTable, value: str | None) -> str:
    if value is None:
        return table.value
    if value not in table.values:
        raise UdcError(f"'{value}' is not a measure of {table.name}: expected one of {', '.join(table.values)}")
    return value


def series(
    store: Store, table: AreaTable, code: str, filters: dict[str, str], value: str | None = None
) -> pd.DataFrame:
    """One area's value over the years (the table's Totaal for the other dimensions unless filtered)."""
    if not table.year:
        return pd.DataFrame(columns=["year", "value"])
    entry = catalogue.get(store, table.name)
    where, params = _dims(
        table, filters, [f"{quote(table.area)} = ?", f"{quote(table.year)}::VARCHAR <> '{TOTAL}'"], [code]
    )
    return store.query(
        f"SELECT {quote(table.year)}::VARCHAR AS year, {quote(_measure(table, value))}::DOUBLE AS value "
        f"FROM {quote(entry.table_name or '')} WHERE {' AND '.join(where)} ORDER BY 1",
        params,
    )


def geometry(store: Store, codes: list[str], year: int | None = None) -> dict[str, Any]:
    """GeoJSON (WGS84, simplified) of ``codes``: each code's geometry of the latest year ≤ ``year``."""
    if not codes:
        return {"type": "FeatureCollection", "features": []}
    rows = registry.nearest_shapes(store, codes, year)
    lookup = names(store)
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": lookup.get(code, code), "geometry_year": shape_year},
            "geometry": json.loads(shapely.to_geojson(shapely.from_wkb(blob), indent=None)),
        }
        for code, blob, shape_year in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def boundary_note(shapes: dict[str, Any], year: int | None, language: str) -> str | None:
    """Which year's boundaries a map shows when they come from after the figures' year ("grenzen van 2022": no
    geometry of that year or before was imported). Earlier geometry is the normal case: boundaries hold until they
    change, and changes are registered."""
    years = sorted({f["properties"]["geometry_year"] for f in shapes["features"]})
    if year is None or not any(y > year for y in years):
        return None
    shown = ", ".join(map(str, years))
    return (
        f"Kaart op de grenzen van {shown}: voor {year} zijn geen eigen grenzen ingelezen."
        if language == "nl"
        else f"Map on the boundaries of {shown}: no boundaries of {year} were imported."
    )


def geometry_json(store: Store, kind: str, year: int | None = None) -> bytes:
    """All areas of one kind as GeoJSON bytes (the map route; cached by the app per store version)."""
    return json.dumps(geometry(store, registry.geometry_codes(store, kind), year), separators=(",", ":")).encode()


MAP_CACHE = 64 * 1024 * 1024  # bytes of map documents the server keeps (a national buurt map is ~18 MB)


def map_cache(limit: int = MAP_CACHE) -> LRUCache:
    """Map documents by (catalogue generation, kind, boundary year), the least recently used dropped first once they
    hold ``limit`` bytes: a cache keyed on what callers ask for must not grow with what they ask for."""
    return LRUCache(maxsize=limit, getsizeof=len)


def map_years(store: Store) -> range:
    """The years a map may be asked for: from the first year the area registry knows to this year (or the newest
    imported boundaries, if later). Other years are refused (422) rather than cached or sent to the database."""
    known = [y for y in registry.version_years(store) if y is not None]
    known += [y for kind in LEVELS.values() for y in registry.geometry_years(store, kind)]
    if not known:
        return range(0)
    return range(min(known), max(*known, datetime.date.today().year) + 1)


def map_year(store: Store, kind: str, year: int | None) -> int | None:
    """The boundary year a map of ``year`` is built from: every year from one import of boundaries to the next gives
    the same document (each area's latest shape ≤ year, else its earliest), so they share one cache entry."""
    if year is None:
        return None
    years = registry.geometry_years(store, kind)
    before = [y for y in years if y <= year]
    return max(before) if before else (min(years) - 1 if years else None)


children = registry.children
area = registry.area


def released(store: Store, name: str, version: int | None = None) -> pd.DataFrame:
    """An open or released table (a release's newest version unless ``version``)."""
    entry(store, name)  # refuses a table that is not open data
    return catalogue.read(store, name, version)


has = catalogue.exists


def entry(store: Store, name: str) -> catalogue.Dataset:
    """A published table's catalogue entry (title, source, provenance): what a page says about where its figures
    come from — refused, as :func:`released` is, for a table that is not open data."""
    found = catalogue.get(store, name)
    if found.sensitivity != "open" and not catalogue.is_released(store, name):
        raise UdcError(f"'{name}' is not open data")
    return found


def periods(frame: pd.DataFrame) -> list[str]:
    """A released table's periods ('2019-2020' or a year) in time order (by last year, then first); none without a
    ``period`` column."""
    return sorted(frame.period.unique(), key=period_key) if "period" in frame.columns else []


def latest_period(found: list[str], *, spans_first: bool = True) -> str:
    """The most recent period; with ``spans_first`` a span ('2019-2020') before a single year ending the same year
    (the flows pages pool two years so more cells pass the gate)."""
    spans = [p for p in found if is_span(p)] if spans_first else []
    return max(spans or list(found), key=period_key)


__all__ = ["PUBLIC", "visible"]


def additive(measure: str) -> bool:
    """Whether a measure is a count that may be summed over merged areas (a ratio may not)."""
    return measure in ("count", "Value") or measure.startswith(("aantal", "inwoners"))


def map_values(
    store: Store, table: AreaTable, values: pd.Series, year: int | None, measure: str, language: str
) -> tuple[dict[str, Any], pd.Series, str | None]:
    """The map's shapes and values (``values``: code → value). Municipalities without boundaries of any imported
    year (merged away before the earliest geometry) are re-based to the municipalities the map shows — a count
    summed through the registry's crosswalk — and the note says so; a ratio cannot be summed: those areas stay
    blank and the note says why."""
    from udc.areas.harmonise import harmonise

    shapes = geometry(store, list(values.index), year)
    drawn = {f["id"] for f in shapes["features"]}
    missing = sorted(c for c in set(values.index) - drawn if c.startswith("GM"))
    if not missing or year is None:
        return shapes, values, None
    years = [f["properties"]["geometry_year"] for f in shapes["features"]] or registry.geometry_years(store, "GM")
    if not years:
        return shapes, values, None
    to_year, lookup = max(years), names(store)
    old = ", ".join(lookup.get(c, c) for c in missing)
    if not additive(measure):
        return (
            shapes,
            values,
            (
                f"{old}: geen grenzen van {year} ingelezen; een verhouding is niet om te rekenen naar de gemeenten van "
                f"{to_year}, dus blijven ze leeg."
                if language == "nl"
                else f"{old}: no boundaries of {year} imported; "
                f"a ratio cannot be re-based to the municipalities of {to_year}, so they stay blank."
            ),
        )
    frame = pd.DataFrame({"area_code": values.index, "year": year, "value": values.to_numpy(dtype=float)})
    rebased = harmonise(store, frame, to_year, source=table.name).table.set_index("area_code")["value"]
    shapes = geometry(store, list(rebased.index), to_year)
    return (
        shapes,
        rebased,
        (
            f"Kaart omgerekend naar de gemeenten van {to_year}: {old} opgeteld bij hun opvolger."
            if language == "nl"
            else f"Map re-based to the municipalities of {to_year}: {old} added to their successor."
        ),
    )


def harmonised_series(
    store: Store, table: AreaTable, code: str, filters: dict[str, str], to_year: int, value: str | None = None
) -> tuple[pd.DataFrame, str | None]:
    """A municipality's series re-based to the boundaries of ``to_year`` when codes changed over the years (counts
    redistributed through the registry's crosswalk); the note says what was merged. Unchanged: the plain series."""
    from udc.areas.harmonise import harmonise

    entry = catalogue.get(store, table.name)
    measure = _measure(table, value)
    where, params = _dims(
        table, filters, [f"{quote(table.area)} LIKE 'GM%'", f"{quote(table.year)}::VARCHAR <> '{TOTAL}'"], []
    )
    frame = store.query(
        f"SELECT {quote(table.area)} AS area_code, {quote(table.year)}::INTEGER AS year, "
        f"{quote(measure)}::DOUBLE AS value FROM {quote(entry.table_name or '')} WHERE {' AND '.join(where)}",
        params,
    )
    valid = set(registry.valid_codes(store, registry.jan1(to_year), "GM"))
    changed = sorted(set(frame.area_code) - valid) if valid else []
    if not changed or not additive(measure):
        return series(store, table, code, filters, value), None
    result = harmonise(store, frame, to_year, source=table.name).table
    part = result[result.area_code == code].sort_values("year")
    note = f"re-based to the municipalities of {to_year}: {', '.join(changed)} merged or renamed"
    return pd.DataFrame({"year": part.year.astype(str), "value": part.value}), note


def indicator_series(
    store: Store, rows: pd.DataFrame, code: str, scale: float, source: str, language: str
) -> tuple[pd.DataFrame, str | None]:
    """One released indicator's series (``rows``: its rows of every area and period) for ``code``; a
    municipality's re-based to the newest year's boundaries when codes changed (released numerators and
    denominators summed through the crosswalk, the ratio recomputed — never an average of ratios), with a note
    saying what was merged. Columns ``period`` and ``value``."""
    from udc.areas.harmonise import harmonise

    own = rows[rows.area_code == code].sort_values("period")
    newest = max(rows.period) if len(rows) else None
    if not (code.startswith("GM") and newest and newest.isdigit()):
        return own, None
    gm = rows[rows.area_code.str.match(r"^GM\d{4}$")]
    valid = set(registry.valid_codes(store, registry.jan1(int(newest)), "GM"))
    changed = sorted(set(gm.area_code) - valid) if valid else []
    if not changed:
        return own, None
    counts = gm.assign(year=gm.period.astype(int))[["area_code", "year", "numerator", "denominator"]]
    result = harmonise(store, counts.reset_index(drop=True), int(newest), source=source).table
    part = result[result.area_code == code].sort_values("year")
    with np.errstate(invalid="ignore", divide="ignore"):
        value = part.numerator.astype(float) / part.denominator.astype(float) * scale
    merged = ", ".join(changed)
    note = (
        f"Herberekend op de gemeenten van {newest} (tellers en noemers opgeteld): {merged}"
        if language == "nl"
        else f"Re-based to the municipalities of {newest} (numerators and denominators summed): {merged}"
    )
    return pd.DataFrame({"period": part.year.astype(str), "value": value}), note


def cell_outlines(cells: list[str]) -> tuple[list[float | None], list[float | None]]:
    """CBS 500 m cells (``E0390N5185``) as closed outlines in WGS84 for a map trace (None between cells)."""
    from udc.areas.geometry import RD_NEW, WGS84, _transformer

    xs: list[float | None] = []
    ys: list[float | None] = []
    to_wgs = _transformer(RD_NEW, WGS84)
    for code in cells:
        left, bottom = int(code[1:5]) * 100, int(code[6:10]) * 100
        corners = [(left, bottom), (left + 500, bottom), (left + 500, bottom + 500), (left, bottom + 500)]
        lon, lat = to_wgs.transform([c[0] for c in corners], [c[1] for c in corners])
        xs += [*map(float, lon), float(lon[0]), None]
        ys += [*map(float, lat), float(lat[0]), None]
    return xs, ys
