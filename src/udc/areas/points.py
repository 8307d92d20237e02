"""Points to areas: every report, permit, charging point or shop has a location; policy needs its buurt.

Point-in-polygon with Shapely's STRtree over the registry's full-resolution geometry (WGS84): one vectorised query
per kind. Buurten are tried first and give their wijk and gemeente by code; points outside every buurt (the
registry may hold buurten of one region only) are tried against wijken, then gemeenten. Points on a shared border
go to the area with the lowest code (deterministic). ``benchmarks/bench_points.py`` measures it against DuckDB's
spatial extension.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from udc.areas import registry
from udc.areas.codes import gemeente_of, wijk_of
from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.errors import UdcError
from udc.store.db import Store

KINDS = ("BU", "WK", "GM")
COLUMNS = {"BU": "buurt_code", "WK": "wijk_code", "GM": "gemeente_code"}


@dataclass
class Assigned:
    codes: pd.DataFrame  # buurt_code, wijk_code, gemeente_code (None where not found)
    outside: list[int]  # positions of points in no area at all
    years: dict[str, int] = field(default_factory=dict)  # kind → geometry year used
    invalid: list[int] = field(default_factory=list)  # positions without usable coordinates

    def summary(self) -> str:
        found = {k: int(self.codes[c].notna().sum()) for k, c in COLUMNS.items()}
        used = ", ".join(f"{k} {y}" for k, y in self.years.items())
        parts = [f"{found['BU']} in a buurt, {found['GM']} in a gemeente (geometry of {used})"]
        if self.outside:
            parts.append(f"{len(self.outside)} outside every area")
        if self.invalid:
            parts.append(f"{len(self.invalid)} without coordinates")
        return f"{len(self.codes)} points: " + "; ".join(parts)


def to_wgs84(x: np.ndarray, y: np.ndarray, crs: int) -> tuple[np.ndarray, np.ndarray]:
    if crs == WGS84:
        return x, y
    if crs != RD_NEW:
        raise UdcError(f"EPSG:{crs}: points are read as WGS84 (EPSG:4326) or RD New (EPSG:28992)")
    return _transformer(RD_NEW, WGS84).transform(x, y)


def locate(codes: list[str], polygons: list, points: np.ndarray) -> np.ndarray:
    """For each point the code of the polygon containing it (None outside all): one STRtree query."""
    out = np.full(len(points), None, dtype=object)
    if not codes or not len(points):
        return out
    order = np.argsort(codes)  # ties on a border: the lowest code wins
    tree = shapely.STRtree([polygons[i] for i in order])
    hit_points, hit_polygons = tree.query(points, predicate="intersects")
    first = np.unique(hit_points, return_index=True)[1]
    sorted_codes = np.array(codes, dtype=object)[order]
    out[hit_points[first]] = sorted_codes[hit_polygons[first]]
    return out


def assign(store: Store, x: pd.Series, y: pd.Series, *, year: int, crs: int = WGS84) -> Assigned:
    """Buurt, wijk and gemeente codes (geometry of ``year``, else the nearest earlier year) for coordinates ``x``
    (longitude or RD x) and ``y`` (latitude or RD y)."""
    xs = pd.to_numeric(x, errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    valid = np.isfinite(xs) & np.isfinite(ys)
    invalid = np.flatnonzero(~valid)
    lon, lat = to_wgs84(np.where(valid, xs, 0.0), np.where(valid, ys, 0.0), crs)
    points = shapely.points(np.column_stack([lon, lat]))
    result = {c: np.full(len(xs), None, dtype=object) for c in COLUMNS.values()}
    years: dict[str, int] = {}
    todo = np.setdiff1d(np.arange(len(xs)), invalid)
    for kind in KINDS:
        if not len(todo):
            break
        used, shapes = registry.shapes(store, kind, year)
        if used is None:
            continue
        years[kind] = used
        found = locate([c for c, _ in shapes], [shapely.from_wkb(g) for _, g in shapes], points[todo])
        hit = np.array([f is not None for f in found], dtype=bool)
        for position, code in zip(todo[hit], found[hit], strict=True):
            result[COLUMNS[kind]][position] = code
            if kind == "BU":
                result["wijk_code"][position] = wijk_of(code)
            if kind in ("BU", "WK"):
                result["gemeente_code"][position] = gemeente_of(code)
        todo = todo[~hit]
    if not years:
        raise UdcError(
            "the registry has no area geometry: import buurten, wijken or gemeenten first "
            "(udc areas import FILE.geojson, or udc areas fetch)"
        )
    codes = pd.DataFrame(result)
    return Assigned(codes, [int(i) for i in todo], years, [int(i) for i in invalid])
