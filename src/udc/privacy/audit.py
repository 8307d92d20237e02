"""The audit log: append-only, keyed hash chain, in the operational database (SQLite in the store, or PostgreSQL).

Each entry's MAC (HMAC-SHA-256) covers its sequence number, content and the previous entry's MAC, under a key that
is *not* in the operational database (``$UDC_AUDIT_KEY``, or a 0600 file beside the store): whoever can write the
database cannot re-chain it after editing or deleting entries. The newest sequence number and MAC are also written to
an **anchor** outside the database (``$UDC_AUDIT_ANCHOR``, or a file beside the store), so deleting the newest entries
(truncation) is detected too. ``udc audit verify`` checks both. Field sizes are bounded: a 50 MB user name or filter
is stored as its first characters and its length.

:func:`audited` is how API functions log: the intent before they run, the outcome after — done, refused or failed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

try:  # POSIX: concurrent writers move the anchor one at a time (Windows: one process per store)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from udc.errors import UdcError

DATABASE_ENV = "UDC_DATABASE_URL"
KEY_ENV = "UDC_AUDIT_KEY"
ANCHOR_ENV = "UDC_AUDIT_ANCHOR"
MAX_TEXT = 500  # characters per string field in an entry
MAX_ITEMS = 50  # items per list in an entry
MAX_DETAIL = 16_000  # characters of a whole entry's detail
_META = sa.MetaData()
AUDIT = sa.Table(
    "audit_log",
    _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
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
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)
TOKENS = sa.Table(
    "api_tokens",
    _META,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=False),
)
SESSIONS = sa.Table(
    "web_sessions",
    _META,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(200), nullable=False, index=True),
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
        columns = {c["name"] for c in sa.inspect(engine).get_columns("users")}
        if "disabled" not in columns:  # operational databases from before accounts could be disabled
            with engine.begin() as con:
                con.execute(sa.text("ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE"))
    except sa.exc.SQLAlchemyError as exc:
        raise UdcError(f"cannot open the operational database: {str(exc).splitlines()[0]}") from None
    return engine


def secret_file(path: Path) -> bytes:
    """A random secret kept in a file (0600), created on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def key_for(store_path: Path) -> bytes:
    """The chain's key: ``$UDC_AUDIT_KEY``, else ``audit.key`` beside the store's data (0600, created once)."""
    return os.environ[KEY_ENV].encode() if os.environ.get(KEY_ENV) else secret_file(store_path / "audit.key")


def anchor_for(store_path: Path) -> Path:
    return Path(os.environ[ANCHOR_ENV]) if os.environ.get(ANCHOR_ENV) else store_path / "audit.anchor"


