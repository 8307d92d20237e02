"""Who may see what: users, roles, scopes, API tokens and web sessions (hashes only) in the operational database.

- ``public``: open data and released tables only;
- ``analyst``: additionally the rows of ``internal`` data that concern their municipalities/regions (exact codes);
- ``researcher``: works on ``microdata`` in the workspace, but exports only through the gate;
- ``admin``: manages users (sees what an analyst sees; microdata only as a researcher would);
- ``staff``: handles residents' reports of their municipalities (scopes: exact GM codes); reads data as the public.
No role reads ``microdata`` into an output: that path exists only in :mod:`udc.privacy.gate`.

Every change (a user added, granted, disabled; a token issued or revoked) and every sign-in is audited by the function
that does it. A disabled user's tokens and sessions end at once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from udc.errors import NotFound, NotSignedIn, UdcError
from udc.privacy import parties
from udc.privacy.actions import ensure, may_read, record
from udc.privacy.audit import SESSIONS, TOKENS, USERS, AuditLog
from udc.privacy.principal import PUBLIC, User, owner_account

__all__ = [
    "PUBLIC",
    "ROLES",
    "User",
    "may_read",
    "owner_account",
]  # the principal is re-exported: callers import it from here

ROLES = ("public", "analyst", "researcher", "admin", "staff")
_HASHER = PasswordHasher()
TOKEN_DAYS_MAX = 366
SESSION_HOURS = 8


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made on first use (0.3 s of argon2 at import was paid by every CLI command):
    unknown users cost the same argon2 work as known ones."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _user(engine: sa.Engine, row: sa.Row) -> User:
    """A user row with its party and that party's agreements."""
    member = parties.membership(engine, row.name)
    return User(row.name, row.role, tuple(json.loads(row.scopes)), member.party, member.agreements)


def _now() -> datetime:
    return datetime.now(UTC)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UdcError(f"unknown role '{role}': expected one of {', '.join(ROLES)}")


def add_user(
    engine: sa.Engine,
    name: str,
    role: str,
    password: str | None = None,
    scopes: list[str] | None = None,
    audit: AuditLog | None = None,
    actor: User | None = None,
) -> User:
    with ensure(
        actor or owner_account(),
        "user.add",
        audit=audit,
        detail={"user": name, "role": role, "scopes": sorted(scopes or [])},
    ):
        _check_role(role)
        if not name or len(name) > 100 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise UdcError("a user name has 1-100 letters, digits, '.', '-' or '_'")
        if password is not None and len(password) < 12:
            raise UdcError("a password needs at least 12 characters")
        with engine.begin() as con:
            if con.execute(sa.select(USERS.c.name).where(USERS.c.name == name)).first():
                raise UdcError(f"user '{name}' exists (use 'udc users grant')")
            con.execute(
                USERS.insert().values(
                    name=name,
                    role=role,
                    scopes=json.dumps(sorted(scopes or [])),
                    password_hash=_HASHER.hash(password) if password else None,
                    created_at=_now().isoformat(),
                    disabled=False,
                )
            )
    return User(name, role, tuple(sorted(scopes or [])))


def grant(
    engine: sa.Engine,
    name: str,
    role: str | None = None,
    scopes: list[str] | None = None,
    audit: AuditLog | None = None,
    actor: User | None = None,
    remove_scopes: list[str] | None = None,
) -> User:
    """Change a user's role and scopes (added and removed; exact codes)."""
    detail = {"user": name, "role": role, "add_scopes": scopes or [], "remove_scopes": remove_scopes or []}
    with ensure(actor or owner_account(), "user.grant", audit=audit, detail=detail) as outcome:
        user = get_user(engine, name)
        new_role = role or user.role
        _check_role(new_role)
        unknown = sorted(set(remove_scopes or []) - set(user.scopes))
        if unknown:
            raise UdcError(f"user '{name}' has no scope {', '.join(unknown)} (scopes: {', '.join(user.scopes)})")
        new_scopes = sorted((set(user.scopes) | set(scopes or [])) - set(remove_scopes or []))
        with engine.begin() as con:
            con.execute(USERS.update().where(USERS.c.name == name).values(role=new_role, scopes=json.dumps(new_scopes)))
        outcome["scopes"] = new_scopes
    return User(name, new_role, tuple(new_scopes))


def disable(engine: sa.Engine, name: str, audit: AuditLog | None = None, actor: User | None = None) -> int:
    """Disable an account: its tokens and web sessions end now. Returns how many of them were ended."""
    with ensure(actor or owner_account(), "user.disable", audit=audit, detail={"user": name}) as outcome:
        get_user(engine, name)
        with engine.begin() as con:
            con.execute(USERS.update().where(USERS.c.name == name).values(disabled=True))
            tokens = con.execute(TOKENS.delete().where(TOKENS.c.user_name == name)).rowcount
            sessions = con.execute(SESSIONS.delete().where(SESSIONS.c.user_name == name)).rowcount
        outcome |= {"tokens": tokens, "sessions": sessions}
    return tokens + sessions


def _row(engine: sa.Engine, name: str) -> sa.Row | None:
    with engine.connect() as con:
        return con.execute(sa.select(USERS).where(USERS.c.name == name)).first()


def get_user(engine: sa.Engine, name: str) -> User:
    row = _row(engine, name)
    if row is None:
        raise NotFound(f"unknown user '{name[:100]}'")
    return _user(engine, row)


