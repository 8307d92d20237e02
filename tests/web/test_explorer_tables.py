"""The explorer shows tables with one value per area: an origin–destination table (a second area column) is not
offered — its own page, the verhuisstromen dashboard, shows it — and asking for it is not an error."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_flow_tables_with_a_second_area_column_are_not_explorer_tables(client: TestClient) -> None:
    offered = set(re.findall(r'<option value="([a-z_0-9]+)"', client.get("/verkennen").text))
    assert "kerncijfers_inwoners" in offered
    assert not offered & {"verhuisstromen_destinations", "verhuisstromen_origins", "verhuisstromen_od"}
    for table in ("verhuisstromen_destinations", "verhuisstromen_od", "verhuisstromen_origins"):
        r = client.get(f"/verkennen?tabel={table}")
        assert r.status_code == 200, table  # falls back to the default table instead of a 500


def test_numbers_follow_the_page_language(client: TestClient) -> None:
    dutch = re.findall(r'<strong class="num">([^<]+)</strong>', client.get("/verkennen").text)
    english = re.findall(r'<strong class="num">([^<]+)</strong>', client.get("/verkennen?lang=en").text)
    assert dutch and english and dutch[0].replace(".", ",") == english[0]  # 12.345 and 12,345
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+", dutch[0])


def test_a_buurt_beside_the_whole_region_is_an_index_on_a_year_axis(client: TestClient) -> None:
    import json

    import lxml.html

    tree = lxml.html.fromstring(client.get("/verkennen?niveau=buurt&gebied=BU99010000").text)
    figure = json.loads(tree.xpath("//script[@id='fig-trend']")[0].text)
    assert figure["layout"]["xaxis"]["type"] == "category"  # 2019, 2020 — never 2,019.5
    firsts = [next(v for v in trace["y"] if v is not None) for trace in figure["data"]]
    assert firsts == [100.0] * len(firsts)  # every series as an index, first year = 100
    assert "Als index" in tree.xpath("//*[@id='harmonised-note']")[0].text_content()


def test_flows_offer_only_groups_with_figures_and_say_why_one_is_missing(client: TestClient, site: object) -> None:
    from udc.store import Store, catalogue

    with Store(site.store, read_only=True, locked_down=True) as s:  # type: ignore[attr-defined]  # as the app holds it
        balance = catalogue.read(s, "verhuisstromen_balance")
    period = sorted(balance.period.unique())[-1]
    part = balance[(balance.period == period) & (balance.group != "Totaal")]
    published = part.groupby(["area", "group"])["count"].apply(lambda c: c.notna().any())
    empty = published[~published]
    assert len(empty), "the small demo has an area and group without published flows"
    area, group = empty.index[0]
    page = client.get(f"/verhuisstromen?gebied={area}&groep={group}&jaren={period}").text
    assert "Geen gepubliceerde verhuisstromen van" in page and "de aantallen zijn te klein" in page
    options = re.findall(r'<select name="groep">(.*?)</select>', page, flags=re.S)[0]
    assert f'value="{group}"' not in options  # not offered where nothing is released


def test_the_flow_map_draws_the_largest_published_flows_of_a_municipality(client: TestClient, site: object) -> None:
    import json

    import lxml.html

    from udc.store import Store, catalogue

    with Store(site.store, read_only=True, locked_down=True) as s:  # type: ignore[attr-defined]  # as the app holds it
        destinations = catalogue.read(s, "verhuisstromen_destinations")
    tree = lxml.html.fromstring(client.get("/verhuisstromen?gebied=GM9901&groep=adults").text)
    figure = json.loads(tree.xpath("//script[@id='fig-flowmap']")[0].text)
    lines = [d for d in figure["data"] if d.get("legendgroup") == "out"]
    period = tree.xpath("//select[@name='jaren']/option[@selected]")[0].text_content()
    own = destinations[
        (destinations.area == "GM9901")
        & (destinations.group == "adults")
        & (destinations.period == period)
        & (destinations.other_class == "Totaal")
        & (destinations.other_gm != "Totaal")
        & destinations["count"].notna()
    ]
    largest = own.sort_values("count", ascending=False).iloc[0]
    assert lines and lines[0]["text"][0].endswith(f": {largest['count']:,.0f}")  # widest line = largest flow
    assert all(d["marker"]["symbol"][-1] == "arrow" for d in lines)  # the direction is drawn
    region = client.get("/verhuisstromen?gebied=demoregio").text
    assert "fig-flowmap" not in region and "kies een gemeente" in region


def test_the_explorer_says_why_a_published_table_is_not_listed(client: TestClient) -> None:
    import lxml.html

    tree = lxml.html.fromstring(client.get("/verkennen").text)
    reasons = {
        li.xpath(".//code")[0].text_content(): li.text_content().split(": ", 1)[1]
        for li in tree.xpath("//details[@id='not-explorable']//li")
    }
    assert reasons["verhuisstromen_od"] == "herkomst en bestemming: zie Verhuisstromen"
    assert reasons["synth_areas"] == "geen kolom met getallen"
    assert "eigen pagina" in reasons["indicatoren"]
    assert "kerncijfers_inwoners" not in reasons  # it is explorable


def test_withheld_and_not_available_have_distinct_symbols(client: TestClient) -> None:
    page = client.get("/verkennen?niveau=buurt&tabel=kerncijfers_jeugdzorg").text
    assert ">x</abbr>" in page  # small buurten: withheld by the gate
    assert "x = afgeschermd" in page and ". = niet beschikbaar" in page  # both explained beside the table


def test_measures_are_named_by_their_source_titles(client: TestClient) -> None:
    page = client.get("/verkennen?tabel=verhuisstromen_rates").text
    options = re.findall(r'<select name="onderwerp">(.*?)</select>', page, flags=re.S)[0]
    shown = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', options)
    assert ("count", "Aantal") in shown  # the release's column title
    assert ("per_1000", "Per 1 000 inwoners") in shown  # a label where the release gives none


def test_a_withheld_cell_sits_in_its_numeric_column(client: TestClient) -> None:
    """A row whose first number is withheld (–): its cell is right-aligned like the column, not left in the gap."""
    import lxml.html

    tree = lxml.html.fromstring(client.get("/verhuisstromen?gebied=demoregio").text)
    for row in tree.xpath("//table[@id='balance-table']/tbody/tr"):
        cells = row.xpath("./td")
        assert all("num" in (cell.get("class") or "") for cell in cells[1:]), [c.text_content() for c in cells]
