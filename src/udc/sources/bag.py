"""BAG verblijfsobjecten — every address object with its use, status, floor area and point — from the extract
formats a municipality has: a CSV (NLExtract or a municipal export) or a GeoPackage (PDOK's BAG GeoPackage), into
one table of objects with their buurt, wijk, gemeente and CBS 500 m cell (issue 33: leegstand).

Streamed in chunks (``CHUNK`` objects at a time), each committed to a staging table on disk that becomes the dataset
in one transaction at the end: a national extract (≈ 10 M objects) imports in bounded memory, and a bad row
anywhere leaves the store as it was.

- ``gebruiksdoel``: one or more of the eleven BAG uses (``woonfunctie,winkelfunctie``: multi-use objects are kept,
  a flag per use);
- ``status``: the BAG status in words; ``in_stock`` says whether the object counts in the stock (in use, in use
  not measured, out of use, being rebuilt — not one under construction, withdrawn or never built, as CBS counts);
- the point: ``x``/``y`` (RD New) or a WKT ``POINT`` (``geometrie``, ``geom``, ``wkt``); a GeoPackage's geometry
  column read with the standard's binary header.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from udc.areas import points
from udc.areas.geometry import RD_NEW
from udc.errors import InputError
from udc.privacy.actions import performs
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store, quote

CHUNK = 200_000
OFFICIAL = "bag_verblijfsobjecten"  # the store's own BAG: the one the households are linked to
USES = {  # the eleven BAG gebruiksdoelen → a flag column each
    "woonfunctie": "woon",
    "bijeenkomstfunctie": "bijeenkomst",
    "celfunctie": "cel",
    "gezondheidszorgfunctie": "gezondheidszorg",
    "industriefunctie": "industrie",
    "kantoorfunctie": "kantoor",
    "logiesfunctie": "logies",
    "onderwijsfunctie": "onderwijs",
    "sportfunctie": "sport",
    "winkelfunctie": "winkel",
    "overige gebruiksfunctie": "overig",
}
STATUSES = {  # BAG status of a verblijfsobject → counts in the stock
    "verblijfsobject in gebruik": True,
    "verblijfsobject in gebruik (niet ingemeten)": True,
    "verblijfsobject buiten gebruik": True,
    "verbouwing verblijfsobject": True,
    "verblijfsobject gevormd": False,  # under construction
    "verblijfsobject ingetrokken": False,
    "niet gerealiseerd verblijfsobject": False,
    "verblijfsobject ten onrechte opgevoerd": False,
}
NAMES = {  # the columns of the known extract shapes → ours
    "identificatie": ("identificatie", "vbo_id", "verblijfsobject_id", "id"),
    "gebruiksdoel": ("gebruiksdoel", "gebruiksdoelen", "gebruiksdoelverblijfsobject"),
    "status": ("status", "verblijfsobjectstatus"),
    "oppervlakte": ("oppervlakte", "oppervlakteverblijfsobject"),
    "pand": ("pand_identificatie", "pandidentificatie", "pandref", "pand_id", "pand"),
    "bouwjaar": ("bouwjaar", "oorspronkelijkbouwjaar"),
}
_POINT = re.compile(r"^\s*POINT\s*(?:Z\s*)?\(\s*([-0-9.eE+]+)\s+([-0-9.eE+]+)(?:\s+[-0-9.eE+]+)?\s*\)\s*$", re.I)


def _column(columns: list[str], key: str) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[n] for n in NAMES[key] if n in lower), None)


def _chunks_csv(path: Path) -> Iterator[pd.DataFrame]:
    try:
        with path.open(encoding="utf-8-sig") as first:
            header = first.readline()
        sep = max((";", ",", "\t"), key=header.count)
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, chunksize=CHUNK, encoding="utf-8-sig")
        yield from reader
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"not a readable CSV ({str(exc)[:120]})", file=str(path)) from None


def _gpkg_point(blob: bytes | None) -> tuple[float, float]:
    """A GeoPackage geometry (the standard's header: 'GP', version, flags, srs id, an envelope whose size the flags
    give, then WKB) as a point."""
    if not blob or len(blob) < 8 or blob[:2] != b"GP":
        return np.nan, np.nan
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111, 0)
    try:
        geometry = shapely.from_wkb(bytes(blob[8 + envelope :]))
    except (shapely.errors.GEOSException, ValueError, IndexError):
        return np.nan, np.nan  # an unreadable point: the row is refused as "not a point" with its number
    if geometry is None or geometry.is_empty:
        return np.nan, np.nan
    point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
    return point.x, point.y


def _chunks_gpkg(path: Path) -> Iterator[pd.DataFrame]:
    """The GeoPackage's verblijfsobject layer (the first feature table whose name has 'verblijfsobject')."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
    except sqlite3.Error as exc:
        raise InputError(f"not a GeoPackage ({exc})", file=str(path)) from None
    layer = next((t for t in tables if "verblijfsobject" in t.lower()), None)
    if layer is None:
        raise InputError(f"no verblijfsobject layer (layers: {', '.join(tables)[:120]})", file=str(path))
    try:
        geometry = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", [layer]).fetchone()
        cursor = con.execute(f"SELECT * FROM {quote(layer)}")
    except sqlite3.Error as exc:
        raise InputError(f"the layer {layer[:40]!r} cannot be read ({exc})", file=str(path)) from None
    names = [d[0] for d in cursor.description]
    while rows := cursor.fetchmany(CHUNK):
        frame = pd.DataFrame(rows, columns=names)
        if geometry is not None:
            xy = [_gpkg_point(b) for b in frame.pop(geometry[0])]
            frame["x"], frame["y"] = [p[0] for p in xy], [p[1] for p in xy]
        yield frame.astype({c: str for c in frame.columns if c not in ("x", "y")})
    con.close()


