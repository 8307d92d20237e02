"""95 % intervals and funnel-plot flags of a count among a population — shared by the protected indicators
(:mod:`udc.indicators.compute`) and the ones over an open series' counts (:mod:`udc.indicators.weighted`).

Wilson's interval for a percentage of one population; the exact Poisson interval of the numerator for rates per
1 000 and the like, so that a buurt of 40 residents does not look extreme by chance. Funnel flags say whether an
area lies beyond the 95 % or 99.8 % control limits around a reference proportion for an area of its size
(binomial for percentages, Poisson for rates).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

Z = 1.959963984540054  # the normal quantile of a two-sided 95 % interval
Z998 = 3.090232306167813  # two-sided 99.8 %


def wilson(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's 95 % interval of a proportion k/n."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.clip(k / n, 0, 1)
        centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
        half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


def poisson(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact 95 % interval of a Poisson count k."""
    k = np.maximum(k, 0)
    low = np.where(k > 0, stats.chi2.ppf(0.025, 2 * k) / 2, 0.0)
    high = stats.chi2.ppf(0.975, 2 * (k + 1)) / 2
    return low, high


def proportion(k: np.ndarray, n: np.ndarray, *, percent: bool) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % interval of k/n as a proportion (not yet scaled): Wilson's for a share of one population,
    Poisson's for a rate."""
    if percent:
        return wilson(np.minimum(k, n), n)
    low, high = poisson(np.nan_to_num(k))
    with np.errstate(invalid="ignore", divide="ignore"):
        return low / n, high / n


def flags(k: np.ndarray, n: np.ndarray, p0: float, *, percent: bool) -> np.ndarray:
    """Funnel flags of k/n against ``p0``: above_998, above_95, within, below_95, below_998 (None where k/n has
    no value)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(p0 * (1 - p0) / n) if percent else np.sqrt(p0 / n)
        z = (k / n - p0) / sd
    labels = np.select(
        [z > Z998, z > Z, z < -Z998, z < -Z], ["above_998", "above_95", "below_998", "below_95"], "within"
    )
    return np.where(np.isfinite(z), labels, None)
