"""Finding 9: the store holds microdata, the audit key and anchor, the operational database (password hashes) and
residents' photos — none of it may be readable by other local accounts, whatever the umask the process started
with. Spark's hand-over copies (whole microdata tables) are private too and gone after the job."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_runner import udc
from udc.store import Store


@pytest.fixture
def loose_umask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The usual 022 of a login shell (and no settings that move files out of the store)."""
    for name in ("UDC_DATABASE_URL", "UDC_AUDIT_KEY", "UDC_AUDIT_ANCHOR", "UDC_AUDIT_WITNESS", "UDC_WEB_SECRET"):
        monkeypatch.delenv(name, raising=False)
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def _loose(modes: dict[str, int], root: Path) -> dict[str, str]:
    """Entries other accounts could read: directories not 0700, files not 0600."""
    return {name: oct(mode) for name, mode in modes.items() if mode != (0o700 if (root / name).is_dir() else 0o600)}


def test_a_new_store_and_its_operational_files_are_private(tmp_path: Path, loose_umask: None) -> None:
    store = tmp_path / "store"
    Store(store).close()
    udc("--store", str(store), "users", "add", "anna", "--role", "analyst")
    modes = _modes(store)
    assert {"udc.duckdb", "operational.sqlite", "audit.anchor", "audit.key"} <= set(modes)
    assert _loose(modes, store) == {}
    umask = os.umask(0o077)
    os.umask(umask)
    assert umask & 0o077 == 0o077  # what the process creates next (a photo, a WAL, an export's folder) is private


def test_an_existing_store_is_made_private_when_opened_for_writing(tmp_path: Path, loose_umask: None) -> None:
    store = tmp_path / "store"
    store.mkdir(mode=0o755)
    os.chmod(store, 0o755)
    Store(store).close()
    assert stat.S_IMODE(store.stat().st_mode) == 0o700


@pytest.mark.slow
def test_a_fresh_demo_store_is_private(tmp_path: Path, loose_umask: None) -> None:
    """The done-when item: ``udc demo`` from a shell with umask 022 leaves a 0700 store of 0600 files."""
    store = tmp_path / "demo"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "udc",
            "demo",
            "--persons",
            "2000",  # the file modes do not depend on the size (the demo's fixed cost is most of a small build)
            "--years",
            "2020-2020",
            "--quiet",
            "--store",
            str(store),
        ],
        check=True,
        capture_output=True,
        umask=0o022,
    )
    modes = _modes(store)
    assert {"udc.duckdb", "operational.sqlite", "audit.anchor", "audit.key"} <= set(modes)
    assert _loose(modes, store) == {}
