"""Areas across the border (issue 31, item 1): Eurostat GISCO's NUTS and LAU GeoJSON import, and municipalities
border each other across the national border — Kerkrade (real 2018 geometry, ../shared/data) and a German LAU.

GISCO's files are not in ../shared/data: the fixture is built here in their documented shape (properties NUTS_ID,
LEVL_CODE, CNTR_CODE, NAME_LATN, NUTS_NAME for NUTS; GISCO_ID, CNTR_CODE, LAU_ID, LAU_NAME for LAU; WGS84), its
first LAU drawn along Kerkrade's eastern border as Herzogenrath lies, two more further east; the NUTS 3 region is
their union, as Städteregion Aachen (DEA2D) contains its Gemeinden."""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import box, mapping, shape

from cli_runner import udc
from udc.areas import registry
from udc.store import Store

LAU = [("05334012", "Herzogenrath"), ("05334016", "Würselen"), ("05334002", "Aachen")]


def _gisco(kerkrade: shapely.Geometry) -> tuple[dict, dict]:
    """A GISCO LAU collection (three Gemeinden) and a NUTS collection (their NUTS 3 region), in WGS84."""
    minx, miny, maxx, maxy = kerkrade.bounds
    strip = (
        kerkrade.buffer(0.01)
        .difference(kerkrade)
        .intersection(box(kerkrade.centroid.x, miny - 0.02, maxx + 0.02, maxy + 0.02))
    )
    further = [box(maxx + 0.02, miny, maxx + 0.06, maxy), box(maxx + 0.06, miny, maxx + 0.10, maxy)]
    polygons = [strip, *further]
    laus = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"GISCO_ID": f"DE_{code}", "CNTR_CODE": "DE", "LAU_ID": code, "LAU_NAME": name},
                "geometry": mapping(polygon),
            }
            for (code, name), polygon in zip(LAU, polygons, strict=True)
        ],
    }
    region = shapely.union_all([strip.buffer(0.001), *further]).convex_hull.difference(kerkrade)
    nuts = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "NUTS_ID": "DEA2D",
                    "LEVL_CODE": 3,
                    "CNTR_CODE": "DE",
                    "NAME_LATN": "Städteregion Aachen",
                    "NUTS_NAME": "Städteregion Aachen",
                },
                "geometry": mapping(region),
            }
        ],
    }
    return laus, nuts


def test_gisco_lau_and_nuts_import_and_kerkrade_borders_a_german_gemeinde(data: Path, tmp_path: Path) -> None:
    limburg = json.loads((data / "cartomap_nl" / "gemeente_2018_limburg.geojson").read_text(encoding="utf-8"))
    kerkrade = next(shape(f["geometry"]) for f in limburg["features"] if f["properties"]["statcode"] == "GM0928")
    laus, nuts = _gisco(kerkrade)
    (tmp_path / "lau.geojson").write_text(json.dumps(laus), encoding="utf-8")
    (tmp_path / "nuts.geojson").write_text(json.dumps(nuts), encoding="utf-8")
    store = tmp_path / "store"
    udc("--store", str(store), "areas", "import", str(data / "cartomap_nl" / "gemeente_2018_limburg.geojson"))
    udc("--store", str(store), "areas", "import", str(tmp_path / "nuts.geojson"), "--year", "2018")
    udc("--store", str(store), "areas", "import", str(tmp_path / "lau.geojson"), "--year", "2018")
    with Store(store, read_only=True) as s:
        names = registry.names(s)
        assert names["DE_05334012"] == "Herzogenrath" and names["DEA2D"] == "Städteregion Aachen"
        assert "DE_05334012" in registry.neighbours(s, "GM0928", 2018)  # across the border
        assert "GM0928" in registry.neighbours(s, "DE_05334012", 2018)
        assert "DE_05334002" not in registry.neighbours(s, "GM0928", 2018)  # Aachen lies further east here
        parent = s.rows("SELECT parent_code FROM areas WHERE code = 'DE_05334012'")[0]["parent_code"]
    assert parent == "DEA2D"  # the LAU's NUTS 3 region, from geometry
    shown = udc("--store", str(store), "areas", "neighbours", "GM0928", "--year", "2018").stdout
    assert "Herzogenrath" in shown or "DE_05334012" in shown
