"""The buurt map of the report form in Debian's Chromium (Playwright) against the real server: a click on a place
inside a buurt chooses that buurt in the form's list and says its name; on a 390 px phone the private follow link
wraps instead of running off the screen. No request leaves the site (the map's shapes come from /api/v1/map/BU)."""

from __future__ import annotations

import pytest
from participation_site import Intake

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


def _page(browser: object, intake: Intake, **options: object) -> tuple[object, list[str]]:
    page = browser.new_context(**options).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((intake.base, "data:", "blob:")) else problems.append(r.url))
    return page, problems


def _screen_point(page: object, lat: float, lon: float) -> dict:
    """Where (lat, lon) is drawn on the screen: the map's own projection, through the SVG's screen matrix."""
    return page.evaluate(
        """([lat, lon]) => {
          const svg = document.getElementById("buurt-map");
          const k = Math.cos(parseFloat(svg.getAttribute("data-lat0")) * Math.PI / 180);
          const p = svg.createSVGPoint();
          p.x = lon * k; p.y = -lat;
          const s = p.matrixTransform(svg.getScreenCTM());
          return {x: s.x, y: s.y};
        }""",
        [lat, lon],
    )


def test_a_click_on_the_map_chooses_the_buurt(browser: object, intake: Intake) -> None:
    page, problems = _page(browser, intake, viewport=PHONE)
    page.goto(f"{intake.base}/melden")
    page.locator("#buurt-map path").first.wait_for()
    assert page.locator("#buurt-map-box").is_visible()
    page.locator("#buurt-map").scroll_into_view_if_needed()
    where = _screen_point(page, *intake.inside)
    page.mouse.click(where["x"], where["y"])
    select = page.get_by_label("Buurt", exact=True)
    assert select.input_value() == intake.buurt
    name = select.locator("option:checked").inner_text()
    assert name and name != intake.buurt
    assert name in page.locator("#buurt-map-chosen").inner_text()
    assert page.locator(f'#buurt-map path.chosen[data-code="{intake.buurt}"]').count() == 1
    page.get_by_label("Soort melding").select_option("speelplek")
    page.get_by_label("Wat is er aan de hand?").fill("Bankje is omgevallen")
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_load_state()
    assert "Bedankt voor uw melding" in page.locator("h1").inner_text()
    link = page.locator("#follow-link").bounding_box()
    assert link["x"] + link["width"] <= PHONE["width"], "the follow link runs off a 390 px phone"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []
    page.context.close()
