"""Session templates shared by every test process: built once per test run, not once per pytest-xdist worker.

The published demo store costs more CPU than any single test (a population, reports, every release); built in each
of the two workers it took a core for half the main step. Here the first process that asks builds it under a lock
in the run's common temporary folder and every other process waits for that build and copies the result. Under
xdist a background process starts the build as soon as a worker has collected a test that needs it, and the tests
that need it run last, so the workers run the others meanwhile instead of waiting.

Run as ``python tests/templates.py NAME ROOT`` it builds template NAME under ROOT (the background build).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def root_of(factory: pytest.TempPathFactory, config: pytest.Config) -> Path:
    """The run's common temporary folder: a worker's base folder lies in the one its controller made."""
    base = factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def shared(root: Path, name: str, build: Callable[[Path], None]) -> Path:
    """Template ``name`` under ``root``, built by the first process that asks (the lock holds the others until it is
    done). A build that failed or was killed leaves no ``done`` mark, so the next process starts over."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "store"
    with open(root / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "done").exists():
            shutil.rmtree(store, ignore_errors=True)
            build(store)
            (folder / "done").touch()
    return store


def start(root: Path, name: str) -> subprocess.Popen[bytes] | None:
    """Start building ``name`` in a background process unless another worker did already (an exclusive file
    create decides). Its output goes to ``ROOT/NAME.log``; should it fail, the first test that needs the
    template builds it again in-process and shows the error."""
    try:
        os.close(os.open(root / f"{name}.started", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None
    with open(root / f"{name}.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), name, str(root)], stdout=log, stderr=subprocess.STDOUT
        )


class Scheduler:
    """Tests that need a shared template run after the others; under xdist its build starts in the background."""

    def __init__(self, fixtures: dict[str, str]) -> None:
        self.fixtures = fixtures  # fixture name → template name
        self.builds: list[subprocess.Popen[bytes]] = []

    @pytest.hookimpl(trylast=True)  # after the deselection by -m and -k: only what will run counts
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        def needs(item: pytest.Item) -> set[str]:
            return {self.fixtures[f] for f in getattr(item, "fixturenames", ()) if f in self.fixtures}

        wanted = [needs(item) for item in items]
        items[:] = [i for i, w in zip(items, wanted, strict=True) if not w] + [
            i for i, w in zip(items, wanted, strict=True) if w
        ]
        if hasattr(config, "workerinput"):
            root = root_of(config._tmp_path_factory, config)  # type: ignore[attr-defined]
            for name in sorted(set().union(*wanted)):
                if (build := start(root, name)) is not None:
                    self.builds.append(build)

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        """Wait for the build (the other worker may be waiting for it too); an interrupted run stops it."""
        for build in self.builds:
            if exitstatus == pytest.ExitCode.INTERRUPTED and build.poll() is None:
                build.terminate()
            build.wait()


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    import conftest

    shared(Path(sys.argv[2]), sys.argv[1], conftest.TEMPLATES[sys.argv[1]])
