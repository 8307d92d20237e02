"""The audit log: append-only and hash-chained, in the operational database (SQLite in the store, or PostgreSQL).

Each entry's hash covers its content and the previous entry's hash, so editing or deleting any entry breaks the
chain from there on; ``udc audit verify`` walks it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from udc.errors import UdcError

DATABASE_ENV = "UDC_DATABASE_URL"
_META = sa.MetaData()
AUDIT = sa.Table(
    "audit_log",
    _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
USERS = sa.Table(
    "users",
    _META,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("scopes", sa.Text, nullable=False, default="[]"),
    sa.Column("password_hash", sa.Text, nullable=True),
    sa.Column("created_at", sa.String(32), nullable=False),
)
TOKENS = sa.Table(
    "api_tokens",
    _META,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
)
GENESIS = "0" * 64


def operational_url(store_path: Path | None = None) -> str:
    """``$UDC_DATABASE_URL`` (e.g. postgresql+psycopg://…) or a SQLite file in the store."""
    url = os.environ.get(DATABASE_ENV)
    if url:
        return url
    if store_path is None:
        raise UdcError(f"no operational database: set {DATABASE_ENV} or open a store")
    return f"sqlite:///{(store_path / 'operational.sqlite').as_posix()}"


def engine_for(url: str) -> sa.Engine:
    try:
        engine = sa.create_engine(url)
        _META.create_all(engine)
    except sa.exc.SQLAlchemyError as exc:
        raise UdcError(f"cannot open the operational database: {str(exc).splitlines()[0]}") from None
    return engine


def _digest(prev: str, at: str, actor: str, action: str, detail: str) -> str:
    return hashlib.sha256("\x1f".join([prev, at, actor, action, detail]).encode()).hexdigest()


@dataclass
class AuditLog:
    engine: sa.Engine

    def append(self, actor: str, action: str, detail: dict[str, Any]) -> str:
        """Add an entry chained to the last one (serialised: one writer at a time)."""
        body = json.dumps(detail, sort_keys=True, default=str)
        with self.engine.begin() as con:
            if con.dialect.name == "postgresql":
                con.execute(sa.text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
            last = con.execute(sa.select(AUDIT.c.hash).order_by(AUDIT.c.id.desc()).limit(1)).scalar()
            prev = last or GENESIS
            at = datetime.now(UTC).isoformat(timespec="microseconds")
            digest = _digest(prev, at, actor, action, body)
            con.execute(
                AUDIT.insert().values(at=at, actor=actor, action=action, detail=body, prev_hash=prev, hash=digest)
            )
        return digest

    def entries(self, since: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(AUDIT).order_by(AUDIT.c.id)
        if since:
            query = query.where(AUDIT.c.at >= since)
        with self.engine.connect() as con:
            return [dict(r._mapping) for r in con.execute(query)]

    def verify(self) -> tuple[bool, str]:
        """(True, summary) when every entry chains to the previous one; else where the chain breaks."""
        prev = GENESIS
        entries = self.entries()
        for i, e in enumerate(entries):
            if e["prev_hash"] != prev:
                return False, f"entry {e['id']}: previous-hash mismatch (an entry before it was removed or changed)"
            if _digest(prev, e["at"], e["actor"], e["action"], e["detail"]) != e["hash"]:
                return False, f"entry {e['id']}: content does not match its hash (edited)"
            prev = e["hash"]
            if i and e["id"] <= entries[i - 1]["id"]:
                return False, f"entry {e['id']}: out of order"
        return True, f"{len(entries)} entries, chain intact"