def _normalised(raw: pd.DataFrame, file: str, first_row: int) -> pd.DataFrame:
    """One chunk in our columns, every value checked (a bad one: a one-line error naming its row and field)."""
    columns = list(raw.columns)
    found = {k: _column(columns, k) for k in NAMES}
    for key in ("identificatie", "gebruiksdoel", "status"):
        if found[key] is None:
            raise InputError(f"no {key} column (expected one of {', '.join(NAMES[key])})", file=file)
    out = pd.DataFrame({"identificatie": raw[found["identificatie"]].astype(str).str.strip()})
    bad = ~out.identificatie.str.fullmatch(r"\d{16}")
    if bad.any():
        row = first_row + int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError("an identificatie has 16 digits (0917010000012345)", file=file, row=row, field="identificatie")
    status = raw[found["status"]].astype(str).str.strip()
    known = status.str.lower().map(STATUSES)
    if known.isna().any():
        row = first_row + int(np.flatnonzero(known.isna().to_numpy())[0])
        value = status.iloc[row - first_row]
        raise InputError(f"'{value[:40]}' is not a BAG status of a verblijfsobject", file=file, row=row, field="status")
    out["status"], out["in_stock"] = status, known.astype(bool)
    uses = raw[found["gebruiksdoel"]].astype(str).str.lower().str.strip("{}[] ").str.replace('"', "", regex=False)
    split = uses.str.split(r"\s*[,;|]\s*", regex=True)
    for position, parts in enumerate(split):
        unknown = [p for p in parts if p not in USES]
        if unknown or not parts:
            raise InputError(f"'{(unknown or [''])[0][:40]}' is not a BAG gebruiksdoel", file=file,
                             row=first_row + position, field="gebruiksdoel")  # fmt: skip
    for use, flag in USES.items():
        out[flag] = split.map(lambda parts, u=use: u in parts)
    area = pd.to_numeric(raw[found["oppervlakte"]], errors="coerce") if found["oppervlakte"] else np.nan
    out["oppervlakte"] = area
    out["pand"] = raw[found["pand"]].astype(str).str.strip() if found["pand"] else None
    out["x"], out["y"] = _coordinates(raw, file, first_row)
    return out


