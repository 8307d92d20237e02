"""Issue 31 in Chromium: the explorer draws the demo's cross-border indicator table on one map — the Dutch
gemeenten and the German Gemeinden side by side, by name, each with its value — with the comparability note under
it, in both languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import DRAWN, _open, serving

import udc
from udc.synth.region import GEMEINDEN, REGION

pytestmark = pytest.mark.slow  # real Chromium, beside the other browser tests

NOTE = {"nl": "Nederland en Duitsland vergelijkbaar.", "en": "The Netherlands and Germany compare."}


@pytest.fixture(scope="module")
def server(demo_store: Path) -> Iterator[str]:
    with serving(demo_store) as url:
        yield url


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_explorer_draws_one_map_across_the_border(
    browser: object, server: str, demo_store: Path, lang: str
) -> None:
    released = udc.open(demo_store).read("grensregio_indicatoren")
    year = max(released.period)
    mine = released[(released.indicator == "bevolking_65plus") & (released.period == year)]
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/verkennen?tabel=grensregio_indicatoren&indicator=bevolking_65plus&jaar={year}&lang={lang}")
    page.wait_for_function(DRAWN, timeout=15_000)
    figure = page.locator("[data-figure]").first
    hover = figure.evaluate("f => f.data.filter(t => t.mode === 'markers' || t.hoverinfo === 'text')"
                            ".flatMap(t => t.text || [])")  # fmt: skip
    german = {name for _, name, *_ in GEMEINDEN}
    dutch = {m.name for m in REGION}
    drawn = {h.split(" (")[0] for h in hover}
    assert german <= drawn and dutch <= drawn  # every member of both countries on the one map
    filled = figure.evaluate("f => f.data.filter(t => t.fill === 'toself').map(t => t.x.filter(v => v).length)")
    assert sum(filled) > 0 and len(filled) >= 2  # polygons in more than one class
    for row in mine[mine.country == "DE"].itertuples():  # a German Gemeinde's hover text carries its own value
        name = next(n for c, n, *_ in GEMEINDEN if c == row.area_code)
        text = next(h for h in hover if h.startswith(name))
        shown = f"{row.value:.1f}".replace(".", "," if lang == "nl" else ".")
        assert shown in text
    assert NOTE[lang] in page.locator("#comparability").inner_text()
    assert "31.12." in page.locator("#comparability").inner_text()
    names = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
    assert german <= set(names) and dutch <= set(names)
    label = page.locator("select[name=indicator] option:checked").inner_text()
    assert label == ("Inwoners van 65 jaar of ouder" if lang == "nl" else "Residents aged 65 or over")
    assert watch.errors == [] and watch.foreign == []
    page.context.close()
