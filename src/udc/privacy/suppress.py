"""Secondary suppression for tables with margins and hierarchies, with an attacker's-LP audit.

A table is a set of cells and additive equations (a parent equals the sum of its children: buurt → wijk →
gemeente → region, categories → total). Primary-unsafe cells are suppressed; then, deterministically:

1. an equation with exactly one suppressed cell would give it away: suppress the smallest other cell of that
   equation (ties broken by cell id), until no equation has a single suppressed cell;
2. the audit solves the attacker's linear programme for every suppressed cell — published cells fixed, suppressed
   cells ≥ 0, all equations — with SciPy's HiGHS: min and max of the cell. A cell is protected when its feasible
   interval is at least ``protection`` wide (never exact). An unprotected cell gets another partner suppressed and
   the audit repeats;
3. pruning: secondary cells the safe pattern does not need are published again, largest first, each only if its
   group still passes the audit (the greedy repair over-suppresses; see ``privacy/optimal.py`` for the yardstick).

The audit works per connected group of suppressed cells (cells sharing equations), so large hierarchies stay fast.
Same input, same pattern: every choice is ordered by (value, cell id).
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


def audit(table: Table, suppressed: np.ndarray, required: np.ndarray,
          starts: list[int] | None = None) -> list[AuditResult]:  # fmt: skip
    """The attacker's LP: for every suppressed cell, an interval it is known to range over given everything
    published (exact bounds where its own LPs were needed; otherwise proven by feasible points). ``starts``: only
    the connected groups of suppressed cells that contain these cells."""
    by_cell = _by_cell(table)
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


def prune(table: Table, suppressed: np.ndarray, primary: np.ndarray, required: np.ndarray,
          budget: int = 2_000) -> int:  # fmt: skip
    """Step 3: give back secondary cells the pattern does not need — the largest first (they lose the most
    information), each kept published only if no equation is left with a single suppressed cell and its connected
    group still passes the audit. At most ``budget`` tries (a national table stays bounded). Returns cells freed."""
    by_cell = _by_cell(table)
    freed = 0
    candidates = sorted((int(c) for c in np.flatnonzero(suppressed & ~primary)), key=lambda c: (-table.values[c], c))
    for cell in candidates[:budget]:
        suppressed[cell] = False
        neighbours = {o for e in by_cell.get(cell, []) for o in (table.equations[e][0], *table.equations[e][1])}
        lonely = any(sum(bool(suppressed[o]) for o in (table.equations[e][0], *table.equations[e][1])) == 1
                     for e in by_cell.get(cell, []))  # fmt: skip
        starts = [o for o in neighbours if suppressed[o]]
        if lonely or not all(r.protected for r in audit(table, suppressed, required, starts)):
            suppressed[cell] = True
        else:
            freed += 1
    return freed


def protect(
    table: Table, primary: np.ndarray, required: np.ndarray, max_rounds: int = 50
) -> tuple[np.ndarray, list[AuditResult]]:
    """The suppression pattern (primary + secondary, pruned) and its passing audit."""
    table.check()
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
