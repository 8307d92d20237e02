"""One rulebook, every door: the same forbidden action gets the same refusal and the same audit entries whether it
comes through Python, the CLI, a web page or the JSON API (and Open311 for its own action)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.cli_runner import udc as run_cli

import udc
from udc.errors import Forbidden
from udc.privacy import parties
from udc.privacy.access import add_user, issue_token
from udc.privacy.audit import AuditLog, engine_for, operational_url

PASSWORD = "correct horse battery"
PARTY = "woningcorporatie"  # made by the demo: an agreement for two open releases, no ad-hoc tables
REFUSAL = f"the agreement of party '{PARTY}' does not allow ad-hoc tables"
REQUEST = {"dataset": "synth_persons_yearly", "dimensions": ["education"]}


@pytest.fixture(scope="module")
def corp(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The demo store with a researcher of the demo's housing corporation and an API token for them."""
    path = tmp_path_factory.mktemp("doors") / "store"
    shutil.copytree(demo_template, path)
    engine = engine_for(operational_url(path))
    add_user(engine, "corp", "researcher", PASSWORD)
    parties.add_member(engine, PARTY, "corp")
    token = issue_token(engine, "corp", audit=AuditLog.for_store(path, engine))
    engine.dispose()
    yield path, token


def _refusals(path: Path) -> list[tuple[str, str, str, int, str]]:
    """The audit's refused ad-hoc table requests of 'corp': (actor, action, outcome, status, error)."""
    engine = engine_for(operational_url(path))
    try:
        entries = AuditLog.for_store(path, engine).entries()
    finally:
        engine.dispose()
    found = []
    for entry in entries:
        detail = json.loads(entry["detail"])
        if entry["actor"] == "corp" and entry["action"] == "gate.crosstab" and detail["outcome"] == "refused":
            found.append((entry["actor"], entry["action"], detail["outcome"], detail["status"], detail["error"]))
    return found


def _expect_one_more(path: Path, before: int) -> None:
    after = _refusals(path)
    assert len(after) == before + 1
    assert after[-1] == ("corp", "gate.crosstab", "refused", 403, REFUSAL)


def test_python_door(corp: tuple[Path, str]) -> None:
    path, _ = corp
    before = len(_refusals(path))
    with pytest.raises(Forbidden, match=re.escape(REFUSAL)):
        udc.open(path, user="corp").table(**REQUEST)
    _expect_one_more(path, before)


def test_cli_door(corp: tuple[Path, str]) -> None:
    path, _ = corp
    before = len(_refusals(path))
    ran = run_cli("--store", str(path), "gate", "crosstab", REQUEST["dataset"], "--by", "education", "--user", "corp",
                  check=False)  # fmt: skip
    assert ran.returncode != 0
    assert ran.stderr.strip().splitlines()[-1] == f"udc: error: {REFUSAL}"
    _expect_one_more(path, before)


def test_json_api_door(corp: tuple[Path, str]) -> None:
    from udc.web.app import create_app

    path, token = corp
    before = len(_refusals(path))
    with TestClient(create_app(path), base_url="http://127.0.0.1") as client:
        answer = client.post("/api/v1/tables", json=REQUEST, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert answer.json() == {"error": REFUSAL}
    _expect_one_more(path, before)


def test_web_page_door(corp: tuple[Path, str]) -> None:
    from udc.web.app import create_app

    path, _ = corp
    before = len(_refusals(path))
    with TestClient(create_app(path), base_url="http://127.0.0.1") as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/inloggen").text).group(1)
        signed = client.post("/inloggen", data={"gebruiker": "corp", "wachtwoord": PASSWORD, "csrf": csrf})
        assert signed.status_code in (200, 303)
        page = client.get("/tabelbouwer").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        answer = client.post("/tabelbouwer", data={"csrf": csrf, "tabel": REQUEST["dataset"], "dim": ["education"]})
    assert answer.status_code == 403
    assert REFUSAL in answer.text.replace("&#39;", "'")
    _expect_one_more(path, before)


def _ended(path: Path) -> list[tuple[str, str, int, str]]:
    """The audit's refusals of the demo party's principals: (actor, action, status, error)."""
    engine = engine_for(operational_url(path))
    try:
        entries = AuditLog.for_store(path, engine).entries()
    finally:
        engine.dispose()
    return [
        (e["actor"], e["action"], d["status"], d["error"])
        for e in entries
        if e["actor"] in ("corp", "wijkapp") and (d := json.loads(e["detail"])).get("outcome") == "refused"
    ]


def test_every_door_closes_the_day_after_the_agreement_ends(demo_template: Path, tmp_path: Path) -> None:
    """The party's agreement ended yesterday: its researcher reads nothing through Python, the CLI, the JSON API or a
    page, and its partner app files no report through Open311 — one refusal, worded once, audited at every door."""
    from udc.participation import db, keys
    from udc.web.app import create_app

    path = tmp_path / "store"
    shutil.copytree(demo_template, path)
    engine = engine_for(operational_url(path))
    add_user(engine, "corp", "researcher", PASSWORD)
    parties.add_member(engine, PARTY, "corp")
    parties.add_member(engine, PARTY, "wijkapp")
    token = issue_token(engine, "corp")
    key = keys.issue(db.engine(operational_url(path)), "wijkapp")
    yesterday = date.today() - timedelta(days=1)
    parties.end_agreement(engine, f"{PARTY}-wijkplan", yesterday)
    engine.dispose()
    ended = f"party '{PARTY}' has no agreement valid today (the last one ended on {yesterday.isoformat()}): no access"
    release = "kerncijfers_inwoners"  # one of the two open releases the agreement named

    with pytest.raises(Forbidden, match=re.escape(ended)):
        udc.open(path, user="corp").read(release)
    ran = run_cli(
        "--store", str(path), "export", release, "--out", str(tmp_path / "x.csv"), "--user", "corp", check=False
    )
    assert ran.returncode != 0 and ran.stderr.strip().splitlines()[-1] == f"udc: error: {ended}"
    with TestClient(create_app(path), base_url="http://127.0.0.1") as client:
        api = client.get(f"/api/v1/datasets/{release}/rows", headers={"Authorization": f"Bearer {token}"})
        assert (api.status_code, api.json()) == (403, {"error": ended})
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/inloggen").text).group(1)
        client.post("/inloggen", data={"gebruiker": "corp", "wachtwoord": PASSWORD, "csrf": csrf})
        page = client.get(f"/catalogus/{release}")
        assert page.status_code == 403 and ended in page.text.replace("&#39;", "'")
        client.cookies.clear()
        filed = client.post(
            "/open311/v2/requests.json",
            data={"api_key": key, "service_code": "lantaarnpaal", "lat": 50.88, "long": 5.98, "description": "Lamp"},
        )
        assert (filed.status_code, filed.json()) == (403, [{"code": 403, "description": ended}])
    refusals = _ended(path)
    assert [(a, s, m) for a, _, s, m in refusals] == [("corp", 403, ended)] * 4 + [("wijkapp", 403, ended)]
    assert {action for _, action, _, _ in refusals} == {"export", "participation.request"}
