"""Charging points from the files a municipality has: OCPI 2.2.1 ``locations`` (the shape DOT-NL, the Dutch national
access point run by NDW, serves), Open Charge Map's POI JSON (the open fallback), and a municipal CSV — one open table
of points with their connectors, access and place (buurt, wijk, gemeente and CBS 500 m cell), for the laadpalen study
(issue 32).

Access, as the NAL and the NKL laadprognose count it: ``public`` (on the street, along the motorway; OCM usage
"Public…"), ``semi_public`` (a car park or garage, a shop's or employer's car park for visitors), ``private`` (a
driveway, restricted access). A point with no coordinates or outside every area is kept and listed, never dropped.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from udc.areas import points
from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.errors import InputError
from udc.privacy.actions import performs
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store

ACCESS = ("public", "semi_public", "private")
# OCPI 2.2.1 ParkingType → access
OCPI_ACCESS = {
    "ALONG_MOTORWAY": "public",
    "ON_STREET": "public",
    "PARKING_GARAGE": "semi_public",
    "PARKING_LOT": "semi_public",
    "UNDERGROUND_GARAGE": "semi_public",
    "ON_DRIVEWAY": "private",
}
# Open Charge Map UsageTypeID → access (0 unknown: public, as OCM lists public networks foremost)
OCM_ACCESS = {
    0: "public",
    1: "public",
    4: "public",
    5: "public",
    7: "public",
    6: "semi_public",
    2: "private",
    3: "private",
}
CELL = 500  # metres: CBS's grid (vierkantstatistieken)


def cell_code(x: float, y: float, size: int = CELL) -> str | None:
    """The CBS grid cell of an RD New point as CBS writes it: ``E`` + the lower-left x in hectometres (4 digits) +
    ``N`` + the lower-left y (``E1225N4615`` for the 500 m cell with its corner at 122 500, 461 500)."""
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    left, bottom = math.floor(x / size) * size, math.floor(y / size) * size
    return f"E{left // 100:04d}N{bottom // 100:04d}"


def cell_centre(code: str, size: int = CELL) -> tuple[float, float]:
    """The centre of a cell (RD New metres) from its code."""
    return int(code[1:5]) * 100 + size / 2, int(code[6:10]) * 100 + size / 2


def _load(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable file ({exc})", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON (line {exc.lineno}: {exc.msg})", file=str(path)) from None


def _number(value: Any, file: str, row: int, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"'{str(value)[:20]}' is not a number", file=file, row=row, field=field) from None
    if not math.isfinite(number):
        raise InputError(f"'{value}' is not a finite number", file=file, row=row, field=field)
    return number


def read_ocpi(path: str | Path) -> pd.DataFrame:
    """OCPI 2.2.1 locations: a response (``{"data": [...], "status_code": 1000}``) or a bare list. Per location its
    connectors (every EVSE's), the highest power (``max_electric_power`` in W, else volts × amperes), access by
    ``parking_type`` (``publish: false`` is private)."""
    file = str(path)
    document = _load(path)
    locations = document.get("data") if isinstance(document, dict) else document
    if not isinstance(locations, list):
        raise InputError("expected OCPI locations: a list, or a response with a 'data' list", file=file)
    rows = []
    for number, location in enumerate(locations, start=1):
        if not isinstance(location, dict):
            raise InputError("a location must be an object", file=file, row=number, field="data")
        try:
            rows.append(_ocpi_location(location, file, number))
        except (TypeError, ValueError, AttributeError) as exc:  # a field of the wrong type somewhere inside
            raise InputError(f"not an OCPI 2.2.1 location ({type(exc).__name__}: {str(exc)[:80]})", file=file,
                             row=number, field="location") from None  # fmt: skip
    return pd.DataFrame(rows)


def _ocpi_location(location: dict, file: str, number: int) -> dict:
    """One OCPI location as a row (see :func:`read_ocpi`)."""
    where = location.get("coordinates") or {}
    lat = _number(where.get("latitude"), file, number, "coordinates.latitude")
    lon = _number(where.get("longitude"), file, number, "coordinates.longitude")
    connectors, power = 0, 0.0
    for evse in location.get("evses") or []:
        if (evse.get("status") or "").upper() == "REMOVED":
            continue
        for connector in evse.get("connectors") or []:
            connectors += 1
            watts = connector.get("max_electric_power") or (
                (connector.get("max_voltage") or 0) * (connector.get("max_amperage") or 0)
            )
            power = max(power, float(watts) / 1000)
    access = OCPI_ACCESS.get(str(location.get("parking_type") or "ON_STREET").upper(), "public")
    if location.get("publish") is False:
        access = "private"
    return _checked(
        {
            "point_id": f"{location.get('country_code', '')}*{location.get('party_id', '')}*{location.get('id')}",
            "source": "OCPI",
            "name": str(location.get("name") or location.get("address") or "")[:200],
            "lon": lon,
            "lat": lat,
            "access": access,
            "connectors": connectors,
            "max_power_kw": round(power, 1),
        },
        file,
        number,
    )


def read_ocm(path: str | Path) -> pd.DataFrame:
    """Open Charge Map POIs (``/v3/poi`` JSON): per POI its connections' quantities (else ``NumberOfPoints``, else
    1), the highest ``PowerKW``, access by ``UsageTypeID``."""
    file = str(path)
    document = _load(path)
    if not isinstance(document, list):
        raise InputError("expected Open Charge Map POIs: a JSON list", file=file)
    rows = []
    for number, poi in enumerate(document, start=1):
        if not isinstance(poi, dict):
            raise InputError("a POI must be an object", file=file, row=number, field="POI")
        try:
            rows.append(_ocm_poi(poi, file, number))
        except (TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"not an Open Charge Map POI ({type(exc).__name__}: {str(exc)[:80]})", file=file,
                             row=number, field="POI") from None  # fmt: skip
    return pd.DataFrame(rows)


def _ocm_poi(poi: dict, file: str, number: int) -> dict:
    """One Open Charge Map POI as a row (see :func:`read_ocm`)."""
    address = poi.get("AddressInfo") or {}
    lat = _number(address.get("Latitude"), file, number, "AddressInfo.Latitude")
    lon = _number(address.get("Longitude"), file, number, "AddressInfo.Longitude")
    connections = [c for c in poi.get("Connections") or [] if isinstance(c, dict)]
    counted = sum(int(c.get("Quantity") or 1) for c in connections)
    power = max([float(c.get("PowerKW") or 0) for c in connections], default=0.0)
    return _checked(
        {
            "point_id": f"OCM-{poi.get('ID')}",
            "source": "Open Charge Map",
            "name": str(address.get("Title") or "")[:200],
            "lon": lon,
            "lat": lat,
            "access": OCM_ACCESS.get(int(poi.get("UsageTypeID") or 0), "public"),
            "connectors": counted or int(poi.get("NumberOfPoints") or 1),
            "max_power_kw": round(power, 1),
        },
        file,
        number,
    )


def read_csv(path: str | Path) -> pd.DataFrame:
    """A municipal list: ``lat``/``lon`` (WGS84) or ``x``/``y`` (RD New), ``connectors``, ``access``; one row per
    point."""
    file = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python", encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise InputError(f"not a readable CSV ({str(exc)[:120]})", file=file) from None
    columns = {c.lower().strip(): c for c in raw.columns}
    rd = "x" in columns and "y" in columns
    if not rd and not ("lat" in columns and "lon" in columns):
        raise InputError("expected the columns lat and lon (WGS84) or x and y (RD New)", file=file)
    rows = []
    for number, record in enumerate(raw.to_dict("records"), start=2):
        first, second = ("x", "y") if rd else ("lon", "lat")
        a = _number(record[columns[first]].replace(",", "."), file, number, first)
        b = _number(record[columns[second]].replace(",", "."), file, number, second)
        if rd:
            a, b = _transformer(RD_NEW, WGS84).transform(a, b)
        access = (record.get(columns.get("access", ""), "") or "public").strip().lower().replace("-", "_")
        if access not in ACCESS:
            raise InputError(f"'{access[:20]}' is not an access: public, semi_public or private", file=file,
                             row=number, field="access")  # fmt: skip
        count = record.get(columns.get("connectors", ""), "") or "1"
        rows.append(
            _checked(
                {
                    "point_id": str(record.get(columns.get("id", ""), "") or f"row-{number}"),
                    "source": "municipal",
                    "name": str(record.get(columns.get("name", ""), "") or "")[:200],
                    "lon": a,
                    "lat": b,
                    "access": access,
                    "connectors": int(_number(count, file, number, "connectors")),
                    "max_power_kw": None,
                },
                file,
                number,
            )
        )
    return pd.DataFrame(rows)


MAX_CONNECTORS = 1_000  # a charging plaza has tens; more is a mistake in the file
MAX_POWER_KW = 2_000.0  # the fastest truck chargers are about 1 MW


def _checked(row: dict, file: str, number: int) -> dict:
    """A point's values within what a charging point can be: WGS84 coordinates, 0…1 000 connectors, 0…2 000 kW."""
    if not (-90 <= row["lat"] <= 90 and -180 <= row["lon"] <= 180):
        raise InputError(f"({row['lat']:.6g}, {row['lon']:.6g}) is not a WGS84 latitude and longitude", file=file,
                         row=number, field="coordinates")  # fmt: skip
    if not 0 <= row["connectors"] <= MAX_CONNECTORS:
        raise InputError(f"{row['connectors']} connectors: expected 0 to {MAX_CONNECTORS}", file=file, row=number,
                         field="connectors")  # fmt: skip
    power = row["max_power_kw"]
    if power is not None and not (math.isfinite(power) and 0 <= power <= MAX_POWER_KW):
        raise InputError(f"{power} kW: expected 0 to {MAX_POWER_KW:g}", file=file, row=number, field="power")
    return row


