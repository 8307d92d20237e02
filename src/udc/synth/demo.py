"""A small fictional region for ``make demo``, written as the files CBS publishes and imported through
the same readers as real data (so the demo exercises the real parsers).

Codes GM9001–GM9008 and PV99 are fictional and cannot clash with CBS codes. Seven municipalities; on
2019-01-01 Dalheim (GM9006) and Veldhoven-aan-Geul (GM9007) merge into Geuldal (GM9008), like Beekdaelen.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.areas.harmonise import harmonise
from udc.store import catalogue
from udc.store.db import Store

MUNICIPALITIES = [  # code, name, column, row, inhabitants 2018, dwellings
    ("GM9001", "Kernstad", 1, 1, 88_000, 44_000),
    ("GM9002", "Noorderbroek", 1, 2, 45_000, 21_000),
    ("GM9003", "Westervaart", 0, 1, 41_000, 19_000),
    ("GM9004", "Oosterhout-Zuid", 2, 1, 24_000, 11_000),
    ("GM9005", "Zuiderkamp", 1, 0, 16_000, 7_500),
    ("GM9006", "Dalheim", 0, 0, 12_000, 5_600),
    ("GM9007", "Veldhoven-aan-Geul", 2, 0, 10_000, 4_700),
]
MERGED = ("GM9008", "Geuldal")
ORIGIN = (5.60, 50.80)  # lon/lat of the grid corner; cells of 0.06° × 0.04°


def _cell(col: int, row: int) -> list[list[float]]:
    x0, y0 = ORIGIN[0] + col * 0.06, ORIGIN[1] + row * 0.04
    return [[x0, y0], [x0 + 0.06, y0], [x0 + 0.06, y0 + 0.04], [x0, y0 + 0.04], [x0, y0]]


def write_sources(folder: Path) -> dict[str, Path]:
    """Write the fictional region as a validity list, an odata4 code list and two GeoJSON years."""
    folder.mkdir(parents=True, exist_ok=True)
    validity = folder / "gemeentelijke-indeling-demo.csv"
    with validity.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["provinciecode", "provincienaam", "gemeentecode", "gemeentenaam", "begindatum", "einddatum"])
        for code, name, *_ in MUNICIPALITIES:
            end = "2019-01-01" if code in ("GM9006", "GM9007") else ""
            w.writerow(["99", "Demoprovincie", code[2:], name, "1970-01-01", end])
        w.writerow(["99", "Demoprovincie", MERGED[0][2:], MERGED[1], "2019-01-01", ""])
    codes = folder / "RegioDemoCodes.csv"
    merged_parts = [m for m in MUNICIPALITIES if m[0] in ("GM9006", "GM9007")]
    with codes.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        w.writerow(["Identifier", "DimensionGroupId", "DimensionId", "Index", "Title", "Description"])
        for i, (code, name, _c, _r, inw, won) in enumerate(MUNICIPALITIES, start=1):
            if code in ("GM9006", "GM9007"):
                ha = 4000 if code == "GM9006" else 3500
                text = (
                    f"Opgeheven per 01-01-2019, overgegaan naar:\n- {MERGED[1]} ({MERGED[0]}),\n"
                    f"... {ha} hectare met {won} woningen en {inw} inwoners\n\nBegindatum 01-01-1970\n"
                )
            else:
                text = "Begindatum 01-01-1970\n"
            w.writerow([code, "GMPV99", "RegioS", i, name, text])
        lines = ["Ontstaan per 01-01-2019, ontvangen van:"]
        for code, name, _c, _r, inw, won in merged_parts:
            ha = 4000 if code == "GM9006" else 3500
            lines += [f"- {name} ({code}),", f"... {ha} hectare met {won} woningen en {inw} inwoners"]
        w.writerow([MERGED[0], "GMPV99", "RegioS", 8, MERGED[1], "\n".join([*lines, "Begindatum 01-01-2019", ""])])
    paths = {"validity": validity, "codes": codes}
    for year in (2018, 2019):
        features = []
        merged_cells: list[list[list[float]]] = []
        for code, name, col, row, _inw, _won in MUNICIPALITIES:
            if year >= 2019 and code in ("GM9006", "GM9007"):
                merged_cells.append(_cell(col, row))
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {"statcode": code, "statnaam": name, "jrstatcode": f"{year}{code}"},
                    "geometry": {"type": "Polygon", "coordinates": [_cell(col, row)]},
                }
            )
        if merged_cells:
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "statcode": MERGED[0],
                        "statnaam": MERGED[1],
                        "jrstatcode": f"{year}{MERGED[0]}",
                    },
                    "geometry": {"type": "MultiPolygon", "coordinates": [[c] for c in merged_cells]},
                }
            )
        path = folder / f"gemeenten_{year}_demo.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        paths[f"geometry_{year}"] = path
    return paths


def population_series(seed: int = 2015) -> pd.DataFrame:
    """Inhabitants per municipality 2015–2018 on the boundaries of each year (fictional, seeded)."""
    rng = np.random.default_rng(seed)
    rows = []
    for code, _name, _c, _r, inw, _won in MUNICIPALITIES:
        for year in range(2015, 2019):
            rows.append(
                {
                    "area_code": code,
                    "year": year,
                    "inwoners": int(inw * (1 + 0.004 * (year - 2018)) + rng.integers(-150, 150)),
                }
            )
    return pd.DataFrame(rows)


def build_demo(store: Store) -> list[str]:
    """Import the fictional region, define it as a region, harmonise a series; return lines to print."""
    paths = write_sources(store.path / "demo-sources")
    lines = []
    for key in ("validity", "codes", "geometry_2018", "geometry_2019"):
        r = registry.import_file(store, paths[key])
        lines.append(
            f"imported {paths[key].name}: {r.detected}, {r.areas} areas, {r.changes} changes, "
            f"{r.adjacent_pairs} neighbour pairs"
        )
    members = [m[0] for m in MUNICIPALITIES if m[0] not in ("GM9006", "GM9007")] + [MERGED[0]]
    registry.define_region(store, "demoregio", members, "Demoregio (fictief)")
    series = population_series()
    source = "synthetic: udc demo region"
    catalogue.save(
        store,
        catalogue.Dataset(
            name="demo_inwoners",
            title="Inwoners per gemeente (fictief)",
            source=source,
            sensitivity="open",
            licence="CC0-1.0",
            period_start="2015",
            period_end="2018",
            area_coverage="demoregio (2015–2018 boundaries)",
        ),
        series,
    )
    rebased = harmonise(store, series, 2019, source="demo_inwoners")
    catalogue.save(
        store,
        catalogue.Dataset(
            name="demo_inwoners_2019",
            title="Inwoners per gemeente, gebiedsindeling 2019 (fictief)",
            source=source,
            sensitivity="open",
            licence="CC0-1.0",
            period_start="2015",
            period_end="2018",
            area_coverage="demoregio (2019 boundaries)",
            provenance={"derived_from": "demo_inwoners", "operation": "harmonise", "to_year": 2019},
        ),
        rebased.table,
    )
    merged = rebased.table[rebased.table.area_code == MERGED[0]]
    lines.append(f"region demoregio: {', '.join(members)}")
    lines.append(
        f"{MERGED[1]} ({MERGED[0]}) on 2019 boundaries, inhabitants 2015–2018: "
        + ", ".join(f"{int(r.year)}: {int(r.inwoners)}" for r in merged.itertuples())
    )
    lines.append(f"neighbours of Kernstad (GM9001) in 2019: {', '.join(registry.neighbours(store, 'GM9001', 2019))}")
    return lines
