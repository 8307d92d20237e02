"""Every page in Debian's Chromium driven by Playwright against a real server on loopback: figures drawn, filters
work, sign-in and the table builder, a download; no request leaves the server, no console error, and axe-core finds
no serious or critical accessibility violation."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from crawling import links, shape

from conftest import PASSWORD, Site
from udc.web.app import create_app

# Real Chromium processes: the second step of 'make test' (pytest -m slow), beside the other real-process tests.
pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[2] / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "home": "/",
    "explorer": "/verkennen?niveau=buurt",
    "flows": "/verhuisstromen?gebied=demoregio",
    "profile": "/gebied/GM9901",
    "catalogue": "/catalogus",
    "dataset": "/catalogus/kerncijfers_inwoners",
    "signin": "/inloggen",
    "builder": "/tabelbouwer",
    "indicators": "/indicatoren",
    "theme": "/thema/armoede_schulden",
    "compare": "/vergelijken?gebied=GM9901&gebied=GM9902",
    "monitor": "/monitor",
    "programme": "/monitor/kansrijk-van-start",
}


@contextmanager
def serving(store: Path) -> Iterator[str]:
    """``udc serve`` on ``store`` in a thread on a free loopback port (the browser tests' and the visual tests')."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[str]:
    with serving(site.store) as url:
        yield url


class Watch:
    """Console errors and requests to anything but the server, for one page."""

    def __init__(self, page: object, base: str) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else self.foreign.append(r.url))


def _open(browser: object, base: str, **kw: object) -> tuple[object, Watch]:
    context = browser.new_context(accept_downloads=True, **kw)
    page = context.new_page()
    return page, Watch(page, base)


DRAWN = "[...document.querySelectorAll('[data-figure]')].every(f => f.dataset.drawn === 'true')"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_kind_of_page_runs_without_console_errors(browser: object, server: str, lang: str) -> None:
    """The browser's half of the crawl: one page of each kind the links and filters reach (route and query keys;
    the HTTP crawler in test_crawl covers every page's status and words), each with its figures drawn, no console
    error, no failed script and no request to another host."""
    import lxml.html

    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    queue, kinds, problems = deque(PAGES.values()), set(), {}
    while queue and len(kinds) < 45:
        path = queue.popleft()
        if shape(path) in kinds:
            continue
        kinds.add(shape(path))
        page.goto(f"{server}{path}{'&' if '?' in path else '?'}lang={lang}", wait_until="load")
        page.wait_for_function(DRAWN, timeout=15_000)
        if watch.errors or watch.foreign:
            problems[path] = watch.errors + watch.foreign
            watch.errors, watch.foreign = [], []
        queue.extend(links(lxml.html.fromstring(page.content()), path))
    page.context.close()
    assert len(kinds) >= 20, f"only {len(kinds)} kinds of page reached"
    assert problems == {}, problems


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_offline_without_errors_and_passes_axe(browser: object, server: str, name: str) -> None:
    """Every page: drawn figures, no console error, no request to another host, one h1 — and axe-core finds no
    serious or critical violation (axe is evaluated through the browser's debugging protocol, which the page's
    CSP does not govern, so the page is tested exactly as served)."""
    assert AXE.exists(), f"{AXE} is missing: run 'make test' (it installs axe-core from the npm registry)"
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(server + PAGES[name])
    page.wait_for_load_state("networkidle")
    figures = page.locator("[data-figure]")
    for i in range(figures.count()):
        figures.nth(i).locator(".main-svg").first.wait_for(state="attached", timeout=15_000)
        assert figures.nth(i).get_attribute("data-drawn") == "true"
    assert watch.errors == [] and watch.foreign == []
    assert page.locator("h1").count() == 1
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        (v["id"], v["impact"], len(v["nodes"])) for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad
    page.context.close()


def test_explorer_map_table_and_filters(browser: object, server: str) -> None:
    page, watch = _open(browser, server)
    page.goto(server + "/verkennen?niveau=gemeente")
    municipalities = page.locator("#explorer-table tbody tr").count()
    assert municipalities >= 7  # the demo region's municipalities
    first = page.locator("#explorer-table tbody tr").first.locator("td").nth(2).inner_text()
    page.select_option("select[name=niveau]", "wijk")  # applies on change
    page.wait_for_url("**niveau=wijk**")
    assert page.locator("#explorer-table tbody tr").count() > municipalities  # 43 wijken
    assert page.locator("#explorer-table tbody tr td a").first.inner_text().startswith("WK")
    page.select_option("select[name=leeftijd]", "65+")
    page.wait_for_url("**leeftijd=65**")
    traces = page.evaluate("document.querySelector('[data-figure=\"fig-map\"]').data.length")
    assert traces >= 2  # classes of filled polygons + the hover layer
    header = page.locator("#explorer-table thead th").nth(2)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = [
        float(v or "nan")
        for v in page.locator("#explorer-table tbody td.num").evaluate_all("els => els.map(e => e.dataset.value)")
    ]
    shown = [v for v in values if v == v]
    assert shown == sorted(shown) and first
    assert watch.errors == [] and watch.foreign == []
    page.context.close()


