"""Who may see what: users, roles, scopes, API tokens (argon2 hashes) in the operational database.

- ``public``: open data and released tables only;
- ``analyst``: additionally ``internal`` data, scoped to their municipalities/regions;
- ``researcher``: works on ``microdata`` in the workspace, but exports only through the gate;
- ``admin``: manages users (sees what an analyst sees; microdata only as a researcher would).
No role reads ``microdata`` into an output: that path exists only in :mod:`udc.privacy.gate`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

from udc.errors import UdcError
from udc.privacy.audit import TOKENS, USERS, AuditLog

ROLES = ("public", "analyst", "researcher", "admin")
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    scopes: tuple[str, ...] = field(default_factory=tuple)


PUBLIC = User("public", "public")


def _now() -> datetime:
    return datetime.now(UTC)


def add_user(
    engine: sa.Engine,
    name: str,
    role: str,
    password: str | None = None,
    scopes: list[str] | None = None,
    audit: AuditLog | None = None,
    actor: str = "admin",
) -> User:
    if role not in ROLES:
        raise UdcError(f"unknown role '{role}': expected one of {', '.join(ROLES)}")
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
            )
        )
    if audit:
        audit.append(actor, "user.add", {"user": name, "role": role, "scopes": sorted(scopes or [])})
    return User(name, role, tuple(sorted(scopes or [])))


def grant(
    engine: sa.Engine,
    name: str,
    role: str | None = None,
    scopes: list[str] | None = None,
    audit: AuditLog | None = None,
    actor: str = "admin",
) -> User:
    user = get_user(engine, name)
    new_role = role or user.role
    if new_role not in ROLES:
        raise UdcError(f"unknown role '{new_role}': expected one of {', '.join(ROLES)}")
    new_scopes = sorted(set(user.scopes) | set(scopes or []))
    with engine.begin() as con:
        con.execute(USERS.update().where(USERS.c.name == name).values(role=new_role, scopes=json.dumps(new_scopes)))
    if audit:
        audit.append(actor, "user.grant", {"user": name, "role": new_role, "scopes": new_scopes})
    return User(name, new_role, tuple(new_scopes))


def get_user(engine: sa.Engine, name: str) -> User:
    with engine.connect() as con:
        row = con.execute(sa.select(USERS).where(USERS.c.name == name)).first()
    if row is None:
        raise UdcError(f"unknown user '{name}'")
    return User(row.name, row.role, tuple(json.loads(row.scopes)))


def list_users(engine: sa.Engine) -> list[dict]:
    with engine.connect() as con:
        return [
            {"name": r.name, "role": r.role, "scopes": json.loads(r.scopes), "created_at": r.created_at}
            for r in con.execute(sa.select(USERS).order_by(USERS.c.name))
        ]


def login(engine: sa.Engine, name: str, password: str, audit: AuditLog | None = None) -> User:
    with engine.connect() as con:
        row = con.execute(sa.select(USERS).where(USERS.c.name == name)).first()
    ok = False
    if row is not None and row.password_hash:
        try:
            ok = _HASHER.verify(row.password_hash, password)
        except VerifyMismatchError:
            ok = False
    if audit:
        audit.append(name, "login" if ok else "login.failed", {})
    if not ok:
        raise UdcError("wrong user name or password")
    return User(row.name, row.role, tuple(json.loads(row.scopes)))


def issue_token(engine: sa.Engine, name: str, days: int = 30) -> str:
    """A bearer token (shown once); only its SHA-256 is stored."""
    get_user(engine, name)
    token = secrets.token_urlsafe(32)
    with engine.begin() as con:
        con.execute(
            TOKENS.insert().values(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_name=name,
                expires_at=(_now() + timedelta(days=days)).isoformat(),
            )
        )
    return token


def user_for_token(engine: sa.Engine, token: str) -> User:
    with engine.connect() as con:
        row = con.execute(
            sa.select(TOKENS).where(TOKENS.c.token_hash == hashlib.sha256(token.encode()).hexdigest())
        ).first()
    if row is None:
        raise UdcError("unknown API token")
    if datetime.fromisoformat(row.expires_at) <= _now():
        raise UdcError(f"the API token expired on {row.expires_at[:10]}")
    return get_user(engine, row.user_name)


def in_scope(user: User, area_coverage: str | None, members: set[str]) -> bool:
    """An analyst's internal data must concern their areas (``members``: their scopes and everything below)."""
    if not area_coverage:
        return False
    codes = {part.strip(" ,…") for part in area_coverage.replace(":", ",").split(",")}
    return bool(codes & members) or any(scope in (area_coverage or "") for scope in user.scopes)


def may_read(user: User, sensitivity: str, released: bool, *, scoped: bool = False) -> bool:
    """Whether ``user`` may read a dataset's rows *as output* (microdata never: that is the gate's job)."""
    if sensitivity == "open" or released:
        return True
    if sensitivity == "internal":
        return user.role in ("analyst", "researcher", "admin") and (user.role != "analyst" or scoped)
    return False
