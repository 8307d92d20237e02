"""What a person sees, checked in Debian's Chromium (issue 28): not that a figure is drawn but what it shows — plotly's
rendered layout of the monitor chart (years on their own positions, the start line inside the plotted range, titled
axes), the compare page's table readable in full (no inner scroll box that cuts it, nothing wider than a phone), and
the printed reports (no mode bar, one title per chart, charts kept whole, areas by name, the method in words)."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from test_browser import DRAWN, serving  # the browser fixture is tests/conftest.py's, shared with the browser tests

from cli_runner import udc as run_udc
from udc.monitoring.model import library
from udc.web.app import create_app

pytestmark = pytest.mark.slow  # real Chromium processes, beside the other browser tests

PROGRAMME = "zichtbaar"
AREAS = [f"WK9901{i:02d}" for i in range(6)]  # pooled wide enough that the small demo's baseline is published
COMPARISON = [f"WK9901{i:02d}" for i in range(6, 16)]


@pytest.fixture(scope="module")
def store(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the small demo with a programme of its own (start 2021, a target) and its monitor released — the
    shared demo has none, and a page without a released monitor draws no chart to look at."""
    path = tmp_path_factory.mktemp("visual") / "store"
    shutil.copytree(demo_template, path)
    programme = {
        **library()["kansrijk-van-start"].model_dump(mode="json", exclude_none=True),
        "id": PROGRAMME,
        "start": 2021,
        "baseline": [2019, 2020],
        "areas": AREAS,
        "indicators": [{"indicator": "jeugd_jeugdzorg", "direction": "down", "target": {"value": 1.0, "year": 2022}}],
        "comparison": {"areas": COMPARISON},
    }
    (path.parent / "p.yaml").write_text(yaml.safe_dump(programme))
    run_udc("--store", str(path), "monitor", "add", str(path.parent / "p.yaml"))
    run_udc("--store", str(path), "monitor", "report", PROGRAMME, "--release")
    return path


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[str]:
    with serving(store) as url:
        yield url


