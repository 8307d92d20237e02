"""BAG import in bounded memory (issue 33): a synthetic extract of verblijfsobjecten (CSV in NLExtract's shape, points
in the demo region) imported twice — a quarter of the size and the full size — each in a fresh process; the extra
memory the import takes (peak RSS minus the process's RSS just before importing) must not grow with the extract.

    python benchmarks/bench_bag.py [objects]     # default 1 000 000 (and 250 000 beside it)
    python benchmarks/bench_bag.py --smoke       # CI: 20 000 and 5 000 objects, not judged

Target: extra memory at full size ≤ 1.5 × at a quarter of the size (chunks of 200 000: memory bounded, not
proportional); objects per second printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USES = ["woonfunctie", "woonfunctie", "woonfunctie", "winkelfunctie", "kantoorfunctie", "woonfunctie,winkelfunctie"]
STATUSES = ["Verblijfsobject in gebruik"] * 8 + ["Verblijfsobject buiten gebruik", "Verblijfsobject gevormd"]


def write(path: Path, objects: int) -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    x = rng.uniform(20_000, 60_000, objects)
    y = rng.uniform(505_000, 535_000, objects)
    use = rng.integers(0, len(USES), objects)
    status = rng.integers(0, len(STATUSES), objects)
    with path.open("w", encoding="utf-8") as out:
        out.write("identificatie;gebruiksdoel;status;oppervlakte;pandidentificatie;x;y\n")
        for i in range(objects):
            out.write(f'{9901010000000000 + i};"{USES[use[i]]}";{STATUSES[status[i]]};{60 + i % 200};'
                      f"{9901100000000000 + i // 4};{x[i]:.1f};{y[i]:.1f}\n")  # fmt: skip


def child(store: str, file: str) -> None:
    """In a fresh process: RSS before and the peak during the import (Linux: VmHWM is the peak resident set)."""
    import udc

    s = udc.open(store)
    before = _status("VmRSS")
    t0 = time.perf_counter()
    report = s.sources.import_bag(file, year=2024)
    seconds = time.perf_counter() - t0
    print(json.dumps({"before": before, "peak": _status("VmHWM"), "seconds": seconds, "objects": report["objects"]}))


def _status(key: str) -> int:
    """A /proc/self/status figure in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) // 1024
    return 0


def run(objects: int, folder: Path) -> dict:
    from udc.store import Store
    from udc.synth.generate import register_region
    from udc.synth.region import build_region

    store = folder / f"s{objects}"
    with Store(store) as s:
        register_region(s, build_region(1), 2024)
    file = folder / f"bag{objects}.csv"
    write(file, objects)
    done = subprocess.run([sys.executable, __file__, "--child", str(store), str(file)], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(objects: int, judge: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        small = run(objects // 4, Path(tmp))
        full = run(objects, Path(tmp))
    for r in (small, full):
        extra = r["peak"] - r["before"]
        print(f"{r['objects']:>10,} objects: {r['seconds']:.1f} s ({r['objects'] / r['seconds']:,.0f} per s); RSS "
              f"before {r['before']} MB, peak {r['peak']} MB, extra {extra} MB")  # fmt: skip
    ratio = (full["peak"] - full["before"]) / max(small["peak"] - small["before"], 1)
    verdict = ("met" if ratio <= 1.5 else "missed") if judge else "not judged (smoke)"
    print(f"target: extra memory at {objects:,} ≤ 1.5 × at {objects // 4:,}: ratio {ratio:.2f}  {verdict}")
    return 0 if not judge or ratio <= 1.5 else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
        sys.exit(0)
    if sys.argv[1:] == ["--smoke"]:
        sys.exit(main(20_000, judge=False))
    if any(not a.isdigit() for a in sys.argv[1:]) or len(sys.argv) > 2:
        sys.exit("usage: python benchmarks/bench_bag.py [objects] | --smoke")
    sys.exit(main(int(sys.argv[1]) if sys.argv[1:] else 1_000_000, judge=True))
