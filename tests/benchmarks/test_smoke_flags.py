"""Every benchmark has a --smoke mode, which `make test` runs (`make bench-smoke`): none can rot unnoticed."""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS = sorted((Path(__file__).resolve().parents[2] / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmarks() -> None:
    assert len(BENCHMARKS) >= 6


def test_every_benchmark_has_a_smoke_mode() -> None:
    missing = [b.name for b in BENCHMARKS if not re.search(r'sys\.argv\[1:\] == \["--smoke"\]', b.read_text())]
    assert not missing, f"benchmarks without --smoke: {missing}"


def test_make_runs_every_benchmark_in_smoke_mode() -> None:
    makefile = (BENCHMARKS[0].parents[1] / "Makefile").read_text()
    assert "$(MAKE) bench-smoke" in makefile.split("\ntest:")[1].split("\n\n")[0]
    assert "wildcard benchmarks/bench_*.py" in makefile
