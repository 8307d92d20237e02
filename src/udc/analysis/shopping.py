"""Winkelgebieden (issue 33, item 3): shopping areas drawn by the user (GeoJSON polygons with a name), and per area
and year the shop premises, the vacant and long-term vacant ones (vacant on two 1 Januaries), the vacancy rate, and
the churn — premises that became vacant (closures) and ones that were let again (openings) during the year before.

The premises and their vacancy are a municipal register (internal data: premises are not people), read by those
who may read its rows — analysts within their scopes, researchers, admins; an area drawn around one premise shows
that premise, as its row would. The areas themselves are one table for everyone: an admin draws them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import shape

from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.errors import InputError, UdcError
from udc.privacy.actions import performs
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store, quote

AREAS = "winkelgebieden"
PREMISES = "synth_premises"
STOCK = "synth_premise_stock"


@performs(
    "import.shopping_areas",
    lambda path, **kw: {"file": Path(path).name, "dataset": AREAS},
    lambda frame: {"areas": len(frame)},
)
def import_areas(store: Store, path: str | Path) -> pd.DataFrame:
    """Shopping areas from a GeoJSON FeatureCollection (WGS84; a ``name`` property each) as the open table
    ``winkelgebieden`` (name, WKT in RD New); replaced whole."""
    file = str(path)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a readable GeoJSON file ({str(exc)[:80]})", file=file) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise InputError("expected a GeoJSON FeatureCollection with features", file=file)
    rows, to_rd = [], _transformer(WGS84, RD_NEW)
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict | None):
            raise InputError("a feature must be an object with properties", file=file, row=number, field="feature")
        name = str((feature.get("properties") or {}).get("name") or "").strip()
        if not name:
            raise InputError("a shopping area needs a name", file=file, row=number, field="properties.name")
        try:
            polygon = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
            raise InputError("not a GeoJSON geometry", file=file, row=number, field="geometry") from None
        if polygon.geom_type not in ("Polygon", "MultiPolygon") or polygon.is_empty:
            raise InputError(f"a {polygon.geom_type}: expected a polygon", file=file, row=number, field="geometry")
        try:
            projected = shapely.make_valid(shapely.ops.transform(lambda x, y, z=None: to_rd.transform(x, y), polygon))
        except (shapely.errors.GEOSException, ValueError):
            raise InputError("not a polygon in WGS84", file=file, row=number, field="geometry") from None
        if projected.is_empty or not (1 <= projected.area <= 1e9):  # 1 m² … 1 000 km²
            raise InputError("not a shopping area's size (1 m² to 1 000 km²)", file=file, row=number, field="geometry")
        rows.append({"name": name[:100], "wkt": projected.wkt, "hectare": projected.area / 1e4})
    frame = pd.DataFrame(rows)
    if frame.name.duplicated().any():
        raise InputError(f"two areas named '{frame.name[frame.name.duplicated()].iloc[0]}'", file=file)
    entry = Dataset(
        name=AREAS,
        title="Winkelgebieden",
        source=f"winkelgebieden: {Path(path).name}",
        sensitivity="open",
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        provenance={"shopping": {"file": Path(path).name, "areas": len(frame)}},
    )
    catalogue.same_kind(store, AREAS, "shopping")
    catalogue.save(store, entry, frame, columns=[ColumnInfo("name", "label", "Winkelgebied")])
    return frame


def vacancy(
    store: Store, *, premises: str = PREMISES, stock: str = STOCK, within: set[str] | None = None
) -> pd.DataFrame:
    """Per shopping area and year: premises, vacant, vacant_long, rate (%), closures and openings (changes since the
    1 January before). ``within``: only premises in these buurten (an analyst's scopes: a polygon drawn around a
    premise outside them counts nothing there)."""
    for name in (AREAS, premises, stock):
        if not catalogue.exists(store, name):
            raise UdcError(f"no '{name}' table (udc winkelgebieden import FILE.geojson; the premises register)")
    areas = catalogue.read(store, AREAS)
    places = store.query(
        f"SELECT premise_id, buurt_code::VARCHAR AS buurt_code, x, y FROM "
        f"{quote(catalogue.get(store, premises).table_name or '')} WHERE kind = 'shop'"
    )
    if within is not None:
        places = places[places.buurt_code.isin(within)]
    polygons = [shapely.from_wkt(w) for w in areas.wkt]
    tree = shapely.STRtree(polygons)
    hit_point, hit_area = tree.query(shapely.points(places.x.to_numpy(), places.y.to_numpy()), predicate="within")
    inside = pd.DataFrame(
        {"premise_id": places.premise_id.to_numpy()[hit_point], "area": areas.name.to_numpy()[hit_area]}
    )
    years = store.query(
        f"SELECT year, premise_id, vacant, vacant_long FROM {quote(catalogue.get(store, stock).table_name or '')}"
    ).merge(inside, on="premise_id")
    years = years.sort_values(["premise_id", "year"])
    before = years.groupby("premise_id").vacant.shift()
    years["closure"] = years.vacant & (before == False)  # noqa: E712 — a missing year before is not a change
    years["opening"] = ~years.vacant & (before == True)  # noqa: E712
    out = years.groupby(["area", "year"], as_index=False).agg(
        premises=("premise_id", "count"),
        vacant=("vacant", "sum"),
        vacant_long=("vacant_long", "sum"),
        closures=("closure", "sum"),
        openings=("opening", "sum"),
    )
    out["rate"] = (out.vacant / out.premises.where(out.premises > 0) * 100).round(1)
    for column in ("premises", "vacant", "vacant_long", "closures", "openings"):
        out[column] = out[column].astype(np.int64)
    return out.sort_values(["area", "year"]).reset_index(drop=True)
