"""The operational database on SQLite and PostgreSQL: keyed audit chain with an anchor, users, roles, tokens,
sessions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli_runner import udc
from udc.errors import NotFound, NotSignedIn, UdcError
from udc.privacy import access
from udc.privacy.audit import AUDIT, WITNESS_STARTED, AuditLog, audited, engine_for


def own(log: AuditLog) -> list[dict]:
    """The entries a test wrote (without the one that starts the database's witness)."""
    return [e for e in log.entries() if e["action"] != WITNESS_STARTED]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    if request.param == "sqlite":
        return engine_for(f"sqlite:///{tmp_path / 'operational.sqlite'}")
    url = request.getfixturevalue("postgres_url")
    eng = engine_for(url)
    with eng.begin() as con:  # a clean database for every test
        for table in ("audit_log", "audit_witness", "users", "api_tokens", "web_sessions"):
            if sa.inspect(con).has_table(table):
                con.execute(sa.text(f"DELETE FROM {table}"))
    return eng


@pytest.fixture
def log(engine: sa.Engine, tmp_path: Path) -> AuditLog:
    return AuditLog(engine, b"k" * 32, tmp_path / "audit.anchor")


def test_audit_chain_detects_edits_and_deletions(engine: sa.Engine, log: AuditLog) -> None:
    for i in range(5):
        log.append("analist", "import", {"dataset": f"d{i}"})
    assert log.verify() == (True, "6 entries, chain intact, anchor matches, witness agrees")  # 1: the witness starts
    with engine.begin() as con:
        con.execute(AUDIT.update().where(AUDIT.c.id == 3).values(detail='{"dataset": "other"}'))
    ok, message = log.verify()
    assert not ok and "entry 3: content does not match its MAC" in message
    with engine.begin() as con:
        con.execute(AUDIT.delete().where(AUDIT.c.id == 3))
    ok, message = log.verify()
    assert not ok and "entry 4: expected entry 3" in message


def test_a_rolled_back_anchor_is_detected(engine: sa.Engine, log: AuditLog) -> None:
    """Finding 8, as reported: save the anchor, add an admin, delete the new audit rows, put the old anchor back."""
    for i in range(3):
        log.append("beheer", "import", {"dataset": f"d{i}"})  # entries 2–4 (1: the witness started)
    saved = log.anchor.read_bytes()
    access.add_user(engine, "indringer", "admin", "a-long-password!", audit=log)
    with engine.begin() as con:
        con.execute(AUDIT.delete().where(AUDIT.c.id > 4))
    log.anchor.write_bytes(saved)
    ok, message = log.verify()
    assert not ok and "rolled back" in message and "entry 6" in message, message


def test_deleting_the_witness_row_too_is_detected_after_the_next_entry(engine: sa.Engine, log: AuditLog) -> None:
    """The reviewer's variant: roll back the log and the anchor, delete the witness row (detected), then let any
    audited action run — the witness row was re-created silently and verify said 'chain intact'. The witness's
    start is an entry of the chain, so a second start is a deleted witness."""
    for i in range(3):
        log.append("beheer", "import", {"dataset": f"d{i}"})
    saved = log.anchor.read_bytes()
    access.add_user(engine, "indringer", "admin", "a-long-password!", audit=log)
    with engine.begin() as con:
        con.execute(AUDIT.delete().where(AUDIT.c.id > 4))
        con.execute(sa.text("DELETE FROM audit_witness"))
    log.anchor.write_bytes(saved)
    ok, message = log.verify()
    assert not ok and "witness row" in message, message
    log.append("beheer", "users.add", {"outcome": "refused"})  # any audited action after the roll-back
    ok, message = log.verify()
    assert not ok and "witness row was deleted" in message, message


def test_a_witness_file_catches_a_rollback_of_the_anchor_and_the_database_together(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """The careful attacker restores the database's witness row too; the witness file (append-only, elsewhere)
    still knows the newer entry. Deleting or editing the witness file is reported as well."""
    witness = tmp_path / "elsewhere" / "audit.witness"
    log = AuditLog(engine, b"k" * 32, tmp_path / "audit.anchor", witness=witness)
    for i in range(3):
        log.append("beheer", "import", {"dataset": f"d{i}"})
    assert log.verify() == (True, "4 entries, chain intact, anchor matches, 2 witnesses agree")
    saved_anchor = log.anchor.read_bytes()
    with engine.connect() as con:
        saved_row = dict(con.execute(sa.text("SELECT * FROM audit_witness")).mappings().one())
    log.append("indringer", "user.add", {"user": "indringer", "role": "admin"})
    with engine.begin() as con:
        con.execute(AUDIT.delete().where(AUDIT.c.id > 4))
        con.execute(sa.text("DELETE FROM audit_witness"))
        con.execute(
            sa.text("INSERT INTO audit_witness (id, seq, head, mac) VALUES (:id, :seq, :head, :mac)"), saved_row
        )
    log.anchor.write_bytes(saved_anchor)
    ok, message = log.verify()
    assert not ok and f"witness {witness}" in message and "rolled back" in message, message
    lines = witness.read_text().splitlines()
    witness.write_text("\n".join(lines[:-1]) + "\n")  # what an append-only share would refuse
    assert log.verify()[0]  # undetectable then: the threat model in docs/privacy.md says so
    witness.unlink()
    ok, message = log.verify()
    assert not ok and "witness" in message and "missing" in message, message


def test_udc_audit_verify_fails_loudly_on_the_findings_rollback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("UDC_DATABASE_URL", "UDC_AUDIT_KEY", "UDC_AUDIT_ANCHOR", "UDC_AUDIT_WITNESS"):
        monkeypatch.delenv(name, raising=False)
    store = tmp_path / "store"
    udc("--store", str(store), "users", "add", "anna", "--role", "analyst")
    assert "chain intact, anchor matches" in udc("--store", str(store), "audit", "verify").stdout
    saved = (store / "audit.anchor").read_bytes()
    udc("--store", str(store), "users", "add", "indringer", "--role", "admin")
    with sqlite3.connect(store / "operational.sqlite") as con:
        con.execute("DELETE FROM audit_log WHERE id > 2")
    (store / "audit.anchor").write_bytes(saved)
    ran = udc("--store", str(store), "audit", "verify", check=False)
    assert ran.returncode == 1 and "audit log broken" in ran.stderr and "rolled back" in ran.stderr, ran


def test_anonymous_refusals_are_counted_in_one_row_per_kind_and_client(engine: sa.Engine, log: AuditLog) -> None:
    """Audit bloat: an anonymous caller's refusals become one row per (action, status, client) per interval with a
    count; the number of such rows per interval is bounded however many clients there are."""
    from udc.privacy.audit import CLIENT

    log.max_tallies = 20
    for i in range(3000):
        token = CLIENT.set("10.0.0.1" if i < 2000 else f"10.1.{i // 250}.{i % 250}")
        try:
            with pytest.raises(NotFound), audited(log, "public", "export", {"dataset": f"nope{i}"}):
                raise NotFound(f"no dataset 'nope{i}'")
        finally:
            CLIENT.reset(token)
    assert own(log) == []  # nothing written per request
    log.flush()
    rows = own(log)
    assert len(rows) <= 21
    details = [json.loads(r["detail"]) for r in rows]
    first = next(d for d in details if d["client"] == "10.0.0.1")
    assert first["count"] == 2000 and first["outcome"] == "refused" and first["status"] == 404
    assert first["example"]["dataset"] == "nope0"
    assert sum(d["count"] for d in details) == 3000
    with pytest.raises(NotFound), audited(log, "anna", "export", {"dataset": "nope"}):  # signed in: every row
        raise NotFound("no")
    assert [e["action"] for e in log.entries()[-2:]] == ["export", "export"]
    assert log.verify()[0]


def test_audited_logs_intent_and_outcome_failures_included(log: AuditLog) -> None:
    with audited(log, "anna", "thing", {"x": 1}) as outcome:
        outcome["rows"] = 2
    with pytest.raises(UdcError), audited(log, "anna", "thing", {"x": 2}):
        raise UdcError("no")
    with pytest.raises(ZeroDivisionError), audited(log, "anna", "thing", {"x": 3}):
        _ = 1 / 0
    details = [e["detail"] for e in own(log)]
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


@pytest.mark.real_argon2
def test_passwords_are_hashed_at_the_production_cost(engine: sa.Engine) -> None:
    """The tests sign in with a cheap hasher (tests/conftest.py); what udc itself stores is argon2id at RFC 9106's
    second recommended option (t=3, 64 MiB, 4 lanes), and a sign-in costs that work."""
    access.add_user(engine, "carla", "analyst", "a-long-password!")
    with engine.connect() as con:
        stored = con.execute(sa.select(access.USERS.c.password_hash).where(access.USERS.c.name == "carla")).scalar()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    assert access.login(engine, "carla", "a-long-password!").name == "carla"


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
