import json
import sqlite3
import struct
from pathlib import Path

import pytest
import shapely

from udc.areas import geometry
from udc.errors import InputError


def test_parkstad_buurten_two_invalid_polygons_are_repaired(data: Path) -> None:
    features = geometry.read(data / "cartomap_nl" / "buurt_2022_parkstad.geojson")
    assert len(features) == 201
    repaired = {f.code for f in features if f.repaired}
    assert repaired == {"BU09860202", "BU09860900"}
    assert all(f.geometry.is_valid for f in features)
    assert all(f.year == 2022 and f.kind == "BU" for f in features)


def test_rd_new_is_reprojected_to_wgs84(data: Path) -> None:
    features = {f.code: f for f in geometry.read(data / "algorithm_geovis" / "municipalities.geojson")}
    minx, miny, maxx, maxy = features["GM0917"].geometry.bounds  # Heerlen
    assert 5.85 < minx < maxx < 6.1 and 50.8 < miny < maxy < 51.0
    assert features["GM0917"].year == 2024


def test_adjacency_of_parkstad_from_real_2023_layer(data: Path) -> None:
    features = geometry.read(data / "open_data_maps" / "gemeenten.json")
    pairs = geometry.adjacency([f.code for f in features], [f.geometry for f in features])

    def neighbours(code: str) -> set[str]:
        return {b if a == code else a for a, b, _ in pairs if code in (a, b)}

    parkstad = {"GM0917", "GM0899", "GM1954", "GM0882", "GM0928", "GM0986", "GM0965"}
    assert parkstad - {"GM0917"} <= neighbours("GM0917")
    assert neighbours("GM0928") == {"GM0917", "GM0882"}  # Kerkrade: only Heerlen and Landgraaf within NL
    assert "GM0899" not in neighbours("GM0965")  # Simpelveld does not border Brunssum


def test_corner_touch_is_not_a_border() -> None:
    a = shapely.box(5.0, 51.0, 5.1, 51.1)
    b = shapely.box(5.1, 51.1, 5.2, 51.2)
    c = shapely.box(5.1, 51.0, 5.2, 51.1)
    assert geometry.adjacency(["A", "B", "C"], [a, b, c]) == [
        ("A", "C", pytest.approx(11_000, rel=0.1)),
        ("B", "C", pytest.approx(7_000, rel=0.1)),
    ]


def _fc(features: list[dict], crs: str | None = None) -> dict:
    out: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        out["crs"] = {"type": "name", "properties": {"name": crs}}
    return out


def _square(code: str, geometry_value: object = "box") -> dict:
    geom = shapely.geometry.mapping(shapely.box(5.9, 50.8, 6.0, 50.9)) if geometry_value == "box" else geometry_value
    return {"type": "Feature", "properties": {"statcode": code, "statnaam": code}, "geometry": geom}


def test_null_geometry_names_the_feature(tmp_path: Path) -> None:
    f = tmp_path / "g.geojson"
    f.write_text(json.dumps(_fc([_square("GM0917"), _square("GM0899", None)])))
    with pytest.raises(InputError, match=r"g.geojson, feature 1 \(GM0899\): area GM0899 has no geometry"):
        geometry.read(f, year=2022)
    assert [x.code for x in geometry.read(f, year=2022, allow_missing=True)] == ["GM0917"]


def test_unknown_crs_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "g.geojson"
    f.write_text(json.dumps(_fc([_square("GM0917")], crs="urn:ogc:def:crs:EPSG::2154")))
    with pytest.raises(InputError, match="unsupported CRS 'urn:ogc:def:crs:EPSG::2154'"):
        geometry.read(f, year=2022)


def test_malformed_code_names_the_feature(tmp_path: Path) -> None:
    f = tmp_path / "g.geojson"
    f.write_text(json.dumps(_fc([_square("GM917")])))
    with pytest.raises(InputError, match=r"feature 0 \(GM917\): 'GM917' is not an area code"):
        geometry.read(f, year=2022)


def _gpkg(path: Path, srs: int, rows: list[tuple[str, str, bytes]]) -> None:
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,"
        " organization_coordsys_id INTEGER, definition TEXT);"
        "CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,"
        " srs_id INTEGER, z INTEGER, m INTEGER);"
        "CREATE TABLE gemeenten (fid INTEGER PRIMARY KEY, statcode TEXT, statnaam TEXT, geom BLOB);"
    )
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('RD', ?, 'EPSG', ?, '')", [srs, srs])
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('gemeenten', 'geom', 'MULTIPOLYGON', ?, 0, 0)", [srs])
    for i, (code, name, wkb) in enumerate(rows):
        blob = b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", srs) + wkb  # no envelope, little endian
        con.execute("INSERT INTO gemeenten VALUES (?, ?, ?, ?)", [i, code, name, blob])
    con.commit()
    con.close()


def test_geopackage_in_rd_new(tmp_path: Path) -> None:
    path = tmp_path / "gem.gpkg"
    heerlen_rd = shapely.box(192000, 318000, 198000, 326000)
    _gpkg(path, 28992, [("GM0917", "Heerlen", shapely.to_wkb(heerlen_rd))])
    [feature] = geometry.read(path, year=2023)
    assert feature.code == "GM0917" and feature.name == "Heerlen"
    assert 5.9 < feature.geometry.centroid.x < 6.05 and 50.85 < feature.geometry.centroid.y < 50.95
    assert geometry.to_rd(feature.geometry).area == pytest.approx(heerlen_rd.area, rel=1e-3)


def test_simplified_versions_keep_shared_borders(data: Path) -> None:
    features = geometry.read(data / "cartomap_nl" / "wijk_2022_parkstad.geojson")
    full = [f.geometry for f in features]
    small = geometry.simplify(full, tolerance_m=150)
    assert sum(len(shapely.get_coordinates(g)) for g in small) < sum(len(shapely.get_coordinates(g)) for g in full)
    assert all(g.is_valid for g in small)