def active_user(engine: sa.Engine, name: str) -> User:
    """The user behind a token or session, if the account still exists and is not disabled."""
    row = _row(engine, name)
    if row is None or row.disabled:
        raise NotSignedIn("the account behind this session or token no longer exists or was disabled")
    return _user(engine, row)


def list_users(engine: sa.Engine) -> list[dict]:
    with engine.connect() as con:
        return [
            {
                "name": r.name,
                "role": r.role,
                "scopes": json.loads(r.scopes),
                "created_at": r.created_at,
                "disabled": bool(r.disabled),
            }
            for r in con.execute(sa.select(USERS).order_by(USERS.c.name))
        ]


def login(engine: sa.Engine, name: str, password: str, audit: AuditLog | None = None) -> User:
    """Check a password (argon2). Unknown users and users without a password cost the same work, so the answer's
    timing does not tell which names exist; disabled users cannot sign in."""
    row = _row(engine, name) if 0 < len(name) <= 200 else None
    stored = row.password_hash if row is not None and row.password_hash and not row.disabled else _dummy_hash()
    try:
        ok = _HASHER.verify(stored, password[:1000]) and stored is not _dummy_hash()
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    record(name[:200], "login" if ok else "login.failed", {}, audit=audit)
    if not ok or row is None:
        raise NotSignedIn("wrong user name or password")
    return User(row.name, row.role, tuple(json.loads(row.scopes)))


def token_id(token_hash: str) -> str:
    """The public id of a token (the first 12 characters of its hash): shown in listings, used to revoke it."""
    return token_hash[:12]


def issue_token(
    engine: sa.Engine, name: str, days: int = 30, audit: AuditLog | None = None, actor: User | None = None
) -> str:
    """A bearer token (shown once); only its SHA-256 is stored."""
    with ensure(actor or owner_account(), "token.issue", audit=audit, detail={"user": name, "days": days}) as outcome:
        if not 1 <= days <= TOKEN_DAYS_MAX:
            raise UdcError(f"a token lives 1 to {TOKEN_DAYS_MAX} days")
        active_user(engine, name)
        token = secrets.token_urlsafe(32)
        with engine.begin() as con:
            con.execute(
                TOKENS.insert().values(
                    token_hash=_sha(token), user_name=name, expires_at=(_now() + timedelta(days=days)).isoformat()
                )
            )
        outcome["token_id"] = token_id(_sha(token))
    return token


def list_tokens(engine: sa.Engine, name: str | None = None) -> list[dict[str, str]]:
    query = sa.select(TOKENS).order_by(TOKENS.c.user_name, TOKENS.c.expires_at)
    if name:
        query = query.where(TOKENS.c.user_name == name)
    with engine.connect() as con:
        return [
            {"id": token_id(r.token_hash), "user": r.user_name, "expires_at": r.expires_at[:19]}
            for r in con.execute(query)
        ]


def revoke_token(
    engine: sa.Engine, name: str, ident: str | None = None, audit: AuditLog | None = None, actor: User | None = None
) -> int:
    """Revoke one token of ``name`` (by its id) or, without an id, all of them. Returns how many were revoked."""
    with ensure(
        actor or owner_account(), "token.revoke", audit=audit, detail={"user": name, "token_id": ident}
    ) as outcome:
        get_user(engine, name)
        query = TOKENS.delete().where(TOKENS.c.user_name == name)
        if ident is not None:
            if len(ident) != 12:
                raise UdcError("a token id has 12 characters (see 'udc users tokens')")
            query = query.where(TOKENS.c.token_hash.startswith(ident, autoescape=True))
        with engine.begin() as con:
            count = con.execute(query).rowcount
        if ident is not None and count == 0:
            raise NotFound(f"user '{name}' has no token {ident}")
        outcome["revoked"] = count
    return count


def user_for_token(engine: sa.Engine, token: str) -> User:
    if not token or len(token) > 200:
        raise NotSignedIn("unknown API token")
    with engine.connect() as con:
        row = con.execute(sa.select(TOKENS).where(TOKENS.c.token_hash == _sha(token))).first()
    if row is None:
        raise NotSignedIn("unknown API token")
    if datetime.fromisoformat(row.expires_at) <= _now():
        raise NotSignedIn(f"the API token expired on {row.expires_at[:10]}")
    return active_user(engine, row.user_name)


def start_session(engine: sa.Engine, user: User) -> str:
    """A server-side web session: the cookie carries only this random id, the database its hash."""
    session_id = secrets.token_urlsafe(32)
    with engine.begin() as con:
        con.execute(
            SESSIONS.insert().values(
                id_hash=_sha(session_id),
                user_name=user.name,
                expires_at=(_now() + timedelta(hours=SESSION_HOURS)).isoformat(),
            )
        )
    return session_id


def end_session(engine: sa.Engine, session_id: str) -> None:
    with engine.begin() as con:
        con.execute(SESSIONS.delete().where(SESSIONS.c.id_hash == _sha(session_id)))


def user_for_session(engine: sa.Engine, session_id: str) -> User:
    with engine.connect() as con:
        row = con.execute(sa.select(SESSIONS).where(SESSIONS.c.id_hash == _sha(session_id))).first()
    if row is None or datetime.fromisoformat(row.expires_at) <= _now():
        raise NotSignedIn("the session ended: sign in again")
    return active_user(engine, row.user_name)


def scope_members(scopes: tuple[str, ...], descendants: dict[str, set[str]]) -> set[str]:
    """Every area code an analyst's scopes cover: each scope, its members (regions) and everything below."""
    members: set[str] = set()
    for scope in scopes:
        members |= {scope} | descendants.get(scope, set())
    return members
