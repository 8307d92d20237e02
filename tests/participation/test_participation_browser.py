"""Participation in Debian's Chromium (Playwright) against the real server: a resident reports without JavaScript
(a buurt) and with it (the phone's location), the public map draws the open reports, staff sign in and handle one,
staff post an announcement and a quick question that a resident then sees and answers — no console errors, no
request to another host."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from participation_site import Intake

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def staff_user(intake: Intake) -> str:
    import udc

    admin = udc.open(intake.store)
    if "stadsbeheer" not in {u["name"] for u in admin.users.list()}:
        admin.users.add("stadsbeheer", "staff", PASSWORD, ["GM9901"])
    return "stadsbeheer"


def _page(browser: object, intake: Intake, **options: object) -> tuple[object, list[str]]:
    context = browser.new_context(**options)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((intake.base, "data:", "blob:")) else problems.append(r.url))
    return page, problems


def _sign_in(page: object, intake: Intake, name: str) -> None:
    page.goto(f"{intake.base}/inloggen")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def test_a_resident_reports_without_javascript_by_buurt(browser: object, intake: Intake) -> None:
    page, problems = _page(browser, intake, java_script_enabled=False)
    page.goto(f"{intake.base}/melden")
    page.get_by_label("Soort melding").select_option("speelplek")
    page.get_by_label("Wat is er aan de hand?").fill("Glijbaan heeft een scherpe rand")
    page.get_by_label("Buurt", exact=True).select_option(intake.buurt)
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_load_state()
    assert "Bedankt voor uw melding" in page.locator("h1").inner_text()
    page.locator("#follow-link").click()
    page.wait_for_load_state()
    assert "gemeld" in page.locator("#report-status").inner_text()
    assert problems == []
    page.context.close()


def test_a_resident_reports_with_the_phones_location(browser: object, intake: Intake) -> None:
    lat, lon = intake.inside
    page, problems = _page(
        browser, intake, geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"]
    )
    page.goto(f"{intake.base}/melden")
    page.get_by_label("Soort melding").select_option("lantaarnpaal")
    page.get_by_label("Wat is er aan de hand?").fill("Lantaarnpaal knippert")
    page.get_by_role("button", name="Gebruik mijn locatie").click()
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert abs(float(page.get_by_label("Breedtegraad").input_value()) - lat) < 1e-5
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_load_state()
    assert "Bedankt voor uw melding" in page.locator("h1").inner_text()
    assert problems == []
    page.context.close()


def test_the_public_map_draws_open_reports(browser: object, intake: Intake) -> None:
    page, problems = _page(browser, intake)
    page.goto(f"{intake.base}/meldingen")
    page.locator("#plot-fig-reports .main-svg").first.wait_for(state="attached", timeout=15_000)
    assert page.locator("#plot-fig-reports").get_attribute("data-drawn") == "true"
    assert page.locator("#reports-table tbody tr").count() >= 1
    assert problems == []
    page.context.close()


def test_staff_sign_in_and_handle_a_report(browser: object, intake: Intake, staff_user: str) -> None:
    page, problems = _page(browser, intake)
    _sign_in(page, intake, staff_user)
    page.get_by_role("link", name="Meldingen behandelen").click()
    page.wait_for_load_state()
    page.locator("#staff-table tbody tr a").first.click()
    page.wait_for_load_state()
    page.get_by_label("Nieuwe status").select_option("in_behandeling")
    page.get_by_label("Notitie (komt in de geschiedenis)").fill("Doorgezet naar de buitendienst")
    page.get_by_role("button", name="Status wijzigen").click()
    page.wait_for_load_state()
    assert "in behandeling" in page.locator("#current-status").inner_text()
    assert "Doorgezet naar de buitendienst" in page.locator("#staff-history").inner_text()
    assert problems == []
    page.context.close()


def test_staff_post_news_and_a_question_that_a_resident_answers(
    browser: object, intake: Intake, staff_user: str
) -> None:
    today, later = date.today().isoformat(), (date.today() + timedelta(days=14)).isoformat()
    page, problems = _page(browser, intake)
    _sign_in(page, intake, staff_user)
    posts = (
        ("Bericht (wat er gaat gebeuren)", "Nieuwe bomen in de straat", "tekst"),
        ("Snelle vraag (een vraag, opties per regel)", "Welke boom wilt u?", "opties"),
    )
    for kind, title, extra in posts:
        page.goto(f"{intake.base}/beheer/berichten")
        page.get_by_label(kind).check()
        page.get_by_label("Titel of vraag").fill(title)
        if extra == "tekst":
            page.get_by_label("Tekst (bericht)").fill("In maart planten we twaalf bomen.")
        else:
            page.get_by_label("Opties (vraag; een per regel)").fill("Eik\nLinde\nEsdoorn")
        page.get_by_label("Buurt", exact=True).select_option([intake.buurt])
        page.get_by_label("Van").fill(today)
        page.get_by_label("Tot en met").fill(later)
        page.get_by_role("button", name="Plaatsen").click()
        page.wait_for_load_state()
    assert "Nieuwe bomen in de straat" in page.locator("#buurt-notices").inner_text()
    page.context.close()
    resident, trouble = _page(browser, intake)
    resident.goto(f"{intake.base}/gebied/{intake.buurt}")
    question = resident.locator(".question", has_text="Welke boom wilt u?")
    question.get_by_label("Linde").check()
    question.get_by_role("button", name="Antwoorden").click()
    resident.wait_for_load_state()
    assert "minstens" in resident.locator(".question", has_text="Welke boom wilt u?").inner_text()
    assert problems == [] and trouble == []
    resident.context.close()
