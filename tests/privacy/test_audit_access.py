"""The operational database on SQLite and PostgreSQL: keyed audit chain with an anchor, users, roles, tokens,
sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from udc.errors import NotSignedIn, UdcError
from udc.privacy import access
from udc.privacy.audit import AUDIT, AuditLog, audited, engine_for


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return engine_for(f"sqlite:///{tmp_path / 'operational.sqlite'}")
    url = request.getfixturevalue("postgres_url")
    eng = engine_for(url)
    with eng.begin() as con:  # a clean database for every test
        for table in ("audit_log", "users", "api_tokens", "web_sessions"):
            con.execute(sa.text(f"DELETE FROM {table}"))
    return eng


@pytest.fixture
def log(engine: sa.Engine, tmp_path: Path) -> AuditLog:
    return AuditLog(engine, b"k" * 32, tmp_path / "audit.anchor")


def test_audit_chain_detects_edits_and_deletions(engine: sa.Engine, log: AuditLog) -> None:
    for i in range(5):
        log.append("analist", "import", {"dataset": f"d{i}"})
    assert log.verify() == (True, "5 entries, chain intact, anchor matches")
    with engine.begin() as con:
        con.execute(AUDIT.update().where(AUDIT.c.id == 3).values(detail='{"dataset": "other"}'))
    ok, message = log.verify()
    assert not ok and "entry 3: content does not match its MAC" in message
    with engine.begin() as con:
        con.execute(AUDIT.delete().where(AUDIT.c.id == 3))
    ok, message = log.verify()
    assert not ok and "entry 4: expected entry 3" in message


def test_audited_logs_intent_and_outcome_failures_included(log: AuditLog) -> None:
    with audited(log, "anna", "thing", {"x": 1}) as outcome:
        outcome["rows"] = 2
    with pytest.raises(UdcError), audited(log, "anna", "thing", {"x": 2}):
        raise UdcError("no")
    with pytest.raises(ZeroDivisionError), audited(log, "anna", "thing", {"x": 3}):
        _ = 1 / 0
    details = [e["detail"] for e in log.entries()]
    assert [('"outcome": "intent"' in d, '"outcome": "done"' in d) for d in details[:2]] == [
        (True, False),
        (False, True),
    ]
    assert '"outcome": "refused"' in details[3] and '"error": "no"' in details[3]
    assert '"outcome": "failed"' in details[5] and "ZeroDivisionError" in details[5]


def test_users_roles_passwords_tokens_sessions(engine: sa.Engine, log: AuditLog) -> None:
    access.add_user(engine, "anna", "analyst", "a-long-password!", ["GM0917"], log)
    with pytest.raises(UdcError, match="unknown role 'boss'"):
        access.add_user(engine, "bob", "boss")
    with pytest.raises(UdcError, match="wrong user name or password"):
        access.login(engine, "anna", "wrong-password-123", log)
    with pytest.raises(UdcError, match="wrong user name or password"):  # unknown user: same answer
        access.login(engine, "nobody", "wrong-password-123", log)
    user = access.login(engine, "anna", "a-long-password!", log)
    assert user.role == "analyst" and user.scopes == ("GM0917",)
    assert [e["action"] for e in log.entries()][-3:] == ["login.failed", "login.failed", "login"]
    user = access.grant(engine, "anna", scopes=["parkstad"], audit=log)
    assert user.scopes == ("GM0917", "parkstad")
    user = access.grant(engine, "anna", remove_scopes=["GM0917"], audit=log)
    assert user.scopes == ("parkstad",)
    token = access.issue_token(engine, "anna", days=1, audit=log)
    assert access.user_for_token(engine, token).name == "anna"
    with pytest.raises(UdcError, match="1 to 366 days"):
        access.issue_token(engine, "anna", days=-1)
    with pytest.raises(NotSignedIn, match="unknown API token"):
        access.user_for_token(engine, "nope")
    (listed,) = access.list_tokens(engine, "anna")
    assert access.revoke_token(engine, "anna", listed["id"], audit=log) == 1
    with pytest.raises(NotSignedIn):
        access.user_for_token(engine, token)
    session = access.start_session(engine, user)
    assert access.user_for_session(engine, session).name == "anna"
    access.issue_token(engine, "anna", days=1)
    assert access.disable(engine, "anna", audit=log) == 2  # one token and one session ended
    with pytest.raises(NotSignedIn):
        access.user_for_session(engine, session)
    with pytest.raises(UdcError, match="wrong user name or password"):
        access.login(engine, "anna", "a-long-password!", log)
    with engine.connect() as con:
        stored = con.execute(sa.select(access.USERS.c.password_hash)).scalar()
    assert stored.startswith("$argon2")
    assert log.verify()[0]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("public", {"open": True, "released": True, "internal": False, "microdata": False}),
        ("analyst", {"open": True, "released": True, "internal": True, "microdata": False}),
        ("researcher", {"open": True, "released": True, "internal": True, "microdata": False}),
        ("admin", {"open": True, "released": True, "internal": True, "microdata": False}),
    ],
)
def test_each_role_against_each_sensitivity(role: str, expected: dict[str, bool]) -> None:
    """Analysts' internal reads are further narrowed row by row to their scopes (tests/privacy/test_attacks.py)."""
    user = access.User("u", role)
    got = {
        "open": access.may_read(user, "open", False),
        "released": access.may_read(user, "open", True),
        "internal": access.may_read(user, "internal", False),
        "microdata": access.may_read(user, "microdata", False),  # microdata leaves only through the gate
    }
    assert got == expected
