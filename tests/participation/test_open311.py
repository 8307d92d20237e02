"""Open311 GeoReport v2 against a real server on loopback: an independent client from PyPI (georeport) lists the
services and reads requests in JSON and XML; requests are filed as the spec describes (form-encoded POST with an
API key); errors have the spec's shape; public reads carry no personal data."""

from __future__ import annotations

import httpx
import pytest
from participation_site import Intake

# A real server on loopback and an independent client: the second step of 'make test' (pytest -m slow).
pytestmark = pytest.mark.slow


def _file(intake: Intake, fmt: str = "json", **extra: object) -> httpx.Response:
    lat, lon = intake.inside
    data = {
        "api_key": intake.key,
        "service_code": "lantaarnpaal",
        "lat": lat,
        "long": lon,
        "description": "Lamp in de straat brandt niet",
        "email": "melder@example.org",
        "first_name": "Anna",
        "last_name": "de Vries",
        "phone": "06 12345678",
        **extra,
    }
    return httpx.post(f"{intake.base}/open311/v2/requests.{fmt}", data=data)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_independent_client_lists_services_and_reads_filed_requests(intake: Intake, fmt: str) -> None:
    from georeport import GeoReport

    filed = _file(intake, fmt)
    assert filed.status_code == 200, filed.text
    client = GeoReport(f"{intake.base}/open311/v2", output_format=fmt)
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert {"lantaarnpaal", "zwerfvuil", "geluid"} <= codes and "afval" not in codes  # headings are not services
    definition = client.get_service_definition("lantaarnpaal")
    assert definition["service_code"] == "lantaarnpaal"
    request_id = (
        filed.json()[0]["service_request_id"]
        if fmt == "json"
        else filed.text.split("<service_request_id>")[1].split("<")[0]
    )
    listed = client.get_service_requests()
    assert request_id in {r["service_request_id"] for r in listed}
    one = client.get_service_request(request_id)
    one = one[0] if isinstance(one, list) else one
    assert one["status"] == "open" and one["service_code"] == "lantaarnpaal"
    text = str(listed) + str(one)
    assert "Anna" not in text and "melder@example.org" not in text and "06 12345678" not in text
    assert "brandt niet" not in text  # free text only after staff approval


def test_filed_request_lands_in_its_buurt_with_contact_data_apart(intake: Intake) -> None:
    import sqlalchemy as sa

    from udc.participation.db import CONTACTS, REPORTS, engine
    from udc.privacy.audit import operational_url

    answer = _file(intake).json()[0]
    assert set(answer) >= {"service_request_id", "token", "service_notice"}
    assert "5 werkdagen" in answer["service_notice"]
    db = engine(operational_url(intake.store))
    with db.connect() as con:
        row = con.execute(sa.select(REPORTS).where(REPORTS.c.id == int(answer["service_request_id"]))).one()
        contact = con.execute(sa.select(CONTACTS).where(CONTACTS.c.report_id == row.id)).one()
    assert row.buurt == intake.buurt and row.gemeente == "GM9901" and row.status == "gemeld"
    assert contact.email == "melder@example.org" and contact.name == "Anna de Vries"
    token = httpx.get(f"{intake.base}/open311/v2/tokens/{answer['token']}.json").json()
    assert token[0]["service_request_id"] == answer["service_request_id"]


def test_a_second_report_nearby_is_offered_as_a_possible_duplicate(intake: Intake) -> None:
    from udc.participation import intake as filing
    from udc.participation.db import engine
    from udc.privacy.audit import operational_url

    first = int(_file(intake).json()[0]["service_request_id"])
    lat, lon = intake.inside
    db = engine(operational_url(intake.store))
    with db.connect() as con:
        close = filing.nearby(con, "lantaarnpaal", lat + 0.0002, lon)  # about 22 m north
        far = filing.nearby(con, "lantaarnpaal", lat + 0.001, lon)  # about 110 m
        other = filing.nearby(con, "zwerfvuil", lat, lon)
    assert first in {c["id"] for c in close} and all(c["within"] in (25, 50) for c in close)  # bands, not metres
    assert first not in {c["id"] for c in far} and first not in {c["id"] for c in other}


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"service_code": "bestaat-niet"}, 404, "service_code"),
        ({"lat": "52,1"}, 400, "lat"),
        ({"lat": 91}, 400, "lat"),
        ({"lat": 52.37, "long": 4.90}, 403, "reports are taken for"),  # Amsterdam: outside the demo region
        ({"description": "x" * 10_000}, 400, "description"),
        ({"email": "geen-adres"}, 400, "email"),
    ],
)
def test_bad_requests_get_the_specs_error_shape(intake: Intake, change: dict, status: int, words: str) -> None:
    for fmt in ("json", "xml"):
        response = _file(intake, fmt, **change)
        assert response.status_code == status, response.text
        if fmt == "json":
            body = response.json()
            assert isinstance(body, list) and body[0]["code"] == status and words in body[0]["description"]
        else:
            assert response.text.startswith("<?xml") and f"<code>{status}</code>" in response.text


def test_script_in_a_description_never_reaches_a_page_unescaped(intake: Intake) -> None:
    answer = _file(intake, description='<script>alert("x")</script> kapotte lamp').json()[0]
    xml = httpx.get(f"{intake.base}/open311/v2/requests/{answer['service_request_id']}.xml").text
    assert "<script>" not in xml
