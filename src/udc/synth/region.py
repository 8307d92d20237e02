"""A fictional region drawn as nested tessellations: municipalities → wijken → buurten.

Everything is fictional and cannot clash with CBS codes: municipalities GM9901–GM9907 (the region), GM9911–GM9915
(the rest of the fictional province PV99), university/large cities GM9921–GM9925 (the rest of the country) and
abroad: the fictional German Kreis DE_99001 with six Gemeinden (DE_99001001–DE_99001006) along the region's eastern
border, and ZZ_BUITENLAND. The region lies off the coast in RD New space so it
can never be mistaken for a real place on a map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

CENTRE = (40_000.0, 520_000.0)  # RD New metres, in the North Sea: fictional on purpose


@dataclass(frozen=True)
class MunicipalitySpec:
    code: str
    name: str
    population: int
    urban: float  # 0 = village, 1 = core city: drives density, dwelling mix, who moves where
    offset: tuple[float, float]  # seed position relative to the centre, metres


REGION = [
    MunicipalitySpec("GM9901", "Kernstad", 90_000, 1.0, (0, 0)),
    MunicipalitySpec("GM9902", "Noorderbroek", 46_000, 0.7, (-1_000, 10_000)),
    MunicipalitySpec("GM9903", "Westervaart", 41_000, 0.6, (-12_000, 1_500)),
    MunicipalitySpec("GM9904", "Oosterhout-Zuid", 24_000, 0.4, (11_000, 2_000)),
    MunicipalitySpec("GM9905", "Zuiderkamp", 19_000, 0.3, (1_500, -10_500)),
    MunicipalitySpec("GM9906", "Dalheim", 14_000, 0.15, (-10_500, -9_000)),
    MunicipalitySpec("GM9907", "Veldhoven-aan-Geul", 10_000, 0.1, (11_000, -9_500)),
]
REST_OF_PROVINCE = [
    ("GM9911", "Hoogeveld", (-27_000, 12_000)),
    ("GM9912", "Bosrijk", (0, 27_000)),
    ("GM9913", "Maasdonk-West", (-27_000, -16_000)),
    ("GM9914", "Heidedal", (4_000, -28_000)),
    ("GM9915", "Noordkant", (24_000, 24_000)),
]
UNIVERSITY_CITIES = [  # rest of the country; the first ones attract most students
    ("GM9921", "Academiestad", (-90_000, 60_000)),
    ("GM9922", "Hogeschoolstad", (-60_000, 110_000)),
    ("GM9923", "Havenstad", (-120_000, 20_000)),
    ("GM9924", "Domstad", (-70_000, -40_000)),
    ("GM9925", "Rivierstad", (-40_000, 80_000)),
]
# Across the eastern border: a fictional German Kreis (AGS 99001, no real Kreis has it) and its Gemeinden (LAU codes:
# DE_ + 8-digit AGS) with their residents, bordering the region's eastern municipalities as Herzogenrath borders
# Kerkrade; seed positions relative to the centre, metres.
KREIS = ("DE_99001", "Grenzkreis (fiktiv)")
GEMEINDEN = [
    ("DE_99001001", "Grenzstadt", 38_000, (31_000, -6_000)),
    ("DE_99001002", "Bergheide", 16_000, (27_000, 6_000)),
    ("DE_99001003", "Talbach", 12_000, (26_000, -20_000)),
    ("DE_99001004", "Eichenrode", 9_000, (44_000, 2_000)),
    ("DE_99001005", "Wiesental", 6_500, (42_000, -14_000)),
    ("DE_99001006", "Kohlberg", 4_500, (53_000, -24_000)),
]
REST_OF_WORLD = ("ZZ_BUITENLAND", "Overig buitenland")
ABROAD = [*((code, name) for code, name, _, _ in GEMEINDEN), REST_OF_WORLD]
GERMANY_SHARE = 0.5  # of the moves abroad: to the Kreis over the border, the rest to the rest of the world
PROVINCE = ("PV99", "Demoprovincie")
REGION_NAME = "demoregio"
CROSS_BORDER = "grensregio"


@dataclass
class Area:
    code: str
    name: str
    kind: str
    geometry: BaseGeometry | None
    parent: str | None
    urban: float = 0.0
    weight: float = 0.0  # share of the municipality's residents living here (buurten)


def _outline(rng: np.random.Generator, centre: tuple[float, float], rx: float, ry: float, n: int = 48) -> Polygon:
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    noise = 1 + 0.08 * np.sin(3 * angles + rng.uniform(0, 6)) + rng.normal(0, 0.025, n)
    xs = centre[0] + rx * noise * np.cos(angles)
    ys = centre[1] + ry * noise * np.sin(angles)
    return Polygon(np.column_stack([xs, ys])).buffer(0)


def _cells(area: BaseGeometry, points: np.ndarray) -> list[BaseGeometry]:
    """Voronoi cells of ``points`` clipped to ``area`` (a clean coverage: neighbours share borders)."""
    if len(points) == 1:
        return [area]
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=area.envelope.buffer(1_000))
    cells = list(diagram.geoms)
    ordered = []
    for p in points:
        cell = next(c for c in cells if c.contains(Point(p)) or c.touches(Point(p)))
        ordered.append(shapely.make_valid(cell.intersection(area)))
    return ordered


def _points_inside(rng: np.random.Generator, area: BaseGeometry, n: int, spread: float = 1.0) -> np.ndarray:
    """``n`` well-spaced random points inside ``area`` (best of several candidates, Mitchell's algorithm)."""
    minx, miny, maxx, maxy = area.bounds
    chosen: list[tuple[float, float]] = []
    prepared = prep(area)
    while len(chosen) < n:
        candidates = []
        while len(candidates) < 12:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if prepared.contains(Point(x, y)):
                candidates.append((x, y))
        if not chosen:
            chosen.append(candidates[0])
            continue
        existing = np.array(chosen)
        best = max(candidates, key=lambda c: np.min(np.hypot(*(existing - c).T)) * rng.uniform(1, 1 + spread * 0.2))
        chosen.append(best)
    return np.array(chosen)


def build_region(seed: int) -> list[Area]:
    """All areas of the demo world with RD New geometry (None for areas drawn only as a point of reference)."""
    rng = np.random.default_rng(seed)
    outline = _outline(rng, CENTRE, 24_000, 18_000)
    seeds = np.array([[CENTRE[0] + m.offset[0], CENTRE[1] + m.offset[1]] for m in REGION])
    municipalities = _cells(outline, seeds)
    # The core city is compact: give part of its cell to the neighbours by shrinking it around its seed.
    core = municipalities[0].intersection(Point(seeds[0]).buffer(6_500))
    rest = municipalities[0].difference(core)
    municipalities[0] = core
    for part in getattr(rest, "geoms", [rest]):
        if part.area < 1:
            continue
        touching = [i for i in range(1, len(municipalities)) if municipalities[i].distance(part) < 1]
        if touching:
            j = max(touching, key=lambda i: municipalities[i].intersection(part.buffer(1)).length)
            municipalities[j] = shapely.make_valid(municipalities[j].union(part))
    areas: list[Area] = [Area(PROVINCE[0], PROVINCE[1], "PV", None, "NL01")]
    total = sum(m.population for m in REGION)
    for spec, geom in zip(REGION, municipalities, strict=True):
        areas.append(Area(spec.code, spec.name, "GM", geom, PROVINCE[0], spec.urban, spec.population / total))
        n_wijken = max(2, round(spec.population / 5_500))
        wijk_points = _points_inside(rng, geom, n_wijken)
        # Sort wijken by distance to the municipality's seed: wijk 00 is the centre.
        seed_point = np.array(geom.representative_point().coords[0]) if spec.code != "GM9901" else seeds[0]
        wijk_points = wijk_points[np.argsort(np.hypot(*(wijk_points - seed_point).T))]
        for w, wgeom in enumerate(_cells(geom, wijk_points)):
            wcode = f"WK{spec.code[2:]}{w:02d}"
            areas.append(Area(wcode, f"{spec.name} wijk {w:02d}", "WK", wgeom, spec.code, spec.urban))
            n_buurten = int(rng.integers(3, 7)) if spec.urban > 0.5 else int(rng.integers(3, 6))
            points = _points_inside(rng, wgeom, n_buurten)
            for b, bgeom in enumerate(_cells(wgeom, points)):
                distance = Point(points[b]).distance(Point(seed_point))
                density = np.exp(-distance / (4_000 + 6_000 * (1 - spec.urban)))  # denser towards the centre
                areas.append(
                    Area(
                        f"BU{spec.code[2:]}{w:02d}{b:02d}",
                        f"{spec.name} {w:02d}-{b:02d}",
                        "BU",
                        bgeom,
                        wcode,
                        spec.urban,
                        density * bgeom.area**0.5,
                    )
                )
    # Residents per buurt: the density weights normalised within each municipality.
    for gm in (a for a in areas if a.kind == "GM"):
        buurten = [a for a in areas if a.kind == "BU" and a.code[2:6] == gm.code[2:6]]
        norm = sum(b.weight for b in buurten)
        for b in buurten:
            b.weight = b.weight / norm
    east = Polygon(
        [
            (CENTRE[0] + 18_000, CENTRE[1] - 30_000),
            (CENTRE[0] + 60_000, CENTRE[1] - 30_000),
            (CENTRE[0] + 60_000, CENTRE[1] + 10_000),
            (CENTRE[0] + 18_000, CENTRE[1] + 10_000),
        ]
    )
    german = shapely.make_valid(east.difference(outline))
    province_outline = _outline(rng, CENTRE, 42_000, 36_000).difference(outline).difference(east)
    ring_points = np.array([[CENTRE[0] + dx, CENTRE[1] + dy] for _, _, (dx, dy) in REST_OF_PROVINCE])
    for (code, name, _), geom in zip(REST_OF_PROVINCE, _cells(province_outline, ring_points), strict=True):
        areas.append(Area(code, name, "GM", geom, PROVINCE[0], 0.4))
    for code, name, (dx, dy) in UNIVERSITY_CITIES:
        areas.append(Area(code, name, "GM", Point(CENTRE[0] + dx, CENTRE[1] + dy).buffer(5_000), None, 1.0))
    german_points = np.array([[CENTRE[0] + dx, CENTRE[1] + dy] for _, _, _, (dx, dy) in GEMEINDEN])
    cells = _cells(german, german_points)
    areas.append(Area(KREIS[0], KREIS[1], "kreis", shapely.union_all(cells), None, 0.3))
    for (code, name, population, _), cell in zip(GEMEINDEN, cells, strict=True):
        areas.append(Area(code, name, "lau", cell, KREIS[0], 0.3, float(population)))
    areas.append(Area(REST_OF_WORLD[0], REST_OF_WORLD[1], "lau", None, None, 0.5))
    return areas
