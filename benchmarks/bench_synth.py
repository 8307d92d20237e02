"""Synthetic population: generation time, rows per second and peak memory per size, and growth ratios.

Each size runs in its own process so peak memory (ru_maxrss) belongs to that size alone. The baseline is the
smallest size of the same run: the ratio time(size) / time(base) against size / base shows whether growth is linear.

    python benchmarks/bench_synth.py                 # 2 and 20 million persons, 2015-2024 (target: 20 M ≤ 11× 2 M)
    python benchmarks/bench_synth.py 100000 18000000 # national scale (target: ≤ 10 min, ≤ 8 GB on 2 cores)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(persons: int) -> None:
    from udc.store import Store
    from udc.synth.generate import generate

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s") as store:
        began = time.perf_counter()
        report = generate(store, persons=persons, seed=1, years=(2015, 2024))
        seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "persons": persons,
                "seconds": seconds,
                "rows": sum(report.rows.values()),
                "peak_mb": peak_mb,
                "phases": report.phases,
            }
        )
    )


def main(sizes: list[int]) -> None:
    results = []
    for persons in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(persons)], capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    base = results[0]
    print(f"{'persons':>12} {'seconds':>9} {'rows':>12} {'rows/s':>10} {'peak MB':>9} {'size x':>7} {'time x':>7}")
    for r in results:
        print(
            f"{r['persons']:>12,} {r['seconds']:>9.1f} {r['rows']:>12,} {r['rows'] / r['seconds']:>10,.0f} "
            f"{r['peak_mb']:>9,.0f} {r['persons'] / base['persons']:>7.1f} {r['seconds'] / base['seconds']:>7.1f}"
        )
    for r in results:  # where the time goes: the simulation (loading overlaps it), what loading has left, catalogue
        print(f"{r['persons']:>12,} " + ", ".join(f"{k} {v:.1f} s" for k, v in r["phases"].items()))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]))
    else:
        smoke = sys.argv[1:] == ["--smoke"]  # CI: every code path at a tiny size
        main([10_000, 20_000] if smoke else [int(a) for a in sys.argv[1:]] or [2_000_000, 20_000_000])
