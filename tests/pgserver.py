"""A real PostgreSQL server from Debian's package, started for tests and benchmarks as an unprivileged user
(PostgreSQL refuses to run as root) on a free loopback port, in a temporary directory removed afterwards."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


@contextmanager
def postgres(options: str = "") -> Iterator[str]:
    """Yields a SQLAlchemy URL (psycopg) of a fresh server; ``options``: extra ``-c`` settings for the server."""
    binaries = bindir()
    if binaries is None:
        raise RuntimeError("PostgreSQL server binaries not found: install Debian's 'postgresql' package (.ci/run does)")
    base = Path(tempfile.mkdtemp(prefix="udc-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "nobody")
        run_as = ["runuser", "-u", "nobody", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "data"
    subprocess.run(
        [*run_as, str(binaries / "initdb"), "-D", str(data), "-U", "udc", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    settings = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 {options}".strip()
    subprocess.run(
        [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-o", settings, "-l", str(base / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://udc@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
