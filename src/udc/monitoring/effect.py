"""Effect estimates at area level, from protected pooled counts only.

**Difference-in-differences** on the programme's areas and its comparison areas, each pooled over the nulmeting
and over the follow-up: ``(p_T,after − p_T,before) − (p_C,after − p_C,before)``, as a weighted least-squares fit of
the four cells (statsmodels ``WLS`` with known variances, ``cov_type="fixed scale"``), so the interval carries the
binomial (percentages) or Poisson (rates) variance of each pooled count plus the cell-key noise the policy
documents (variance V on every published count). **Pre-trend check**: the difference in linear trend between the
two groups over the nulmeting years (same weighting). **Placebo in time**: the same estimate with a fake start in
the middle of the nulmeting, on nulmeting years only — it should be near zero. **Minimum detectable effect**:
2.80 × the standard error (5 % two-sided, 80 % power) — what a planned programme can hope to see.

statsmodels (pinned) is used rather than a difference-in-differences package: the inputs are a handful of pooled
cells with known variances, not a panel of units, which is a weighted regression — and statsmodels is already a
maintained dependency of the scientific stack here (pyfixest and `differences` expect unit-level panels).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import WLS
from statsmodels.tools.tools import add_constant

Z = float(stats.norm.ppf(0.975))
POWER = float(stats.norm.ppf(0.80))


# In words a policy maker reads on the page and in the printed report (the software behind it is in the module's
# docstring and docs/monitoring.md, not in front of a wethouder).
METHODS = {  # key: (English — the JSON's ``method`` —, Dutch)
    "did": (
        "difference-in-differences against the baseline (nulmeting): the change in the programme areas minus the "
        "change in the comparison areas, years before and after the start taken together",
        "verschil-in-verschillen ten opzichte van de nulmeting: de verandering in de programmagebieden min de "
        "verandering in de vergelijkingsgebieden, jaren vóór en na de start samengenomen",
    ),
    "pre_trend": (
        "difference in the yearly trend before the start between programme and comparison areas",
        "verschil in de jaarlijkse trend vóór de start tussen programma- en vergelijkingsgebieden",
    ),
    "placebo_time": (
        "placebo in time: a fake start halfway through the nulmeting, nulmeting years only",
        "placebo in de tijd: een neppe start halverwege de nulmeting, alleen nulmetingjaren",
    ),
}
REASONS = {
    "withheld": (
        "not computable: a count is withheld (too small to publish)",
        "niet te berekenen: een aantal is afgeschermd (te klein om te publiceren)",
    ),
    "few_years": (
        "not computable: needs three nulmeting years in both groups",
        "niet te berekenen: er zijn drie nulmetingjaren in beide groepen nodig",
    ),
    "not_started": (
        "not yet: the programme has not started (see the minimum detectable effect)",
        "nog niet: het programma is nog niet begonnen (zie het kleinste aantoonbare effect)",
    ),
}


@dataclass
class Estimate:
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    se: float | None
    method: str
    key: str = "did"
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def label(estimate: dict[str, Any], language: str) -> str:
    """The method (and why there is no value) in the reader's language."""
    index = 0 if language == "en" else 1
    text = METHODS[estimate.get("key", "did")][index]
    reason = estimate.get("reason")
    return f"{text} — {REASONS[reason][index]}" if reason else text


def missing(key: str, reason: str) -> Estimate:
    return Estimate(None, None, None, None, None, METHODS[key][0] + ": " + REASONS[reason][0], key, reason)


def variance(k: np.ndarray, n: np.ndarray, *, proportion: bool, noise: float) -> np.ndarray:
    """Variance of k/n: binomial (a share) or Poisson (a rate), plus cell-key noise V on k and on n."""
    p = k / n
    random = p * (1 - p) / n if proportion else k / n**2
    return random + noise * (1 + p**2) / n**2


