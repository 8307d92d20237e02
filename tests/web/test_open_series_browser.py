"""Issue 29 in Chromium: Heerlen's real KWB series (2016-2020) released as indicators, drawn on the theme pages per
buurt — a map of the buurten, a ranked table of their names with the released values, the open-data note, and
the newest year that has figures (2020 publishes no crime or energy)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import DRAWN, _open, serving

from cli_runner import udc
from udc.store import Store, catalogue

pytestmark = pytest.mark.slow  # real Chromium, beside the other browser tests

KWB = ",".join(  # the theme pages' and the ISO 37120 entries Heerlen's real series computes
    [
        "veiligheid_diefstal_uit_woning",
        "veiligheid_geweld",
        "energie_elektriciteit",
        "energie_aardgas",
        "wonen_onbewoond",
        "armoede_laag_inkomen_kwb",
        "economie_vestigingen_per_100000",
        "onderwijs_hoog_opgeleid_per_100000",
        "energie_elektriciteit_per_inwoner",
        "bevolking_65plus_kwb",
        "veiligheid_geweld_per_100000",
        "mobiliteit_personenautos_per_inwoner",
        "mobiliteit_motorfietsen_per_inwoner",
    ]
)


@pytest.fixture(scope="module")
def heerlen(heerlen_kwb_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("open-series") / "store"
    shutil.copytree(heerlen_kwb_template, path)
    udc("--store", str(path), "indicators", "compute", "--ids", KWB, "--years", "2016-2020", "--release", "indicatoren")
    return path


@pytest.fixture(scope="module")
def server(heerlen: Path) -> Iterator[str]:
    with serving(heerlen) as url:
        yield url


def released(store_path: Path, indicator: str, year: str) -> dict[str, float]:
    with Store(store_path, read_only=True) as store:
        frame = catalogue.read(store, "indicatoren")
    part = frame[(frame.indicator == indicator) & (frame.period == year) & (frame.level == "buurt")]
    return dict(zip(part.area_code, part.value, strict=True))


@pytest.mark.parametrize(
    ("theme", "indicator", "lang"),
    [("veiligheid", "veiligheid_diefstal_uit_woning", "nl"), ("energie", "energie_elektriciteit", "en")],
)
def test_theme_page_draws_heerlen_buurten(
    browser: object, server: str, heerlen: Path, theme: str, indicator: str, lang: str
) -> None:
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/thema/{theme}?niveau=buurt&lang={lang}")
    page.wait_for_function(DRAWN, timeout=15_000)
    year = page.locator("select[name=jaar]").input_value()
    assert year == ("2018" if theme == "veiligheid" else "2019")  # the newest year with figures, not 2020
    section = page.locator(f"section#{indicator}, section:has(h2#{indicator})").first
    rows = section.locator("tbody tr")
    assert rows.count() >= 40  # Heerlen's buurten with a figure
    names = rows.locator("td:nth-child(2) a").all_inner_texts()
    assert not any(n.startswith("BU") for n in names)  # labels, never bare codes
    values = released(heerlen, indicator, year)
    first_code = rows.first.locator("td:nth-child(2) a").get_attribute("href").rsplit("/", 1)[-1]
    shown = rows.first.locator("td.num").nth(1).get_attribute("data-value")
    assert float(shown) == pytest.approx(values[first_code]) and values[first_code] == max(values.values())
    figure = section.locator("[data-figure]").first
    traces = figure.evaluate("f => f.data.filter(t => t.fill === 'toself').map(t => [t.name, t.x.length])")
    assert len(traces) >= 3 and all(n > 0 for _, n in traces)  # classes of buurt polygons drawn
    gaps = [name for name, _ in traces if name.startswith("–")]
    assert all(("geen cijfer" if lang == "nl" else "no figure") in g for g in gaps)
    intro = page.locator("main p").all_inner_texts()
    assert any("open data" in p for p in intro) and not any("protected counts" in p for p in intro)
    assert watch.errors == [] and watch.foreign == []
    page.context.close()


def test_explorer_draws_a_heerlen_trend_2016_2020_from_the_series(browser: object, server: str, heerlen: Path) -> None:
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/verkennen?tabel=kwb&niveau=gemeente&variable=inwoners&gebied=GM0917")
    page.wait_for_function(DRAWN, timeout=15_000)
    assert page.locator("select[name=variable] option:checked").inner_text() == "Aantal inwoners"  # a label
    trend = page.locator("[data-figure='fig-trend']")
    lines = trend.evaluate("f => f.data.map(t => [t.name, t.x.map(String), t.y])")
    heerlen_line = next(line for line in lines if line[0].startswith("Heerlen"))
    assert heerlen_line[1] == ["2016", "2017", "2018", "2019", "2020"]
    with Store(heerlen, read_only=True) as store:
        series = catalogue.read(store, "kwb")
    inwoners = series[(series.variable == "inwoners") & (series.area_code == "GM0917")].sort_values("year")
    assert heerlen_line[2] == [float(v) for v in inwoners.value]  # 87 406 … 87 086, as published
    assert "Aantal inwoners" in trend.evaluate("f => f.layout.title.text")
    # without a year: the newest year that has the variable (2020 publishes no electricity)
    page.goto(f"{server}/verkennen?tabel=kwb&niveau=buurt&variable=elektriciteit")
    page.wait_for_function(DRAWN, timeout=15_000)
    assert page.locator("select[name=jaar]").input_value() == "2019"
    title = page.locator("[data-figure='fig-map']").evaluate("f => f.layout.title.text")
    assert title.startswith("Gemiddeld elektriciteitsverbruik") and title.endswith("2019")
    assert watch.errors == [] and watch.foreign == []
    page.context.close()


def test_the_iso_page_shows_what_heerlens_real_series_computes(browser: object, server: str) -> None:
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/iso37120/GM0917")
    rows = page.locator("#iso-table tbody tr")
    states = rows.evaluate_all("rs => rs.map(r => r.innerText)")
    available = [r for r in states if "beschikbaar" in r]
    assert len(available) >= 8, available
    assert any("Personenauto's per inwoner" in r and "0,52" in r for r in available)
    assert any("Gemotoriseerde tweewielers per inwoner" in r and "0,038" in r for r in available)  # 3 275 / 87 086
    assert f"{len(available)} " in page.locator("main").inner_text()  # the coverage sentence counts them
    assert watch.errors == [] and watch.foreign == []
    page.context.close()


def test_a_buurt_profile_shows_each_open_indicator_at_its_newest_year_and_the_series_key_figures(
    server: str, heerlen: Path
) -> None:
    import httpx
    import lxml.html

    page = lxml.html.fromstring(httpx.get(f"{server}/gebied/BU09171000").text)  # Maria Gewanden, Heerlen
    rows = {
        " ".join(r.xpath("./th")[0].text_content().split()): r
        for r in page.xpath("//*[@id='profile-indicators']//tbody/tr")
    }
    crime = next(v for k, v in rows.items() if k.startswith("Diefstal uit woning"))
    assert "(2018)" in crime.xpath("./th")[0].text_content()  # 2020 publishes no crime: its newest year, said
    expected = released(heerlen, "veiligheid_diefstal_uit_woning", "2018")["BU09171000"]
    assert float(crime.xpath("./td")[0].get("data-value")) == expected
    cells = [[" ".join(c.text_content().split()) for c in r.xpath("./th|./td")] for r in page.xpath("//main//tr")]
    assert ["Aantal inwoners", "2020", "3.460"] in cells  # a key variable of the series by its label, not its first
