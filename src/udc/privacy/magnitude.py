"""Cell-key perturbation of magnitudes: a sum of a numeric measure (birth weight, income) never leaves exactly.

An exact sum is as disclosive as an exact count: two large tables that differ by one buurt, or a margin minus its
published children, give a withheld person's exact value. So a sum is perturbed the way the ABS TableBuilder and
the ONS cell-key method perturb magnitudes — by noise scaled to the cell's **largest contribution**, drawn from the
cell's record keys:

    published = total + m · e · top1,    e uniform on [−1, −½] ∪ [½, 1]  (chosen by the cell key)

- *the same persons give the same sum*: ``e`` is a function of the cell's record-key sum (the same sum that picks the
  count's noise, hashed into an independent stream), so repeating or re-slicing a request never averages it away;
- *bounded and unbiased*: |noise| ≤ m · top1, E[noise] = 0; a cell whose only contributor is one person is published
  within m/2 … m of that person's value away from it, never at it;
- *never exact*: |noise| ≥ m/2 · top1 > 0 for every non-empty cell, so the difference of two published sums is the
  difference of the true sums plus m · (e₁·top1₁ − e₂·top1₂), spread continuously — published to two decimals, it
  lands on a person's exact value with a chance of about 2 / (100 · m · top1) per pair (0.08 ‰ for birth weights of
  about 5 000 g, 0.6 ‰ for ages up to 65), and an attacker cannot tell which pair that was;
- *never negative*: total ≥ top1 and m ≤ 1.

Means are the perturbed sum divided by the perturbed count, so they too are a function of published values only.
Dominance (nk) and p %-rules still withhold a magnitude, judged on the true contributions — and never said why.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # the magnitude stream's offset: independent of the count's noise


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a well-spread 64-bit hash of each value (vectorised, wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def factors(key_sums: np.ndarray) -> np.ndarray:
    """Per cell the noise factor ``e`` ∈ [−1, −½] ∪ [½, 1], a function of the cell's record-key sum only."""
    keys = np.mod(np.nan_to_num(np.asarray(key_sums, dtype=float)), 2**32).astype(np.uint64)
    u = (_mix(keys) >> np.uint64(11)).astype(np.float64) / float(2**53)  # uniform on [0, 1)
    sign = np.where(u < 0.5, -1.0, 1.0)
    return sign * (0.5 + np.mod(u, 0.5))


def perturb(totals: np.ndarray, top1: np.ndarray, key_sums: np.ndarray, m: float) -> np.ndarray:
    """Published sums: ``total + m · e · top1``, to two decimals (whole units would make a difference land on a
    person's exact value once in m · top1 / 2 pairs)."""
    totals = np.asarray(totals, dtype=float)
    noisy = totals + m * factors(key_sums) * np.nan_to_num(np.asarray(top1, dtype=float))
    return np.round(noisy, 2)


def bound(top1: float, m: float) -> float:
    """The largest deviation of one published sum from the true one (the documented bound)."""
    return m * top1
