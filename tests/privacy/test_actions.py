"""The rulebook: roles, scopes and agreements decided in one place, audited there; parties and their agreements."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from udc.errors import Forbidden, NotSignedIn
from udc.privacy import actions, parties
from udc.privacy.access import PUBLIC, User, add_user, get_user
from udc.privacy.audit import AuditLog, engine_for

SRC = Path(__file__).resolve().parents[2] / "src" / "udc"
TODAY = date.today()
ROLE_CHECK = re.compile(r"\b(user|who|principal|actor|self\.user|user\(request\))\.role\s*(==|!=|in\b|not in\b)")
AUDIT_CALL = re.compile(r"\baudited\(|\baudit\.append\(|@logged\b|\.state\.audit\.append\(")
RULEBOOK = {"privacy/actions.py", "privacy/audit.py"}


def _sources() -> list[tuple[str, str]]:
    return [(str(p.relative_to(SRC)), p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))]


def test_no_role_check_or_audit_call_outside_the_rulebook() -> None:
    """Every door reaches an action through privacy.actions: a role comparison or an audit call written anywhere
    else is a second rulebook, with rules that depend on the door."""
    stray = [
        f"{name}:{number}: {line.strip()}"
        for name, text in _sources()
        if name not in RULEBOOK
        for number, line in enumerate(text.splitlines(), 1)
        if ROLE_CHECK.search(line) or AUDIT_CALL.search(line)
    ]
    assert stray == []


def test_every_audited_action_name_is_in_the_rulebook() -> None:
    """The audit vocabulary is the rulebook's: ensure/record/performs name only actions it lists."""
    used = {
        m.group(2)
        for _, text in _sources()
        for m in re.finditer(r"\b(ensure|record|performs|may|refuse_unless)\(\s*[^,()]*?,?\s*\"([a-z_.]+)\"", text)
    }
    assert used, "the pattern found no calls: the test would pass vacuously"
    assert used - set(actions.ACTIONS) == set()


@pytest.fixture
def accounts(tmp_path: Path) -> tuple[object, AuditLog]:
    engine = engine_for(f"sqlite:///{tmp_path / 'operational.sqlite'}")
    return engine, AuditLog.for_store(tmp_path, engine)


def _corporation(engine: object, until: date | None) -> User:
    parties.add_party(engine, "woonbron", "Woningcorporatie (fictief)", "woningcorporatie")
    parties.add_agreement(
        engine,
        parties.Agreement(
            "woonbron-2026",
            "woonbron",
            "Twee open tabellen voor het wijkplan",
            datasets=("kerncijfers", "verhuisstromen"),
            levels=("wijk", "gemeente"),
            adhoc=False,
            valid_from=TODAY - timedelta(days=30),
            valid_until=until,
        ),
    )
    add_user(engine, "corp", "researcher", "a-long-password-1")
    parties.add_member(engine, "woonbron", "corp")
    return get_user(engine, "corp")


def test_a_new_store_has_one_party_with_an_open_ended_agreement(accounts: tuple) -> None:
    engine, _ = accounts
    add_user(engine, "ann", "researcher", "a-long-password-1")
    ann = get_user(engine, "ann")
    assert ann.party == parties.DEFAULT_PARTY
    assert [a.name for a in ann.agreements] == [parties.DEFAULT_AGREEMENT]
    assert ann.agreements[0].valid_until is None
    assert actions.may(ann, "gate.crosstab", "anything", level="buurt")


def test_a_party_with_an_agreement_for_two_releases_gets_no_ad_hoc_tables(accounts: tuple) -> None:
    engine, log = accounts
    corp = _corporation(engine, until=TODAY + timedelta(days=30))
    assert actions.may(corp, "export", "kerncijfers")
    assert not actions.may(corp, "export", "inkomens_intern")  # internal data the agreement does not name
    with (
        pytest.raises(Forbidden, match="does not allow ad-hoc tables"),
        actions.ensure(corp, "gate.crosstab", "kerncijfers", audit=log, detail={"dataset": "kerncijfers"}),
    ):
        pass
    entries = [json.loads(e["detail"]) | {"action": e["action"]} for e in log.entries()]
    refused = [e for e in entries if e["action"] == "gate.crosstab"]
    assert [e["outcome"] for e in refused] == ["intent", "refused"]
    assert refused[1]["status"] == 403


