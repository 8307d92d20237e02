"""Secondary suppression for tables with margins and hierarchies, with an attacker's-LP audit.

A table is a set of cells and additive equations (a parent equals the sum of its children: buurt → wijk →
gemeente → region, categories → total). Primary-unsafe cells are suppressed; secondary cells are added until the
audit passes: it solves the attacker's linear programme — published cells fixed, suppressed cells ≥ 0, all
equations — with SciPy's HiGHS, and a **primary** cell is protected when its feasible interval is at least its
required width (never exact). Secondary cells are safe cells withheld for the primaries' sake: only primary cells
need an interval (as in τ-ARGUS and sdcTable). Two ways to a pattern, deterministic either way:

* **guided** (small and medium tables, cells × primaries ≤ ``GUIDED_SIZE``; the greedy pattern below is made
  too, and the one with fewer cells, then less value, is kept): start with the greedy pattern plus every cell the
  relaxation below uses (a superset of a safe pattern is safe) and publish cells back one at a time, each only if
  the audit still passes, in the order of the
  LP relaxation of the least-value model (``privacy/optimal.py``: cells a cheap pattern does not lean on first).
  On the benchmark's hierarchies this comes within 1.1× of the MIP's fewest cells, with less value suppressed than
  the MIP's pattern (``benchmarks/bench_gate.py``).
* **greedy** (national scale): an equation with exactly one suppressed cell gets its smallest other cell
  suppressed; a cell the audit finds unprotected gets another partner; repeated until the audit passes; then
  secondary cells the pattern does not need are published again, largest first (bounded by a budget).

The audit works per connected group of suppressed cells (cells sharing equations), so large hierarchies stay fast.
Every choice is ordered by (value, cell id) or by the relaxation's rounded values: same input, same pattern.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from udc.errors import UdcError


@dataclass
class Table:
    """Cells (ids 0…n−1 with values) and equations ``(total, [parts])`` meaning total = Σ parts."""

    values: np.ndarray
    equations: list[tuple[int, list[int]]]
    labels: list[str] = field(default_factory=list)

    def check(self) -> None:
        if (self.values < 0).any():
            raise UdcError(f"negative value in cell {int(np.flatnonzero(self.values < 0)[0])}: counts are ≥ 0")
        for total, parts in self.equations:
            if abs(self.values[total] - self.values[parts].sum()) > 1e-6:
                name = self.labels[total] if self.labels else total
                raise UdcError(
                    f"inconsistent margin at {name}: {self.values[total]} ≠ sum of its parts {self.values[parts].sum()}"
                )


@dataclass
class AuditResult:
    cell: int
    lower: float
    upper: float
    required: float

    @property
    def protected(self) -> bool:
        return self.upper - self.lower >= self.required - 1e-9


def _by_cell(table: Table) -> dict[int, list[int]]:
    index: dict[int, list[int]] = defaultdict(list)
    for e, (total, parts) in enumerate(table.equations):
        for cell in (total, *parts):
            index[cell].append(e)
    return index


def _partner(table: Table, equation: int, suppressed: np.ndarray) -> int | None:
    total, parts = table.equations[equation]
    members = [c for c in (*parts, total) if not suppressed[c]]
    if not members:
        return None
    return min(members, key=lambda c: (table.values[c], c))


def singletons(table: Table, suppressed: np.ndarray) -> int:
    """Step 1: fix every equation with exactly one suppressed cell. Returns the cells added."""
    added = 0
    by_cell = _by_cell(table)
    queue = sorted({e for c in np.flatnonzero(suppressed) for e in by_cell.get(int(c), [])})
    while queue:
        nxt: set[int] = set()
        for e in queue:
            total, parts = table.equations[e]
            if sum(bool(suppressed[c]) for c in (total, *parts)) == 1:
                partner = _partner(table, e, suppressed)
                if partner is not None:
                    suppressed[partner] = True
                    added += 1
                    nxt.update(by_cell.get(partner, []))
        queue = sorted(nxt)
    return added


def audit(
    table: Table,
    suppressed: np.ndarray,
    required: np.ndarray,
    starts: list[int] | None = None,
    by_cell: dict[int, list[int]] | None = None,
) -> list[AuditResult]:
    """The attacker's LP: for every suppressed cell, an interval it is known to range over given everything
    published (exact bounds where its own LPs were needed; otherwise proven by feasible points). ``starts``: only
    the connected groups of suppressed cells that contain these cells; ``by_cell``: the equations per cell, when
    the caller audits the same table many times."""
    by_cell = by_cell if by_cell is not None else _by_cell(table)
    hidden = [int(c) for c in np.flatnonzero(suppressed)] if starts is None else [c for c in starts if suppressed[c]]
    seen: set[int] = set()
    results: list[AuditResult] = []
    for start in hidden:
        if start in seen:
            continue
        group, stack, equations = [], [start], set()
        seen.add(start)
        while stack:  # the connected group of suppressed cells
            cell = stack.pop()
            group.append(cell)
            for e in by_cell.get(cell, []):
                equations.add(e)
                total, parts = table.equations[e]
                for other in (total, *parts):
                    if suppressed[other] and other not in seen:
                        seen.add(other)
                        stack.append(other)
        group.sort()
        position = {c: i for i, c in enumerate(group)}
        a_eq, b_eq = [], []
        for e in sorted(equations):
            total, parts = table.equations[e]
            row = np.zeros(len(group))
            constant = 0.0
            for cell, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
                if suppressed[cell]:
                    row[position[cell]] += sign
                else:
                    constant -= sign * table.values[cell]
            a_eq.append(row)
            b_eq.append(constant)
        a = np.array(a_eq)
        b = np.array(b_eq)
        truth = table.values[group]
        need = required[group]
        # Feasible points prove widths: the true table is one; two LPs over the whole group give two more.
        # A cell whose values in these points differ by ≥ its requirement is protected without its own LP.
        low_point = high_point = truth
        if len(group) > 1:
            weights = np.ones(len(group))
            up = linprog(-weights, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            down = linprog(weights, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            points = [truth] + [r.x for r in (up, down) if r.status == 0]
            low_point, high_point = np.min(points, axis=0), np.max(points, axis=0)
        for i, cell in enumerate(group):
            lower, upper = float(low_point[i]), float(high_point[i])
            if upper - lower < need[i] - 1e-9:  # not yet proven: the cell's own LPs
                c = np.zeros(len(group))
                c[i] = 1.0
                high = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
                upper = -high.fun if high.status == 0 else np.inf  # unbounded: fully protected
                if upper - lower < need[i] - 1e-9:
                    low = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
                    lower = low.fun if low.status == 0 else 0.0
            results.append(AuditResult(cell, float(lower), float(upper), float(required[cell])))
    return results


GUIDED_SIZE = 15_000  # cells × primary cells: the LP relaxation answers within seconds up to here


def _release(
    table: Table,
    suppressed: np.ndarray,
    primary: np.ndarray,
    required: np.ndarray,
    order: list[int],
    *,
    quick: bool = False,
) -> int:
    """Publish secondary cells again in ``order``, each only if no primary cell (``quick``: no cell at all — a
    cheap test that spares most audits on a national table) is left alone in an equation and its connected group
    still passes the audit. Returns the cells published."""
    by_cell = _by_cell(table)
    freed = 0
    for cell in order:
        if not suppressed[cell] or primary[cell]:
            continue
        suppressed[cell] = False
        equations = [(table.equations[e][0], *table.equations[e][1]) for e in by_cell.get(cell, [])]
        alone = any(
            len(hidden) == 1 and (quick or primary[hidden[0]])
            for members in equations
            if len(hidden := [o for o in members if suppressed[o]]) <= 1
        )
        starts = sorted({o for members in equations for o in members if suppressed[o]})
        if alone or not all(r.protected for r in audit(table, suppressed, required, starts, by_cell)):
            suppressed[cell] = True
        else:
            freed += 1
    return freed


def prune(table: Table, suppressed: np.ndarray, primary: np.ndarray, required: np.ndarray, budget: int = 2_000) -> int:
    """Give back secondary cells the greedy pattern does not need — the largest first (they lose the most
    information). At most ``budget`` tries (a national table stays bounded). Returns cells freed."""
    candidates = sorted((int(c) for c in np.flatnonzero(suppressed & ~primary)), key=lambda c: (-table.values[c], c))
    return _release(table, suppressed, primary, required, candidates[:budget], quick=True)


def guided(table: Table, primary: np.ndarray, required: np.ndarray, safe: np.ndarray) -> np.ndarray | None:
    """The safe pattern ``safe`` plus every cell the LP relaxation of the least-value model uses (a superset of a
    safe pattern is safe), then published back in the relaxation's order (cells it leans on least first, then the
    largest). The same result as starting from every cell suppressed, in a tenth of the audits. None if HiGHS did
    not finish the relaxation in time."""
    from udc.privacy.optimal import relaxation  # the model builds on this module's Table

    weight = relaxation(table, primary, required)
    if weight is None:
        return None
    rounded, values = np.round(weight, 6), table.values  # solver noise must not reorder ties
    suppressed = safe | primary | (rounded > 0)
    _release(
        table, suppressed, primary, required, sorted(range(len(values)), key=lambda c: (rounded[c], -values[c], c))
    )
    return suppressed


def protect(
    table: Table, primary: np.ndarray, required: np.ndarray, max_rounds: int = 50
) -> tuple[np.ndarray, list[AuditResult]]:
    """The suppression pattern (primary + secondary) and its passing audit. ``required`` counts for primary
    cells only. On small and medium tables the fewest suppressed cells (then the least value) of the greedy and
    the guided patterns."""
    table.check()
    need = np.where(primary, required, 0.0)
    pattern, results = _greedy(table, primary, need, max_rounds)
    if primary.any() and len(table.values) * int(primary.sum()) <= GUIDED_SIZE:
        other = guided(table, primary, need, pattern)
        if other is not None and (other.sum(), table.values[other].sum()) < (
            pattern.sum(),
            table.values[pattern].sum(),
        ):
            pattern, results = other, audit(table, other, need)
    return pattern, results


def _greedy(
    table: Table, primary: np.ndarray, required: np.ndarray, max_rounds: int
) -> tuple[np.ndarray, list[AuditResult]]:
    suppressed = primary.copy()
    by_cell = _by_cell(table)
    for _ in range(max_rounds):
        singletons(table, suppressed)
        results = audit(table, suppressed, required)
        failing = [r for r in results if not r.protected]
        if not failing:
            if prune(table, suppressed, primary, required):
                results = audit(table, suppressed, required)  # the final pattern's own audit, as reported
            return suppressed, results
        for result in failing:
            options = [p for e in by_cell.get(result.cell, []) if (p := _partner(table, e, suppressed)) is not None]
            if options:
                suppressed[min(options, key=lambda c: (table.values[c], c))] = True
    raise UdcError(f"no safe suppression pattern after {max_rounds} rounds")
