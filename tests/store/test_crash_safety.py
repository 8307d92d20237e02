"""kill -9 at any moment: an import, a registration, a release, an area import or a demo rebuild either happened
completely or not at all, and running the same command again succeeds. Real SIGKILLs at moments spread over each
command's work (plus one at random), plus the fault-injection point inside the transaction (which a timed kill may
miss).

The commands run as ``udc`` (its ``main``) in processes forked from a server that has imported udc already
(multiprocessing's forkserver): a fresh interpreter spends seconds importing before it touches the store, and kills
timed by the whole run landed mostly in those imports. Each kill is timed from the moment the process has the store
open and checked to have landed while it still had it open."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import sys
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shared_data import DATA
from udc import settings
from udc.store import Store, catalogue
from udc.store.db import DB_FILE, quote


def state(store: Path) -> str:
    """The catalogue, every dataset's columns and rows, every release version and the area registry, hashed."""
    digest = hashlib.sha256()
    with Store(store, read_only=True) as s:
        for entry in catalogue.entries(s):
            digest.update(repr((entry["name"], entry["sensitivity"], entry["table_name"])).encode())
            table = quote(catalogue.table_of(s, entry["name"]))  # what catalogue.read reads
            digest.update(repr(s.rows(f"DESCRIBE {table}")).encode())
            # the rows as a multiset (row order is not part of a table): their count and the sum of their hashes,
            # computed where they are (a tenth of the time of reading them out, and this runs 13 times a command)
            digest.update(repr(s.rows(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} t")).encode())
            versions = [{k: v for k, v in r.items() if k != "created_at"} for r in catalogue.versions(s, entry["name"])]
            digest.update(repr(versions).encode())  # (when a version was made differs between runs)
        digest.update(repr(s.rows("SELECT count(*), count(DISTINCT code) FROM areas")).encode())
    return digest.hexdigest()


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
    "demo": lambda tmp: ["demo", "--persons", "2000", "--years", "2020-2020", "--quiet", "--seed", "9"],
}


@pytest.fixture(scope="module")
def base(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash")
    rng = np.random.default_rng(1)
    codes = [f"GM99{n:02d}" for n in range(1, 8)]
    rows = 100_000
    frame = pd.DataFrame({"gemeente": rng.choice(codes, rows), "jaar": 2021, "bijstand": rng.integers(0, 50, rows)})
    frame.to_csv(folder / "big.csv", sep=";", index=False)
    shutil.copytree(demo_template, folder / "template")
    return folder


INDEPENDENT_TESTS = True  # each command's case on whichever worker is free (tests/conftest.py, ModuleGroups)
CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["udc.cli.main", "udc.demo", "pandas", "duckdb", "ibis"])  # before its first use
SPREAD = (0.05, 0.35, 0.65, 0.9)  # quantiles of the moments the command held the store; one more at random
LANDED = 4  # of those five moments at least this many must be hit while the command still has the store open,
ATTEMPTS = (
    6  # kills at most per moment (a loaded machine shifts a short run's timing: the kill may come before or after)
)
CHAINED = {"demo"}  # ~15 s a run: its kills follow one another on the leftovers of the last, then one run succeeds


def _udc(args: list[str], env: dict[str, str], log: Path) -> None:
    """The forked child: ``udc ARGS`` with ``env`` added, its output to ``log`` (as the command line does it)."""
    with open(log, "wb") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    os.environ.update(env)
    settings.reset()  # resolved again from this environment (UDC_CRASH_AT)
    sys.argv = ["udc", *args]
    from udc.cli.main import main

    main()


def holds(pid: int, store: Path) -> bool:
    """Whether process ``pid`` has the store's database (its WAL or a demo's rebuild copy) open."""
    database = os.path.realpath(store / DB_FILE)
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:  # gone
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(database):
                return True
        except OSError:  # closed meanwhile
            continue
    return False


def started(args: list[str], store: Path, env: dict[str, str] | None = None) -> tuple[BaseProcess, float | None]:
    """The command started; returns when it has the store open (that moment) or has ended (None)."""
    process = CONTEXT.Process(target=_udc, args=(args, env or {}, store.parent / "udc.log"))
    process.start()
    assert process.pid is not None
    while process.is_alive():
        if holds(process.pid, store):
            return process, time.perf_counter()
        time.sleep(0.002)
    return process, None


def run(args: list[str], store: Path, env: dict[str, str] | None = None) -> tuple[int, str, list[float]]:
    """The command run to its end: exit code, output and the moments (seconds after it first opened the store) at
    which it was seen holding the store open — where its work is, and where the kills are aimed."""
    process, opened = started(args, store, env)
    held: list[float] = []
    while opened is not None and process.is_alive():
        if process.pid is not None and holds(process.pid, store):
            held.append(time.perf_counter() - opened)
        time.sleep(0.002)
    process.join(300)
    assert process.exitcode is not None, "the command did not end within 300 s"
    return process.exitcode, (store.parent / "udc.log").read_text(errors="replace"), held


def killed_at(args: list[str], store: Path, seconds: float) -> tuple[bool, float | None]:
    """SIGKILL ``seconds`` after the command opened the store: whether it landed in the work (alive, store open),
    and, when the command had ended before that moment, for how long it held the store (to aim the next kill: the
    reference run may have been slowed by a loaded machine, and a kill aimed at its later moments then comes after
    every faster run has ended)."""
    process, opened = started(args, store)
    assert opened is not None and process.pid is not None, (store.parent / "udc.log").read_text(errors="replace")
    last = 0.0
    while (now := time.perf_counter() - opened) < seconds and process.is_alive():
        if holds(process.pid, store):
            last = now
        time.sleep(0.002)
    landed = process.is_alive() and holds(process.pid, store)
    process.kill()
    process.join(30)
    killed = process.exitcode == -signal.SIGKILL
    return landed and killed, None if killed else last


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="tells whether a kill landed mid-command from /proc")
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_kill_9_at_any_moment_leaves_a_whole_state(base: Path, tmp_path: Path, command: str) -> None:
    store = tmp_path / "store"

    def fresh() -> None:
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(base / "template", store)

    args = ["--store", str(store), *COMMANDS[command](base)]
    fresh()
    before = state(store)
    code, output, held = run(args, store)
    assert code == 0 and held, output
    after = state(store)
    assert after != before  # the command changes something

    def succeeds_again() -> None:
        code, output, _ = run(args, store)
        assert code == 0, output  # the same command succeeds afterwards
        assert state(store) == after or command == "release"  # (a release after a completed one: one more version)
        fresh()

    landed, leftovers, scale = 0, False, 1.0
    fresh()
    for fraction in (*SPREAD, random.uniform(0.05, 0.95)):
        for _ in range(ATTEMPTS):
            hit, ended = killed_at(args, store, scale * held[int(fraction * (len(held) - 1))])
            if ended is not None:  # this run was faster than the reference: aim the next kills within its length
                scale = min(scale, max(ended, 0.01) / held[-1])
            now = state(store)
            assert now in (before, after), f"killed at {fraction:.0%} into the work: a half-written store"
            leftovers = command in CHAINED and now == before
            # chained: the next kill falls on this one's leftovers, and that run too must reach its work
            if not leftovers:
                succeeds_again()
            if hit:
                landed += 1
                break
    if leftovers:
        succeeds_again()
    assert landed >= LANDED, f"only {landed} of {len(SPREAD) + 1} moments hit while the command had the store open"
    if command not in ("areas", "demo"):  # died inside the transaction, just before it would commit: nothing kept
        fresh()
        code, _, _ = run(args, store, {"UDC_CRASH_AT": "catalogue.save"})
        assert code == 70 and state(store) == before
