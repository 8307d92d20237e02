"""Every rate and correlation of the synthetic population, in one place.

Defaults are rounded, order-of-magnitude values for a Dutch region (sources in docs/synth.md); they are meant to
make the demo behave plausibly, not to reproduce any statistic. Change them by passing ``Params(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Params:
    # The first households are drawn from a calibrated template (udc.synth.calibrate, data/households.csv).
    # Demography (yearly probabilities).
    mortality_a: float = -10.4  # Gompertz: p(death) = exp(a + b * age)
    mortality_b: float = 0.095
    fertility_peak: float = 0.30  # at age 31 for women in a couple: with the share in couples about 1.6 per woman
    fertility_peak_age: float = 31.0
    fertility_width: float = 5.0
    # Household changes (yearly probabilities).
    leave_home_peak: float = 0.22  # children 18-30, peak around 22
    student_share: dict[str, float] = field(default_factory=lambda: {"low": 0.05, "middle": 0.25, "high": 0.65})
    student_leaves_region: float = 0.85  # of students leaving home: to a university city
    union_rate: float = 0.20  # singles 20-45
    separation_rate: float = 0.025  # couples
    # Moves without a change in household composition (whole household, yearly).
    move_rate_young: float = 0.055  # reference person under 35
    move_rate_old: float = 0.02
    move_after_birth: float = 0.16  # households with a child born last year
    family_core_to_village: float = 0.6  # families: weights 1.6 - urbanity * (1 + this), villages over towns over core
    family_to_core: float = 0.05  # families in the region: weight of the core city (the formula gives 0): some return
    # Housing: each year a municipality's attraction is multiplied by (its size / inhabitants) ** housing_pull, so
    # one that shrank (vacant dwellings) attracts movers; the starting attractions are calibrated (data/pull.csv).
    housing_pull: float = 2.0
    # Where moves go (shares of moves that leave the municipality go to these classes).
    out_of_region: float = 0.25  # of moves leaving the municipality
    out_class_shares: dict[str, float] = field(
        default_factory=lambda: {"province": 0.45, "country": 0.4, "abroad": 0.15}
    )
    # In-migration keeps the population roughly stable (relative to emigration, by profile).
    inflow_factor: float = 1.0
    return_after_study: float = 0.35  # of in-migrants: young adults 23-30 coming back
    # Socio-economics.
    income_cut_low: float = 40.0  # percentile: low income below
    income_cut_high: float = 80.0  # high income from
    bijstand_low_income: float = 0.12
    debt_help_low_income: float = 0.05
    employment_rate: float = 0.72  # 15-67
    # Youth care (yearly incidence for minors) and its risk multipliers.
    youth_care_base: float = 0.05
    youth_care_low_income: float = 1.9
    youth_care_single_parent: float = 1.7
    youth_care_duration_years: float = 1.6
    # A planted wijk excess (issue 30's known answer): in this wijk youth care starts this many times as often as its
    # households' composition predicts — the expected-versus-observed study must find it, and no other wijk.
    youth_care_excess_wijk: str = "WK990107"
    youth_care_excess: float = 1.6
    # Newborns (Kansrijk van Start): preterm baseline and multipliers per household risk factor.
    preterm_base: float = 0.065
    preterm_low_income: float = 1.4
    preterm_single_parent: float = 1.3
    preterm_young_mother: float = 1.5
    preterm_youth_care: float = 1.3
    # Kansrijk van Start (the demo's programme, src/udc/monitoring/library/kansrijk-van-start.yaml): from 1 January
    # of kvs_start, in the three central wijken of Kernstad, every newborn's preterm probability is lowered by
    # kvs_effect (absolute: −4 percentage points; every risk is ≥ 0.065, so the planted effect is exact).
    kvs_start: int = 2019
    kvs_effect: float = 0.04
    kvs_wijken: tuple[str, ...] = ("WK990100", "WK990101", "WK990102")
    # Cars per household (Poisson mean) and the electric share rising over the years.
    cars_base: float = 0.9
    ev_share_2015: float = 0.005
    ev_share_2024: float = 0.06
    # Dwellings and premises.
    vacancy_extra: float = 0.025  # vacant dwellings at the start, share of the stock
    shops_per_1000: float = 6.0
    shop_vacancy_onset: float = 0.06
    shop_vacancy_end: float = 0.3
    # the planted rise of shop vacancy: in this wijk's shopping centre from this year on, onsets × 3, ends × 0.5
    shop_decline_wijk: str = "WK990200"
    shop_decline_from: int = 2021
