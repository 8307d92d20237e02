"""Issue 33 in Chromium: the wonen_leegstand theme page shows the register-based vacancy (the BAG linked to the
households, through the gate) per buurt — a map and the buurten by name with stock, vacant, long-term vacant and
the rate — in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import DRAWN, _open, serving

import udc

pytestmark = pytest.mark.slow  # real Chromium, beside the other browser tests

WORDS = {"nl": ("Leegstand uit de registers", "gekoppelde registers"),
         "en": ("Vacancy from the registers", "linked registers")}  # fmt: skip


@pytest.fixture(scope="module")
def server(demo_store: Path) -> Iterator[str]:
    with serving(demo_store) as url:
        yield url


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_leegstand_page_draws_vacancy_from_the_registers(browser: object, server: str, demo_store: Path,
                                                             lang: str) -> None:  # fmt: skip
    released = udc.open(demo_store).leegstand.released()
    assert released is not None
    buurten = released[released.level == "buurt"]
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/thema/wonen_leegstand?lang={lang}")
    page.wait_for_function(DRAWN, timeout=15_000)
    title, words = WORDS[lang]
    section = page.locator("section:has(h2#leegstand-registers)")
    assert title in section.locator("h2").inner_text() and words in section.locator("#leegstand-intro").inner_text()
    rows = section.locator("tbody tr")
    assert rows.count() == len(buurten)
    names = rows.locator("td:first-child a").all_inner_texts()
    assert not any(n.startswith("BU") for n in names)  # buurten by name
    top = buurten.sort_values("rate", ascending=False, na_position="last").iloc[0]
    assert float(rows.first.locator("td.num").nth(3).get_attribute("data-value")) == top.rate
    figure = section.locator("[data-figure]").first
    filled = figure.evaluate("f => f.data.filter(t => t.fill === 'toself').map(t => t.x.filter(v => v).length)")
    assert len(filled) >= 2 and all(n > 0 for n in filled)
    assert watch.errors == [] and watch.foreign == []
    page.context.close()
