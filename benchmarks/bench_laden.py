"""The laadpalen prognosis checked against years it did not see (issue 32): for each seed a synthetic population,
propensities fitted on 2015-2021 through the gate, electric cars per buurt in 2024 predicted from that year's cars
and the region's electric share; the mean absolute error against the true 2024 counts (the synthetic truth, read
directly: this is a benchmark, not an output) beside the naive prognosis "the region's share × the buurt's cars".

    python benchmarks/bench_laden.py [persons] [seeds]     # default 250 000 persons, 3 seeds
    python benchmarks/bench_laden.py --smoke               # CI: every code path at a small size, not judged

Target: MAE(model) ≤ 0.7 × MAE(naive).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def one(persons: int, seed: int, years: tuple[int, int], fit: tuple[int, int], target: int) -> dict[str, float]:
    import udc
    from udc.analysis import charging
    from udc.store import Store
    from udc.synth.generate import generate

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s") as store:
        generate(store, persons=persons, seed=seed, years=years)
        s = udc.open(Path(tmp) / "s")
        t0 = time.perf_counter()
        frame = charging.backtest(store, "demoregio", fit=fit, target=target, user=s.user, audit=s.audit)
        seconds = time.perf_counter() - t0
        truth = (
            store.query(
                "SELECT buurt_code::VARCHAR AS buurt_code, sum(electric_cars) AS truth FROM ds_synth_households "
                "WHERE year = ? GROUP BY 1",
                [target],
            )
            .set_index("buurt_code")
            .truth
        )
    frame = frame.join(truth, on="buurt_code").dropna(subset=["model", "naive", "truth"])
    return {
        "model": float((frame.model - frame.truth).abs().mean()),
        "naive": float((frame.naive - frame.truth).abs().mean()),
        "buurten": float(len(frame)),
        "seconds": seconds,
    }


def main(persons: int, seeds: int, years: tuple[int, int], fit: tuple[int, int], target: int, judge: bool) -> int:
    print(f"laadpalen back-test: {persons:,} persons, fit {fit[0]}-{fit[1]}, predict {target}, {seeds} seeds")
    ratios = []
    for seed in range(1, seeds + 1):
        r = one(persons, seed, years, fit, target)
        ratio = r["model"] / r["naive"] if r["naive"] else float("nan")
        ratios.append(ratio)
        print(
            f"seed {seed}: MAE model {r['model']:.2f}, naive {r['naive']:.2f} electric cars per buurt "
            f"({r['buurten']:.0f} buurten); ratio {ratio:.2f}; study {r['seconds']:.1f} s"
        )
    worst = max(ratios)
    verdict = ("met" if worst <= 0.7 else "missed") if judge else "not judged (smoke)"
    print(f"target: MAE(model) ≤ 0.7 × MAE(naive) in every seed: worst ratio {worst:.2f}  {verdict}")
    return 0 if not judge or worst <= 0.7 else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:
        sys.exit(main(30_000, 1, (2019, 2022), (2019, 2020), 2022, judge=False))
    if any(not a.isdigit() for a in sys.argv[1:]) or len(sys.argv) > 3:
        sys.exit("usage: python benchmarks/bench_laden.py [persons] [seeds] | --smoke")
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(
        main(args[0] if args else 250_000, args[1] if len(args) > 1 else 3, (2015, 2024), (2015, 2021), 2024, True)
    )
