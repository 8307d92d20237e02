"""The audit log: append-only, keyed hash chain, in the operational database (SQLite in the store, or PostgreSQL).

Each entry's MAC (HMAC-SHA-256) covers its sequence number, content and the previous entry's MAC, under a key that
is *not* in the operational database (``$UDC_AUDIT_KEY``, or a 0600 file beside the store): whoever can write the
database cannot re-chain it after editing or deleting entries. The newest sequence number and MAC are also written to
an **anchor** outside the database (``$UDC_AUDIT_ANCHOR``, or a file beside the store), so deleting the newest entries
(truncation) is detected too. The anchor alone has no freshness — an old copy put back after deleting the newest
entries looks valid — so the same sequence number and head are also kept by **witnesses**: a row in the operational
database written in the entry's own transaction (rows deleted without it no longer match), and, with
``$UDC_AUDIT_WITNESS``, an append-only file of every anchor move, meant for another machine or a write-once share (an
anchor older than the witness is a roll-back). ``udc audit verify`` checks them all. Field sizes are bounded: a 50 MB
user name or filter is stored as its first characters and its length.

:func:`audited` is how API functions log: the intent before they run, the outcome after — done, refused or failed.
Refusals of anonymous callers (actor ``public``) are not written one by one — anyone can cause them in a loop — but
counted: one entry per (action, status, client) per :data:`TALLY_SECONDS` with the count, at most
:data:`MAX_TALLIES` such entries per interval (the rest in one overflow entry). The client is what the interface
says in :data:`CLIENT` (the web sets the TCP peer); the counting stays here, in the API functions' own audit.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

try:  # POSIX: concurrent writers move the anchor one at a time (Windows: one process per store)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from udc.errors import UdcError
from udc.privacy import operational, parties
from udc.settings import Settings, audit_key_file, current
from udc.store.db import private_umask

ANONYMOUS = "public"  # the actor of requests nobody signed in for (access.PUBLIC)
TALLY_SECONDS = 60.0  # anonymous refusals are counted per this interval
MAX_TALLIES = 1000  # counted kinds per interval; beyond: one overflow entry
CLIENT: ContextVar[str | None] = ContextVar("udc_audit_client", default=None)  # set by interfaces (the web: the peer)
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
WITNESS = sa.Table(  # one row: the newest entry, written in that entry's own transaction
    "audit_witness",
    _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("head", sa.String(64), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
)
GENESIS = "0" * 64


def operational_url(store_path: Path, settings: Settings | None = None) -> str:
    """The store's operational database: ``UDC_DATABASE_URL`` (e.g. postgresql+psycopg://…) or a SQLite file in the
    store (``settings``: the caller's; default the process's, :func:`udc.settings.current`)."""
    return (settings or current()).at(store_path).database_url


def engine_for(url: str) -> sa.Engine:
    """An engine on the operational database, its tables created; a SQLite file is created private (0600)."""
    try:
        engine = operational.create(url)
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            _private_file(Path(engine.url.database))
        _META.create_all(engine)
        parties.create_tables(engine)  # the default party and its open-ended agreement
        columns = {c["name"] for c in sa.inspect(engine).get_columns("users")}
        if "disabled" not in columns:  # operational databases from before accounts could be disabled
            with engine.begin() as con:
                con.execute(sa.text("ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE"))
    except sa.exc.SQLAlchemyError as exc:
        raise UdcError(f"cannot open the operational database: {str(exc).splitlines()[0]}") from None
    return engine


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (a database file, before SQLite opens it)."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def secret_file(path: Path) -> bytes:
    """A random secret kept in a file (0600), created on first use."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def key_for(store_path: Path, settings: Settings | None = None) -> bytes:
    """The chain's key: ``UDC_AUDIT_KEY``, else ``audit.key`` beside the store's data (0600, created once)."""
    configured = (settings or current()).audit_key
    return configured.encode() if configured else secret_file(audit_key_file(store_path))


def anchor_for(store_path: Path, settings: Settings | None = None) -> Path:
    """``UDC_AUDIT_ANCHOR``, else ``audit.anchor`` beside the store's data."""
    return (settings or current()).at(store_path).audit_anchor


WITNESS_STARTED = "audit.witness_started"  # the entry written when the database's witness row is (re)created


def witness_for(settings: Settings | None = None) -> Path | None:
    """The append-only witness file (``UDC_AUDIT_WITNESS``), if one is configured: there is no default, because
    a witness beside the store is rolled back with it."""
    return (settings or current()).audit_witness


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


