import pytest

from udc.areas import registry
from udc.areas.crosswalk import changes_between, crosswalk
from udc.store import Store


def test_beekdaelen_crosswalk_has_the_three_sources_with_real_weights(registry_store: Store) -> None:
    rows = [r for r in changes_between(registry_store, 2018, 2019) if r["to_code"] == "GM1954"]
    assert {r["from_code"]: r["inwoners"] for r in rows} == {"GM0951": 15187, "GM0881": 7782, "GM0962": 12758}
    total = 15187 + 7782 + 12758
    assert {r["from_code"]: r["share_of_to"] for r in rows} == pytest.approx(
        {"GM0951": 15187 / total, "GM0881": 7782 / total, "GM0962": 12758 / total}, abs=1e-6
    )
    assert all(r["share_of_from"] == 1 for r in rows)


def test_forward_and_backward_links(registry_store: Store) -> None:
    forward = [x for x in crosswalk(registry_store, 2018, 2019) if x.to_code == "GM1954"]
    assert sorted((x.from_code, x.share) for x in forward) == [("GM0881", 1), ("GM0951", 1), ("GM0962", 1)]
    backward = {x.to_code: x.share for x in crosswalk(registry_store, 2019, 2018) if x.from_code == "GM1954"}
    assert backward == pytest.approx({"GM0951": 0.425085, "GM0881": 0.217818, "GM0962": 0.357097}, abs=1e-6)
    by_area = {x.to_code: x.share for x in crosswalk(registry_store, 2019, 2018, "hectare") if x.from_code == "GM1954"}
    assert by_area["GM0951"] == pytest.approx(3310 / (3310 + 2114 + 2406))


def test_chained_over_several_rounds(registry_store: Store) -> None:
    # Groesbeek (GM0241) became Berg en Dal (GM1945) in 2016 (rename), which swapped parts with Nijmegen in 2019.
    links = {x.to_code: x.share for x in crosswalk(registry_store, 2015, 2020) if x.from_code == "GM0241"}
    assert set(links) == {"GM1945"}  # without a size of Berg en Dal its partial change is ignored …
    notes = [x.note for x in crosswalk(registry_store, 2015, 2020) if x.from_code == "GM0241"]
    assert "no total inwoners of GM1945" in notes[0]  # … and the crosswalk says so


def test_partial_boundary_change_becomes_a_partial_weight(registry_store: Store, data) -> None:
    # Sizes from the real 2023 key figures make the Hilversum ↔ Gooise Meren change of 2023 computable:
    # 4 inhabitants went from Gooise Meren (GM1942) to Hilversum (GM0402), 0 the other way.
    registry.import_file(registry_store, data / "open_data_maps" / "gemeenten.json")
    links = {(x.from_code, x.to_code): x.share for x in crosswalk(registry_store, 2022, 2023)}
    size = registry_store.rows("SELECT inwoners FROM area_sizes WHERE code = 'GM1942' AND year = 2023")[0]
    expected = 4 / (size["inwoners"] + 4)  # measured after the change: before = after + what left
    assert links[("GM1942", "GM0402")] == pytest.approx(expected)
    assert links[("GM1942", "GM1942")] == pytest.approx(1 - expected)
    assert 0 < links[("GM1942", "GM0402")] < 0.001
    assert ("GM0402", "GM1942") not in links  # 0 inhabitants moved that way


def test_dissolved_area_with_zero_weight_falls_back(registry_store: Store) -> None:
    # Weesp gave 4 ha with 0 inhabitants to Gooise Meren in 2016 and continued: by inhabitants nothing moved.
    links = {(x.from_code, x.to_code): x.share for x in crosswalk(registry_store, 2015, 2016)}
    assert ("GM0457", "GM1942") not in links


def test_amsterdam_absorbs_weesp_on_24_march_2022(registry_store: Store) -> None:
    links = {(x.from_code, x.to_code): x.share for x in crosswalk(registry_store, 2022, 2023)}
    assert links[("GM0457", "GM0363")] == 1.0


def test_redrawn_buurten_are_linked_by_overlap(store: Store, tmp_path) -> None:
    import json

    import pandas as pd
    import shapely

    from udc.areas.harmonise import harmonise

    def write(year: int, boxes: dict[str, tuple[float, float, float, float]]) -> None:
        features = [
            {
                "type": "Feature",
                "properties": {"statcode": code, "statnaam": code, "jrstatcode": f"{year}{code}"},
                "geometry": shapely.geometry.mapping(shapely.box(*box)),
            }
            for code, box in boxes.items()
        ]
        path = tmp_path / f"buurt_{year}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        registry.import_file(store, path)

    # 2022: one buurt; 2023: split into a western quarter and an eastern three quarters.
    write(2022, {"BU09170001": (5.90, 50.88, 5.98, 50.90)})
    write(2023, {"BU09170001": (5.90, 50.88, 5.92, 50.90), "BU09170002": (5.92, 50.88, 5.98, 50.90)})
    links = {x.to_code: x.share for x in crosswalk(store, 2022, 2023, codes=["BU09170001"])}
    assert links == pytest.approx({"BU09170001": 0.25, "BU09170002": 0.75}, abs=0.01)
    table = pd.DataFrame({"area_code": ["BU09170001"], "year": [2022], "woningen": [400]})
    out = harmonise(store, table, 2023).table.set_index("area_code")
    assert out.loc["BU09170002", "woningen"] == pytest.approx(300, abs=4)
    with pytest.raises(Exception, match="no BU geometry of 2024"):
        crosswalk(store, 2022, 2024, codes=["BU09170001"])
