"""A store directory holding a DuckDB database with a versioned schema.

DuckDB is embedded (no server, works offline, runs on Windows). Writes go through
:meth:`Store.transaction` so an import is all or nothing; analytical reads go through
:attr:`Store.ibis`, the same expression layer a Spark backend will accept later.

Several processes share one store by holding it only briefly: DuckDB lets many processes read a file at once, or
one process write it. ``udc serve`` opens the store read-only per request, readers (``udc info``, a notebook) open it
read-only, and a writer waits until no reader holds it (:data:`LOCK_WAIT`), so every command works while the server
runs. Opening fails with one line naming the other process when the wait runs out.

A store holds microdata, the operational database (password hashes, residents' contact data), the audit key and
anchor, and residents' photos: opening one makes the process's umask 077 (tightened, never loosened), so everything
it creates from then on — the database and its WAL, SQLite files, photos, Spark's hand-over, outputs — is its
account's only; a new store directory is 0700 and the store's own files are made 0600 when it is opened for writing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from udc.errors import NotFound, UdcError
from udc.settings import LOCK_WAIT, current  # LOCK_WAIT lives in settings; importable from here as before

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import pandas as pd

DB_FILE = "udc.duckdb"
# made 0600 on a writable open (stores from before the umask)
PRIVATE_FILES = ("udc.duckdb", "udc.duckdb.wal", "operational.sqlite", "audit.anchor", "audit.key", "audit.lock")
WRITE_INTENT = "write.intent"  # a writer waiting for the store says so here: readers that share it let go
_PID = re.compile(r"\(PID (\d+)\)")


def quote(identifier: str) -> str:
    """An SQL identifier, quoted for DuckDB (the one place that does it: column names come from imported files)."""
    return '"' + str(identifier).replace('"', '""') + '"'


def writer_waiting(store_path: Path, fresh: float = LOCK_WAIT + 5) -> bool:
    """Whether a writer announced (within ``fresh`` seconds) that it waits for the store."""
    try:
        return time.time() - (store_path / WRITE_INTENT).stat().st_mtime < fresh
    except OSError:
        return False


def connect(path: Path, *, read_only: bool, config: dict[str, Any] | None = None, wait: float = LOCK_WAIT) -> Any:
    """A DuckDB connection, retried while another process holds the file; a one-line error when the wait runs out.
    A writer announces itself while it waits (:data:`WRITE_INTENT`), so that a server sharing one read-only
    connection among its requests lets go instead of keeping the store busy."""
    if read_only:
        return _connect(path, read_only=True, config=config, wait=wait)
    intent = path.parent / WRITE_INTENT
    with contextlib.suppress(OSError):  # a read-only directory: nothing to announce, DuckDB will say what is wrong
        intent.write_text(str(os.getpid()))
    try:
        return _connect(path, read_only=False, config=config, wait=wait)
    finally:
        intent.unlink(missing_ok=True)


def _connect(path: Path, *, read_only: bool, config: dict[str, Any] | None, wait: float) -> Any:
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config or {})
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            message = str(exc).splitlines()[0]
            if not _held(message) or time.monotonic() >= deadline:
                raise StoreBusy(path.parent, message, read_only) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _held(message: str) -> bool:
    """Another process holds the file lock, or this process has it open in the other mode (read-only vs not)."""
    return "lock" in message.lower() or "different configuration" in message


class StoreBusy(UdcError):
    """Another process holds the store longer than we may wait (a long import, or an old udc without short opens)."""

    status = 503

    def __init__(self, path: Path, message: str, read_only: bool) -> None:
        pid = _PID.search(message)
        who = f"process {pid.group(1)}" if pid else "another process"
        if not _held(message):
            super().__init__(f"cannot open store {path}: {message}")
        elif "different configuration" in message:
            super().__init__(
                f"store {path} is open in this process in another mode (read-only or locked down): close "
                "that connection first"
            )
        elif read_only:
            super().__init__(
                f"store {path} is being written by {who} (an import, release or demo): try again when it has finished"
            )
        else:
            super().__init__(
                f"store {path} is in use by {who}: writes wait until no one else holds it; stop that "
                "process (or let it finish) and try again"
            )


def private_umask() -> None:
    """From now on this process creates files for its own account only (umask | 077). Process-wide on purpose:
    DuckDB, SQLite, Spark and the photo store create files of their own that no chmod here would reach."""
    if os.name == "posix":
        os.umask(os.umask(0o077) | 0o077)


def make_private(path: Path, names: tuple[str, ...] = PRIVATE_FILES) -> None:
    """The store directory 0700 and its own files 0600 — only what this account owns (a shared mount or another
    owner's store is left as it is)."""
    if os.name != "posix" or not path.is_dir() or path.stat().st_uid != os.getuid():
        return
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    for name in names:
        with contextlib.suppress(OSError):
            file = path / name
            if file.is_file() and file.stat().st_uid == os.getuid():
                os.chmod(file, 0o600)


def default_store_path() -> Path:
    """The process's store: the CLI's ``--store``, else ``UDC_STORE``, else ``./udc-data`` (:mod:`udc.settings`)."""
    return current().store


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("udc.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


@functools.cache
def latest_version() -> int:
    """The schema version this udc migrates a store to."""
    return _migrations()[-1][0]


def prepare(path: Path, *, wait: float) -> None:
    """Create and migrate the store at ``path`` when needed. One already current is only looked at read-only, the
    way the server's requests open it: a second app over the same store in one process (tests, a notebook) need not
    wait for the first one's lingering readers to let go, as a read-write open must."""
    if (path / DB_FILE).exists():
        with contextlib.suppress(StoreBusy), Store(path, read_only=True, locked_down=True, wait=0) as store:
            if store.schema_version >= latest_version():
                return
    Store(path, wait=wait).close()


class Store:
    """A udc store directory. Open it with ``Store(path)``; it is created and migrated when needed."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        locked_down: bool = False,
        wait: float | None = None,
        db_file: str = DB_FILE,
    ) -> None:
        """``read_only``: a reader beside other readers (the server, notebooks); ``locked_down``: no file functions,
        ``COPY`` or extensions on this connection (interfaces that answer ad-hoc requests); ``wait``: seconds to wait
        for another process's hold (default ``UDC_LOCK_WAIT`` from the process's settings)."""
        self.path = Path(path) if path is not None else default_store_path()
        if self.path.exists() and not self.path.is_dir():
            raise UdcError(f"store {self.path} is a file; expected a directory")
        if read_only and not (self.path / db_file).exists():
            raise NotFound(f"no udc store at {self.path} (run 'udc demo' or an import first, or pass --store)")
        private_umask()
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings = current()
        config: dict[str, Any] = {"enable_external_access": False} if locked_down else {}
        if settings.threads:
            config["threads"] = settings.threads
        wait = settings.lock_wait if wait is None else wait
        self.con = connect(self.path / db_file, read_only=read_only, config=config, wait=wait)
        if not read_only:
            make_private(self.path)
        self.read_only = read_only
        self._ibis: Any = None
        self._in_transaction = False
        if not read_only:
            self.migrate()

    # -- schema -----------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        """The newest migration applied (0: a new database). Asked of the table itself: DuckDB's information schema
        costs a catalogue scan, a tenth of opening a store."""
        try:
            row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        except duckdb.CatalogException:
            return 0
        return int(row[0] or 0) if row else 0

    def migrate(self) -> list[str]:
        """Apply the migrations this store has not seen yet, each in its own transaction (a current store: one read)."""
        current = self.schema_version
        if current >= latest_version():
            return []
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
        applied = []
        for number, name, sql in _migrations():
            if number <= current:
                continue
            with self.transaction():
                self.con.execute(sql)
                self.con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [number, name])
            applied.append(name)
        return applied

    # -- access -----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing writes; nested use joins the outer transaction."""
        if self._in_transaction:
            yield self.con
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_transaction = False

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run SQL and return a pandas DataFrame (for small metadata queries)."""
        return self.con.execute(sql, params or []).df()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run SQL and return plain dicts (stable, JSON-friendly)."""
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def columns(self, table: str) -> dict[str, str]:
        """A table's columns and their DuckDB types, in order."""
        return {r[0]: r[1] for r in self.con.execute(f"DESCRIBE {quote(table)}").fetchall()}

    def tables(self) -> set[str]:
        """Names of the tables in the database."""
        return {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}

    def count(self, table: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()
        return int(row[0]) if row else 0

    @property
    def ibis(self) -> ibis.backends.duckdb.Backend:
        """An Ibis backend over the same DuckDB connection (expressions portable to Spark)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def cursor(self) -> Store:
        """The same store on a connection of its own, for one worker thread: DuckDB connections must not be shared
        between threads, cursors of one database may run side by side. Close it when done."""
        view = object.__new__(Store)
        view.path, view.con, view._ibis, view._in_transaction = self.path, self.con.cursor(), None, False
        view.read_only = self.read_only
        return view

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
