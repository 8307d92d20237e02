"""Issue 32 in Chromium: /thema/laden draws the released prognosis — a map of the gap per buurt with the NAL cells
outlined, the buurten by name, a scenario and year switch — in both languages; the printed prognosis (PDF) says the
same in each language."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import DRAWN, _open, serving

import udc
from cli_runner import udc as run_udc
from udc import demo
from udc.store import Store
from udc.synth.generate import generate

pytestmark = pytest.mark.slow  # real Chromium, beside the other browser tests

WORDS = {
    "nl": ("Laadpalen in de woonwijken", "Aannames", "Tekort", "hoog", "Wat dit niet zegt"),
    "en": ("Charging points in residential areas", "Assumptions", "Gap", "high", "What this does not say"),
}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 000 synthetic persons (dense enough for the NAL's 125 households in a cell) and the demo's points and
    release, as ``udc demo`` makes them."""
    path = tmp_path_factory.mktemp("laden-web") / "store"
    with Store(path) as store:
        generate(store, persons=100_000, seed=6, years=(2019, 2024))
    s = udc.open(path)
    with Store(path) as store:
        demo.laadpalen(store, user=s.user, audit=s.audit, seed=6)
    return path


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[str]:
    with serving(store_path) as url:
        yield url


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_laden_page_draws_the_gap_and_the_nal_cells(browser: object, server: str, store_path: Path,
                                                         lang: str) -> None:  # fmt: skip
    released = udc.open(store_path).laden.released()
    chosen = released[(released.scenario == "hoog") & (released.year == 2030)]
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/thema/laden?scenario=hoog&jaar=2030&lang={lang}")
    page.wait_for_function(DRAWN, timeout=15_000)
    title, method, gap, high, _ = WORDS[lang]
    assert page.locator("h1").inner_text() == title
    assert method in page.locator("#laden-method").inner_text()
    assert page.locator("select[name=scenario] option:checked").inner_text() == high
    rows = page.locator("tbody tr")
    assert rows.count() == len(chosen)
    names = rows.locator("td:first-child a").all_inner_texts()
    assert not any(n.startswith("BU") for n in names)  # buurten by name
    top = chosen.sort_values("gap", ascending=False).iloc[0]
    assert float(rows.first.locator("td.num").nth(3).get_attribute("data-value")) == top.gap
    figure = page.locator("[data-figure]").first
    filled = figure.evaluate("f => f.data.filter(t => t.fill === 'toself').map(t => t.x.filter(v => v).length)")
    assert len(filled) >= 3 and all(n > 0 for n in filled)  # classes of buurt polygons drawn
    outlines = figure.evaluate("f => f.data.filter(t => t.line && t.line.color === '#b2182b').map(t => t.x.length)")
    assert outlines and outlines[0] >= 6  # the NAL cells, outlined
    assert gap in page.locator("thead").inner_text()
    assert watch.errors == [] and watch.foreign == []
    page.context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_printed_prognosis_speaks_one_language(store_path: Path, tmp_path: Path, lang: str) -> None:
    import pypdfium2 as pdfium

    out = tmp_path / f"laden-{lang}.pdf"
    run_udc("--store", str(store_path), "laden", "report", "--region", "demoregio", "--year", "2030", "--scenario",
            "hoog", "--out", str(out), "--lang", lang)  # fmt: skip
    document = pdfium.PdfDocument(io.BytesIO(out.read_bytes()))
    try:
        text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        width, height = document[0].get_size()
    finally:
        document.close()
    text = " ".join(text.split())
    title, method, gap, high, caveat = WORDS[lang]
    assert width < height and title in text and method in text and caveat in text
    assert "Kernstad" in text and "(BU99" in text  # buurten by name and code
    other = WORDS["en" if lang == "nl" else "nl"]
    assert other[0] not in text and other[4] not in text  # one language per page
