"""What the participation side publishes, attacked as issue 26 found it (findings 5, 6 and part of 9): a quick
question's results must not tell one resident's answer when an attacker adds all the others (n − 1), the "perhaps
already reported" list must not locate a non-public report better than its published (rounded) place, and the
Open311 XML and the Atom feed stay well-formed whatever characters an approved text holds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from participation_site import Intake

ATTACKER = ("203.0.113.9", 40000)  # one client address (documentation range)


@pytest.fixture(scope="module")
def people(intake: Intake):
    import udc

    admin = udc.open(intake.store)
    if "peilingen" not in {u["name"] for u in admin.users.list()}:
        admin.users.add("peilingen", "staff", "correct horse battery", ["GM9901"])
    return admin


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/inloggen").text).group(1)


def _ask(people, intake: Intake, text: str) -> int:
    from udc.participation import notices
    from udc.privacy.access import get_user

    staff = get_user(people.audit.engine, "peilingen")
    period = {"starts": date.today().isoformat(), "ends": (date.today() + timedelta(days=7)).isoformat()}
    return notices.ask(
        people._operational,
        staff,
        people.audit,
        {"question": text, "options": ["ja", "nee"], "buurten": [intake.buurt], **period},
    )


def _close(people, question: int) -> None:
    """Time passes: the question's period ended yesterday."""
    from udc.participation.db import QUESTIONS

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    before = (date.today() - timedelta(days=8)).isoformat()
    with people._operational.begin() as con:
        con.execute(QUESTIONS.update().where(QUESTIONS.c.id == question).values(opens=before, closes=yesterday))


def _published(app, intake: Intake, people, question: int) -> list:
    """Everything a reader gets about the question's results: its block on the buurt page in Dutch and English
    (the CSRF token and the question's id taken out) and what the Python API returns."""
    from udc.participation import notices
    from udc.privacy.policy import current
    from udc.store import Store

    shown = []
    for language in ("nl", "en"):
        with TestClient(app, base_url="http://127.0.0.1", client=("192.0.2.200", 1)) as reader:
            page = reader.get(f"/gebied/{intake.buurt}?lang={language}").text
        block = re.search(rf'<div class="question" id="vraag-{question}">.*?</div>', page, re.S)
        text = block.group(0) if block else ""  # a closed question may leave the page: then nothing is shown
        text = re.sub(rf'(vraag-|/vraag/|results-){question}(["?])', r"\1Q\2", text)  # an English form: ?lang=en
        shown.append(re.sub(r'name="csrf" value="[^"]+"', "", text))
    with Store(intake.store, read_only=True) as store:
        threshold = current(store).min_count
    result = notices.results(people._operational, question, intake.buurt, threshold)
    shown.append({k: v for k, v in result.items() if k != "question"})
    return shown


def _world(intake: Intake, people, real: int) -> list:
    """Nine cookie-less answers "ja" from one address, then one resident's real answer: what is published before
    the resident answers, after, and once the question has closed."""
    from udc.participation.db import ANSWERS
    from udc.web.app import create_app

    question = _ask(people, intake, "Moet de speeltuin blijven?")
    app = create_app(intake.store)
    path = f"/gebied/{intake.buurt}/vraag/{question}"
    with TestClient(app, base_url="http://127.0.0.1", client=ATTACKER) as attacker:
        for _ in range(9):
            attacker.cookies.clear()
            attacker.post(path, data={"csrf": _csrf(attacker), "keuze": "0"}, follow_redirects=False)  # no page
    seen = [_published(app, intake, people, question)]
    with TestClient(app, base_url="http://127.0.0.1", client=("192.0.2.17", 50000)) as resident:
        done = resident.post(path, data={"csrf": _csrf(resident), "keuze": str(real)}, follow_redirects=False)
        assert done.status_code == 303, done.text
    seen.append(_published(app, intake, people, question))
    _close(people, question)
    seen.append(_published(app, intake, people, question))
    with people._operational.connect() as con:
        stored = con.execute(
            sa.select(sa.func.count()).select_from(ANSWERS).where(ANSWERS.c.question_id == question)
        ).scalar_one()
    assert stored >= 2  # the attack ran: the attacker's answers (as many as were taken) and the resident's
    return seen


