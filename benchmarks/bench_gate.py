"""The disclosure gate: output checking against ACRO, and secondary suppression at national scale.

1. Output check of a large crosstab (buurt × household type, sum of age, from the demo microdata): udc's rules on
   the aggregated table against ACRO's crosstab checks, in the same run, on the same cells; flags compared.
2. Secondary suppression of a 3-level hierarchy at national scale — about 13 000 buurten → 3 000 wijken →
   342 gemeenten × 5 categories with synthetic counts — to a complete, LP-audited pattern.
3. Cell-key magnitudes: the demo crosstab (buurt × education, rolled up to wijk and gemeente) with the sum of ages
   perturbed, against the same request with cell-key counts alone, in the same run (target ≤ 2×).

    python benchmarks/bench_gate.py [persons …]
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def output_check(persons: int) -> None:
    from acro import ACRO

    from udc.privacy.policy import Policy
    from udc.privacy.rules import primary
    from udc.store import Store
    from udc.synth.generate import generate

    logging.getLogger("acro").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s") as store:
        generate(store, persons=persons, seed=1, years=(2015, 2016))
        people = store.query(
            "SELECT h.buurt_code::VARCHAR AS buurt, h.household_type::VARCHAR AS type, "
            "p.age::DOUBLE AS age FROM ds_synth_persons_yearly p JOIN ds_synth_households h "
            "USING (household_id, year) WHERE p.year = 2016"
        )
    t0 = time.perf_counter()
    cells = store_free_aggregate(people)
    flags = primary(cells, Policy(), total="total", top1="top1", top2="top2")
    ours = time.perf_counter() - t0
    acro = ACRO(suppress=False)
    t0 = time.perf_counter()
    acro.crosstab(people.buurt, people.type, values=people.age, aggfunc="sum")
    theirs = time.perf_counter() - t0
    outcome = list(acro.results.results.values())[-1].outcome
    same = 0
    for (_, row), (_, flag) in zip(cells.iterrows(), flags.iterrows(), strict=True):
        text = str(outcome.loc[row.buurt, row.type])
        same += (
            ("threshold" in text.lower()) == flag.threshold
            and ("NKCheck" in text) == flag.nk
            and ("PPercentCheck" in text) == flag.p_percent
        )
    print(
        f"output check: {len(people):,} records, {len(cells):,} cells; udc {ours:.3f} s, ACRO {theirs:.3f} s, "
        f"ratio {theirs / ours:.1f}x; identical flags on {same}/{len(cells)} cells "
        f"(threshold {int(flags.threshold.sum())}, nk {int(flags.nk.sum())}, p% {int(flags.p_percent.sum())})"
    )


def magnitudes(persons: int, repeats: int = 5) -> None:
    """Cell-key counts alone vs counts and perturbed sums, the same request on the same store (best of ``repeats``)."""
    from udc.privacy.access import User
    from udc.privacy.audit import AuditLog, engine_for
    from udc.privacy.gate import crosstab
    from udc.privacy.request import Filter, TableRequest
    from udc.store import Store
    from udc.synth.generate import generate

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s") as store:
        generate(store, persons=persons, seed=1, years=(2015, 2016))
        audit = AuditLog(engine_for(f"sqlite:///{tmp}/op.sqlite"), b"k" * 32, Path(tmp) / "anchor")
        user = User("bench", "researcher")
        timings = {}
        for measure in (None, "age"):
            request = TableRequest(
                dataset="synth_persons_yearly",
                dimensions=["buurt_code", "education"],
                filters=[Filter(column="year", values=[2016])],
                area="buurt_code",
                measure=measure,
            )
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                table = crosstab(store, request, user=user, audit=audit)
                best = min(best, time.perf_counter() - t0)
            timings[measure] = (best, len(table.cells))
    (counts, cells), (sums, _) = timings[None], timings["age"]
    print(
        f"cell-key magnitudes: {persons:,} persons, {cells:,} cells; counts alone {counts:.3f} s, counts and "
        f"perturbed sums {sums:.3f} s, ratio {sums / counts:.2f}x (target ≤ 2x)"
    )


def store_free_aggregate(people: pd.DataFrame) -> pd.DataFrame:
    """Count, total and the two largest contributions per cell, in DuckDB (as the gate computes them)."""
    import duckdb

    cells = duckdb.sql(
        "SELECT buurt, type, count(*) AS count, sum(age) AS total, max(age, 2) AS top FROM people "
        "GROUP BY ALL ORDER BY ALL"
    ).df()
    cells["top1"] = cells.top.map(lambda t: t[0])
    cells["top2"] = cells.top.map(lambda t: t[1] if len(t) > 1 else 0.0)
    return cells.drop(columns="top")


def hierarchy(
    n_gm: int, n_wk: int, n_bu: int, n_cat: int = 5, seed: int = 7, mean: float = 60.0
) -> tuple[np.ndarray, list]:
    """A buurt → wijk → gemeente → total hierarchy × categories (with their totals) of many small counts: values and
    additive equations, as the gate builds them."""
    rng = np.random.default_rng(seed)
    wk_of_bu = np.sort(rng.integers(0, n_wk, n_bu))
    wk_of_bu[:n_wk] = np.arange(n_wk)  # every wijk has a buurt
    wk_of_bu.sort()
    gm_of_wk = np.sort(np.concatenate([np.arange(n_gm), rng.integers(0, n_gm, n_wk - n_gm)]))
    leaves = rng.negative_binomial(2, 2 / (2 + mean), (n_bu, n_cat)).astype(float)  # many small cells

    # cell ids: for each level block (buurt, wijk, gemeente, total) × (categories + category total)
    def block(values: np.ndarray) -> np.ndarray:
        return np.column_stack([values, values.sum(axis=1)])

    bu = block(leaves)
    wk = np.zeros((n_wk, n_cat + 1))
    np.add.at(wk, wk_of_bu, bu)
    gm = np.zeros((n_gm, n_cat + 1))
    np.add.at(gm, gm_of_wk, wk)
    total = gm.sum(axis=0, keepdims=True)
    levels = [bu, wk, gm, total]
    offsets = np.cumsum([0] + [lv.size for lv in levels])
    values = np.concatenate([lv.ravel() for lv in levels])

    def cid(level: int, row: int, col: int) -> int:
        return int(offsets[level] + row * (n_cat + 1) + col)

    equations = []
    for level, lv in enumerate(levels):  # category total = Σ categories
        for row in range(lv.shape[0]):
            equations.append((cid(level, row, n_cat), [cid(level, row, c) for c in range(n_cat)]))
    for level, parents in ((0, wk_of_bu), (1, gm_of_wk), (2, np.zeros(n_gm, int))):
        children: dict[int, list[int]] = {}
        for child, parent in enumerate(parents):
            children.setdefault(int(parent), []).append(child)
        for parent, kids in children.items():
            for col in range(n_cat + 1):
                equations.append((cid(level + 1, parent, col), [cid(level, k, col) for k in kids]))
    return values, equations


def national_suppression(scale: float = 1.0) -> None:
    """``scale`` < 1 shrinks the country (the smoke run)."""
    from udc.privacy.suppress import Table, protect

    values, equations = hierarchy(max(3, int(342 * scale)), max(10, int(3_000 * scale)), max(40, int(13_000 * scale)))
    primary = (values > 0) & (values < 10)
    t0 = time.perf_counter()
    pattern, results = protect(Table(values, equations), primary, np.ones(len(values)))
    seconds = time.perf_counter() - t0
    print(
        f"national suppression: {len(values):,} cells, {len(equations):,} equations, {int(primary.sum()):,} primary; "
        f"{int(pattern.sum() - primary.sum()):,} secondary; {len(results):,} cells LP-audited, all protected: "
        f"{all(r.protected for r in results)}; {seconds:.1f} s"
    )


def versus_optimum(name: str, n_gm: int, n_wk: int, n_bu: int, seed: int) -> None:
    """udc's pattern (and the greedy one alone, as used at national scale) against the fewest suppressions a MIP
    finds (HiGHS), on one hierarchy."""
    from udc.privacy import suppress
    from udc.privacy.optimal import optimal

    values, equations = hierarchy(n_gm, n_wk, n_bu, seed=seed, mean=25.0)
    table, primary, required = suppress.Table(values, equations), (values > 0) & (values < 10), np.ones(len(values))
    t0 = time.perf_counter()
    ours, results = suppress.protect(table, primary, required)
    ours_s = time.perf_counter() - t0
    guided_size, suppress.GUIDED_SIZE = suppress.GUIDED_SIZE, 0
    t0 = time.perf_counter()
    greedy, _ = suppress.protect(table, primary, required)
    greedy_s = time.perf_counter() - t0
    suppress.GUIDED_SIZE = guided_size
    best = optimal(table, primary, required, time_limit=120)
    checked = [r for r in suppress.audit(table, best.pattern, required) if primary[r.cell]]
    p = int(primary.sum())
    u2, g2, b2 = int(ours.sum()) - p, int(greedy.sum()) - p, int(best.pattern.sum()) - p
    bound = f", proven ≥ {best.bound - p:.1f}" if best.bound is not None and best.status != "optimal" else ""
    print(
        f"suppression vs optimum, {name}: {len(values):,} cells, {p} primary; secondary: udc {u2} ({ours_s:.2f} s, "
        f"all protected: {all(r.protected for r in results)}), greedy alone {g2} ({greedy_s:.2f} s), MIP {b2} "
        f"({best.status}{bound}, {best.seconds:.1f} s); ratio udc/MIP {(u2 / b2 if b2 else float('nan')):.2f} "
        f"(target ≤ 1.2), greedy/MIP {(g2 / b2 if b2 else float('nan')):.2f}; value suppressed udc "
        f"{values[ours].sum():.0f}, greedy {values[greedy].sum():.0f}, MIP {values[best.pattern].sum():.0f}; "
        f"MIP pattern passes udc's audit for every primary: {all(r.protected for r in checked)}"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        output_check(5_000)
        magnitudes(5_000, repeats=1)
        national_suppression(scale=0.02)
        versus_optimum("tiny", 1, 2, 5, seed=1)
    else:
        for size in [int(a) for a in sys.argv[1:]] or [20_000, 250_000]:  # small: many dominated cells; large: speed
            output_check(size)
            magnitudes(size)
        versus_optimum("small", 1, 4, 16, seed=1)
        versus_optimum("medium", 2, 8, 40, seed=2)
        national_suppression()
