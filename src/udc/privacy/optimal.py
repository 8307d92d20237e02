"""The fewest secondary suppressions, by a mixed-integer model (HiGHS through SciPy): the yardstick for
:mod:`udc.privacy.suppress`, and — relaxed to a linear programme — its guide on small and medium tables.

For each primary cell p the model asks for two tables an attacker cannot tell from the truth — deviations ``u`` and
``d`` from the true values, zero on published cells, keeping every equation and every cell ≥ 0 — whose values of p
differ by at least p's required width (so the attacker's interval for p is at least that wide: the same criterion
as the LP audit). A binary ``x_i`` says cell i is suppressed; a deviation may be non-zero only where ``x_i`` is 1
(``-a_i x_i ≤ u_i ≤ M x_i``). Minimised: the number of suppressed cells (or their total value).

Like the audit, the model protects primary cells only (secondary cells are safe cells withheld for the primaries'
sake), so its optimum is the optimum of udc's problem. The integer model does not scale (a medium hierarchy of 306
cells is not proven optimal in two minutes); its LP relaxation (least value) answers in seconds there, and the
fractional ``x`` says which cells a good pattern uses — :func:`udc.privacy.suppress.protect` publishes cells back
in that order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from udc.errors import UdcError
from udc.privacy.suppress import Table


@dataclass
class Optimum:
    pattern: np.ndarray  # suppressed cells (primary and secondary)
    status: str  # "optimal", or why not
    seconds: float
    gap: float | None
    bound: float | None = None  # the proven lower bound on the objective (equal to it when optimal)


@dataclass
class _Model:
    cost: np.ndarray
    constraint: LinearConstraint
    bounds: Bounds
    integrality: np.ndarray
    n: int


def _model(table: Table, primary: np.ndarray, required: np.ndarray, by_value: bool) -> _Model:
    n, primaries = len(table.values), [int(p) for p in np.flatnonzero(primary)]
    big = float(table.values.max()) or 1.0
    size = n + 2 * n * len(primaries)  # x, then per primary: u (n), d (n)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lower: list[float] = []
    upper: list[float] = []

    def add(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        for col, v in entries:
            rows.append(len(lower))
            cols.append(col)
            vals.append(v)
        lower.append(lo)
        upper.append(hi)

    for k, p in enumerate(primaries):
        for offset in (n + 2 * n * k, n + 2 * n * k + n):  # u, then d
            for total, parts in table.equations:  # deviations keep every equation
                add([(offset + total, 1.0), *((offset + q, -1.0) for q in parts)], 0.0, 0.0)
            for i in range(n):  # only suppressed cells move; never below zero
                add([(offset + i, 1.0), (i, -big)], -np.inf, 0.0)
                add([(offset + i, 1.0), (i, float(table.values[i]))], 0.0, np.inf)
        add([(n + 2 * n * k + p, 1.0), (n + 2 * n * k + n + p, -1.0)], float(required[p]), np.inf)
    matrix = coo_matrix((vals, (rows, cols)), shape=(len(lower), size)).tocsr()
    cost = np.zeros(size)
    cost[:n] = np.maximum(table.values, 1.0) if by_value else 1.0
    low = np.full(size, -np.inf)
    high = np.full(size, np.inf)
    low[:n], high[:n] = primary.astype(float), 1.0  # primaries are suppressed
    integrality = np.zeros(size)
    integrality[:n] = 1
    return _Model(cost, LinearConstraint(matrix, lower, upper), Bounds(low, high), integrality, n)


def optimal(
    table: Table, primary: np.ndarray, required: np.ndarray, *, by_value: bool = False, time_limit: float = 120.0
) -> Optimum:
    """The pattern minimising the number (or, ``by_value``, the total value) of suppressed cells."""
    table.check()
    if not primary.any():
        return Optimum(primary.copy(), "optimal", 0.0, 0.0)
    model = _model(table, primary, required, by_value)
    started = time.perf_counter()
    result = milp(
        model.cost,
        constraints=model.constraint,
        integrality=model.integrality,
        bounds=model.bounds,
        options={"time_limit": time_limit, "disp": False},
    )
    seconds = time.perf_counter() - started
    if result.x is None:
        raise UdcError(f"the suppression model found no pattern: {result.message}")
    status = "optimal" if result.status == 0 else f"stopped ({result.message})"
    gap, bound = getattr(result, "mip_gap", None), getattr(result, "mip_dual_bound", None)
    return Optimum(result.x[: model.n] > 0.5, status, seconds, gap, bound)


def relaxation(
    table: Table, primary: np.ndarray, required: np.ndarray, *, time_limit: float = 30.0
) -> np.ndarray | None:
    """The LP relaxation's fractional ``x`` per cell (how much a pattern of little suppressed value leans on it), or
    None when HiGHS does not finish within ``time_limit`` — the caller then keeps the greedy pattern. (The value
    objective guides better than the count: it also steers away from margins.)"""
    model = _model(table, primary, required, by_value=True)
    result = milp(
        model.cost, constraints=model.constraint, bounds=model.bounds, options={"time_limit": time_limit, "disp": False}
    )
    return None if result.status != 0 or result.x is None else result.x[: model.n]
