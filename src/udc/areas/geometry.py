"""Area geometry: read GeoJSON/GeoPackage, reproject to WGS84, repair, simplify, find neighbours.

Everything is stored in WGS84 (what web maps need); distances and areas are computed in RD New
(EPSG:28992, metres) because degrees are not lengths. Repairs are reported, never silent.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from udc.areas.codes import kind_of, normalise
from udc.errors import InputError, UdcError
from udc.store.db import quote

WGS84 = 4326
RD_NEW = 28992
CODE_FIELDS = ("statcode", "gemeentecode", "wijkcode", "buurtcode", "code", "GM_CODE", "WK_CODE", "BU_CODE")
NAME_FIELDS = (
    "statnaam",
    "gemeentenaam",
    "wijknaam",
    "buurtnaam",
    "naam",
    "name",
    "GM_NAAM",
    "WK_NAAM",
    "BU_NAAM",
    "LAU_NAME",
    "NAME_LATN",
    "NUTS_NAME",
)
# Eurostat GISCO's NUTS and LAU files: NUTS_ID (DEA2D) is a code as it stands; a LAU is its country and national code
# (GISCO_ID "DE_05334002", or CNTR_CODE + LAU_ID), so German, Belgian and Dutch LAU never collide.
GISCO_FIELDS = ("GISCO_ID", "LAU_ID", "NUTS_ID")
# Key-figure properties that give an area's size (CBS KWB / PDOK names, several spellings).
SIZE_FIELDS = {
    "inwoners": ("aantalInwoners", "aantal_inwoners", "AANT_INW", "inwoners"),
    "woningen": ("woningvoorraad", "aantalWoningen", "WONINGEN", "woningen"),
    "hectare": ("oppervlakteTotaalInHa", "oppervlakte_totaal", "OPP_TOT", "hectare"),
}


@dataclass
class Feature:
    """One area polygon in WGS84 with what the file says about it."""

    code: str
    name: str
    kind: str
    geometry: BaseGeometry
    year: int | None = None
    parent_code: str | None = None
    repaired: str | None = None
    sizes: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=8)
def _transformer(source: int, target: int) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def reproject(geometry: BaseGeometry, source: int, target: int) -> BaseGeometry:
    if source == target:
        return geometry
    transformer = _transformer(source, target)

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, _apply)


def to_rd(geometry: BaseGeometry) -> BaseGeometry:
    """WGS84 → RD New, for lengths and areas in metres."""
    return reproject(geometry, WGS84, RD_NEW)


_EPSG = re.compile(r"(?:EPSG|epsg)[:/]+(?:[\d.]*:)?(\d{4,5})$")


def parse_crs(name: str, *, file: str) -> int:
    """EPSG code from a GeoJSON ``crs`` name such as ``urn:ogc:def:crs:EPSG::28992``."""
    if name in ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84"):
        return WGS84
    found = _EPSG.search(name.strip())
    if not found or int(found[1]) not in (WGS84, RD_NEW, 3857, 4258, 3035):
        raise InputError(
            f"unsupported CRS '{name}': expected WGS84 (EPSG:4326/CRS84), RD New (EPSG:28992), "
            "ETRS89 (EPSG:4258/3035) or Web Mercator (EPSG:3857)",
            file=file,
        )
    return int(found[1])


def guess_crs(bounds: tuple[float, float, float, float], *, file: str) -> int:
    """GeoJSON without ``crs`` is WGS84 by the RFC; RD New coordinates are recognised by their range."""
    minx, miny, maxx, maxy = bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return WGS84
    if minx >= -7000 and maxx <= 300000 and miny >= 289000 and maxy <= 629000:
        return RD_NEW
    raise InputError(
        f"coordinates {bounds} are neither WGS84 degrees nor RD New metres; add a 'crs' member",
        file=file,
    )


def repair(geometry: BaseGeometry) -> tuple[BaseGeometry, str | None]:
    """Make a polygon valid, keeping only its polygonal parts; returns (geometry, reason or None)."""
    if geometry.is_valid:
        return geometry, None
    reason = shapely.is_valid_reason(geometry)
    fixed = shapely.make_valid(geometry)
    polygons = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, Polygon | MultiPolygon)]
    parts: list[Polygon] = []
    for g in polygons:
        parts.extend(g.geoms if isinstance(g, MultiPolygon) else [g])
    if not parts:
        return fixed, reason
    result = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return result, reason


def _gisco_code(props: dict[str, Any]) -> str | None:
    """A GISCO feature's code: ``DE_05334002`` for a LAU, the NUTS code for a NUTS region (None: not GISCO)."""
    gisco = _properties_value(props, ("GISCO_ID",))
    if gisco is not None:
        return str(gisco)
    lau, country = _properties_value(props, ("LAU_ID",)), _properties_value(props, ("CNTR_CODE",))
    if lau is not None and country is not None:
        return f"{country}_{lau}"
    nuts = _properties_value(props, ("NUTS_ID",))
    return str(nuts) if nuts is not None else None


