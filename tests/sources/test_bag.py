"""BAG verblijfsobjecten (issue 33, item 1): a CSV in NLExtract's shape and a GeoPackage in PDOK's shape import onto
Parkstad's real 2022 buurten (../shared/data) — uses (multi-use kept), status and the stock flag, floor area, buurt
and 500 m cell; a bad row is one line and leaves the store as it was.

No BAG extract is in ../shared/data: the fixtures are written here in the documented shapes (identificatie of 16
digits, gebruiksdoel as a comma-separated list, the BAG's status words, a WKT point or x/y in RD New; a GeoPackage
with gpkg_contents, gpkg_geometry_columns and GeoPackage binary points), each object at a real Heerlen buurt."""

from __future__ import annotations

import shutil
import sqlite3
import struct
from pathlib import Path

import pytest
import shapely

import udc
from cli_runner import udc as run_udc
from udc.areas import registry
from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.store import Store

OBJECTS = [  # identificatie, gebruiksdoel, status, oppervlakte
    ("0917010000000001", "woonfunctie", "Verblijfsobject in gebruik", "85"),
    ("0917010000000002", "woonfunctie,winkelfunctie", "Verblijfsobject in gebruik", "140"),
    ("0917010000000003", "winkelfunctie", "Verblijfsobject buiten gebruik", "220"),
    ("0917010000000004", "kantoorfunctie", "Verblijfsobject gevormd", "1200"),
    ("0917010000000005", "woonfunctie", "Verblijfsobject ingetrokken", "70"),
]


@pytest.fixture
def heerlen(parkstad_template: Path, tmp_path: Path) -> tuple[Path, list[tuple[str, float, float]]]:
    """A copy of the Parkstad store and a point (RD New) inside each of five real Heerlen buurten."""
    path = tmp_path / "store"
    shutil.copytree(parkstad_template, path)
    with Store(path, read_only=True) as store:
        _, shapes = registry.shapes(store, "BU", 2022)
        chosen = [(c, shapely.from_wkb(g).representative_point()) for c, g in shapes if c.startswith("BU0917")][:5]
    to_rd = _transformer(WGS84, RD_NEW)
    return path, [(c, *to_rd.transform(p.x, p.y)) for c, p in chosen]


def _csv(folder: Path, places: list, rows: list | None = None) -> Path:
    lines = ["identificatie;gebruiksdoel;status;oppervlakte;pandidentificatie;geometrie"]
    for (ident, use, status, area), (_, x, y) in zip(rows or OBJECTS, places, strict=True):
        lines.append(f'{ident};"{use}";{status};{area};0917100000000001;POINT({x:.3f} {y:.3f})')
    path = folder / "bag.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _gpkg(folder: Path, places: list) -> Path:
    path = folder / "bag-light.gpkg"
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER);"
        "CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,"
        " srs_id INTEGER, z TINYINT, m TINYINT);"
        "CREATE TABLE verblijfsobject (fid INTEGER PRIMARY KEY, identificatie TEXT, status TEXT, gebruiksdoel TEXT,"
        " oppervlakte INTEGER, pand_identificatie TEXT, geom BLOB);"
        "INSERT INTO gpkg_contents VALUES ('verblijfsobject', 'features', 'verblijfsobject', 28992);"
        "INSERT INTO gpkg_geometry_columns VALUES ('verblijfsobject', 'geom', 'POINT', 28992, 0, 0);"
    )
    for (ident, use, status, area), (_, x, y) in zip(OBJECTS, places, strict=True):
        envelope = struct.pack("<4d", x, x, y, y)  # flags: little endian, envelope [minx, maxx, miny, maxy]
        blob = (
            b"GP" + bytes([0, 0b00000011]) + struct.pack("<i", 28992) + envelope + shapely.to_wkb(shapely.Point(x, y))
        )
        values = [ident, status, use, int(area), "0917100000000001", blob]
        con.execute("INSERT INTO verblijfsobject (identificatie, status, gebruiksdoel, oppervlakte, pand_identificatie,"
                    " geom) VALUES (?, ?, ?, ?, ?, ?)", values)  # fmt: skip
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("shape", ["csv", "gpkg"])
def test_a_bag_extract_imports_with_uses_status_and_places(heerlen: tuple, tmp_path: Path, shape: str) -> None:
    path, places = heerlen
    file = _csv(tmp_path, places) if shape == "csv" else _gpkg(tmp_path, places)
    ran = run_udc("--store", str(path), "bag", "import", str(file), "--year", "2022")
    assert "5 verblijfsobjecten, 3 in the stock, 5 placed" in ran.stdout
    assert "woonfunctie 3, winkelfunctie 2, kantoorfunctie 1" in ran.stdout
    table = udc.open(path).read("bag_verblijfsobjecten").set_index("identificatie")
    for (ident, *_), (buurt, _, _) in zip(OBJECTS, places, strict=True):
        assert table.loc[ident].buurt_code == buurt and table.loc[ident].gemeente_code == "GM0917"
    both = table.loc["0917010000000002"]
    assert both.woon and both.winkel and not both.kantoor and both.oppervlakte == 140  # multi-use kept
    assert not table.loc["0917010000000004"].in_stock and not table.loc["0917010000000005"].in_stock
    assert table.loc["0917010000000003"].in_stock  # out of use: in the stock (and vacant)
    assert table.cell_500m.str.fullmatch(r"E\d{4}N\d{4}").all()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (("917010000000001", "woonfunctie", "Verblijfsobject in gebruik", "85"), "identificatie"),
        (("0917010000000009", "woonfunctie,zwemfunctie", "Verblijfsobject in gebruik", "85"), "gebruiksdoel"),
        (("0917010000000009", "woonfunctie", "Pand in gebruik", "85"), "status"),
    ],
)
def test_a_bad_row_is_one_line_and_the_earlier_import_stands(heerlen: tuple, tmp_path: Path, row: tuple,
                                                             field: str) -> None:  # fmt: skip
    path, places = heerlen
    run_udc("--store", str(path), "bag", "import", str(_csv(tmp_path, places)), "--year", "2022")
    bad = _csv(tmp_path, places, [*OBJECTS[:4], row])
    ran = run_udc("--store", str(path), "bag", "import", str(bad), "--year", "2022", check=False)
    assert ran.returncode != 0 and f"row 6, field '{field}'" in ran.stderr and "Traceback" not in ran.stderr
    assert len(udc.open(path).read("bag_verblijfsobjecten")) == 5  # the earlier import, whole
