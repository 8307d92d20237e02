"""API keys of Open311 machine clients (an app, a partner's system): issued once, stored as hashes, revocable."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from udc.errors import Forbidden, NotFound
from udc.participation.db import KEYS
from udc.participation.workflow import now
from udc.privacy import parties
from udc.privacy.principal import User


def _sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(engine: sa.Engine, client: str) -> str:
    """A new key for ``client`` (shown once)."""
    key = secrets.token_urlsafe(24)
    with engine.begin() as con:
        con.execute(KEYS.insert().values(key_hash=_sha(key), client=client[:200], created_at=now()))
    return key


def client(engine: sa.Engine, key: str | None) -> str:
    """The client a key belongs to; a missing or unknown key is refused (Open311: 403)."""
    if not key:
        raise Forbidden("api_key: a key is needed to post a service request (udc participation keys add CLIENT)")
    with engine.connect() as con:
        row = con.execute(sa.select(KEYS.c.client).where(KEYS.c.key_hash == _sha(key[:200]))).first()
    if row is None:
        raise Forbidden("api_key: unknown or revoked key")
    return str(row.client)


def principal(engine: sa.Engine, key: str | None) -> User:
    """Who posts with this key, for the rulebook: the client, with the party it belongs to (``udc parties member
    PARTY CLIENT``; the municipality when none) and that party's agreements — a partner's app stops the day after its
    party's agreement ends, like the party's people."""
    name = client(engine, key)
    member = parties.membership(engine, name)
    return User(name, "public", party=member.party, agreements=member.agreements)


def revoke(engine: sa.Engine, client_name: str) -> int:
    with engine.begin() as con:
        gone = con.execute(KEYS.delete().where(KEYS.c.client == client_name)).rowcount
    if not gone:
        raise NotFound(f"no API key for '{client_name[:100]}'")
    return gone
