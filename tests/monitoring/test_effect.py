"""The effect estimators on simulated pooled counts with a known truth: the difference-in-differences equals its
closed form, its 95 % interval covers the true effect about 95 % of the time, the pre-trend check finds a planted
trend difference and not a parallel one, and the minimum detectable effect is 2.80 standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from udc.monitoring import effect


def test_the_estimate_is_the_closed_form_with_binomial_and_noise_variance() -> None:
    cells = {"bt": (30, 400), "at": (20, 600), "bc": (150, 2000), "ac": (230, 3000)}
    est = effect.did(cells["bt"], cells["at"], cells["bc"], cells["ac"], proportion=True, noise=1.0, scale=100)
    p = {k: v[0] / v[1] for k, v in cells.items()}
    assert est.estimate == pytest.approx(100 * ((p["at"] - p["bt"]) - (p["ac"] - p["bc"])))
    var = sum(effect.variance(np.array([k]), np.array([n]), proportion=True, noise=1.0)[0] for k, n in cells.values())
    assert est.se == pytest.approx(100 * np.sqrt(var))
    assert est.ci_low == pytest.approx(est.estimate - 1.959964 * est.se, rel=1e-5)
    assert effect.mde(est.se) == pytest.approx(2.8016 * est.se, rel=1e-3)


def test_the_interval_covers_the_true_effect_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    truth = -0.04
    covered = 0
    runs = 400
    for _ in range(runs):
        n = {"bt": 800, "at": 1200, "bc": 4000, "ac": 6000}
        rates = {"bt": 0.10, "at": 0.10 + 0.005 + truth, "bc": 0.07, "ac": 0.075}  # a common trend of +0.5 pp
        k = {g: rng.binomial(n[g], rates[g]) for g in n}
        est = effect.did(
            (k["bt"], n["bt"]),
            (k["at"], n["at"]),
            (k["bc"], n["bc"]),
            (k["ac"], n["ac"]),
            proportion=True,
            noise=0.0,
            scale=100,
        )
        covered += est.ci_low <= 100 * truth <= est.ci_high
    assert 0.92 <= covered / runs <= 0.98


def test_a_withheld_count_gives_no_estimate_and_says_why() -> None:
    est = effect.did((float("nan"), 400), (20, 600), (150, 2000), (230, 3000), proportion=True, noise=1, scale=100)
    assert est.estimate is None and est.reason == "withheld"
    assert "afgeschermd" in effect.label(est.as_dict(), "nl") and "withheld" in effect.label(est.as_dict(), "en")


def _years(rate0: float, slope: float, n: int, rng: np.random.Generator) -> pd.DataFrame:
    years = [2015, 2016, 2017, 2018]
    return pd.DataFrame(
        {
            "period": [str(y) for y in years],
            "k": [rng.binomial(n, rate0 + slope * i) for i, _ in enumerate(years)],
            "n": [n] * len(years),
        }
    )


def test_the_pre_trend_check_sees_diverging_trends_only() -> None:
    rng = np.random.default_rng(3)
    parallel = effect.pre_trend(
        _years(0.10, 0.005, 20_000, rng), _years(0.07, 0.005, 40_000, rng), proportion=True, noise=0.0, scale=100
    )
    diverging = effect.pre_trend(
        _years(0.10, 0.02, 20_000, rng), _years(0.07, 0.0, 40_000, rng), proportion=True, noise=0.0, scale=100
    )
    assert parallel.ci_low <= 0 <= parallel.ci_high
    assert diverging.p_value < 0.001 and diverging.estimate == pytest.approx(2.0, abs=0.3)  # pp per year
    short = effect.pre_trend(
        _years(0.1, 0, 100, rng).head(2), _years(0.1, 0, 100, rng).head(2), proportion=True, noise=0, scale=100
    )
    assert short.estimate is None and short.reason == "few_years"


def test_the_planned_mde_equals_the_mde_of_a_follow_up_as_large_as_the_nulmeting() -> None:
    before_t, before_c = (40, 500), (300, 5000)
    same = effect.did(before_t, before_t, before_c, before_c, proportion=True, noise=1.0, scale=100)
    assert effect.planned_mde(before_t, before_c, proportion=True, noise=1.0, scale=100) == pytest.approx(
        effect.mde(same.se)
    )
    assert effect.planned_mde((float("nan"), 500), before_c, proportion=True, noise=1.0, scale=100) is None
