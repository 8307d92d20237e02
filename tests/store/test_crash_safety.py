"""kill -9 at any moment: an import, a registration, a release, an area import or a demo rebuild either happened
completely or not at all, and running the same command again succeeds. Real SIGKILLs at several moments of each
command, plus the fault-injection point inside the transaction (which a timed kill may miss)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shared_data import DATA
from udc.store import Store, catalogue


def state(store: Path) -> str:
    """The catalogue, every dataset's rows, every release version and the area registry, hashed."""
    digest = hashlib.sha256()
    with Store(store, read_only=True) as s:
        for entry in catalogue.entries(s):
            digest.update(repr((entry["name"], entry["sensitivity"], entry["table_name"])).encode())
            rows = catalogue.read(s, entry["name"]).to_csv(index=False).splitlines()
            digest.update("\n".join(rows[:1] + sorted(rows[1:])).encode())  # row order is not part of a table
            versions = [{k: v for k, v in r.items() if k != "created_at"} for r in catalogue.versions(s, entry["name"])]
            digest.update(repr(versions).encode())  # (when a version was made differs between runs)
        digest.update(repr(s.rows("SELECT count(*), count(DISTINCT code) FROM areas")).encode())
    return digest.hexdigest()


def killed_at(args: list[str], seconds: float, env: dict[str, str] | None = None) -> int:
    process = subprocess.Popen(
        [sys.executable, "-m", "udc", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    return process.wait(30)


COMMANDS = {
    "import": lambda tmp: [
        "import",
        str(tmp / "big.csv"),
        "--dataset",
        "bijstand",
        "--area-column",
        "gemeente",
        "--period-column",
        "jaar",
        "--on-duplicate",
        "sum",
    ],
    "register": lambda tmp: ["microdata", "register", "synth_households", "--as", "households", "--name", "hh"],
    "release": lambda tmp: [
        "gate",
        "crosstab",
        "synth_persons_yearly",
        "--by",
        "buurt_code,education",
        "--area",
        "buurt_code",
        "--filter",
        "buurt_code^=BU",
        "--release",
        "kerncijfers_inwoners",
        "--replace",
    ],
    "areas": lambda tmp: ["areas", "import", str(DATA / "open_data_maps" / "gemeenten.json")],
    "demo": lambda tmp: ["demo", "--persons", "5000", "--years", "2019-2020", "--quiet", "--seed", "9"],
}


@pytest.fixture(scope="module")
def base(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash")
    rng = np.random.default_rng(1)
    codes = [f"GM99{n:02d}" for n in range(1, 8)]
    rows = 300_000
    frame = pd.DataFrame({"gemeente": rng.choice(codes, rows), "jaar": 2021, "bijstand": rng.integers(0, 50, rows)})
    frame.to_csv(folder / "big.csv", sep=";", index=False)
    shutil.copytree(demo_template, folder / "template")
    return folder


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "udc", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_kill_9_at_any_moment_leaves_a_whole_state(base: Path, tmp_path: Path, command: str) -> None:
    store = tmp_path / "store"

    def fresh() -> None:
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(base / "template", store)

    args = ["--store", str(store), *COMMANDS[command](base)]
    fresh()
    before = state(store)
    began = time.perf_counter()
    assert run(args).returncode == 0
    duration = time.perf_counter() - began
    after = state(store)
    assert after != before  # the command changes something
    for fraction in (0.35, 0.75):  # of the command's whole run, Python's start included
        fresh()
        killed_at(args, duration * fraction)
        assert state(store) in (before, after), f"killed at {fraction:.0%} of the run: a half-written store"
        again = run(args)
        assert again.returncode == 0, again.stderr  # the same command succeeds afterwards
        assert state(store) == after or command == "release"  # (a release after a completed one: one more version)
    if command not in ("areas", "demo"):  # died inside the transaction, just before it would commit: nothing kept
        fresh()
        crashed = run(args, {"UDC_CRASH_AT": "catalogue.save"})
        assert crashed.returncode == 70 and state(store) == before