# Every drawn plotly figure as plotly itself laid it out: the x-axis (type, range, title), the x positions of every
# trace in axis units (d2l: a category axis turns "2019" into its index, a linear axis keeps 2019), the shapes' x in
# axis units, the y-axis title.
LAYOUT = """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => {
  const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
  const pos = v => xa.d2l(v, 0, xa.calendar);
  return {
    id: el.id, type: xa.type, range: xa.range.slice(),
    xtitle: (xa.title && xa.title.text) || '', ytitle: (ya.title && ya.title.text) || '',
    traces: el._fullData.map(t => ({name: t.name, x: [...(t.x || [])].map(String),
                                    pos: [...(t.x || [])].map(pos)})),
    shapes: (el._fullLayout.shapes || []).filter(s => s.xref === 'x' || s.xref === undefined)
      .map(s => [s.x0, s.x1].map(v => xa.r2l ? xa.r2l(v) : v)),
  };
})"""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_monitor_chart_puts_every_year_and_the_start_inside_its_axes(
    browser: object,
    server: str,
    lang: str,
) -> None:
    """The bug a wethouder saw: ten years squeezed onto the first tick and the start line at the far right. Every
    year its own x position inside the axis range, the start line inside that range between the last year before and
    the first year after the start, both axes titled (the y-axis with the indicator's unit)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/monitor/{PROGRAMME}?lang={lang}", wait_until="load")
    page.wait_for_function(DRAWN, timeout=15_000)
    figures = page.evaluate(LAYOUT)
    page.screenshot(path=f"/tmp/visual-monitor-{lang}.png", full_page=True)
    page.close()
    assert figures, "no chart drawn on the monitor page"
    for fig in figures:
        low, high = sorted(fig["range"])
        years = {x for t in fig["traces"] for x in t["x"]}
        positions = {p for t in fig["traces"] for p in t["pos"]}
        assert len(positions) == len(years), f"{len(years)} years on {len(positions)} positions"
        for trace in fig["traces"]:
            assert all(low <= p <= high for p in trace["pos"]), (trace, fig["range"])
        assert fig["shapes"], "no start line"
        for x0, x1 in fig["shapes"]:
            assert low <= x0 <= high and low <= x1 <= high, (fig["shapes"], fig["range"])
            # between the last nulmeting year (2020) and the first programme year (2021)
            assert sorted(positions)[0] < x0 < sorted(positions)[-1]
        # the data fill the axis: not two categories squeezed into the corner of a range stretched to "2019"
        assert max(positions) - min(positions) >= 0.6 * (high - low), (sorted(positions), fig["range"])
        assert fig["xtitle"] == {"nl": "Jaar", "en": "Year"}[lang], fig["xtitle"]
        assert "%" in fig["ytitle"], fig["ytitle"]  # the followed indicator is a percentage


# Every table whose box (or an ancestor's) clips it vertically: overflow other than visible with a height limit,
# the table taller than the box shows.
CUT_TABLES = """() => [...document.querySelectorAll('table')].flatMap(table => {
  const cuts = [];
  for (let box = table.parentElement; box && box !== document.body; box = box.parentElement) {
    const style = getComputedStyle(box);
    if (style.overflowY !== 'visible' && box.scrollHeight > box.clientHeight + 1) {
      cuts.push({table: table.id || table.caption?.textContent, box: box.className, max: style.maxHeight,
                 shows: box.clientHeight, needs: box.scrollHeight});
    }
  }
  return cuts;
})"""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_compare_table_is_readable_in_full_and_fits_a_phone(
    browser: object,
    server: str,
    lang: str,
) -> None:
    """/vergelijken put ~40 rows in a 32em box (seven rows, no scrollbar, then blank page): no box may cut a table
    vertically, and at a 390 px phone the page itself does not scroll sideways (a wide table scrolls in its own
    box, which WCAG's reflow allows for data tables)."""
    path = f"/vergelijken?gebied=GM9901&gebied=GM9902&lang={lang}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}{path}", wait_until="load")
    assert page.locator("#compare-table tbody tr").count() >= 10
    cuts = page.evaluate(CUT_TABLES)
    page.screenshot(path=f"/tmp/visual-compare-{lang}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    cuts_phone = page.evaluate(CUT_TABLES)
    wide = page.evaluate("document.documentElement.scrollWidth")
    if lang == "nl":
        page.screenshot(path="/tmp/visual-compare-phone.png", full_page=True)
    page.close()
    assert cuts == [] and cuts_phone == [], cuts or cuts_phone
    assert wide <= 390, f"the page is {wide} px wide on a 390 px phone"


def _pdf_text(content: bytes) -> list[str]:
    """The PDF's text page by page (pypdfium2, pinned for the report tests)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(io.BytesIO(content))
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_monitor_pdf_names_areas_titles_each_chart_once_and_says_the_method_in_words(
    store: Path, lang: str
) -> None:
    """The printed monitor for policy makers: areas as "name (code)", never a bare WK code; each indicator's title
    once; axes with year and unit; the method in words, not the software ("WLS, statsmodels")."""
    from fastapi.testclient import TestClient

    from udc.areas import registry
    from udc.store.db import Store

    with TestClient(create_app(store)) as client:
        response = client.get(f"/monitor/{PROGRAMME}/rapport.pdf?lang={lang}")
        report = client.get(f"/monitor/{PROGRAMME}/rapport.html?lang={lang}").text
    assert response.status_code == 200
    pages = _pdf_text(response.content)
    text = " ".join(" ".join(pages).split())
    with Store(store) as s:
        names = registry.names(s)
    for code in AREAS + COMPARISON:
        assert f"{names[code]} ({code})" in text, code
    bare = [c for c in re.findall(r"\b(?:WK|BU)\d{6,8}\b", text) if f"{names.get(c, c)} ({c})" not in text]
    assert bare == []
    assert "statsmodels" not in text and "WLS" not in text
    assert ("ten opzichte van de nulmeting" if lang == "nl" else "against the baseline") in text
    titles = re.findall(r"<h2>(.*?)</h2>", report)
    assert titles and all(text.count(t) == 1 for t in titles), [(t, text.count(t)) for t in titles]
    assert ("Jaar" if lang == "nl" else "Year") in text and ("procent (%)" if lang == "nl" else "percent (%)") in text


@pytest.mark.parametrize("path", ["/verhuisstromen/rapport.html?gebied=GM9901", "/gebied/GM9901/rapport.html"])
def test_printed_reports_have_no_mode_bar_one_title_per_chart_and_charts_kept_whole(
    browser: object,
    store: Path,
    path: str,
) -> None:
    """The stand-alone report as Chromium prints it (print media): no plotly mode bar drawn over the charts, no
    chart whose plotly title repeats its section's heading, every chart kept on one page (break-inside: avoid)."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(store)) as client:
        html = client.get(path).text
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    page.set_content(html, wait_until="load")
    page.wait_for_function(DRAWN, timeout=30_000)
    page.emulate_media(media="print")
    seen = page.evaluate(
        """() => ({
      modebars: [...document.querySelectorAll('.modebar, .modebar-container')].filter(m => m.getClientRects().length
        && getComputedStyle(m).visibility !== 'hidden').length,
      doubled: [...document.querySelectorAll('.js-plotly-plot')].map(el => {
        const h = el.closest('section')?.querySelector('h2, h3')?.textContent.trim();
        const t = (el.querySelector('.gtitle')?.textContent || '').trim();
        return h && t && h === t ? t : null;
      }).filter(Boolean),
      split: [...document.querySelectorAll('figure.chart')].filter(f => getComputedStyle(f).breakInside !== 'avoid')
        .length,
      charts: document.querySelectorAll('.js-plotly-plot').length,
    })"""
    )
    page.close()
    assert seen["charts"] >= 2
    assert seen["modebars"] == 0 and seen["doubled"] == [] and seen["split"] == 0, seen