def test_poll_results_do_not_tell_one_residents_answer_from_n_minus_1_planted_answers(intake: Intake, people) -> None:
    said_yes, said_no = _world(intake, people, 0), _world(intake, people, 1)
    for moment, (yes, no) in enumerate(zip(said_yes, said_no, strict=True)):
        assert yes == no, f"moment {moment}: the published results differ with the resident's answer"


def test_nearby_reports_show_only_what_the_published_rounded_place_gives(intake: Intake) -> None:
    """A non-public report at one of two points 50 m apart in the same ~100 m cell: five probe reports around it
    (as an attacker trilaterates) must get exactly the same "perhaps already reported" lines in both cases."""
    from udc.participation.db import REPORTS
    from udc.participation.db import engine as participation
    from udc.privacy.audit import operational_url
    from udc.web.app import create_app

    lat, lon = intake.inside
    cell = (round(lat, 3), round(lon, 3))
    here, there = (cell[0] + 0.0002, cell[1] + 0.0002), (cell[0] - 0.0002, cell[1] - 0.0003)
    probes = [
        cell,
        (cell[0] + 0.0003, cell[1]),
        (cell[0] - 0.0003, cell[1]),
        (cell[0], cell[1] + 0.0004),
        (cell[0], cell[1] - 0.0004),
    ]

    def report(client: TestClient, place: tuple[float, float], text: str) -> str:
        form = {
            "csrf": _csrf(client),
            "service_code": "parkeren",
            "lat": f"{place[0]:.7f}",
            "long": f"{place[1]:.7f}",
            "description": text,
        }
        done = client.post("/melden", data=form)
        assert done.status_code == 200, done.text
        return done.text

    app = create_app(intake.store)
    with TestClient(app, base_url="http://127.0.0.1", client=("192.0.2.51", 1)) as resident:
        target = int(re.search(r"<strong>(\d+)</strong>", report(resident, here, "Auto op de stoep")).group(1))
    db = participation(operational_url(intake.store))
    seen = []
    for place, attacker in ((here, ("198.51.100.1", 1)), (there, ("198.51.100.2", 1))):
        with db.begin() as con:  # the same report, had the resident stood at the other point of the cell
            con.execute(REPORTS.update().where(REPORTS.c.id == target).values(lat=place[0], lon=place[1]))
        lines = []
        with TestClient(create_app(intake.store), base_url="http://127.0.0.1", client=attacker) as probe:
            for point in probes:
                page = report(probe, point, "Nog een auto op de stoep")
                lines.append(re.findall(rf"<li>[^<]*\b{target}\b[^<]*</li>", page))
        seen.append(lines)
    assert any(seen[0]), "the hidden report was never offered as a possible duplicate: the probe tells nothing"
    assert seen[0] == seen[1], "what the confirmation shows depends on the exact place, not the published one"


def test_control_characters_in_an_approved_text_keep_the_xml_well_formed(intake: Intake, people) -> None:
    from udc.participation import notices
    from udc.privacy.access import get_user
    from udc.web.app import create_app

    text = "Kapotte\x01 lamp\x0b bij\x1f de\x7f hoek\ufffe"
    with TestClient(create_app(intake.store), base_url="http://127.0.0.1", client=("192.0.2.61", 1)) as web:
        done = web.post(
            "/melden",
            data={
                "csrf": _csrf(web),
                "service_code": "lamp-brandt-overdag",
                "buurt": intake.buurt,
                "description": text,
            },
        )
        number = int(re.search(r"<strong>(\d+)</strong>", done.text).group(1))
        people.participation.approve_text(number)
        for path in (f"/open311/v2/requests.xml?service_request_id={number}", f"/open311/v2/requests/{number}.xml"):
            root = ET.fromstring(web.get(path).content)  # expat: a control character is a syntax error
            assert root.find("request/description").text == "Kapotte lamp bij de\x7f hoek"
        assert web.get(f"/open311/v2/requests/{number}.json").json()[0]["description"] == text  # JSON carries all
        staff = get_user(people.audit.engine, "peilingen")
        period = {"starts": date.today().isoformat(), "ends": (date.today() + timedelta(days=3)).isoformat()}
        notices.announce(
            people._operational,
            staff,
            people.audit,
            {"title": "Stroom\x02 uit", "body": "Morgen\x08 geen stroom.", "buurten": [intake.buurt], **period},
        )
        feed = ET.fromstring(web.get(f"/gebied/{intake.buurt}/berichten.atom").content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Stroom uit" in titles
