"""Cell-key perturbation of magnitudes: a sum of a numeric measure (birth weight, income) never leaves exactly.

An exact sum is as disclosive as an exact count: two large tables that differ by one buurt, or a margin minus its
published children, give a withheld person's exact value. So a sum is perturbed the way the ABS TableBuilder and
the ONS cell-key method perturb magnitudes — by noise scaled to the cell's **largest contribution**, drawn from the
cell's record keys — and kept consistent with the cell's published count:

    published = max(0, total / n · n′ + e · max(m · top1, floor)),    e uniform on [−1, −½] ∪ [½, 1]

where n is the cell's count and n′ its published (cell-key perturbed) count, so a sum of values that are all the same
(a sum of ``year``) gives back the published count, never the true one; ``floor`` comes from the measure over the
whole dataset (:class:`Profile`): D × its mean non-zero value for a measure of few values (a flag, a number of cars —
a sum of flags is a count in disguise and gets a count's uncertainty), else m × that value (no cell is exact, not even
an all-zero one).

- *the same persons give the same sum*: ``e`` is a function of the cell's record-key sum (the same sum that picks the
  count's noise, hashed into an independent stream), so repeating or re-slicing a request never averages it away;
- *bounded*: |published − total| ≤ D · mean + max(m · top1, floor); unbiased but for the clamp at 0 (small cells);
- *never exact*: the magnitude noise is at least ½ · max(m · top1, floor) > 0 in every cell, so the difference of two
  published sums is the difference of the true sums plus the count noises times the means plus the two magnitude
  noises, spread continuously — published to two decimals, it lands on a person's exact value with a chance of
  about 2 / (100 · spread) per pair, and an attacker cannot tell which pair that was;
- *shown or withheld by rules, never by a reason*: with its count only, and for a measure of few values only when
  the sum reaches the threshold in units; for a magnitude only when it is not zero and no dominance rule (nk, p %)
  fails — so a withheld sum never tells a zero from one or two contributors.

Means are the perturbed sum divided by the perturbed count, so they too are a function of published values only.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from udc.privacy.policy import Policy

FEW = 10  # a measure with at most this many values (flags, children, cars) is a count in disguise

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # the magnitude stream's offset: independent of the count's noise


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a well-spread 64-bit hash of each value (vectorised, wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def factors(key_sums: np.ndarray) -> np.ndarray:
    """Per cell the noise factor ``e`` ∈ [−1, −½] ∪ [½, 1], a function of the cell's record-key sum only."""
    keys = np.mod(np.nan_to_num(np.asarray(key_sums, dtype=float)), 2**32).astype(np.uint64)
    u = (mix(keys) >> np.uint64(11)).astype(np.float64) / float(2**53)  # uniform on [0, 1)
    sign = np.where(u < 0.5, -1.0, 1.0)
    return sign * (0.5 + np.mod(u, 0.5))


@dataclass(frozen=True)
class Profile:
    """A measure over the whole dataset (never the selection): its lowest value, how many values it takes and its
    typical non-zero size — the scale below which a sum's noise must not fall."""

    lowest: float
    distinct: int
    unit: float

    @property
    def few(self) -> bool:
        """A measure of few values (a flag, children, cars): its sums are counts in disguise."""
        return self.distinct <= FEW

    def floor(self, policy: Policy) -> float:
        """The least noise scale of any cell: a count's (D units) for a measure of few values, else m units — so a
        sum of flags is as uncertain as a count, and an all-zero or tiny cell is never exact."""
        return (policy.cell_key_d if self.few else policy.magnitude_m) * self.unit


def metrics(table: ir.Table, measure: str) -> dict[str, ir.Scalar]:
    """The aggregates a :class:`Profile` is made of (run over the whole dataset, in the gate's one pass over it):
    exact on every engine — minimum, count distinct, mean of the non-zero values."""
    value = table[measure].cast("float64")
    return {"_m_lowest": value.min(), "_m_distinct": value.nunique(), "_m_unit": value.abs().mean(where=value != 0)}


def profile(row: pd.Series) -> Profile:
    """The profile from a row holding :func:`metrics` (a measure of no non-zero value has unit 1)."""
    unit = float(row["_m_unit"]) if pd.notna(row["_m_unit"]) else 1.0
    lowest = float(row["_m_lowest"]) if pd.notna(row["_m_lowest"]) else 0.0
    return Profile(lowest, int(row["_m_distinct"]), unit)


def perturb(
    totals: np.ndarray, counts: np.ndarray, published: np.ndarray, spread: np.ndarray, key_sums: np.ndarray
) -> np.ndarray:
    """Published sums: ``total / count · published count + e · spread``, at least 0, to two decimals.

    The first term keeps a sum consistent with the cell's *published* count: when every contribution is the same
    value c (a sum of ``year``), sum / c rounds to the published count, never to the true one. ``spread`` is
    max(m · top1, the measure's floor). Two decimals: whole units would make a difference land on a person's exact
    value once in spread / 2 pairs."""
    totals, counts = np.asarray(totals, dtype=float), np.asarray(counts, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(counts > 0, totals / counts, 0.0)
    noisy = mean * np.asarray(published, dtype=float) + factors(key_sums) * np.asarray(spread, dtype=float)
    return np.round(np.maximum(noisy, 0.0), 2)
