"""``udc demo`` takes minutes: it says what it is doing, phase by phase, on stderr — one line per phase with its
seconds when stderr is not a terminal (logs, CI, this test's captured run), nothing with ``--quiet``; stdout keeps
the summary alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_runner import udc
from udc.demo import phases

pytestmark = pytest.mark.slow  # two real demo runs (about 15 s): a system test, in make test's second step


def test_each_phase_is_a_line_on_stderr_and_quiet_is_silent(tmp_path: Path) -> None:
    ran = udc("--store", str(tmp_path / "store"), "demo", "--persons", "10000", "--years", "2019-2020")
    lines = ran.stderr.splitlines()
    done = [line for line in lines if not re.search(r": \d{4} simulated ", line)]
    assert [re.sub(r" \(\d+\.\d s\)$", "", line) for line in done] == [f"demo: {p}" for p in phases(True)]
    assert all(re.fullmatch(r"demo: .+ \(\d+\.\d s\)", line) for line in lines), lines
    years = [line for line in lines if line not in done]
    assert [line.split(": ")[2].split(" ")[0] for line in years] == ["2019", "2020"]
    assert "demo: " not in ran.stdout and ran.stdout.startswith(f"demo store {tmp_path / 'store'}: 10,000 persons")
    quiet = udc(
        "--store",
        str(tmp_path / "store"),
        "demo",
        "--persons",
        "10000",
        "--years",
        "2019-2019",
        "--quiet",
        "--no-publish",
    )
    assert quiet.stderr == "" and "demo store" in quiet.stdout
