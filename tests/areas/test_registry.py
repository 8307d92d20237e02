from pathlib import Path

import pytest

from udc.areas import registry
from udc.errors import InputError, UdcError
from udc.store import Store

PARKSTAD = ["GM0917", "GM0899", "GM1954", "GM0882", "GM0928", "GM0986", "GM0965"]


def test_342_municipalities_valid_on_2023_01_01(registry_store: Store) -> None:
    assert len(registry.list_areas(registry_store, kind="gemeente", year=2023)) == 342
    on_2018 = {r["code"] for r in registry.list_areas(registry_store, kind="GM", year=2018)}
    assert {"GM0951", "GM0881", "GM0962"} <= on_2018 and "GM1954" not in on_2018


def test_buurt_wijk_gemeente_hierarchy_from_real_parkstad_geometry(store: Store, data: Path) -> None:
    for name in ("wijk_2022_parkstad.geojson", "buurt_2022_parkstad.geojson"):
        report = registry.import_file(store, data / "cartomap_nl" / name)
    assert report.geometries == 201 and len(report.repaired) == 2
    buurten = registry.list_areas(store, kind="buurt", year=2022)
    wijken = {r["code"]: r["parent_code"] for r in registry.list_areas(store, kind="wijk", year=2022)}
    assert len(buurten) == 201 and len(wijken) == 49
    assert all(b["parent_code"] in wijken for b in buurten)
    assert all(w in wijken and wijken[w] in PARKSTAD for w in {b["parent_code"] for b in buurten})
    heerlen = registry.list_areas(store, kind="buurt", year=2022, within="GM0917")
    assert len(heerlen) == 57


def test_beekdaelen_wijken_lie_in_the_old_municipalities(store: Store, data: Path) -> None:
    registry.import_file(store, data / "cartomap_nl" / "gemeente_2018_limburg.geojson")
    registry.import_file(store, data / "cartomap_nl" / "wijk_2022_parkstad.geojson")
    import shapely

    geoms = {r["code"]: shapely.from_wkb(r["geometry"]) for r in store.rows("SELECT code, geometry FROM geometries")}
    assert geoms["GM0881"].contains(geoms["WK195400"].representative_point())  # "Wijk 00 Onderbanken"
    assert geoms["GM0962"].contains(geoms["WK195405"].representative_point())


def test_regions_define_and_list(registry_store: Store) -> None:
    registry.define_region(registry_store, "parkstad", PARKSTAD, "Parkstad Limburg")
    [region] = registry.list_regions(registry_store)
    assert region["member_count"] == 7 and sorted(region["members"]) == sorted(PARKSTAD)
    with pytest.raises(UdcError, match="unknown member area"):
        registry.define_region(registry_store, "bad", ["GM0917", "GM9999"])
    with pytest.raises(UdcError, match="not an area code"):
        registry.define_region(registry_store, "bad", ["GM917"])


def test_region_listing_within(store: Store, data: Path) -> None:
    registry.import_file(store, data / "cartomap_nl" / "wijk_2022_parkstad.geojson")
    registry.import_file(store, data / "open_data_maps" / "gemeenten.json")
    registry.define_region(store, "parkstad", PARKSTAD)
    wijken = registry.list_areas(store, kind="wijk", within="parkstad")
    assert len(wijken) == 49


def test_adjacency_is_stored_per_year(store: Store, data: Path) -> None:
    registry.import_file(store, data / "open_data_maps" / "gemeenten.json")
    assert registry.neighbours(store, "GM0928", 2023) == ["GM0882", "GM0917"]


def test_bad_file_leaves_the_store_untouched(store: Store, data: Path, tmp_path: Path) -> None:
    registry.import_file(store, data / "cartomap_nl" / "wijk_2022_parkstad.geojson")
    before = store.rows("SELECT count(*) AS n FROM areas")[0]["n"]
    bad = tmp_path / "bad.geojson"
    text = (data / "cartomap_nl" / "buurt_2022_parkstad.geojson").read_text()
    bad.write_text(text.replace('"statcode":"BU09860900"', '"statcode":"BU0986"'))
    with pytest.raises(InputError, match="bad.geojson, feature .* 'BU0986' is not an area code"):
        registry.import_file(store, bad)
    assert store.rows("SELECT count(*) AS n FROM areas")[0]["n"] == before
    assert store.rows("SELECT count(*) AS n FROM geometries WHERE kind = 'BU'")[0]["n"] == 0


def test_foreign_area(store: Store) -> None:
    registry.add_area(store, "DEA2D", "Städteregion Aachen")
    [row] = registry.list_areas(store, kind="nuts")
    assert row["name"] == "Städteregion Aachen"


def test_neighbours_on_the_command_line_come_with_names(tmp_path: Path, data: Path) -> None:
    import json

    from cli_runner import udc

    store = tmp_path / "s"
    udc("--store", str(store), "areas", "import", str(data / "open_data_maps" / "gemeenten.json"))
    rows = json.loads(
        udc("--store", str(store), "areas", "neighbours", "GM0928", "--year", "2023", "--format", "json").stdout
    )
    assert rows == [{"code": "GM0882", "name": "Landgraaf"}, {"code": "GM0917", "name": "Heerlen"}]