@dataclass(eq=False)  # one log is one object (it holds counters and a lock): compared and hashed by identity
class AuditLog:
    engine: sa.Engine
    key: bytes
    anchor: Path | None = None
    witness: Path | None = None
    tally_seconds: float = TALLY_SECONDS
    max_tallies: int = MAX_TALLIES
    _tallies: dict[tuple[str, str, Any, str], dict[str, Any]] = field(default_factory=dict, repr=False)
    _tally_start: float = field(default_factory=time.monotonic, repr=False)
    _tally_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        _OPEN.add(self)  # counted refusals are written at exit too

    @classmethod
    def for_store(cls, store_path: Path, engine: sa.Engine | None = None, settings: Settings | None = None) -> AuditLog:
        """The store's audit log: its operational database, key, anchor and witness."""
        if engine is None:
            return store_log(store_path, settings)
        return cls(engine, key_for(store_path, settings), anchor_for(store_path, settings), witness_for(settings))

    def _mac(self, seq: int, prev: str, at: str, actor: str, action: str, detail: str) -> str:
        message = "\x1f".join([str(seq), prev, at, actor, action, detail]).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def append(self, actor: str, action: str, detail: dict[str, Any]) -> str:
        """Add an entry chained to the last one (serialised: one writer at a time)."""
        self._flush_due()
        return self._append(actor, action, detail)

    def tally(self, actor: str, action: str, detail: dict[str, Any], status: Any) -> None:
        """Count a refusal instead of writing it: one entry per (actor, action, status, client) per interval, with
        the count, the first and last time and the first request's detail as an example. Bounded: beyond
        ``max_tallies`` kinds in one interval, the rest share one overflow entry (actor and client ``*``)."""
        client = (CLIENT.get() or "local")[:200]
        key = (str(actor)[:200], action[:100], status, client)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._tally_lock:
            if key not in self._tallies and len(self._tallies) >= self.max_tallies:
                key = ("*", action[:100], status, "*")
            counted = self._tallies.setdefault(key, {"count": 0, "first": at, "example": detail})
            counted["count"] += 1
            counted["last"] = at
        self._flush_due()

    def _flush_due(self) -> None:
        if self._tallies and time.monotonic() - self._tally_start >= self.tally_seconds:
            self.flush()

    def flush(self) -> int:
        """Write the counted refusals now (one entry per kind); returns how many entries were written."""
        with self._tally_lock:
            tallies, self._tallies = self._tallies, {}
            self._tally_start = time.monotonic()
        for (actor, action, status, client), counted in tallies.items():
            self._append(actor, action, {"outcome": "refused", "status": status, "client": client, **counted})
        return len(tallies)

    def _append(self, actor: str, action: str, detail: dict[str, Any]) -> str:
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
            started = con.execute(sa.select(WITNESS.c.id).where(WITNESS.c.id == 1)).first() is None
            if started:  # the witness starts here, in the chain: a witness row deleted later cannot start again unseen
                prev = self._chain(con, seq, prev, "udc", WITNESS_STARTED, _body({"after_entry": seq - 1}))
                seq += 1
            digest = self._chain(con, seq, prev, actor, action, body)
            witness = {"seq": seq, "head": digest, "mac": self._witness_mac(seq, digest)}
            if started:
                con.execute(WITNESS.insert().values(id=1, **witness))
            else:
                con.execute(WITNESS.update().where(WITNESS.c.id == 1).values(**witness))
        return seq, digest

    def _chain(self, con: sa.Connection, seq: int, prev: str, actor: str, action: str, body: str) -> str:
        """Insert entry ``seq`` after ``prev`` and return its MAC."""
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        digest = self._mac(seq, prev, at, actor, action, body)
        row = {"id": seq, "at": at, "actor": actor, "action": action, "detail": body, "prev_hash": prev}
        con.execute(AUDIT.insert().values(**row, hash=digest))
        return digest

    def _witness_mac(self, seq: int, head: str) -> str:
        return hmac.new(self.key, f"witness\x1f{seq}\x1f{head}".encode(), hashlib.sha256).hexdigest()

    def _anchor_mac(self, seq: int, head: str) -> str:
        return hmac.new(self.key, f"anchor\x1f{seq}\x1f{head}".encode(), hashlib.sha256).hexdigest()

    @contextlib.contextmanager
    def _anchor_lock(self) -> Iterator[None]:
        """The anchor's lock (writers move the anchor and the witness file one at a time, and verify reads them in
        between); nothing to lock without an anchor or where the lock cannot be created (a read-only copy)."""
        if self.anchor is None:
            yield
            return
        try:
            self.anchor.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.anchor.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError:
            yield
            return
        with os.fdopen(fd, "a") as lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _write_anchor(self, seq: int, head: str) -> None:
        """Move the anchor forward (never back: concurrent writers may finish out of order), then append the move to
        the witness file — after the anchor, so a crash in between leaves the witness behind, never ahead."""
        if self.anchor is None:
            return
        with self._anchor_lock():
            current = self._read_anchor()
            if current and current["seq"] >= seq:
                return
            tmp = self.anchor.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps({"seq": seq, "head": head, "mac": self._anchor_mac(seq, head)}))
            os.replace(tmp, self.anchor)
            if self.witness is not None:
                self.witness.parent.mkdir(parents=True, exist_ok=True)
                line = json.dumps({"seq": seq, "head": head, "mac": self._witness_mac(seq, head)}) + "\n"
                fd = os.open(self.witness, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a") as handle:
                    handle.write(line)

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
        """(True, summary) when every entry chains to the previous one under the key, the last one matches the
        anchor and no witness has seen a newer entry than the anchor or the log; else where and how the log was
        changed. One consistent reading: the anchor's lock is held (no anchor or witness line moves meanwhile) and
        the database's witness row is read before the entries, so a concurrent writer never looks like tampering."""
        with self._anchor_lock():
            with self.engine.connect() as con:
                row = con.execute(sa.select(WITNESS).where(WITNESS.c.id == 1)).first()
            entries = self.entries()
            anchor = self._read_anchor()
            lines, problem = self._read_witness(entries) if self.witness is not None else ([], "")
        if problem:
            return False, problem
        prev = GENESIS
        for i, e in enumerate(entries, start=1):
            if e["id"] != i:
                return False, f"entry {e['id']}: expected entry {i} (an entry was removed or the log reordered)"
            if e["prev_hash"] != prev:
                return False, f"entry {e['id']}: previous-hash mismatch (an entry before it was removed or changed)"
            if self._mac(i, prev, e["at"], e["actor"], e["action"], e["detail"]) != e["hash"]:
                return False, f"entry {e['id']}: content does not match its MAC (edited or re-chained)"
            prev = e["hash"]
        witnessed, problem = self._check_witnesses(entries, anchor, row, lines)
        if problem:
            return False, problem
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
        agree = {0: "", 1: ", witness agrees"}.get(witnessed, f", {witnessed} witnesses agree")
        return True, f"{len(entries)} entries, chain intact" + (", anchor matches" if anchor else "") + agree

    def _check_witnesses(
        self,
        entries: list[dict[str, Any]],
        anchor: dict[str, Any] | None,
        row: sa.Row | None,
        lines: list[tuple[int, str]],
    ) -> tuple[int, str]:
        """(how many witnesses agree, '') or (0, what is wrong). The database's witness row is committed with its
        entry, so it may be ahead of the anchor after a crash, but never ahead of the log: if it is, entries were
        deleted (and an anchor behind it was rolled back). The witness file is written after the anchor, so it is
        never ahead of the anchor: if it is, the anchor was rolled back. An entry a witness saw that no longer
        matches was replaced."""
        name = "the operational database's witness"
        starts = [e["id"] for e in entries if e["action"] == WITNESS_STARTED]
        if len(starts) > 1 or (row is None and starts):
            return 0, (
                f"the operational database's witness row was deleted (the witness started at entries "
                f"{', '.join(map(str, starts))}): entries after the anchor may have been removed"
            )
        if row is None:
            if entries:
                return 0, (
                    "no witness row in the operational database (deleted — or a log from before witnesses: the "
                    "next audited action writes it)"
                )
        elif not hmac.compare_digest(row.mac, self._witness_mac(row.seq, row.head)):
            return 0, "the operational database's witness row was changed (its MAC does not match)"
        elif row.seq > len(entries):
            if anchor is not None and anchor.get("seq", -1) < row.seq:
                return 0, (
                    f"the anchor was rolled back: it names entry {anchor.get('seq')} but {name} saw entry "
                    f"{row.seq} (the log ends at {len(entries)}: truncated)"
                )
            return 0, f"{name} saw entry {row.seq} but the log ends at {len(entries)} (truncated)"
        elif row.seq > 0 and entries[row.seq - 1]["hash"] != row.head:
            return 0, f"entry {row.seq} does not match {name} (replaced)"
        if self.witness is None:
            return int(row is not None), ""
        name = f"witness {self.witness}"
        if lines:
            seq = lines[-1][0]
            if anchor is not None and seq > anchor.get("seq", -1):
                return 0, (
                    f"the anchor was rolled back: it names entry {anchor.get('seq')} but {name} saw entry "
                    f"{seq} (the log ends at {len(entries)})"
                )
            if seq > len(entries):
                return 0, f"{name} saw entry {seq} but the log ends at {len(entries)} (truncated)"
        for seq, head in lines:  # the history: every anchor move it saw still matches the log
            if seq > 0 and entries[seq - 1]["hash"] != head:
                return 0, f"entry {seq} does not match {name} (replaced)"
        return int(row is not None) + 1, ""

    def _read_witness(self, entries: list[dict[str, Any]]) -> tuple[list[tuple[int, str]], str]:
        """The witness file's (seq, head) lines, each MAC checked; or what is wrong with it."""
        assert self.witness is not None
        if not self.witness.exists():
            if entries:
                return [], (
                    f"the witness {self.witness} is missing (deleted — or configured after the last entry: "
                    "the next audited action writes it)"
                )
            return [], ""
        lines: list[tuple[int, str]] = []
        with open(self.witness, encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                try:
                    item = json.loads(text)
                    seq, head, mac = int(item["seq"]), str(item["head"]), str(item["mac"])
                except (ValueError, KeyError, TypeError):
                    return [], f"witness {self.witness} line {number} is not a witness entry (edited)"
                if not hmac.compare_digest(mac, self._witness_mac(seq, head)):
                    return [], f"witness {self.witness} line {number} was changed (its MAC does not match)"
                if lines and seq <= lines[-1][0]:
                    return [], f"witness {self.witness} line {number} goes back to entry {seq} (edited)"
                lines.append((seq, head))
        if not lines and entries:
            return [], f"the witness {self.witness} is empty (emptied — the log has {len(entries)} entries)"
        return lines, ""


@contextlib.contextmanager
def audited(log: AuditLog | None, actor: str, action: str, detail: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Log the intent, run the block, log the outcome (``done`` with what the block put in the yielded dict,
    ``refused``/``failed`` with the error) — so a failing or refused call leaves its trace too."""
    if log is None:
        yield {}
        return
    anonymous = actor == ANONYMOUS  # anyone can repeat these: the intent is written with the outcome, refusals counted
    if not anonymous:
        log.append(actor, action, {**detail, "outcome": "intent"})
    outcome: dict[str, Any] = {}
    try:
        yield outcome
    except UdcError as exc:
        if anonymous:
            log.tally(actor, action, {**detail, "error": str(exc)}, exc.status)
        else:
            log.append(actor, action, {**detail, "outcome": "refused", "status": exc.status, "error": str(exc)})
        raise
    except BaseException as exc:
        if anonymous:
            log.append(actor, action, {**detail, "outcome": "intent"})
        log.append(actor, action, {**detail, "outcome": "failed", "error": type(exc).__name__})
        raise
    if anonymous:
        log.append(actor, action, {**detail, "outcome": "intent"})
    log.append(actor, action, {**detail, **outcome, "outcome": "done"})


_LOGS: dict[tuple[str, str, str], AuditLog] = {}
_OPEN: weakref.WeakSet[AuditLog] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    """Counted refusals still waiting for their interval are written when the process ends."""
    for log in list(_OPEN):
        with contextlib.suppress(Exception):  # a database already gone at exit: nothing more to do
            log.flush()


def store_log(store_path: Path, settings: Settings | None = None) -> AuditLog:
    """The audit log of a store, opened once per process (engines are costly to create); from here on the process
    creates private files (the operational database, anchor and key live beside the store's microdata).
    ``settings``: the caller's; default the process's (:func:`udc.settings.current`)."""
    private_umask()
    s = (settings or current()).at(store_path)
    key = (s.database_url, str(s.audit_anchor), str(s.audit_witness), s.audit_key)
    if key not in _LOGS:
        _LOGS[key] = AuditLog(engine_for(s.database_url), key_for(store_path, s), s.audit_anchor, s.audit_witness)
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
