"""Announcements and quick questions per buurt: staff post for their municipalities' buurten only, residents see
them on the buurt's page and in its Atom feed, answer once per device, and see results only when at least the
policy's minimum number of answers exist in that buurt."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from participation_site import Intake

from udc.errors import Forbidden, InputError, UdcError


@pytest.fixture(scope="module")
def people(intake: Intake):
    import udc

    admin = udc.open(intake.store)
    for name, scope in (("buurtwerk", "GM9901"), ("anderegemeente", "GM9902")):
        if name not in {u["name"] for u in admin.users.list()}:
            admin.users.add(name, "staff", "correct horse battery", [scope])
    return admin


def _period(days: int = 7) -> dict:
    return {"starts": date.today().isoformat(), "ends": (date.today() + timedelta(days=days)).isoformat()}


def _csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def test_an_announcement_reaches_the_buurt_page_and_its_feed(intake: Intake, people) -> None:
    from udc.participation import notices
    from udc.privacy.access import get_user
    from udc.web.app import create_app

    engine, audit = people._operational, people.audit
    staff = get_user(people.audit.engine, "buurtwerk")
    notices.announce(
        engine,
        staff,
        audit,
        {
            "title": "Werk aan de riolering",
            "body": "De straat is twee weken dicht.",
            "buurten": [intake.buurt],
            **_period(),
        },
    )
    with pytest.raises(Forbidden, match="not in your municipalities"):
        other = get_user(people.audit.engine, "anderegemeente")
        notices.announce(
            engine, other, audit, {"title": "Niet van mij", "body": "tekst", "buurten": [intake.buurt], **_period()}
        )
    with pytest.raises(InputError, match="end date is before"):
        notices.announce(
            engine,
            staff,
            audit,
            {
                "title": "Verkeerd",
                "body": "tekst",
                "buurten": [intake.buurt],
                "starts": "2026-12-10",
                "ends": "2026-12-01",
            },
        )
    with TestClient(create_app(intake.store), base_url="http://127.0.0.1") as client:
        page = client.get(f"/gebied/{intake.buurt}")
        assert page.status_code == 200 and "Werk aan de riolering" in page.text
        feed = client.get(f"/gebied/{intake.buurt}/berichten.atom")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)
        titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
        assert "Werk aan de riolering" in titles
        other = client.get("/gebied/GM9901")
        assert "Werk aan de riolering" not in other.text  # a municipality's page has no buurt news


def test_a_quick_question_takes_one_answer_per_device_and_shows_rounded_shares_once_closed(
    intake: Intake, people
) -> None:
    from udc.participation import notices
    from udc.participation.db import QUESTIONS
    from udc.privacy.access import get_user
    from udc.web.app import create_app

    staff = get_user(people.audit.engine, "buurtwerk")
    question = notices.ask(
        people._operational,
        staff,
        people.audit,
        {
            "question": "Wilt u meer bankjes in het park?",
            "options": ["ja", "nee", "weet niet"],
            "buurten": [intake.buurt],
            **_period(),
        },
    )
    app = create_app(intake.store)
    path = f"/gebied/{intake.buurt}"
    with TestClient(app, base_url="http://127.0.0.1", client=("192.0.2.1", 1)) as first:
        page = first.get(path).text
        assert "Wilt u meer bankjes" in page and f'id="results-{question}"' in page and "minstens 10" in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # the form's own token
        done = first.post(f"{path}/vraag/{question}", data={"csrf": csrf, "keuze": "0"}, follow_redirects=False)
        assert done.status_code == 303 and "udc_device" in done.headers["set-cookie"]
        again = first.post(f"{path}/vraag/{question}", data={"csrf": _csrf(first, "/inloggen"), "keuze": "1"})
        assert again.status_code == 403 and "al beantwoord" in again.text and "already answered" not in again.text
        for expected in (303, 303, 403):  # a household: three answers from one address, the fourth refused
            first.cookies.clear()
            more = first.post(
                f"{path}/vraag/{question}",
                data={"csrf": _csrf(first, "/inloggen"), "keuze": "0"},
                follow_redirects=False,
            )
            assert more.status_code == expected, more.text
        assert "al 3 antwoorden" in more.text
    for i in range(9):  # nine more residents, each from an address of their own: ten networks, the minimum
        with TestClient(app, base_url="http://127.0.0.1", client=(f"192.0.2.{10 + i}", 1)) as device:
            answered = device.post(
                f"{path}/vraag/{question}",
                data={"csrf": _csrf(device, "/inloggen"), "keuze": str(i % 2)},
                follow_redirects=False,  # not the buurt page after each answer: it is read once the answers are in
            )
            assert answered.status_code == 303, answered.text
    with TestClient(app, base_url="http://127.0.0.1") as reader:
        running = reader.get(path).text  # twelve answers, but the question runs: no results at all
    assert f'<table id="results-{question}">' not in running and "na de sluiting" in running
    assert notices.results(people._operational, question, intake.buurt, 10)["state"] == "open"
    with pytest.raises(InputError, match="option"):
        notices.answer(people._operational, question, 7, intake.buurt, "apparaat-x", network="n")
    with pytest.raises(InputError, match="not asked in"):
        notices.answer(people._operational, question, 0, "BU99029999", "apparaat-y", network="n")
    with people._operational.begin() as con:  # time passes: the question closed yesterday
        con.execute(
            QUESTIONS.update()
            .where(QUESTIONS.c.id == question)
            .values(
                opens=(date.today() - timedelta(days=8)).isoformat(),
                closes=(date.today() - timedelta(days=1)).isoformat(),
            )
        )
    with TestClient(app, base_url="http://127.0.0.1") as reader:
        closed = reader.get(path).text
        english = reader.get(f"{path}?lang=en").text
    block = re.search(rf'<div class="question" id="vraag-{question}">.*?</div>', closed, re.S).group(0)
    assert "<form" not in block and "gesloten op" in block
    # ja 8 of 12 (66.7 %), nee 4 (33.3 %), weet niet 0: shares rounded to 10 %, never a count or the total
    assert re.search(r"<td>ja</td><td class=\"num\">70 %</td>", block)
    assert re.search(r"<td>nee</td><td class=\"num\">30 %</td>", block)
    assert re.search(r"<td>weet niet</td><td class=\"num\">0 %</td>", block)
    assert "(12)" not in block and ">8<" not in block and ">4<" not in block
    assert "afgerond op 10 %" in block and "minstens 10 verschillende adressen" in block
    assert "rounded to 10 %" in english and "Share" in english
    published = notices.results(people._operational, question, intake.buurt, 10)
    assert published["state"] == "shown" and "total" not in published
    assert [o["share"] for o in published["options"]] == [70, 30, 0]
    assert notices.results(people._operational, question, intake.buurt, 11)["state"] == "too_few"  # 10 networks
    with pytest.raises(UdcError, match="closed"):
        notices.answer(people._operational, question, 0, intake.buurt, "apparaat-z", network="n")


def test_a_forged_device_cookie_is_a_new_device_not_someone_elses(intake: Intake, people) -> None:
    from udc.participation import notices
    from udc.privacy.access import get_user
    from udc.web.app import create_app

    staff = get_user(people.audit.engine, "buurtwerk")
    question = notices.ask(
        people._operational,
        staff,
        people.audit,
        {"question": "Een nieuwe speeltuin?", "options": ["ja", "nee"], "buurten": [intake.buurt], **_period()},
    )
    path = f"/gebied/{intake.buurt}"
    with TestClient(create_app(intake.store), base_url="http://127.0.0.1") as client:
        client.cookies.set("udc_device", "vervalst")
        done = client.post(
            f"{path}/vraag/{question}", data={"csrf": _csrf(client, path), "keuze": "1"}, follow_redirects=False
        )
    assert done.status_code == 303 and "udc_device=" in done.headers["set-cookie"]  # a fresh, signed id
    assert "vervalst" not in done.headers["set-cookie"]
