"""The fewest secondary suppressions, by a mixed-integer model (HiGHS through SciPy) — the yardstick for the greedy
pattern of :mod:`udc.privacy.suppress` on small and medium hierarchies (it does not scale to a country).

For each primary cell p the model asks for two tables an attacker cannot tell from the truth — deviations ``u`` and
``d`` from the true values, zero on published cells, keeping every equation and every cell ≥ 0 — whose values of p
differ by at least p's required width (so the attacker's interval for p is at least that wide: the same criterion
as the LP audit). A binary ``x_i`` says cell i is suppressed; a deviation may be non-zero only where ``x_i`` is 1
(``-a_i x_i ≤ u_i ≤ M x_i``). Minimised: the number of suppressed cells (or their total value).

Only primary cells are protected by the model: the optimum is a **lower bound** for udc's problem, whose audit also
requires every secondary cell to be protected."""

from __future__ import annotations

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


def optimal(table: Table, primary: np.ndarray, required: np.ndarray, *, by_value: bool = False,
            time_limit: float = 120.0) -> Optimum:  # fmt: skip
    """The pattern minimising the number (or, ``by_value``, the total value) of suppressed cells."""
    import time

    table.check()
    n, primaries = len(table.values), [int(p) for p in np.flatnonzero(primary)]
    if not primaries:
        return Optimum(primary.copy(), "optimal", 0.0, 0.0)
    big = float(table.values.max()) or 1.0
    size = n + 2 * n * len(primaries)  # x, then per primary: u (n), d (n)
    rows, cols, vals, lower, upper = [], [], [], [], []
    row = 0

    def add(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        nonlocal row
        for col, v in entries:
            rows.append(row)
            cols.append(col)
            vals.append(v)
        lower.append(lo)
        upper.append(hi)
        row += 1

    for k, p in enumerate(primaries):
        for offset in (n + 2 * n * k, n + 2 * n * k + n):  # u, then d
            for total, parts in table.equations:  # deviations keep every equation
                add([(offset + total, 1.0), *((offset + q, -1.0) for q in parts)], 0.0, 0.0)
            for i in range(n):  # only suppressed cells move; never below zero
                add([(offset + i, 1.0), (i, -big)], -np.inf, 0.0)
                add([(offset + i, 1.0), (i, float(table.values[i]))], 0.0, np.inf)
        add([(n + 2 * n * k + p, 1.0), (n + 2 * n * k + n + p, -1.0)], float(required[p]), np.inf)
    matrix = coo_matrix((vals, (rows, cols)), shape=(row, size)).tocsr()
    cost = np.zeros(size)
    cost[:n] = np.maximum(table.values, 1.0) if by_value else 1.0
    low = np.full(size, -np.inf)
    high = np.full(size, np.inf)
    low[:n], high[:n] = primary.astype(float), 1.0  # primaries are suppressed
    integrality = np.zeros(size)
    integrality[:n] = 1
    started = time.perf_counter()
    result = milp(cost, constraints=LinearConstraint(matrix, lower, upper), integrality=integrality,
                  bounds=Bounds(low, high), options={"time_limit": time_limit, "disp": False})  # fmt: skip
    seconds = time.perf_counter() - started
    if result.x is None:
        raise UdcError(f"the suppression model found no pattern: {result.message}")
    status = "optimal" if result.status == 0 else f"stopped ({result.message})"
    gap = getattr(result, "mip_gap", None)
    return Optimum(result.x[:n] > 0.5, status, seconds, gap)
