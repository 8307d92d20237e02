"""Staff handle reports: the workflow's transitions (others refused), reopening by the reporter, merging duplicates,
approving a text for the public, scope per municipality, contact data apart and audited, the retention run, the
open-data export without personal data — through the Python API and the CLI, every change audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from participation_site import Intake

from cli_runner import udc
from udc.errors import Forbidden, UdcError
from udc.privacy.access import User


def _file(intake: Intake, code: str = "zwerfvuil", text: str = "Zakken afval naast de container") -> dict:
    lat, lon = intake.inside
    data = {
        "api_key": intake.key,
        "service_code": code,
        "lat": lat,
        "long": lon,
        "description": text,
        "email": "bewoner@example.org",
    }
    answer = httpx.post(f"{intake.base}/open311/v2/requests.json", data=data)
    assert answer.status_code == 200, answer.text
    return answer.json()[0]


@pytest.fixture(scope="module")
def api(intake: Intake):
    import udc as package

    admin = package.open(intake.store)
    for name, scope in (("beheer9901", "GM9901"), ("beheer9902", "GM9902")):
        if name not in {u["name"] for u in admin.users.list()}:
            admin.users.add(name, "staff", "correct horse battery", [scope])
    return package


def test_workflow_allows_its_transitions_only_and_keeps_history(intake: Intake, api) -> None:
    from udc.participation import workflow
    from udc.participation.db import engine
    from udc.privacy.audit import operational_url

    staff = api.open(intake.store, user="beheer9901")
    report = int(_file(intake)["service_request_id"])
    assert staff.participation.set_status(report, "in_behandeling", "ploeg ingepland") == "gemeld"
    with pytest.raises(UdcError, match="can become"):
        staff.participation.set_status(report, "reactie_ontvangen")
    staff.participation.set_status(report, "afgehandeld", "opgeruimd")
    with pytest.raises(UdcError, match="can become heropend"):
        staff.participation.set_status(report, "in_behandeling")
    db = engine(operational_url(intake.store))
    with db.begin() as con:
        workflow.reopen(con, report, "Ligt er nog steeds")
        lines = workflow.history(con, report)
    assert [(h["from_status"], h["to_status"]) for h in lines] == [
        (None, "gemeld"),
        ("gemeld", "in_behandeling"),
        ("in_behandeling", "afgehandeld"),
        ("afgehandeld", "heropend"),
    ]
    assert lines[-1]["actor"] == "melder" and lines[-1]["note"] == "Ligt er nog steeds"
    with db.begin() as con, pytest.raises(Forbidden, match="only a report marked done"):
        workflow.reopen(con, report, "nog een keer")
    audit = [e for e in api.open(intake.store).audit_entries() if e["action"] == "participation.status"]
    assert any(json.loads(e["detail"]).get("outcome") == "refused" for e in audit)  # refusals leave a trace too


def test_staff_see_and_change_only_their_municipality(intake: Intake, api) -> None:
    report = int(_file(intake)["service_request_id"])
    other = api.open(intake.store, user="beheer9902")
    assert report not in {r["id"] for r in other.participation.reports()}
    with pytest.raises(Forbidden, match="not one of your municipalities"):
        other.participation.set_status(report, "in_behandeling")
    mine = api.open(intake.store, user="beheer9901")
    rows = mine.participation.reports(status="gemeld")
    assert report in {r["id"] for r in rows} and not {"email", "follow_hash"} & set(rows[0])
    from udc.participation import staff

    assert staff.contact(mine._operational, mine.user, mine.audit, report)["email"] == "bewoner@example.org"
    assert any(e["action"] == "participation.contact" for e in mine.audit_entries())


def test_merging_a_duplicate_and_approving_a_text(intake: Intake, api) -> None:
    first = int(_file(intake, "grofvuil", "Oude bank op de stoep")["service_request_id"])
    second = int(_file(intake, "grofvuil", "Bank op stoep")["service_request_id"])
    staff = api.open(intake.store, user="beheer9901")
    staff.participation.merge(second, first)
    merged = {r["id"]: r for r in staff.participation.reports(category="grofvuil")}
    assert merged[second]["status"] == "geannuleerd" and merged[second]["duplicate_of"] == first
    public = httpx.get(f"{intake.base}/open311/v2/requests/{first}.json").json()[0]
    assert public["description"] == ""
    staff.participation.approve_text(first)
    public = httpx.get(f"{intake.base}/open311/v2/requests/{first}.json").json()[0]
    assert public["description"] == "Oude bank op de stoep"


def test_non_public_categories_show_a_rounded_place(intake: Intake) -> None:
    answer = _file(intake, "geluid", "Harde muziek 's nachts")
    shown = httpx.get(f"{intake.base}/open311/v2/requests/{answer['service_request_id']}.json").json()[0]
    assert shown["lat"] == round(intake.inside[0], 3) and shown["long"] == round(intake.inside[1], 3)


def test_retention_empties_contact_data_of_long_closed_reports(intake: Intake, api) -> None:
    from udc.participation import staff
    from udc.participation.db import CONTACTS

    report = int(_file(intake)["service_request_id"])
    worker = api.open(intake.store, user="beheer9901")
    worker.participation.set_status(report, "afgehandeld")
    admin = api.open(intake.store)
    assert admin.participation.retention(days=365) >= 0  # closed today: kept
    with admin._operational.connect() as con:
        assert con.execute(sa.select(CONTACTS.c.email).where(CONTACTS.c.report_id == report)).scalar_one()
    later = datetime.now(UTC) + timedelta(days=366)
    assert staff.retention(admin._operational, User("test", "admin"), admin.audit, today=later) >= 1
    with admin._operational.connect() as con:
        row = con.execute(sa.select(CONTACTS).where(CONTACTS.c.report_id == report)).one()
    assert row.email is None and row.name is None and row.phone is None and row.anonymised_at
    with pytest.raises(Forbidden):
        worker.participation.retention()


def test_open_data_export_has_no_text_or_contact_data(intake: Intake, tmp_path: Path) -> None:
    _file(intake, "zwerfvuil", "Naam: Jan Jansen, Dorpsstraat 1")
    out = tmp_path / "meldingen.csv"
    done = udc("participation", "export", str(out), "--store", str(intake.store))
    assert "reports" in done.stdout
    frame = pd.read_csv(out)
    assert {"category", "status", "buurt", "gemeente", "lat", "lon"} <= set(frame.columns)
    assert not {"description", "email", "name", "phone", "address", "media"} & set(frame.columns)
    assert "Jansen" not in out.read_text(encoding="utf-8")
    assert (frame.lat.round(4) == frame.lat).all()


def test_signalen_categories_import_with_terms_and_public_flags(tmp_path: Path) -> None:
    from shared_data import DATA

    store = tmp_path / "store"
    done = udc(
        "participation",
        "categories",
        "import",
        str(DATA / "amsterdam_signals" / "categories.json"),
        "--store",
        str(store),
    )
    assert "86 categories" in done.stdout
    listed = json.loads(udc("participation", "categories", "list", "--format", "json", "--store", str(store)).stdout)
    by_code = {c["code"]: c for c in listed}
    assert by_code["grofvuil"]["term_days"] == 3 and by_code["grofvuil"]["parent"] == "afval"
    assert by_code["grofvuil"]["term_source"] == "Signalen handling A3DEVOMC"
    private = {c["code"] for c in listed if not c["public"] and c["parent"]}
    assert len(private) == 16 and all(by_code[c]["parent"].startswith("overlast-") for c in private)
    assert "default" in next(c["term_source"] for c in listed if c["term_source"].startswith("default"))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[{]", "not valid JSON"),
        ('{"a": 1}', "expected a list"),
        ('[{"model": "signals.category", "pk": 1, "fields": {"slug": "x"}}]', "pk 1: field 'name'"),
        ('[{"model": "signals.category", "pk": 2, "fields": {"slug": "x", "name": "X", "parent": 9}}]', "parent 9"),
    ],
)
def test_a_bad_category_file_is_one_line_and_changes_nothing(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "categories.json"
    path.write_text(content, encoding="utf-8")
    done = udc("participation", "categories", "import", str(path), "--store", str(tmp_path / "s"), check=False)
    assert done.returncode == 1 and words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    listed = json.loads(udc("participation", "categories", "list", "-f", "json", "--store", str(tmp_path / "s")).stdout)
    assert "lantaarnpaal" in {c["code"] for c in listed}  # the default tree is still there
