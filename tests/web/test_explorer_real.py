"""The explorer on real boundaries: a municipal table across the Beekdaelen merger (2018 → 2019), real 2023 geometry
of all municipalities, the real validity list — the series is re-based and says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from udc.areas import registry
from udc.sources.importer import ImportOptions, import_municipal
from udc.store import Store
from udc.web.app import create_app

ROWS = {  # inwoners on 1 January (CBS), per municipality and year
    ("GM0881", 2018): 7782,
    ("GM0951", 2018): 15187,
    ("GM0962", 2018): 12758,
    ("GM0917", 2018): 86762,
    ("GM1954", 2019): 35850,
    ("GM0917", 2019): 86832,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from shared_data import DATA as data

    path = tmp_path_factory.mktemp("real") / "store"
    source = path.parent / "inwoners.csv"
    source.write_text(
        "gemeente;jaar;inwoners;pct_65plus\n"
        + "".join(f"{code};{year};{n};{20 + i}\n" for i, ((code, year), n) in enumerate(ROWS.items())),
        encoding="utf-8",
    )
    with Store(path) as store:
        registry.import_file(store, data / "nlextract" / "gemeentelijke-indeling.csv")
        registry.import_file(store, data / "algorithm_geovis" / "RegioVanVestigingCodes.csv")
        registry.import_file(store, data / "open_data_maps" / "gemeenten.json")
        import_municipal(
            store,
            str(source),
            "inwoners_limburg",
            ImportOptions(sensitivity="open", area_column="gemeente", period_column="jaar", title="Inwoners (CBS)"),
        )
        single = path.parent / "laadpalen.csv"
        single.write_text("gemeente;laadpalen\nGM0917;412\nGM1954;88\n", encoding="utf-8")
        import_municipal(
            store,
            str(single),
            "laadpalen_2019",
            ImportOptions(sensitivity="open", area_column="gemeente", year=2019, title="Laadpalen 2019"),
        )
    app = create_app(path)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def test_municipal_table_is_explorable_with_measures(client: TestClient) -> None:
    rows = client.get("/api/v1/explore?table=inwoners_limburg&level=gemeente&year=2019").json()["rows"]
    assert {r["code"]: r["value"] for r in rows} == {"GM1954": 35850, "GM0917": 86832}
    rates = client.get("/api/v1/explore?table=inwoners_limburg&year=2018&measure=pct_65plus").json()["rows"]
    assert {r["code"] for r in rates} == {"GM0881", "GM0951", "GM0962", "GM0917"}
    page = client.get("/verkennen?tabel=inwoners_limburg&jaar=2019&gebied=GM1954").text
    assert 'name="onderwerp"' in page and "Beekdaelen" in page


def test_series_across_the_merger_is_rebased_with_a_note(client: TestClient) -> None:
    page = client.get("/verkennen?tabel=inwoners_limburg&jaar=2019&gebied=GM1954").text
    assert 'id="harmonised-note"' in page and "GM0881" in page
    # 2018 on 2019 boundaries: Onderbanken + Nuth + Schinnen, as the crosswalk redistributes them
    assert "35.727" in page  # the data table under the chart, Dutch number format


def test_a_year_without_its_own_boundaries_is_drawn_on_the_nearest_with_a_note(client: TestClient) -> None:
    """Only 2023 geometry is imported: the 2019 figures are drawn on it (not an empty map), and the page says so."""
    import json

    import lxml.html

    page = client.get("/verkennen?tabel=inwoners_limburg&jaar=2019&niveau=gemeente").text
    tree = lxml.html.fromstring(page)
    figure = json.loads(tree.xpath("//script[@id='fig-map']")[0].text)
    hover = " ".join(str(t) for trace in figure["data"] for t in (trace.get("text") or []))
    assert "GM1954" in hover or "Beekdaelen" in hover  # the area is on the map
    assert "grenzen van 2023" in tree.xpath("//*[@id='boundary-note']")[0].text_content()
    features = client.get("/api/v1/map/GM?year=2019").json()["features"]
    assert features and {f["properties"]["geometry_year"] for f in features} == {2023}


def test_a_municipal_table_offers_the_municipal_level_only(client: TestClient) -> None:
    import re

    page = client.get("/verkennen?tabel=inwoners_limburg&niveau=buurt").text  # buurt asked, none in the table
    levels = re.findall(r'<select name="niveau">(.*?)</select>', page, flags=re.S)[0]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", levels) == ["gemeente"]
    assert "Heerlen" in page  # the municipal map and table, not an empty buurt view


def test_municipalities_merged_before_the_imported_boundaries_are_rebased_on_the_map(client: TestClient) -> None:
    """2018 figures, only 2023 boundaries: Onderbanken, Nuth and Schinnen have no shape of any year — their count is
    drawn as Beekdaelen's (the crosswalk's sum), said so; a percentage cannot be summed and says why it is blank."""
    import json

    import lxml.html

    tree = lxml.html.fromstring(client.get("/verkennen?tabel=inwoners_limburg&jaar=2018&niveau=gemeente").text)
    figure = json.loads(tree.xpath("//script[@id='fig-map']")[0].text)
    hover = [str(t) for trace in figure["data"] for t in (trace.get("text") or [])]
    merged = ROWS[("GM0881", 2018)] + ROWS[("GM0951", 2018)] + ROWS[("GM0962", 2018)]
    assert f"Beekdaelen (GM1954): {merged:,}".replace(",", ".") in hover
    assert "Heerlen (GM0917): 86.762" in hover
    english = lxml.html.fromstring(client.get("/verkennen?tabel=inwoners_limburg&jaar=2018&lang=en").text)
    assert "Heerlen (GM0917): 86,762" in english.xpath("//script[@id='fig-map']")[0].text  # the page's language
    note = tree.xpath("//*[@id='map-rebased']")[0].text_content()
    assert "gemeenten van 2023" in note and "Onderbanken" in note and "Nuth" in note
    rates = lxml.html.fromstring(client.get("/verkennen?tabel=inwoners_limburg&jaar=2018&onderwerp=pct_65plus").text)
    assert "niet om te rekenen" in rates.xpath("//*[@id='map-rebased']")[0].text_content()


def test_a_table_of_one_year_says_there_is_no_trend_instead_of_drawing_a_dot(client: TestClient) -> None:
    import lxml.html

    tree = lxml.html.fromstring(client.get("/verkennen?tabel=laadpalen_2019&gebied=GM0917").text)
    assert not tree.xpath("//script[@id='fig-trend']")
    assert "één jaar" in tree.xpath("//*[@id='no-trend']")[0].text_content()
    assert tree.xpath("//caption")[0].text_content().strip() == "Laadpalen 2019 — gemeente"  # no year twice
