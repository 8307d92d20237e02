"""The demo's charging points, as the national access point would publish them: an OCPI 2.2.1 ``locations`` file
(DOT-NL's shape) the demo imports with ``udc laden import`` like a real download.

Public points follow demand with a lag and some randomness: per buurt about one connector per six electric cars of
households without a driveway (apartments) two years earlier, more or less; every 500 m cell with 100 households or
more has at least one public point — except the **planted** buurt: a dense buurt of the core city with households
and electric cars but no point within reach, which the NAL check must find (:func:`planted`). Semi-public points
stand in the car parks of the shopping centres (wijk 00). Deterministic from the seed; nothing here is a real place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.store.db import Store, quote

DENSE = 100  # households in a cell from which it gets a public point
PLANTED_MIN = 150  # households in each cell of the planted buurt (well above the NAL's 125: found despite noise)
REACH = 400.0  # metres around a planted cell's centre without any public point
LAG = 2  # years between demand and the points that answer it


@dataclass(frozen=True)
class Planted:
    """The buurt left without a point and its dense cells: what the NAL check must flag, and nothing else."""

    buurt: str
    cells: tuple[str, ...]


def _centre(code: str) -> tuple[float, float]:
    return int(code[1:5]) * 100 + 250.0, int(code[6:10]) * 100 + 250.0


def _tables(store: Store, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dwellings (points, cells) and the households of ``year`` with their cars."""
    dwellings = store.query(
        f"SELECT dwelling_id, buurt_code::VARCHAR AS buurt_code, cell_500m::VARCHAR AS cell, x, y "
        f"FROM {quote('ds_synth_dwellings')}"
    )
    households = store.query(
        f"SELECT dwelling_id, buurt_code::VARCHAR AS buurt_code, dwelling_type::VARCHAR AS dwelling_type, "
        f"electric_cars FROM {quote('ds_synth_households')} WHERE year = ?",
        [year],
    )
    return dwellings, households


def planted(store: Store, year: int) -> Planted:
    """The planted buurt: in the core city, the one with the most electric cars among those whose every cell of 100
    households or more holds at least :data:`PLANTED_MIN` (so the NAL check finds all of them, noise or not)."""
    dwellings, households = _tables(store, year)
    located = households.merge(dwellings[["dwelling_id", "cell"]], on="dwelling_id")
    per_cell = located.groupby("cell").size()
    dense = set(per_cell[per_cell >= DENSE].index)
    best: tuple[int, str, tuple[str, ...]] | None = None
    for buurt, rows in located[located.buurt_code.str.startswith("BU9901")].groupby("buurt_code"):
        cells = tuple(sorted(set(rows.cell) & dense))
        if not cells or min(per_cell[c] for c in cells) < PLANTED_MIN:
            continue
        evs = int(rows.electric_cars.sum())
        if best is None or evs > best[0]:
            best = (evs, str(buurt), cells)
    if best is None:  # a small demo: no buurt is dense enough; nothing planted
        return Planted("", ())
    return Planted(best[1], best[2])


