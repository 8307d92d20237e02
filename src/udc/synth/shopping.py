"""The demo's two shopping areas, drawn as a municipality would draw them: a polygon around the shopping centre of
the core city and one around Noorderbroek's, where the demo planted a rise in shop vacancy from 2021
(:class:`udc.synth.params.Params`). Written as GeoJSON (WGS84) for ``udc winkelgebieden import``."""

from __future__ import annotations

import json
from pathlib import Path

import shapely
import shapely.ops
from shapely.geometry import mapping

from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.store.db import Store

AREAS = {"WK990100": "Centrum Kernstad", "WK990200": "Centrum Noorderbroek"}


def write(store: Store, folder: Path) -> Path:
    """A polygon per area: the shopping-centre premises of its wijk, 150 m around them, as one outline."""
    features = []
    to_wgs = _transformer(RD_NEW, WGS84)
    for wijk, name in AREAS.items():
        found = store.query(
            "SELECT x, y FROM ds_synth_premises WHERE shopping_centre AND buurt_code::VARCHAR LIKE ?",
            [f"BU{wijk[2:8]}%"],
        )
        if found.empty:
            continue
        outline = shapely.union_all(shapely.buffer(shapely.points(found.x.to_numpy(), found.y.to_numpy()), 150))
        outline = outline.convex_hull
        wgs = shapely.ops.transform(lambda x, y, z=None: to_wgs.transform(x, y), outline)
        features.append({"type": "Feature", "properties": {"name": name}, "geometry": mapping(wgs)})
    path = folder / "winkelgebieden.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path
