"""What residents and staff see on the participation pages (issue 28 item 7), asserted on the rendered HTML: a
confirmation after answering a quick question instead of the form again, refusals in the page's language, a buurt
map to click with the named buurt list as its fallback, times on the Dutch clock, no invented distance, no note about
the disclosure gate on residents' pages, and staff pages that name buurten."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from participation_site import Intake

PASSWORD = "correct horse battery"
GATE_NOTE = ("onthullingspoort", "disclosure gate")


@pytest.fixture(scope="module")
def web(intake: Intake) -> Iterator[TestClient]:
    from udc.web.app import create_app

    with TestClient(create_app(intake.store), base_url="http://127.0.0.1", client=("198.51.100.7", 1)) as client:
        yield client


def _csrf(client: TestClient, path: str = "/melden") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def _question(intake: Intake, text: str) -> int:
    import udc
    from udc.participation import notices
    from udc.privacy.access import get_user

    admin = udc.open(intake.store)
    if "vraagsteller" not in {u["name"] for u in admin.users.list()}:
        admin.users.add("vraagsteller", "staff", PASSWORD, ["GM9901"])
    period = {"starts": date.today().isoformat(), "ends": (date.today() + timedelta(days=7)).isoformat()}
    values = {"question": text, "options": ["ja", "nee"], "buurten": [intake.buurt], **period}
    return notices.ask(admin._operational, get_user(admin.audit.engine, "vraagsteller"), admin.audit, values)


def _block(html: str, question: int) -> str:
    return re.search(rf'<div class="question" id="vraag-{question}">.*?</div>', html, re.S).group(0)


def test_an_answer_is_confirmed_and_the_form_not_shown_again(web: TestClient, intake: Intake) -> None:
    question = _question(intake, "Zullen we de speeltuin verven?")
    path = f"/gebied/{intake.buurt}"
    done = web.post(f"{path}/vraag/{question}", data={"csrf": _csrf(web, "/inloggen"), "keuze": "1"})
    assert done.status_code == 200 and f"beantwoord={question}" in str(done.url)
    block = _block(done.text, question)
    assert "Bedankt, je antwoord is opgeslagen." in block and "<form" not in block
    assert "nee" not in block  # which option this device chose is not shown back
    later = _block(web.get(path).text, question)  # a later visit from this device: still no form
    assert "al beantwoord" in later and "<form" not in later and "Bedankt" not in later
    english = _block(web.get(f"{path}?lang=en").text, question)
    assert "already answered" in english and "<form" not in english
    forged = _block(web.get(f"{path}?beantwoord=99999").text, question)  # a made-up number confirms nothing
    assert "Bedankt" not in forged


def test_a_refused_answer_is_said_in_the_pages_language(web: TestClient, intake: Intake) -> None:
    question = _question(intake, "Meer groen in de straat?")
    path = f"/gebied/{intake.buurt}"
    web.post(f"{path}/vraag/{question}", data={"csrf": _csrf(web, "/inloggen"), "keuze": "0"})
    dutch = web.post(f"{path}/vraag/{question}", data={"csrf": _csrf(web, "/inloggen"), "keuze": "0"})
    assert dutch.status_code == 403 and "Je hebt deze vraag al beantwoord" in dutch.text
    assert "already answered" not in dutch.text
    english = web.post(f"{path}/vraag/{question}?lang=en", data={"csrf": _csrf(web, "/inloggen"), "keuze": "0"})
    assert english.status_code == 403 and "You have already answered" in english.text and 'lang="en"' in english.text
    form = _block(web.get(f"{path}?lang=en").text, question)
    assert "<form" not in form  # answered: confirmed, not offered again
    other = _question(intake, "Een bankje erbij?")
    english_form = _block(web.get(f"{path}?lang=en").text, other)
    assert f'action="{path}/vraag/{other}?lang=en"' in english_form  # the answer keeps the page's language


def test_every_keyed_refusal_has_words_in_both_languages() -> None:
    from pathlib import Path

    import udc.participation as package
    from udc.web.i18n import TEXT

    source = "".join(p.read_text() for p in Path(package.__file__).parent.glob("*.py"))
    keys = set(re.findall(r'keyed\(\s*\w+(?:\([^)]*\))?,\s*"(\w+)"', source))
    keys |= {f"{k}{tail}" for k in ("place_outside", "place_elsewhere") for tail in ("", "_any")}
    assert {"answered_twice", "network_full", "photo_unreadable"} <= keys
    for key in keys:
        assert set(TEXT[f"err_{key}"]) == {"nl", "en"}, key


def test_the_form_error_outside_the_area_is_dutch_or_english(web: TestClient) -> None:
    place = {"service_code": "zwerfvuil", "lat": "52.37", "long": "4.90", "description": "Glas op straat"}
    dutch = web.post("/melden", data={"csrf": _csrf(web), **place})
    error = re.search(r'id="form-error">([^<]*)<', dutch.text).group(1)
    assert "buiten elk bekend gebied" in error and "outside" not in error
    english = web.post("/melden?lang=en", data={"csrf": _csrf(web), **place})
    error = re.search(r'id="form-error">([^<]*)<', english.text).group(1)
    assert "outside every known area" in error and "buiten" not in error


def test_the_form_offers_a_map_over_a_named_buurt_list(web: TestClient, intake: Intake) -> None:
    page = web.get("/melden").text
    box = re.search(r'<figure class="chart" id="buurt-map-box" data-map="([^"]+)" hidden>', page)
    assert box, "the map's place (drawn by app.js; hidden without JavaScript)"
    options = re.findall(r'<option value="(BU\d{8})"[^>]*>([^<]*)</option>', page)
    assert options and (intake.buurt, dict(options)[intake.buurt]) in options
    assert all(label and label != code for code, label in options), "a buurt by its name, not a bare code"
    shapes = web.get(box.group(1))
    assert shapes.status_code == 200 and shapes.headers["content-type"].startswith("application/geo+json")
    codes = {f["properties"]["code"] for f in shapes.json()["features"]}
    assert {code for code, _ in options} <= codes  # every buurt offered can be clicked


def test_resident_pages_dutch_times_no_invented_distance_no_gate_note(web: TestClient, intake: Intake) -> None:
    import udc

    form = {"csrf": _csrf(web), "service_code": "speelplek", "buurt": intake.buurt, "description": "Wip kapot"}
    first = web.post("/melden", data=form)
    second = web.post("/melden", data={**form, "csrf": _csrf(web), "description": "Wip nog steeds kapot"})
    assert second.status_code == 200
    nearby = re.search(r'<ul id="nearby">(.*?)</ul>', second.text, re.S)
    assert nearby and "in of bij dezelfde buurt" in nearby.group(1)  # placed by buurt: no distance to tell
    assert not re.search(r"\d+ m\b", nearby.group(1))
    assert 'class="wrap"' in second.text
    follow = re.search(r'id="follow-link" href="(/melding/[^"]+)"', first.text).group(1)
    page = web.get(follow).text
    number = int(re.search(r"Melding (\d+)", page).group(1))
    _, lines = udc.open(intake.store).participation.report(number)
    stamp = datetime.fromisoformat(lines[0]["at"]).astimezone(ZoneInfo("Europe/Amsterdam"))
    assert stamp.strftime("%Y-%m-%d %H:%M") in page  # the Dutch clock, not UTC
    for path in ("/melden", follow, "/meldingen"):
        assert not any(words in web.get(path).text for words in GATE_NOTE), path
    for words in ("onthullingspoort",):  # the buurt's profile keeps it: its figures come from microdata
        assert words in web.get(f"/gebied/{intake.buurt}").text


def test_staff_pages_name_the_buurt_and_show_dutch_times(intake: Intake) -> None:
    import udc
    from udc.web.app import create_app
    from udc.web.routes.reports import local

    admin = udc.open(intake.store)
    if "wijkbeheer" not in {u["name"] for u in admin.users.list()}:
        admin.users.add("wijkbeheer", "staff", PASSWORD, ["GM9901"])
    lat, lon = intake.inside
    with TestClient(create_app(intake.store), base_url="http://127.0.0.1", client=("198.51.100.8", 1)) as client:
        form = {"csrf": _csrf(client), "service_code": "boom", "lat": str(lat), "long": str(lon), "description": "Tak"}
        assert client.post("/melden", data=form).status_code == 200
        token = _csrf(client, "/inloggen")
        signed = client.post(
            "/inloggen", data={"gebruiker": "wijkbeheer", "wachtwoord": PASSWORD, "csrf": token}, follow_redirects=False
        )
        assert signed.status_code == 303
        listing = client.get("/beheer/meldingen").text
        number = int(re.findall(r'href="/beheer/melding/(\d+)"', listing)[0])
        page = client.get(f"/beheer/melding/{number}").text
    cells = re.findall(r"<td>([^<]*)</td>", listing)
    assert not any(re.fullmatch(r"BU\d{8}", c) for c in cells), "no bare buurt code in the staff list"
    assert any(re.fullmatch(rf".+ \({intake.buurt}\)", c) for c in cells)
    place = re.search(r'id="report-place">([^<]*)<', page).group(1)
    assert re.match(rf".+ \({intake.buurt}\), .+ \(GM9901\)", place), place
    report, lines = admin.participation.report(number)
    assert local(lines[0]["at"]) in page and 'data-figure="fig-report"' in page  # the Dutch clock; a small map


def test_an_english_form_keeps_its_language_when_refused(web: TestClient, intake: Intake) -> None:
    page = web.get("/melden?lang=en").text
    assert 'action="/melden?lang=en"' in page  # the refusal comes back in English, not the default Dutch
    form = {"service_code": "bestaat-niet", "buurt": intake.buurt, "description": "Iets kapot"}
    dutch = web.post("/melden", data={"csrf": _csrf(web), **form})
    assert "Deze soort melding bestaat niet" in re.search(r'id="form-error">([^<]*)<', dutch.text).group(1)
    english = web.post("/melden?lang=en", data={"csrf": _csrf(web), **form})
    assert "This kind of problem does not exist" in re.search(r'id="form-error">([^<]*)<', english.text).group(1)
    assert web.get("/melding/geen-geldige-link").text.count("Er is geen melding met deze link.") == 1
    assert "There is no report with this link." in web.get("/melding/geen-geldige-link?lang=en").text