def points(store: Store, year: int, seed: int) -> pd.DataFrame:
    """Public and semi-public charging points (RD New x, y; connectors; parking type) on 1 January of ``year``."""
    rng = np.random.default_rng(seed + 3203)
    dwellings, households = _tables(store, year)
    _, earlier = _tables(store, year - LAG)
    plant = planted(store, year)
    demand = earlier[earlier.dwelling_type == "apartment"].groupby("buurt_code").electric_cars.sum()
    centres = np.array([_centre(c) for c in plant.cells]) if plant.cells else np.empty((0, 2))

    def far(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        if not len(centres):
            return np.ones(len(xs), bool)
        d = np.hypot(xs[:, None] - centres[:, 0], ys[:, None] - centres[:, 1])
        return (d > REACH).all(axis=1)

    chosen: list[tuple[float, float, int, str]] = []
    for buurt, rows in dwellings.groupby("buurt_code"):
        if buurt == plant.buurt:
            continue
        wanted = rng.poisson(demand.get(buurt, 0) / 6 * rng.lognormal(0, 0.35))
        ok = rows[far(rows.x.to_numpy(), rows.y.to_numpy())]
        for i in rng.choice(len(ok), min(wanted, len(ok)), replace=False) if len(ok) else []:
            chosen.append((ok.x.iloc[i], ok.y.iloc[i], 2, "ON_STREET"))
    located = dwellings.merge(households[["dwelling_id"]], on="dwelling_id")
    per_cell = located.groupby("cell").size()
    have = {_cell(x, y) for x, y, _, _ in chosen}
    for cell in sorted(set(per_cell[per_cell >= DENSE].index) - set(plant.cells) - have):
        inside = dwellings[(dwellings.cell == cell) & (dwellings.buurt_code != plant.buurt)]
        inside = inside[far(inside.x.to_numpy(), inside.y.to_numpy())]
        if len(inside):  # a point in every dense cell, on its side away from the planted buurt
            pick = inside.iloc[int(rng.integers(len(inside)))]
            chosen.append((pick.x, pick.y, 2, "ON_STREET"))
    centre_buurten = dwellings[dwellings.buurt_code.str[6:8] == "00"].groupby("buurt_code")
    for _, rows in centre_buurten:  # a car park at every shopping centre
        ok = rows[far(rows.x.to_numpy(), rows.y.to_numpy())]
        for _ in range(int(rng.poisson(2))):
            if len(ok):
                pick = ok.iloc[int(rng.integers(len(ok)))]
                chosen.append((pick.x, pick.y, 4, "PARKING_GARAGE"))
    return pd.DataFrame(chosen, columns=["x", "y", "connectors", "parking_type"])


def _cell(x: float, y: float) -> str:
    return f"E{int(x // 500) * 5:04d}N{int(y // 500) * 5:04d}"


def write_ocpi(store: Store, folder: Path, year: int, seed: int) -> Path:
    """The points as an OCPI 2.2.1 ``locations`` response (DOT-NL's shape), with one point outside the region (a
    motorway stop in the German Kreis: listed as outside, never dropped)."""
    frame = points(store, year, seed)
    lon, lat = _transformer(RD_NEW, WGS84).transform(frame.x.to_numpy(), frame.y.to_numpy())
    locations = [
        _location(f"DEMO{i:05d}", float(a), float(b), int(r.connectors), str(r.parking_type))
        for i, (a, b, r) in enumerate(zip(lon, lat, frame.itertuples(), strict=True))
    ]
    far_lon, far_lat = _transformer(RD_NEW, WGS84).transform(95_000.0, 505_000.0)
    locations.append(_location("DEMO-A99", float(far_lon), float(far_lat), 6, "ALONG_MOTORWAY"))
    path = folder / "ocpi-locations.json"
    body = {"data": locations, "status_code": 1000, "status_message": "Success", "timestamp": f"{year}-01-01T00:00:00Z"}
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return path


def _location(ident: str, lon: float, lat: float, connectors: int, parking: str) -> dict:
    """One OCPI 2.2.1 Location: EVSEs of two connectors (Type 2, 11 kW) each."""
    evses = [
        {
            "uid": f"{ident}-{e}",
            "evse_id": f"NL*UDC*E{ident}{e}",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": str(c + 1),
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 230,
                    "max_amperage": 16,
                    "max_electric_power": 11_000,
                    "last_updated": "2024-01-01T00:00:00Z",
                }
                for c in range(min(2, connectors - 2 * e))
            ],
            "last_updated": "2024-01-01T00:00:00Z",
        }
        for e in range((connectors + 1) // 2)
    ]
    return {
        "country_code": "NL",
        "party_id": "UDC",
        "id": ident,
        "publish": True,
        "name": f"Laadpunt {ident} (fictief)",
        "address": "Demostraat",
        "city": "Demoregio",
        "country": "NLD",
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
        "parking_type": parking,
        "evses": evses,
        "time_zone": "Europe/Amsterdam",
        "last_updated": "2024-01-01T00:00:00Z",
    }
