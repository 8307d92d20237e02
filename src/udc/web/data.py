"""What the pages and the API read: only open and released tables, the area registry and geometry.

No function here touches microdata; the table builder is the one exception and goes through ``gate.crosstab``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import shapely

from udc.errors import NotFound, UdcError
from udc.privacy.access import PUBLIC, User, may_read
from udc.privacy.export import allowed
from udc.store import catalogue
from udc.store.catalogue import AREA_COLUMNS
from udc.store.db import Store

LEVELS = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}
TOTAL = "Totaal"


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


def visible(store: Store, user: User) -> list[dict[str, Any]]:
    """Catalogue entries the user may see rows of (open, released, and internal for its roles)."""
    rows = store.rows(
        "SELECT name, title, source, sensitivity, licence, retrieved_at, period_start, period_end, area_coverage, "
        "released, provenance FROM datasets ORDER BY name"
    )
    if user.role in ("public", "researcher", "admin"):  # no scopes: the sensitivity decides
        return [r for r in rows if may_read(user, r["sensitivity"], bool(r["released"]))]
    return [r for r in rows if allowed(store, catalogue.get(store, r["name"]), user)[0]]


def microdata(store: Store) -> list[dict[str, Any]]:
    return store.rows("SELECT name, title FROM datasets WHERE sensitivity = 'microdata' ORDER BY name")


def area_tables(store: Store) -> dict[str, AreaTable]:
    """Open/released tables with an area column of area codes and a numeric value column."""
    out: dict[str, AreaTable] = {}
    for entry in store.rows(
        "SELECT name, title, table_name FROM datasets WHERE sensitivity = 'open' OR released ORDER BY name"
    ):
        columns = {r["column_name"]: r["column_type"] for r in store.rows(f'DESCRIBE "{entry["table_name"]}"')}
        area = next((c for c in AREA_COLUMNS if c in columns), None)
        if area is None:
            continue
        numeric = [
            c for c, t in columns.items() if t in ("DOUBLE", "BIGINT", "INTEGER", "FLOAT", "HUGEINT", "SMALLINT")
        ]
        measures = [c for c in numeric if c not in ("year", "jaar")]
        if not measures:
            continue
        value = "count" if "count" in measures else measures[0]
        sample = store.rows(
            f'SELECT count(*) AS n FROM "{entry["table_name"]}" WHERE "{area}" SIMILAR TO \'(BU|WK|GM)[0-9]+\''
        )
        if not sample[0]["n"]:
            continue
        labels = {"rules", "status", "unit", "period_kind", area, *measures}
        dims = [
            c
            for c, t in columns.items()
            if c not in labels and c != "year" and t == "VARCHAR" and not c.endswith(("_label", "_symbol"))
        ]
        roles = {
            r["name"]: r["role"]
            for r in store.rows("SELECT name, role FROM dataset_columns WHERE dataset = ?", [entry["name"]])
        }
        dims = [d for d in dims if roles.get(d) not in ("area", "label", "period") and not _codes(store, entry, d)]
        year = "year" if "year" in columns else None
        out[entry["name"]] = AreaTable(entry["name"], entry["title"], area, value, year, dims, measures)
    return out


def _codes(store: Store, entry: dict[str, Any], column: str) -> bool:
    """Whether a text column holds area codes (the source column beside the resolved area code)."""
    row = store.rows(
        f"SELECT avg(CASE WHEN \"{column}\" SIMILAR TO '(BU|WK|GM)[0-9]+' THEN 1 ELSE 0 END) AS share "
        f'FROM (SELECT "{column}" FROM "{entry["table_name"]}" LIMIT 1000)'
    )
    return bool(row and (row[0]["share"] or 0) > 0.5)


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
    return {
        r["code"]: r["name"]
        for r in store.rows("SELECT code, arg_max(name, valid_from) AS name FROM areas GROUP BY code")
    }


def options(store: Store, table: AreaTable) -> dict[str, list[str]]:
    """The values of the year and the other dimensions (for the filters)."""
    entry = catalogue.get(store, table.name)
    out = {}
    for column in [*([table.year] if table.year else []), *table.dims]:
        values = [
            r["v"]
            for r in store.rows(
                f'SELECT DISTINCT "{column}"::VARCHAR AS v FROM "{entry.table_name}" WHERE v IS NOT NULL ORDER BY 1'
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
    where = [f"(\"{table.area}\" LIKE '{LEVELS[level]}%' OR \"{table.area}\" = '{TOTAL}')"]
    params: list[Any] = []
    if table.year and year:
        where.append(f'"{table.year}"::VARCHAR = ?')
        params.append(year)
    for dim in table.dims:
        where.append(f'"{dim}"::VARCHAR = ?')
        params.append(filters.get(dim) or TOTAL)
    status = ", status" if "status" in {r["column_name"] for r in store.rows(f'DESCRIBE "{entry.table_name}"')} else ""
    frame = store.query(
        f'SELECT "{table.area}" AS code, "{_measure(table, value)}"::DOUBLE AS value{status} FROM "{entry.table_name}" '
        f"WHERE {' AND '.join(where)} ORDER BY 1",
        params,
    )
    if "status" not in frame.columns:
        frame["status"] = "published"
    lookup = names(store)
    frame["name"] = frame.code.map(lambda c: lookup.get(c, c))
    return frame[["code", "name", "value", "status"]]


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
    where, params = [f'"{table.area}" = ?', f"\"{table.year}\"::VARCHAR <> '{TOTAL}'"], [code]
    for dim in table.dims:
        where.append(f'"{dim}"::VARCHAR = ?')
        params.append(filters.get(dim) or TOTAL)
    return store.query(
        f'SELECT "{table.year}"::VARCHAR AS year, "{_measure(table, value)}"::DOUBLE AS value '
        f'FROM "{entry.table_name}" '
        f"WHERE {' AND '.join(where)} ORDER BY 1",
        params,
    )


def geometry(store: Store, codes: list[str], year: int | None = None) -> dict[str, Any]:
    """GeoJSON (WGS84, simplified) of ``codes``: each code's geometry of the latest year ≤ ``year``."""
    if not codes:
        return {"type": "FeatureCollection", "features": []}
    limit = f"AND year <= {int(year)}" if year else ""
    rows = store.con.execute(
        "SELECT code, arg_max(simplified, year) AS g FROM geometries "
        f"WHERE code IN (SELECT unnest(?::VARCHAR[])) {limit} GROUP BY code ORDER BY code",
        [codes],
    ).fetchall()
    lookup = names(store)
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": lookup.get(code, code)},
            "geometry": json.loads(shapely.to_geojson(shapely.from_wkb(blob), indent=None)),
        }
        for code, blob in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def geometry_json(store: Store, kind: str, year: int | None = None) -> bytes:
    """All areas of one kind as GeoJSON bytes (the map route; cached by the app per store version)."""
    codes = [r["code"] for r in store.rows("SELECT DISTINCT code FROM geometries WHERE kind = ? ORDER BY 1", [kind])]
    return json.dumps(geometry(store, codes, year), separators=(",", ":")).encode()