def _bounded(value: Any) -> Any:
    """Strings cut to MAX_TEXT characters (with their length), lists to MAX_ITEMS items, recursively."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else f"{value[:MAX_TEXT]}… ({len(value)} characters)"
    if isinstance(value, dict):
        return {str(k)[:100]: _bounded(v) for k, v in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, list | tuple | set):
        items = list(value)
        cut = [_bounded(v) for v in items[:MAX_ITEMS]]
        return [*cut, f"… {len(items) - MAX_ITEMS} more"] if len(items) > MAX_ITEMS else cut
    return value


def _body(detail: dict[str, Any]) -> str:
    body = json.dumps(_bounded(detail), sort_keys=True, default=str, ensure_ascii=False)
    return body if len(body) <= MAX_DETAIL else json.dumps({"truncated": body[:MAX_DETAIL]}, ensure_ascii=False)


@dataclass
class AuditLog:
    engine: sa.Engine
    key: bytes
    anchor: Path | None = None

    @classmethod
    def for_store(cls, store_path: Path, engine: sa.Engine | None = None) -> AuditLog:
        """The store's audit log: its operational database, key and anchor."""
        if engine is None:
            return store_log(store_path)
        return cls(engine, key_for(store_path), anchor_for(store_path))

    def _mac(self, seq: int, prev: str, at: str, actor: str, action: str, detail: str) -> str:
        message = "\x1f".join([str(seq), prev, at, actor, action, detail]).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def append(self, actor: str, action: str, detail: dict[str, Any]) -> str:
        """Add an entry chained to the last one (serialised: one writer at a time)."""
        body = _body(detail)
        actor = _bounded(actor)[:200]
        for attempt in range(20):  # SQLite: two writers may pick the same number; the loser tries again
            try:
                seq, digest = self._insert(actor, action[:100], body)
                break
            except sa.exc.IntegrityError:
                if attempt == 19:
                    raise
        self._write_anchor(seq, digest)
        return digest

    def _insert(self, actor: str, action: str, body: str) -> tuple[int, str]:
        with self.engine.begin() as con:
            if con.dialect.name == "postgresql":
                con.execute(sa.text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
            last = con.execute(sa.select(AUDIT.c.id, AUDIT.c.hash).order_by(AUDIT.c.id.desc()).limit(1)).first()
            seq, prev = (last.id + 1, last.hash) if last else (1, GENESIS)
            at = datetime.now(UTC).isoformat(timespec="microseconds")
            digest = self._mac(seq, prev, at, actor, action, body)
            row = {"id": seq, "at": at, "actor": actor, "action": action, "detail": body, "prev_hash": prev}
            con.execute(AUDIT.insert().values(**row, hash=digest))
        return seq, digest

    def _anchor_mac(self, seq: int, head: str) -> str:
        return hmac.new(self.key, f"anchor\x1f{seq}\x1f{head}".encode(), hashlib.sha256).hexdigest()

    def _write_anchor(self, seq: int, head: str) -> None:
        """Move the anchor forward (never back: concurrent writers may finish out of order)."""
        if self.anchor is None:
            return
        self.anchor.parent.mkdir(parents=True, exist_ok=True)
        with open(self.anchor.with_suffix(".lock"), "a") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            current = self._read_anchor()
            if current and current["seq"] >= seq:
                return
            tmp = self.anchor.with_suffix(".tmp")
            tmp.write_text(json.dumps({"seq": seq, "head": head, "mac": self._anchor_mac(seq, head)}))
            os.replace(tmp, self.anchor)

    def _read_anchor(self) -> dict[str, Any] | None:
        if self.anchor is None or not self.anchor.exists():
            return None
        try:
            return json.loads(self.anchor.read_text())
        except json.JSONDecodeError:
            return {"seq": -1, "head": "", "mac": ""}

    def entries(self, since: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(AUDIT).order_by(AUDIT.c.id)
        if since:
            query = query.where(AUDIT.c.at >= since)
        with self.engine.connect() as con:
            return [dict(r._mapping) for r in con.execute(query)]

    def verify(self) -> tuple[bool, str]:
        """(True, summary) when every entry chains to the previous one under the key and the last one matches the
        anchor; else where and how the log was changed."""
        prev = GENESIS
        entries = self.entries()
        for i, e in enumerate(entries, start=1):
            if e["id"] != i:
                return False, f"entry {e['id']}: expected entry {i} (an entry was removed or the log reordered)"
            if e["prev_hash"] != prev:
                return False, f"entry {e['id']}: previous-hash mismatch (an entry before it was removed or changed)"
            if self._mac(i, prev, e["at"], e["actor"], e["action"], e["detail"]) != e["hash"]:
                return False, f"entry {e['id']}: content does not match its MAC (edited or re-chained)"
            prev = e["hash"]
        anchor = self._read_anchor()
        if self.anchor is not None:
            if anchor is None:
                if entries:
                    return False, f"no anchor at {self.anchor}: cannot tell whether entries were removed at the end"
            elif not hmac.compare_digest(anchor.get("mac", ""), self._anchor_mac(anchor["seq"], anchor["head"])):
                return False, "the anchor was changed (its MAC does not match)"
            elif anchor["seq"] > len(entries):
                return False, f"the anchor names entry {anchor['seq']} but the log ends at {len(entries)} (truncated)"
            elif anchor["seq"] > 0 and entries[anchor["seq"] - 1]["hash"] != anchor["head"]:
                return False, f"entry {anchor['seq']} does not match the anchor (replaced)"
        return True, f"{len(entries)} entries, chain intact" + (", anchor matches" if anchor else "")


@contextlib.contextmanager
def audited(log: AuditLog | None, actor: str, action: str, detail: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Log the intent, run the block, log the outcome (``done`` with what the block put in the yielded dict,
    ``refused``/``failed`` with the error) — so a failing or refused call leaves its trace too."""
    if log is None:
        yield {}
        return
    log.append(actor, action, {**detail, "outcome": "intent"})
    outcome: dict[str, Any] = {}
    try:
        yield outcome
    except UdcError as exc:
        log.append(actor, action, {**detail, "outcome": "refused", "status": exc.status, "error": str(exc)})
        raise
    except BaseException as exc:
        log.append(actor, action, {**detail, "outcome": "failed", "error": type(exc).__name__})
        raise
    log.append(actor, action, {**detail, **outcome, "outcome": "done"})


_LOGS: dict[tuple[str, str], AuditLog] = {}


def store_log(store_path: Path) -> AuditLog:
    """The audit log of a store, opened once per process (engines are costly to create)."""
    url = operational_url(store_path)
    key = (url, str(anchor_for(store_path)))
    if key not in _LOGS:
        _LOGS[key] = AuditLog(engine_for(url), key_for(store_path), anchor_for(store_path))
    return _LOGS[key]


def os_actor() -> str:
    """Who acts when a library call names no user: the operating-system account (the store is theirs)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover — containers without a passwd entry
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def logged(
    action: str, describe: Callable[..., dict[str, Any]], result: Callable[[Any], dict[str, Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate an API function whose first argument is a store: its intent and outcome go to the store's audit log
    (``actor=`` names who acts; default the OS account) — whichever interface called it."""

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def inner(store: Any, *args: Any, actor: str | None = None, **kwargs: Any) -> Any:
            with audited(store_log(store.path), actor or os_actor(), action, describe(*args, **kwargs)) as outcome:
                value = function(store, *args, **kwargs)
                if result is not None:
                    outcome |= result(value)
            return value

        return inner

    return wrap
