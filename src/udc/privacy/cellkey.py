"""Cell-key perturbation (the ABS/ONS/Eurostat method): the same cell always gets the same noise.

Every record carries a random ``record_key`` (uint32, stored with the microdata). A cell's key is the fractional
part of the sum of its records' keys / 2**32; it picks the perturbation from a p-table row for the cell's count.
Because the key is a function of *which* records are in the cell, the same cell gets the same published value
whatever query produced it — averaging repeated queries learns nothing, and two overlapping selections that differ
by a few persons get independent noise rather than an exact difference.

The p-table has maximum deviation ``D`` and variance ``V``: for each count n, a distribution on −D…D with mean 0
and variance V (where the count allows), never producing a negative count, zero stays zero.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=32)
def ptable(d: int, v: float, max_count: int = 64) -> np.ndarray:
    """Cumulative probabilities, shape (max_count + 1, 2d + 1): row n gives P(noise ≤ j − d)."""
    values = np.arange(-d, d + 1)
    rows = np.zeros((max_count + 1, len(values)))
    for n in range(max_count + 1):
        allowed = values >= -n if n > 0 else values == 0  # no negative counts; zero stays zero
        probs = (values == 0).astype(float) if n == 0 or d == 0 or v == 0 else _maximum_entropy(values, allowed, v)
        rows[n] = np.cumsum(probs)
        rows[n, -1] = 1.0
    return rows


def _maximum_entropy(values: np.ndarray, allowed: np.ndarray, v: float) -> np.ndarray:
    """The distribution p ∝ exp(a·x + b·x²) on the allowed values with mean 0 and variance v (Newton on a, b)."""
    x = values[allowed].astype(float)
    target_v = v
    a, b = 0.0, -1.0 / (2 * target_v)
    for _ in range(200):
        w = np.exp(a * x + b * x * x - np.max(a * x + b * x * x))
        p = w / w.sum()
        m1, m2 = (p * x).sum(), (p * x * x).sum()
        var = m2 - m1 * m1
        g = np.array([m1, m2 - target_v])
        m3, m4 = (p * x**3).sum(), (p * x**4).sum()
        jac = np.array([[var, m3 - m1 * m2], [m3 - m1 * m2, m4 - m2 * m2]])
        try:
            step = np.linalg.solve(jac, g)
        except np.linalg.LinAlgError:
            break
        a, b = a - step[0], b - step[1]
        if np.abs(g).max() < 1e-10:
            break
    out = np.zeros(len(values))
    out[allowed] = p
    return out


def cell_keys(record_keys: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Cell key per cell id (``cells`` = cell index of each record): frac(Σ record keys / 2**32)."""
    sums = np.bincount(cells, weights=(record_keys.astype(np.uint64) % np.uint64(2**32)).astype(np.float64))
    return np.mod(sums / 2**32, 1.0)


def perturb(counts: np.ndarray, keys: np.ndarray, d: int, v: float) -> np.ndarray:
    """Published counts: original + the p-table's noise chosen by each cell's key."""
    table = ptable(d, v)
    row = np.minimum(counts.astype(int), table.shape[0] - 1)
    cumulative = table[row]
    index = (keys[:, None] >= cumulative).sum(axis=1)
    noise = np.arange(-d, d + 1)[np.minimum(index, 2 * d)]
    return np.maximum(counts + noise, 0)
