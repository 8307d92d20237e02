"""Issue 33 in Chromium: the economie theme page shows establishments from the business register — bars per sector
(SBI sections by name) and the gemeenten by name with establishments, openings and closures — in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import DRAWN, _open, serving

import udc

pytestmark = pytest.mark.slow  # real Chromium, beside the other browser tests

WORDS = {"nl": ("Vestigingen", "handel", "bedrijvenregister"),
         "en": ("Establishments", "trade", "business register")}  # fmt: skip


@pytest.fixture(scope="module")
def server(demo_store: Path) -> Iterator[str]:
    with serving(demo_store) as url:
        yield url


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_economie_page_draws_establishments_and_jobs(browser: object, server: str, demo_store: Path,
                                                         lang: str) -> None:  # fmt: skip
    table = udc.open(demo_store).leegstand.establishments()
    assert table is not None
    newest = table[(table.year == table.year.max()) & (table.sector == "Totaal")]
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/thema/economie?lang={lang}")
    page.wait_for_function(DRAWN, timeout=15_000)
    title, sector, words = WORDS[lang]
    section = page.locator("section:has(h2#economie-register)")
    assert title in section.locator("h2").inner_text() and words in section.locator("#economie-intro").inner_text()
    rows = section.locator("tbody tr")
    assert rows.count() == len(newest)
    names = rows.locator("td:first-child a").all_inner_texts()
    assert not any(n.startswith("GM") for n in names)  # gemeenten by name
    top = newest.sort_values("establishments", ascending=False).iloc[0]
    assert float(rows.first.locator("td.num").nth(0).get_attribute("data-value")) == top.establishments
    figure = section.locator("[data-figure]").first
    bars = figure.evaluate("f => f.data.map(t => [t.type, t.x])")
    assert len(bars) == 1 and all(kind == "bar" and sector in x for kind, x in bars)  # sectors by name
    assert "jobs" not in table.columns  # a year's jobs minus the year before gave one business's staff
    assert watch.errors == [] and watch.foreign == []
    page.context.close()