def _properties_value(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if props.get(name) not in (None, ""):
            return props[name]
    return None


def _feature(
    props: dict[str, Any],
    geom: BaseGeometry | None,
    where: str,
    file: str,
    kind: str | None,
    year: int | None,
    allow_missing: bool,
) -> Feature | None:
    raw_code = _properties_value(props, CODE_FIELDS) or _gisco_code(props)
    if raw_code is None:
        names = ", ".join((*CODE_FIELDS, *GISCO_FIELDS))
        raise InputError(f"no area code; expected one of the properties {names}", file=file, row=where)
    code = normalise(str(raw_code))
    try:
        area_kind = kind_of(code)
    except UdcError as exc:
        raise InputError(str(exc), file=file, row=where) from None
    if kind and area_kind != kind:
        raise InputError(f"area {code} is a {area_kind}, not a {kind} (--kind)", file=file, row=where)
    if geom is None or geom.is_empty:
        if allow_missing:
            return None
        raise InputError(f"area {code} has no geometry (null or empty)", file=file, row=where)
    if not isinstance(geom, Polygon | MultiPolygon):
        raise InputError(f"area {code} has a {geom.geom_type}; expected Polygon or MultiPolygon", file=file, row=where)
    jr = str(props.get("jrstatcode") or "")
    feature_year = (
        year
        or (int(jr[:4]) if jr[:4].isdigit() else None)
        or (int(props["jaar"]) if str(props.get("jaar", "")).isdigit() else None)
    )
    sizes = {}
    for size, names in SIZE_FIELDS.items():
        value = _properties_value(props, names)
        if isinstance(value, int | float) and value >= 0:
            sizes[size] = float(value)
    parent = _properties_value(props, ("gmCode", "gemeentecode", "GM_CODE")) if area_kind in ("WK", "BU") else None
    if area_kind == "lau":
        parent = _properties_value(props, ("NUTS3_ID", "NUTS_ID"))  # GISCO's LAU files name their NUTS 3 region
    return Feature(
        code=code,
        name=str(_properties_value(props, NAME_FIELDS) or code),
        kind=area_kind,
        geometry=geom,
        year=feature_year,
        parent_code=normalise(str(parent)) if parent else None,
        sizes=sizes,
    )


def read_geojson(
    path: Path, *, kind: str | None = None, year: int | None = None, allow_missing: bool = False
) -> list[Feature]:
    file = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}: {exc.msg}", file=file) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError("expected a GeoJSON FeatureCollection", file=file)
    crs_name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    features: list[tuple[dict[str, Any], BaseGeometry | None, str]] = []
    for index, item in enumerate(data.get("features") or []):
        props = item.get("properties") or {}
        where = f"feature {index} ({props.get('statcode') or item.get('id') or '?'})"
        try:
            geom = shape(item["geometry"]) if item.get("geometry") else None
        except Exception as exc:  # shapely raises several types on malformed coordinates
            raise InputError(f"malformed geometry: {exc}", file=file, row=where) from None
        features.append((props, geom, where))
    if not features:
        raise InputError("the FeatureCollection has no features", file=file)
    geoms = [g for _, g, _ in features if g is not None and not g.is_empty]
    bounds = tuple(shapely.total_bounds(geoms)) if geoms else (0.0, 0.0, 0.0, 0.0)
    crs = parse_crs(crs_name, file=file) if crs_name else guess_crs(bounds, file=file)  # type: ignore[arg-type]
    return _finish(features, crs, file, kind, year, allow_missing)


def _gpkg_geometry(blob: bytes, where: str, file: str) -> BaseGeometry | None:
    """GeoPackage binary: 'GP', version, flags, srs_id, optional envelope, then standard WKB."""
    if blob is None:
        return None
    if blob[:2] != b"GP":
        raise InputError("not a GeoPackage geometry blob", file=file, row=where)
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111)
    if envelope is None:
        raise InputError("invalid GeoPackage envelope flag", file=file, row=where)
    if flags & 0b10000:  # empty geometry flag
        return None
    return shapely.from_wkb(blob[8 + envelope :])