def _coordinates(raw: pd.DataFrame, file: str, first_row: int) -> tuple[np.ndarray, np.ndarray]:
    lower = {c.lower(): c for c in raw.columns}
    if "x" in lower and "y" in lower:
        x = pd.to_numeric(raw[lower["x"]], errors="coerce").to_numpy(float)
        y = pd.to_numeric(raw[lower["y"]], errors="coerce").to_numpy(float)
    else:
        column = next((lower[c] for c in ("geometrie", "geom", "wkt", "geometry") if c in lower), None)
        if column is None:
            raise InputError("no point: expected x and y (RD New) or a WKT geometrie column", file=file)
        found = raw[column].astype(str).str.extract(_POINT)
        x = pd.to_numeric(found[0], errors="coerce").to_numpy(float)
        y = pd.to_numeric(found[1], errors="coerce").to_numpy(float)
    inside = np.isfinite(x) & np.isfinite(y) & (x > -10_000) & (x < 300_000) & (y > 280_000) & (y < 640_000)
    if not inside.all():
        row = first_row + int(np.flatnonzero(~inside)[0])
        raise InputError("not a point in RD New (x −10 000 to 300 000, y 280 000 to 640 000 m)", file=file, row=row,
                         field="x/y")  # fmt: skip
    return x, y


def _cells(x: np.ndarray, y: np.ndarray) -> list[str]:
    """CBS 500 m cell codes (E + lower-left x in hectometres, N + lower-left y)."""
    left, bottom = (x // 500).astype(int) * 5, (y // 500).astype(int) * 5
    return [f"E{a:04d}N{b:04d}" for a, b in zip(left, bottom, strict=True)]


COLUMNS = [
    ColumnInfo("identificatie", "key", "Verblijfsobject"),
    ColumnInfo("buurt_code", "area", "Buurt"),
    ColumnInfo("oppervlakte", "value", "Oppervlakte (m²)"),
]


@performs(
    "import.bag",
    lambda path, **kw: {"file": Path(path).name, "dataset": kw.get("dataset")},
    lambda report: {"objects": report["objects"], "outside": report["outside"]},
)
def import_file(store: Store, path: str | Path, *, dataset: str = "bag_verblijfsobjecten", year: int) -> dict:
    """A BAG extract (CSV or GeoPackage) as an open dataset, streamed in chunks, all or nothing: each chunk is
    committed to a staging table on disk (memory stays one chunk's), which replaces the dataset in one transaction
    at the end; a bad row drops the staging table and the catalogue never sees it. Returns counts: objects, outside
    (in no area of the registry), per use, in stock."""
    source = Path(path)
    Dataset(name=dataset, title="", source="")  # the name checked before a file is read
    if not source.is_file():
        raise InputError("no such file", file=str(path))
    chunks = _chunks_gpkg(source) if source.suffix.lower() == ".gpkg" else _chunks_csv(source)
    catalogue.same_kind(store, dataset, "bag")
    staging = f"_udc_bag_{dataset}"
    report = {"objects": 0, "outside": 0, "in_stock": 0, **{flag: 0 for flag in USES.values()}}
    con = store.con
    con.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
    try:
        first_row = 2
        for raw in chunks:
            frame = _normalised(raw, str(path), first_row)
            first_row += len(raw)
            placed = points.assign(store, pd.Series(frame.x), pd.Series(frame.y), year=year, crs=RD_NEW)
            frame = pd.concat([frame.reset_index(drop=True), placed.codes], axis=1)
            frame["cell_500m"] = _cells(frame.x.to_numpy(), frame.y.to_numpy())
            con.register("_udc_bag_chunk", frame)
            verb = "CREATE TABLE {} AS" if report["objects"] == 0 else "INSERT INTO {}"
            con.execute(f"{verb.format(quote(staging))} SELECT * FROM _udc_bag_chunk")
            con.unregister("_udc_bag_chunk")
            report["objects"] += len(frame)
            report["outside"] += int(frame.gemeente_code.isna().sum())
            report["in_stock"] += int(frame.in_stock.sum())
            for flag in USES.values():
                report[flag] += int(frame[flag].sum())
        if report["objects"] == 0:
            raise InputError("the file has no verblijfsobjecten", file=str(path))
        entry = Dataset(
            name=dataset,
            title="BAG verblijfsobjecten",
            source=f"BAG (Kadaster): {source.name}",
            sensitivity="open",  # the BAG is open data (CC0); linked to residents only through the gate
            licence="CC0 1.0",
            retrieved_at=datetime.now(UTC).replace(tzinfo=None),
            period_start=str(year),
            period_end=str(year),
            provenance={"bag": {"file": source.name, "objects": report["objects"], "year": year}},
        )
        catalogue.adopt(store, entry, staging, columns=COLUMNS)  # one transaction: the dataset replaced whole
    except BaseException:
        con.execute(f"DROP TABLE IF EXISTS {quote(staging)}")
        raise
    return report