READERS = {"ocpi": read_ocpi, "ocm": read_ocm, "csv": read_csv}


def shape_of(path: str | Path) -> str:
    """Which reader a file needs: a CSV by its name, OCPI by its ``data``/``evses``, else Open Charge Map."""
    if str(path).lower().endswith((".csv", ".txt")):
        return "csv"
    document = _load(path)
    if isinstance(document, dict):  # an OCPI response: {"data": [...], "status_code": …}
        return "ocpi"
    first = document[0] if isinstance(document, list) and document else {}
    return "ocpi" if isinstance(first, dict) and ("coordinates" in first or "evses" in first) else "ocm"


def placed(store: Store, frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The points with their buurt, wijk, gemeente and CBS 500 m cell; ``outside`` where no area holds them."""
    found = points.assign(store, frame.lon, frame.lat, year=year, crs=WGS84)
    out = pd.concat([frame.reset_index(drop=True), found.codes], axis=1)
    x, y = _transformer(WGS84, RD_NEW).transform(frame.lon.to_numpy(float), frame.lat.to_numpy(float))
    out["cell_500m"] = [cell_code(a, b) for a, b in zip(x, y, strict=True)]
    out["outside"] = out.gemeente_code.isna()
    return out


COLUMNS = [
    ColumnInfo("point_id", "label", "Laadpunt"),
    ColumnInfo("buurt_code", "area", "Buurt"),
    ColumnInfo("connectors", "value", "Aansluitingen"),
    ColumnInfo("access", "label", "Toegang"),
    ColumnInfo("cell_500m", "label", "Vierkant (500 m)"),
]


@performs(
    "import.charging",
    lambda path, **kw: {"file": Path(path).name, "dataset": kw.get("dataset")},
    lambda frame: {"rows": len(frame), "outside": int(frame.outside.sum())},
)
def import_file(store: Store, path: str | Path, *, dataset: str, year: int, shape: str | None = None) -> pd.DataFrame:
    """One file of charging points as an open dataset, every point placed or listed as outside (atomic)."""
    chosen = shape or shape_of(path)
    if chosen not in READERS:
        raise InputError(f"unknown shape '{chosen}': expected ocpi, ocm or csv", file=str(path))
    frame = READERS[chosen](path)
    if frame.empty:
        raise InputError("the file has no charging points", file=str(path))
    out = placed(store, frame, year)
    entry = Dataset(
        name=dataset,
        title=f"Laadpunten ({out.source.iloc[0]})",
        source=f"{out.source.iloc[0]}: {Path(path).name}",
        sensitivity="open",
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=str(year),
        period_end=str(year),
        provenance={"charging": {"file": Path(path).name, "shape": chosen, "points": len(out), "year": year}},
    )
    catalogue.same_kind(store, dataset, "charging")
    catalogue.save(store, entry, out.assign(year=np.int32(year)), columns=COLUMNS)
    return out