def _fit(
    cells: pd.DataFrame, formula_columns: list[str], term: str, proportion: bool, noise: float
) -> tuple[float, float, float]:
    k, n = cells.k.to_numpy(float), cells.n.to_numpy(float)
    y = k / n
    weights = 1.0 / variance(k, n, proportion=proportion, noise=noise)
    x = add_constant(cells[formula_columns].astype(float), has_constant="add")
    fitted = WLS(y, x, weights=weights).fit(cov_type="fixed scale", cov_kwds={"scale": 1.0})
    return float(fitted.params[term]), float(fitted.bse[term]), float(fitted.pvalues[term])


def did(
    before_t: tuple[float, float],
    after_t: tuple[float, float],
    before_c: tuple[float, float],
    after_c: tuple[float, float],
    *,
    proportion: bool,
    noise: float,
    scale: float,
) -> Estimate:
    """The 2×2 difference-in-differences of pooled (k, n) cells, in the indicator's unit (× ``scale``)."""
    cells = pd.DataFrame(
        [(*before_t, 1, 0), (*after_t, 1, 1), (*before_c, 0, 0), (*after_c, 0, 1)],
        columns=["k", "n", "treated", "after"],
    )
    if cells[["k", "n"]].isna().any().any() or (cells.n <= 0).any():
        return missing("did", "withheld")
    cells["effect"] = cells.treated * cells.after
    value, se, p = _fit(cells, ["treated", "after", "effect"], "effect", proportion, noise)
    return Estimate(value * scale, (value - Z * se) * scale, (value + Z * se) * scale, p, se * scale, METHODS["did"][0])


def pre_trend(
    yearly_t: pd.DataFrame, yearly_c: pd.DataFrame, *, proportion: bool, noise: float, scale: float
) -> Estimate:
    """The programme areas' linear trend minus the comparison's over the nulmeting years (per year, × scale)."""
    frame = pd.concat([yearly_t.assign(treated=1), yearly_c.assign(treated=0)], ignore_index=True).dropna()
    frame = frame[frame.n > 0]
    years = sorted(set(frame.period.astype(int)))
    if len(years) < 3 or frame.treated.nunique() < 2 or frame.groupby("treated").period.nunique().min() < 3:
        return missing("pre_trend", "few_years")
    frame["t"] = frame.period.astype(int) - np.mean(years)
    frame["trend"] = frame.treated * frame.t
    dummies = pd.get_dummies(frame.period.astype(int), prefix="y", drop_first=True, dtype=float)
    frame = pd.concat([frame.reset_index(drop=True), dummies.reset_index(drop=True)], axis=1)
    value, se, p = _fit(frame, ["treated", "trend", *dummies.columns], "trend", proportion, noise)
    return Estimate(
        value * scale,
        (value - Z * se) * scale,
        (value + Z * se) * scale,
        p,
        se * scale,
        METHODS["pre_trend"][0],
        "pre_trend",
    )


def pooled(yearly: pd.DataFrame, years: list[int]) -> tuple[float, float]:
    """(k, n) summed over ``years`` of a yearly frame (NaN if any year is withheld)."""
    part = yearly[yearly.period.astype(str).isin([str(y) for y in years])]
    if len(part) < len(years) or part[["k", "n"]].isna().any().any():
        return float("nan"), float("nan")
    return float(part.k.sum()), float(part.n.sum())


def mde(se: float | None) -> float | None:
    """The smallest true effect with an 80 % chance of a significant estimate (5 %, two-sided)."""
    return None if se is None else (Z + POWER) * se


def planned_mde(
    before_t: tuple[float, float], before_c: tuple[float, float], *, proportion: bool, noise: float, scale: float
) -> float | None:
    """Before a programme starts: the minimum detectable effect if the follow-up is as large as the nulmeting and
    the rates stay as they were ("with these areas and this indicator an effect smaller than this cannot be told
    from chance")."""
    cells = np.array([before_t, before_c], dtype=float)
    if np.isnan(cells).any() or (cells[:, 1] <= 0).any():
        return None
    var = variance(cells[:, 0], cells[:, 1], proportion=proportion, noise=noise).sum()
    return float((Z + POWER) * np.sqrt(2 * var) * scale)
