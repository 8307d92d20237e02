"""The resident's side in the web app (in-process): the form works without JavaScript (a buurt instead of a point),
keeps what was typed when something is wrong, strips a photo's EXIF, throttles a burst from one address; the
private link follows and reopens a report; the public list shows no personal data and no non-public category."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from participation_site import Intake


@pytest.fixture(scope="module")
def web(intake: Intake) -> Iterator[TestClient]:
    from udc.web.app import create_app

    with TestClient(create_app(intake.store), base_url="http://127.0.0.1") as client:
        yield client


def _csrf(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/melden").text).group(1)


def _photo_with_gps() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # camera make
    exif.get_ifd(0x8825)[2] = (50.0, 53.0, 12.0)  # GPS latitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_the_form_files_a_report_by_buurt_without_javascript(web: TestClient, intake: Intake) -> None:
    page = web.get("/melden")
    assert page.status_code == 200 and 'name="service_code"' in page.text and intake.buurt in page.text
    assert "geolocation=(self)" in page.headers["permissions-policy"]
    assert "geolocation=()" in web.get("/meldingen").headers["permissions-policy"]
    done = web.post(
        "/melden",
        data={
            "csrf": _csrf(web),
            "service_code": "speelplek",
            "buurt": intake.buurt,
            "description": "Schommel is kapot",
        },
    )
    assert done.status_code == 200 and "Bedankt" in done.text and "5 werkdagen" in done.text
    follow = re.search(r'id="follow-link" href="(/melding/[^"]+)"', done.text).group(1)
    assert "gemeld" in web.get(follow).text


def test_a_mistake_shows_the_form_again_with_what_was_typed(web: TestClient) -> None:
    answer = web.post(
        "/melden",
        data={
            "csrf": _csrf(web),
            "service_code": "zwerfvuil",
            "lat": "vijftig",
            "long": "5.9",
            "description": "Glas op het fietspad",
        },
    )
    assert answer.status_code == 422 and 'id="form-error"' in answer.text and "Controleer ‘Breedtegraad’" in answer.text
    assert "Glas op het fietspad" in answer.text and "Traceback" not in answer.text
    outside = web.post(
        "/melden",
        data={"csrf": _csrf(web), "service_code": "zwerfvuil", "lat": "52.37", "long": "4.90", "description": "Glas"},
    )
    assert outside.status_code == 403 and "meldingen worden aangenomen voor" in outside.text  # the page's language
    assert "reports are taken for" not in outside.text


def test_a_photos_exif_and_gps_are_removed(web: TestClient, intake: Intake) -> None:
    from PIL import Image

    lat, lon = intake.inside
    folder = intake.store / "participation_media"
    before = set(folder.glob("*")) if folder.exists() else set()
    done = web.post(
        "/melden",
        data={
            "csrf": _csrf(web),
            "service_code": "boom",
            "lat": str(lat),
            "long": str(lon),
            "description": "Tak hangt over het pad",
        },
        files={"foto": ("IMG_0001.jpg", _photo_with_gps(), "image/jpeg")},
    )
    assert done.status_code == 200, done.text
    stored = set(folder.glob("*")) - before
    assert len(stored) == 1
    path = stored.pop()
    assert path.suffix == ".jpg" and "IMG_0001" not in path.name
    with Image.open(path) as image:
        assert dict(image.getexif()) == {} and image.size == (64, 48)
    assert b"TestCam" not in path.read_bytes()


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [(b"GIF89a" + b"\0" * 64, 422, "geen leesbare foto"), (b"<?php echo 1; ?>", 422, "geen leesbare foto")],
)
def test_a_file_that_is_not_a_photo_is_refused(
    web: TestClient, intake: Intake, payload: bytes, status: int, words: str
) -> None:
    lat, lon = intake.inside
    form = {"csrf": _csrf(web), "service_code": "boom", "lat": str(lat), "long": str(lon), "description": "Foto erbij"}
    answer = web.post("/melden", data=form, files={"foto": ("x.jpg", payload, "image/jpeg")})
    assert answer.status_code == status and words in answer.text


def test_the_reporter_reopens_a_report_marked_done(web: TestClient, intake: Intake) -> None:
    import udc

    done = web.post(
        "/melden",
        data={"csrf": _csrf(web), "service_code": "wegdek", "buurt": intake.buurt, "description": "Losse stoeptegel"},
    )
    follow = re.search(r'id="follow-link" href="(/melding/[^"]+)"', done.text).group(1)
    number = int(re.search(r"<strong>(\d+)</strong>", done.text).group(1))
    udc.open(intake.store).participation.set_status(number, "afgehandeld", "tegel vastgezet")
    page = web.get(follow)
    assert 'id="reopen-form"' in page.text
    again = web.post(follow, data={"csrf": _csrf(web), "reden": "Tegel ligt weer los"})
    assert again.status_code == 200 and "heropend" in again.text and 'id="reopen-form"' not in again.text
    assert web.get("/melding/niet-bestaand").status_code == 404


def test_the_public_list_has_no_personal_data_and_no_private_category(web: TestClient, intake: Intake) -> None:
    lat, lon = intake.inside
    for code, text in (("prullenbak-vol", "Prullenbak puilt uit bij Jan de Wit"), ("personen", "Groep jongeren")):
        web.post(
            "/melden",
            data={
                "csrf": _csrf(web),
                "service_code": code,
                "lat": str(lat),
                "long": str(lon),
                "description": text,
                "email": "wit@example.org",
            },
        )
    page = web.get("/meldingen")
    assert page.status_code == 200 and 'id="reports-table"' in page.text and 'id="fig-reports"' in page.text
    assert "Prullenbak is vol" in page.text and "Overlast van personen" not in page.text
    assert "Jan de Wit" not in page.text and "wit@example.org" not in page.text
    english = web.get("/meldingen?lang=en").text
    assert "Open reports" in english


def test_a_burst_from_one_address_is_throttled(intake: Intake) -> None:
    from udc.web.app import create_app

    with TestClient(create_app(intake.store), base_url="http://127.0.0.1") as client:
        token = _csrf(client)
        form = {"csrf": token, "service_code": "zwerfvuil", "buurt": intake.buurt}
        codes = [client.post("/melden", data={**form, "description": f"Zwerfvuil {i}"}).status_code for i in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_media_folder_never_takes_the_clients_file_name(tmp_path: Path) -> None:
    from udc.participation import media

    name = media.save(tmp_path, _photo_with_gps())
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)


def test_staff_triage_change_status_approve_text_and_see_contact_on_purpose(intake: Intake) -> None:
    import udc
    from udc.web.app import create_app

    admin = udc.open(intake.store)
    if "wijkbeheer" not in {u["name"] for u in admin.users.list()}:
        admin.users.add("wijkbeheer", "staff", "correct horse battery", ["GM9901"])
    with TestClient(create_app(intake.store), base_url="http://127.0.0.1") as client:
        assert client.get("/beheer/meldingen").status_code == 401
        form = {
            "csrf": _csrf(client),
            "service_code": "onkruid",
            "buurt": intake.buurt,
            "description": "Hoog gras langs de stoep",
            "email": "gras@example.org",
        }
        done = client.post("/melden", data=form)
        number = int(re.search(r"<strong>(\d+)</strong>", done.text).group(1))
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/inloggen").text).group(1)
        client.post(
            "/inloggen",
            data={"gebruiker": "wijkbeheer", "wachtwoord": "correct horse battery", "csrf": token},
            follow_redirects=False,
        )
        listing = client.get("/beheer/meldingen?status=gemeld")
        assert listing.status_code == 200 and f'href="/beheer/melding/{number}"' in listing.text
        page = client.get(f"/beheer/melding/{number}")
        assert "gras@example.org" not in page.text and 'id="show-contact"' in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        change = {"csrf": csrf, "actie": "status", "status": "ingepland", "notitie": "maaiploeg dinsdag"}
        moved = client.post(f"/beheer/melding/{number}", data=change)
        assert moved.status_code == 200 and "ingepland" in moved.text and "maaiploeg dinsdag" in moved.text
        client.post(f"/beheer/melding/{number}", data={"csrf": csrf, "actie": "tekst", "openbaar": "ja"})
        shown = client.get(f"/open311/v2/requests/{number}.json").json()[0]
        assert shown["description"] == "Hoog gras langs de stoep"
        contact = client.get(f"/beheer/melding/{number}?contact=1")
        assert "gras@example.org" in contact.text
        refused = client.post(f"/beheer/melding/{number}", data={"csrf": csrf, "actie": "status", "status": "gemeld"})
        assert refused.status_code == 422 and "can become" in refused.text
    looks = [e for e in admin.audit_entries() if e["action"] == "participation.contact" and e["actor"] == "wijkbeheer"]
    assert looks, "reading a reporter's contact data leaves an audit entry"
