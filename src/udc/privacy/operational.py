"""The operational database's engine (users, sessions, audit log, parties, participation), made in one place.

A SQLite file is switched to write-ahead logging: every audited action commits, and in SQLite's default rollback
journal each commit costs three to four fsyncs (journal, database, journal removal) — about 15 ms on an ordinary
disk, more than most gate queries. In WAL mode a commit is one fsync of the log and stays durable
(``synchronous=FULL``), and pages read while someone writes (the web beside the CLI) no longer wait for the writer.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa


def create(url: str) -> sa.Engine:
    """An engine on ``url``; for a SQLite file, each connection in WAL mode with full synchronous commits."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        sa.event.listen(engine, "connect", _wal)
    return engine


def _wal(connection: Any, _record: Any) -> None:
    """WAL is stored in the file (the first connection switches it); a database another process holds in the old
    mode keeps it until that process lets go — the mode is a speed-up, never a reason to fail."""
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
    except sqlite3.OperationalError:  # 'database is locked': keep the current mode
        pass
    finally:
        cursor.close()
