"""Participation attacked: oversized and disguised photos, script in a description (escaped on every page that shows
it), a burst of service requests from one API key (throttled per key), a forged follow link, staff of another
municipality, a resident trying the staff pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from participation_site import Intake


@pytest.fixture(scope="module")
def web(intake: Intake) -> Iterator[TestClient]:
    from udc.web.app import create_app

    with TestClient(create_app(intake.store), base_url="http://127.0.0.1") as client:
        yield client


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/inloggen").text).group(1)


def test_an_oversized_upload_is_refused_before_it_is_read(web: TestClient, intake: Intake) -> None:
    lat, lon = intake.inside
    big = b"\xff\xd8" + b"0" * (10 * 1024 * 1024)
    form = {"csrf": _csrf(web), "service_code": "boom", "lat": str(lat), "long": str(lon), "description": "groot"}
    answer = web.post("/melden", data=form, files={"foto": ("a.jpg", big)})
    assert answer.status_code == 413
    just_under = b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10)  # under the body limit, over the photo limit
    refused = web.post(
        "/melden",
        data={"csrf": _csrf(web), "service_code": "boom", "lat": str(lat), "long": str(lon), "description": "groot"},
        files={"foto": ("a.jpg", just_under)},
    )
    assert refused.status_code == 413 and "hoogstens 8 MB" in refused.text  # said in the page's language


def test_script_in_a_description_is_escaped_where_staff_and_the_public_see_it(web: TestClient, intake: Intake) -> None:
    import udc

    admin = udc.open(intake.store)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    form = {"csrf": _csrf(web), "service_code": "zwerfvuil", "buurt": intake.buurt, "description": attack}
    done = web.post("/melden", data=form)
    number = int(re.search(r"<strong>(\d+)</strong>", done.text).group(1))
    admin.participation.approve_text(number)
    if "tegenstaff" not in {u["name"] for u in admin.users.list()}:
        admin.users.add("tegenstaff", "staff", "correct horse battery", ["GM9901"])
    with TestClient(web.app, base_url="http://127.0.0.1") as staff:
        staff.post(
            "/inloggen",
            data={"gebruiker": "tegenstaff", "wachtwoord": "correct horse battery", "csrf": _csrf(staff)},
            follow_redirects=False,
        )
        for page in (
            staff.get(f"/beheer/melding/{number}").text,
            staff.get("/beheer/meldingen").text,
            web.get("/meldingen").text,
        ):
            assert "<script>alert" not in page and "<img src=x" not in page
            assert "&lt;script&gt;" in page or "&lt;img" in page or "&lt;scr" in page


def test_a_burst_from_one_api_key_is_throttled_per_key(intake: Intake) -> None:
    import os

    from udc.participation import db, keys
    from udc.privacy.audit import operational_url
    from udc.web.app import create_app

    key = keys.issue(db.engine(operational_url(intake.store)), "haastig")
    lat, lon = intake.inside
    os.environ["UDC_OPEN311_KEY_RATE"] = "3"
    try:
        app = create_app(intake.store)
    finally:
        del os.environ["UDC_OPEN311_KEY_RATE"]
    with TestClient(app, base_url="http://127.0.0.1") as client:
        form = {"api_key": key, "service_code": "zwerfvuil", "lat": lat, "long": lon, "description": "snel"}
        codes = [
            client.post("/open311/v2/requests.json", data=form, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
            for i in range(4)
        ]
    assert codes == [200, 200, 200, 429]  # a forwarded header does not make another client


def test_forged_links_and_wrong_roles_are_refused(web: TestClient, intake: Intake) -> None:
    assert web.get("/melding/" + "A" * 32).status_code == 404
    assert web.get("/open311/v2/tokens/" + "A" * 32 + ".json").status_code == 404
    assert web.get("/beheer/melding/1").status_code == 401
    assert (
        web.post("/beheer/melding/1", data={"csrf": _csrf(web), "actie": "status", "status": "afgehandeld"}).status_code
        == 401
    )
    assert (
        web.post(
            "/melden", data={"service_code": "boom", "buurt": intake.buurt, "description": "zonder csrf"}
        ).status_code
        == 403
    )
    assert web.get("/open311/v2/requests/1.yaml").status_code == 404