def test_flows_dashboard_numbers_match_the_released_table(browser: object, server: str) -> None:
    page, watch = _open(browser, server)
    page.goto(server + "/verhuisstromen?gebied=demoregio&groep=adults")
    cells = page.locator("#balance-table tbody tr").first.locator("td")
    shown_in = cells.nth(1).inner_text().replace(".", "")
    sankey_links = page.evaluate("document.querySelector('[data-figure=\"fig-sankey\"]').data[0].link.value.length")
    assert sankey_links >= 2
    period = page.locator("select[name=jaren]").input_value()
    assert period == "2020-2021"  # the latest span of more than one year
    page.select_option("select[name=groep]", "young-families")
    page.wait_for_url("**groep=young-families**")
    assert page.locator("select[name=groep]").input_value() == "young-families"
    page.select_option("select[name=jaren]", "2019-2020")
    page.wait_for_url("**jaren=2019-2020**")
    assert "2019-2020" in page.locator("h1").inner_text()
    assert watch.errors == [] and watch.foreign == []
    page.context.close()
    import httpx  # the released value, through the API the dashboard reads

    params = {"area": "demoregio", "group": "adults", "period": period}
    rows = httpx.get(f"{server}/api/v1/flows/balance", params=params).json()["rows"]
    released = {r["direction"]: r["count"] for r in rows}
    assert shown_in == f"{int(released['in'])}"


def test_sign_in_build_a_table_and_download(browser: object, server: str, tmp_path: Path) -> None:
    page, watch = _open(browser, server)
    page.goto(server + "/tabelbouwer")
    page.get_by_role("link", name="Inloggen").first.click()
    page.get_by_label("Gebruikersnaam").fill("onderzoeker")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/tabelbouwer")
    page.select_option("select[name=tabel]", "synth_persons_yearly")
    page.wait_for_url("**tabel=synth_persons_yearly**")
    page.get_by_label("Opleidingsniveau").check()  # a label, not the column name 'education'
    page.get_by_role("button", name="Maak tabel").click()
    result = page.locator("#builder-result tbody tr")
    assert result.count() >= 3
    cells = set(page.locator("#builder-result tbody td").all_inner_texts())
    assert cells & {"met ruis (cell key)", "afgeschermd"} and {"laag", "middelbaar", "hoog"} <= cells
    assert not cells & {"perturbed", "suppressed", "low", "middle", "high", "threshold"}
    with page.expect_download() as download:
        page.get_by_role("button", name="Downloaden CSV (;)").click()
    path = tmp_path / "tabel.csv"
    download.value.save_as(path)
    assert path.read_text(encoding="utf-8-sig").splitlines()[0].startswith("education;")
    page.goto(server + "/catalogus/kerncijfers_inwoners")
    with page.expect_download() as parquet:
        page.get_by_role("link", name="Parquet").click()
    assert parquet.value.suggested_filename == "kerncijfers_inwoners.parquet"
    assert watch.errors == [] and watch.foreign == []
    page.context.close()


def test_phone_width_has_no_horizontal_scroll(browser: object, server: str) -> None:
    page, _ = _open(browser, server, viewport={"width": 390, "height": 844})
    for path in ("/", "/verhuisstromen", "/verkennen"):
        page.goto(server + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    page.context.close()


def test_keyboard_reaches_the_content_first(browser: object, server: str) -> None:
    page, _ = _open(browser, server)
    page.goto(server + "/verkennen")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#inhoud"
    page.context.close()


@pytest.mark.parametrize("path", ["/gebied/GM9901/rapport.pdf", "/verhuisstromen/rapport.pdf?gebied=GM9901"])
def test_the_reports_print_to_a_pdf_with_charts_date_and_sources(site: Site, path: str) -> None:
    """Area profile and verhuisstromen: printed by headless Chromium, then opened page by page as images
    (pypdfium2): charts drawn, date, sources, policy and the area's name present."""
    import io

    import pypdfium2 as pdfium
    from fastapi.testclient import TestClient

    with TestClient(create_app(site.store)) as client:
        response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    document = pdfium.PdfDocument(io.BytesIO(response.content))
    try:
        assert len(document) >= 2
        text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        assert "Gemaakt op" in text and "Bronnen" in text and "beleid" in text and "Kernstad" in text
        image = document[0].render(scale=1).to_pil().convert("L")
        dark = sum(image.histogram()[:200])
        assert dark > 0.01 * image.width * image.height  # not a blank page: text and charts were drawn
    finally:
        document.close()
