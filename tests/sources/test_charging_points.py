"""Charging points in (issue 32, item 1): an OCPI 2.2.1 ``locations`` response in DOT-NL's shape and an Open Charge
Map POI list, placed on Parkstad's real 2022 buurten (../shared/data) — every point in a buurt and 500 m cell, or
listed as outside, none dropped.

Neither format is in ../shared/data: the fixtures are written here in the documented shapes (OCPI 2.2.1 Location
with EVSEs and connectors, coordinates as strings; OCM /v3/poi with AddressInfo, Connections, UsageTypeID); each
point stands at the representative point of a real Heerlen buurt, one in Aachen (outside every area)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import shapely

import udc
from cli_runner import udc as run_udc
from udc.areas import registry
from udc.sources.charging import cell_code
from udc.store import Store

AACHEN = (6.0839, 50.7753)  # Aachen's Markt: outside every Dutch area


@pytest.fixture
def heerlen(parkstad_template: Path, tmp_path: Path) -> tuple[Path, list[tuple[str, float, float]]]:
    """A copy of the Parkstad store and five real Heerlen buurten with a point inside each (lon, lat)."""
    path = tmp_path / "store"
    shutil.copytree(parkstad_template, path)
    with Store(path, read_only=True) as store:
        year, shapes = registry.shapes(store, "BU", 2022)
        chosen = [(c, shapely.from_wkb(g).representative_point()) for c, g in shapes if c.startswith("BU0917")][:5]
    return path, [(c, p.x, p.y) for c, p in chosen]


def _ocpi(points: list[tuple[str, float, float]]) -> dict:
    locations = []
    for i, (_, lon, lat) in enumerate([*points, ("outside", *AACHEN)]):
        locations.append(
            {
                "country_code": "NL",
                "party_id": "TST",
                "id": f"LOC{i}",
                "publish": True,
                "name": f"Laadpaal {i}",
                "address": "Straat 1",
                "city": "Heerlen",
                "country": "NLD",
                "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
                "parking_type": ["ON_STREET", "PARKING_GARAGE", "ON_STREET", "ON_DRIVEWAY", "ON_STREET", "ON_STREET"][
                    i
                ],
                "evses": [
                    {
                        "uid": f"E{i}-{e}",
                        "status": "REMOVED" if e == 2 else "AVAILABLE",
                        "connectors": [
                            {
                                "id": "1",
                                "standard": "IEC_62196_T2",
                                "format": "SOCKET",
                                "power_type": "AC_3_PHASE",
                                "max_voltage": 230,
                                "max_amperage": 16,
                                "max_electric_power": 11000,
                            }
                        ],
                    }
                    for e in range(3)
                ],
                "time_zone": "Europe/Amsterdam",
                "last_updated": "2024-05-01T00:00:00Z",
            }
        )
    return {"data": locations, "status_code": 1000, "status_message": "Success", "timestamp": "2024-05-01T00:00:00Z"}


def _ocm(points: list[tuple[str, float, float]]) -> list:
    return [
        {
            "ID": 1000 + i,
            "UsageTypeID": [1, 6, 2, 5, 1, 1][i],
            "NumberOfPoints": 2,
            "AddressInfo": {"Title": f"Paal {i}", "Latitude": lat, "Longitude": lon, "CountryID": 159},
            "Connections": [{"ConnectionTypeID": 25, "PowerKW": 22.0, "Quantity": 2}] if i % 2 == 0 else [],
        }
        for i, (_, lon, lat) in enumerate([*points, ("outside", *AACHEN)])
    ]


def test_an_ocpi_file_places_every_point_or_lists_it_as_outside(heerlen: tuple, tmp_path: Path) -> None:
    path, points = heerlen
    file = tmp_path / "locations.json"
    file.write_text(json.dumps(_ocpi(points)))
    ran = run_udc("--store", str(path), "laden", "import", str(file), "--year", "2022")
    assert "6 points, 5 placed in a buurt or gemeente, 1 outside every area" in ran.stdout
    assert "outside: NL*TST*LOC5" in ran.stderr
    table = udc.open(path).read("laadpunten").set_index("point_id")
    for i, (buurt, _lon, _lat) in enumerate(points):
        row = table.loc[f"NL*TST*LOC{i}"]
        assert row.buurt_code == buurt and row.gemeente_code == "GM0917" and not row.outside
        assert row.connectors == 2  # the REMOVED EVSE's connector is not counted
        assert row.cell_500m.startswith("E") and len(row.cell_500m) == 10
    assert table.loc["NL*TST*LOC1"].access == "semi_public" and table.loc["NL*TST*LOC3"].access == "private"
    assert table.loc["NL*TST*LOC0"].max_power_kw == 11.0
    assert bool(table.loc["NL*TST*LOC5"].outside) and table.loc["NL*TST*LOC5"].buurt_code is None


def test_an_open_charge_map_file_places_every_point_or_lists_it_as_outside(heerlen: tuple, tmp_path: Path) -> None:
    path, points = heerlen
    file = tmp_path / "ocm.json"
    file.write_text(json.dumps(_ocm(points)))
    ran = run_udc("--store", str(path), "laden", "import", str(file), "--year", "2022", "--dataset", "ocm")
    assert "6 points, 5 placed in a buurt or gemeente, 1 outside every area" in ran.stdout
    table = udc.open(path).read("ocm").set_index("point_id")
    assert [table.loc[f"OCM-{1000 + i}"].buurt_code for i in range(5)] == [b for b, _, _ in points]
    assert table.loc["OCM-1000"].connectors == 2 and table.loc["OCM-1001"].connectors == 2  # NumberOfPoints
    assert list(table.access[:5]) == ["public", "semi_public", "private", "public", "public"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"data": [{"id": "x", "coordinates": {"latitude": "abc", "longitude": "5.9"}}]}',
         "row 1, field 'coordinates.latitude'"),
        ('[{"ID": 1, "AddressInfo": {"Latitude": 50.9}}]', "row 1, field 'AddressInfo.Longitude'"),
        ("{not json", "not JSON"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_line_and_stores_nothing(heerlen: tuple, tmp_path: Path, body: str, message: str) -> None:
    path, _ = heerlen
    file = tmp_path / "bad.json"
    file.write_text(body)
    ran = run_udc("--store", str(path), "laden", "import", str(file), "--year", "2022", check=False)
    assert ran.returncode != 0 and message in ran.stderr and len(ran.stderr.strip().splitlines()) == 1
    with Store(path, read_only=True) as store:
        assert not store.rows("SELECT 1 FROM datasets WHERE name = 'laadpunten'")


def test_cells_are_written_as_cbs_writes_them() -> None:
    assert cell_code(122_600.0, 461_700.0) == "E1225N4615"
    assert cell_code(40_010.0, 519_999.0) == "E0400N5195"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[{"id": "x", "coordinates": [5.9, 50.9]}]', "row 1, field 'location'"),
        ('[{"id": "x", "coordinates": {"latitude": "50.9", "longitude": "5.9"}, "evses": "oops"}]',
         "row 1, field 'location'"),
        ('[{"id": "x", "coordinates": {"latitude": "91", "longitude": "5.9"}}]', "row 1, field 'coordinates'"),
        ('[{"ID": 1, "AddressInfo": {"Latitude": 50.9, "Longitude": 5.9}, "Connections": [{"Quantity": -100000}]}]',
         "row 1, field 'connectors'"),
        ('[{"ID": 1, "AddressInfo": {"Latitude": 50.9, "Longitude": 5.9}, "UsageTypeID": "public"}]',
         "row 1, field 'POI'"),
    ],
)  # fmt: skip
def test_wrong_types_and_impossible_values_are_one_line(
    heerlen: tuple, tmp_path: Path, body: str, message: str
) -> None:
    """Found by a cold attack: a list where an object belongs, -100 000 connectors, latitude 91 gave tracebacks or
    were stored (and reached the prognosis as a gap of -5e29)."""
    path, _ = heerlen
    file = tmp_path / "bad.json"
    file.write_text(body)
    ran = run_udc("--store", str(path), "laden", "import", str(file), "--year", "2022", check=False)
    assert ran.returncode != 0 and message in ran.stderr and "Traceback" not in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1


def test_an_import_never_replaces_another_kind_of_table(heerlen: tuple, tmp_path: Path) -> None:
    """Found by a cold attack: an analyst's charging points replaced the internal dwellings table by its name."""
    path, points = heerlen
    file = tmp_path / "locations.json"
    file.write_text(json.dumps(_ocpi(points)))
    run_udc("--store", str(path), "import", str(_municipal(tmp_path)), "--dataset", "gemeentelijk")
    ran = run_udc("--store", str(path), "laden", "import", str(file), "--year", "2022", "--dataset", "gemeentelijk",
                  check=False)  # fmt: skip
    assert ran.returncode != 0 and "holds another kind of table" in ran.stderr


def _municipal(folder: Path) -> Path:
    path = folder / "gemeentelijk.csv"
    path.write_text("gemeente,jaar,aantal\nGM0917,2022,5\n")
    return path