def read_gpkg(
    path: Path,
    *,
    kind: str | None = None,
    year: int | None = None,
    layer: str | None = None,
    allow_missing: bool = False,
) -> list[Feature]:
    """Read polygons from a GeoPackage (SQLite) without GDAL: one layer, its SRS from gpkg_spatial_ref_sys."""
    file = str(path)
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        layers = con.execute(
            "SELECT c.table_name, c.column_name, s.organization, s.organization_coordsys_id "
            "FROM gpkg_geometry_columns c JOIN gpkg_spatial_ref_sys s ON s.srs_id = c.srs_id"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"not a GeoPackage: {exc}", file=file) from None
    if layer:
        layers = [row for row in layers if row[0] == layer]
    if len(layers) != 1:
        names = ", ".join(row[0] for row in layers) or "none"
        raise InputError(f"choose one geometry layer with --layer (found: {names})", file=file)
    table, column, organisation, srs = layers[0]
    if str(organisation).upper() != "EPSG":
        raise InputError(f"unsupported CRS {organisation}:{srs}", file=file)
    crs = parse_crs(f"EPSG:{srs}", file=file)
    cursor = con.execute(f"SELECT * FROM {quote(table)}")
    names = [d[0] for d in cursor.description]
    features = []
    for index, row in enumerate(cursor.fetchall()):
        props = dict(zip(names, row, strict=True))
        blob = props.pop(column)
        where = f"feature {index} ({props.get('statcode') or '?'})"
        features.append((props, _gpkg_geometry(blob, where, file), where))
    con.close()
    return _finish(features, crs, file, kind, year, allow_missing)


def _finish(
    raw: list[tuple[dict[str, Any], BaseGeometry | None, str]],
    crs: int,
    file: str,
    kind: str | None,
    year: int | None,
    allow_missing: bool,
) -> list[Feature]:
    features: list[Feature] = []
    seen: dict[str, str] = {}
    for props, geom, where in raw:
        feature = _feature(props, geom, where, file, kind, year, allow_missing)
        if feature is None:
            continue
        if feature.code in seen:
            raise InputError(f"area {feature.code} appears twice (also {seen[feature.code]})", file=file, row=where)
        seen[feature.code] = where
        geometry = reproject(feature.geometry, crs, WGS84)
        feature.geometry, feature.repaired = repair(geometry)
        if not isinstance(feature.geometry, Polygon | MultiPolygon) or feature.geometry.is_empty:
            raise InputError(
                f"area {feature.code}: the polygon cannot be repaired ({feature.repaired})",
                file=file,
                row=where,
            )
        features.append(feature)
    return features


def read(path: Path, **options: Any) -> list[Feature]:
    """GeoJSON or GeoPackage, recognised by content."""
    with path.open("rb") as f:
        is_gpkg = f.read(16).startswith(b"SQLite format 3")
    if is_gpkg:
        return read_gpkg(path, **options)
    options.pop("layer", None)
    return read_geojson(path, **options)


def simplify(geometries: list[BaseGeometry], tolerance_m: float = 25.0) -> list[BaseGeometry]:
    """Web versions: simplified together (coverage simplification) so neighbours keep a common border."""
    rd = [to_rd(g) for g in geometries]
    try:
        simplified = list(shapely.coverage_simplify(np.array(rd, dtype=object), tolerance_m))
    except shapely.errors.GEOSException:  # not a clean coverage (overlaps): simplify one by one
        simplified = [shapely.simplify(g, tolerance_m, preserve_topology=True) for g in rd]
    out = []
    for original, small in zip(geometries, simplified, strict=True):
        small = reproject(small, RD_NEW, WGS84)
        out.append(small if small.is_valid and not small.is_empty else original)
    return out


def adjacency(
    codes: list[str],
    geometries: list[BaseGeometry],
    *,
    tolerance_m: float = 50.0,
    min_shared_m: float = 100.0,
) -> list[tuple[str, str, float]]:
    """Pairs of areas that share a border (rook contiguity), with the shared length in metres.

    Generalised CBS polygons leave slivers and gaps of tens of metres between neighbours, so a border
    counts as shared where one boundary runs within ``tolerance_m`` of the other for at least
    ``min_shared_m`` (beyond the tolerance at both ends); touching in a corner does not make neighbours.
    """
    rd = [to_rd(g) for g in geometries]
    tree = shapely.STRtree(rd)
    left, right = tree.query(rd, predicate="dwithin", distance=tolerance_m)
    pairs = []
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        # Within the tolerance zone a border extends tolerance_m past each end; a corner touch is only that.
        near = rd[i].boundary.intersection(rd[j].buffer(tolerance_m)).length
        shared = max(near - 2 * tolerance_m, 0.0)
        if shared >= min_shared_m:
            a, b = sorted((codes[i], codes[j]))
            pairs.append((a, b, round(float(shared), 1)))
    return sorted(pairs)