def test_access_ends_the_day_after_the_agreement_ends(accounts: tuple) -> None:
    engine, log = accounts
    corp = _corporation(engine, until=TODAY)
    last = corp.agreements[0].valid_until
    assert actions.refusal(corp, "export", "kerncijfers", day=last)[1] is None  # its last day: still valid
    message = actions.refusal(corp, "export", "kerncijfers", day=last + timedelta(days=1))[1]
    assert message is not None and "no agreement valid today" in message
    parties.end_agreement(engine, "woonbron-2026", TODAY - timedelta(days=1))  # ended early: yesterday
    corp = get_user(engine, "corp")
    with (
        pytest.raises(Forbidden, match="ended on"),
        actions.ensure(corp, "export", audit=log, detail={"dataset": "kerncijfers"}),
    ):
        pass


def test_every_table_request_records_its_agreement(accounts: tuple) -> None:
    engine, log = accounts
    add_user(engine, "ann", "researcher", "a-long-password-1")
    with actions.ensure(get_user(engine, "ann"), "gate.crosstab", "p", audit=log, detail={}) as outcome:
        outcome["cells"] = 4
    details = [json.loads(e["detail"]) for e in log.entries() if e["action"] == "gate.crosstab"]
    assert [d["agreement"] for d in details] == [parties.DEFAULT_AGREEMENT] * 2
    assert details[1] | {"outcome": "done", "cells": 4} == details[1]


def test_roles_and_scopes_refuse_with_the_right_status() -> None:
    with pytest.raises(NotSignedIn), actions.ensure(PUBLIC, "gate.crosstab", "p", audit=None):
        pass
    with (
        pytest.raises(Forbidden, match=r"user 'a' \(analyst\) may not query microdata"),
        actions.ensure(User("a", "analyst"), "gate.crosstab", "p", audit=None),
    ):
        pass
    staff = User("s", "staff", ("GM0917",))
    assert actions.may(staff, "participation.announce", ["BU09170000"])
    assert not actions.may(staff, "participation.announce", ["BU09170000", "BU09280000"])
    assert actions.scope_filter(staff, "participation.list") == ("GM0917",)
    assert actions.scope_filter(User("b", "admin"), "participation.list") is None


def test_an_agreement_can_give_a_party_a_stricter_threshold_and_fewer_levels(accounts: tuple) -> None:
    engine, _ = accounts
    parties.add_party(engine, "uni", "Universiteit (fictief)", "onderwijs")
    parties.add_agreement(
        engine, parties.Agreement("uni-1", "uni", "Onderzoek", levels=("gemeente",), min_count=25, adhoc=True)
    )
    add_user(engine, "prof", "researcher", "a-long-password-1")
    parties.add_member(engine, "uni", "prof")
    prof = get_user(engine, "prof")
    assert actions.may(prof, "gate.crosstab", "p", level="gemeente")
    assert not actions.may(prof, "gate.crosstab", "p", level="buurt")
    assert actions.agreement_for(prof, "gate.crosstab", "p").min_count == 25


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Bad Name"}, "expected 1-60 lower-case"),
        ({"levels": ("straat",)}, "agreement level straat"),
        ({"valid_until": date(2000, 1, 1)}, "ends on or after the day it starts"),
        ({"party": "nobody"}, "unknown party"),
    ],
)
def test_bad_agreements_are_refused_in_one_line(accounts: tuple, change: dict, message: str) -> None:
    engine, _ = accounts
    fields = {"name": "ok", "party": parties.DEFAULT_PARTY, "purpose": "x", "valid_from": date(2020, 1, 1)}
    with pytest.raises(Exception, match=message):
        parties.add_agreement(engine, parties.Agreement(**(fields | change)))