def children(store: Store, code: str) -> list[dict[str, Any]]:
    return store.rows(
        "SELECT DISTINCT code, arg_max(name, valid_from) AS name, kind FROM areas WHERE parent_code = ? "
        "GROUP BY code, kind ORDER BY code",
        [code],
    )


def area(store: Store, code: str) -> dict[str, Any]:
    rows = store.rows(
        "SELECT code, kind, name, parent_code, valid_from, valid_to FROM areas WHERE code = ? "
        "ORDER BY valid_from DESC LIMIT 1",
        [code],
    )
    if not rows:
        raise NotFound(f"area '{code[:40]}' is not in the registry")
    return rows[0]


def released(store: Store, name: str) -> pd.DataFrame:
    entry = catalogue.get(store, name)
    if entry.sensitivity != "open" and not store.rows("SELECT 1 FROM datasets WHERE name = ? AND released", [name]):
        raise UdcError(f"'{name}' is not open data")
    return store.query(f'SELECT * FROM "{entry.table_name}"')


def has(store: Store, name: str) -> bool:
    return bool(store.rows("SELECT 1 FROM datasets WHERE name = ?", [name]))


__all__ = ["PUBLIC"]


def harmonised_series(
    store: Store, table: AreaTable, code: str, filters: dict[str, str], to_year: int, value: str | None = None
) -> tuple[pd.DataFrame, str | None]:
    """A municipality's series re-based to the boundaries of ``to_year`` when codes changed over the years (counts
    redistributed through the registry's crosswalk); the note says what was merged. Unchanged: the plain series."""
    from udc.areas.harmonise import harmonise

    entry = catalogue.get(store, table.name)
    measure = _measure(table, value)
    where, params = [f"\"{table.area}\" LIKE 'GM%'", f"\"{table.year}\"::VARCHAR <> '{TOTAL}'"], []
    for dim in table.dims:
        where.append(f'"{dim}"::VARCHAR = ?')
        params.append(filters.get(dim) or TOTAL)
    frame = store.query(
        f'SELECT "{table.area}" AS area_code, "{table.year}"::INTEGER AS year, "{measure}"::DOUBLE AS value '
        f'FROM "{entry.table_name}" WHERE {" AND ".join(where)}',
        params,
    )
    valid = {
        r["code"]
        for r in store.rows(
            "SELECT code FROM areas WHERE kind = 'GM' AND valid_from <= make_date(?, 1, 1) "
            "AND (valid_to IS NULL OR valid_to > make_date(?, 1, 1))",
            [to_year, to_year],
        )
    }
    changed = sorted(set(frame.area_code) - valid) if valid else []
    additive = measure in ("count", "Value") or measure.startswith(("aantal", "inwoners"))
    if not changed or not additive:
        return series(store, table, code, filters, value), None
    result = harmonise(store, frame, to_year, source=table.name).table
    part = result[result.area_code == code].sort_values("year")
    note = f"re-based to the municipalities of {to_year}: {', '.join(changed)} merged or renamed"
    return pd.DataFrame({"year": part.year.astype(str), "value": part.value}), note
