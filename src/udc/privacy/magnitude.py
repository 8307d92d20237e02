"""Cell-key perturbation of magnitudes: a sum of a numeric measure (birth weight, income) never leaves exactly.

An exact sum is as disclosive as an exact count: two large tables that differ by one buurt, or a margin minus its
published children, give a withheld person's exact value. So a sum is perturbed the way the ABS TableBuilder and
the ONS cell-key method perturb magnitudes — by noise scaled to the cell's **largest contribution**, drawn from the
cell's record keys:

    published = total / n · n′ + m · e · top1,    e uniform on [−1, −½] ∪ [½, 1]  (chosen by the cell key)

where n is the cell's count and n′ its published (cell-key perturbed) count — so a sum of values that are all the same
(a sum of ``year``) gives back the published count, never the true one —

- *the same persons give the same sum*: ``e`` is a function of the cell's record-key sum (the same sum that picks the
  count's noise, hashed into an independent stream), so repeating or re-slicing a request never averages it away;
- *bounded and unbiased*: |published − total| ≤ D · mean + m · top1 (D the count's largest deviation), E[noise] = 0
  (both noises have mean 0); a cell of one person is never published at that person's value;
- *never exact*: the magnitude noise is at least m/2 · top1 > 0 in every non-empty cell, so the difference of two
  published sums is the difference of the true sums plus the count noises times the means plus
  m · (e₁·top1₁ − e₂·top1₂), spread continuously — published to two decimals, it
  lands on a person's exact value with a chance of about 2 / (100 · m · top1) per pair (0.08 ‰ for birth weights of
  about 5 000 g, 0.6 ‰ for ages up to 65), and an attacker cannot tell which pair that was;
- *never negative* where shown: a sum is shown only with its count (n′ ≥ min_count, so n ≥ n′ − D), and then
  mean · n′ ≥ top1 · (n′ / n) > m · top1 under the default policy (min_count 10, D 2, m ≤ 0.8).

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


def perturb(
    totals: np.ndarray, counts: np.ndarray, published: np.ndarray, top1: np.ndarray, key_sums: np.ndarray, m: float
) -> np.ndarray:
    """Published sums: ``total / count · published count + m · e · top1``, to two decimals.

    The first term keeps a sum consistent with the cell's *published* count: when every contribution is the same
    value c (a sum of ``year``, of a flag, of a fixed age), sum / c rounds to the published count, never to the true
    one. Two decimals: whole units would make a difference land on a person's exact value once in m · top1 / 2 pairs."""
    totals, counts = np.asarray(totals, dtype=float), np.asarray(counts, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(counts > 0, totals / counts, 0.0)
    noisy = mean * np.asarray(published, dtype=float) + m * factors(key_sums) * np.nan_to_num(np.asarray(top1, float))
    return np.round(noisy, 2)
