"""The synthetic population is stationary: inhabitants, moves and births level over a decade (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from udc.store import Store
from udc.synth.generate import generate


@pytest.fixture(scope="module")
def decade(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("decade") / "store")
    generate(store, persons=60_000, seed=3, years=(2015, 2024))
    return store


def _first_last(frame: pd.DataFrame, column: str) -> tuple[float, float]:
    """Means of the first and of the last three years: one year's noise is not a trend."""
    series = frame.set_index("year")[column].sort_index()
    return series.iloc[:3].mean(), series.iloc[-3:].mean()


def test_inhabitants_and_every_municipality_level(decade: Store) -> None:
    per_gm = decade.query(
        "SELECT y.year, substr(h.buurt_code, 3, 4) AS gm, count(*) AS n FROM ds_synth_persons_yearly y "
        "JOIN ds_synth_households h USING (household_id, year) GROUP BY ALL"
    )
    total = per_gm.groupby("year", as_index=False)["n"].sum()
    first, last = _first_last(total, "n")
    assert abs(last / first - 1) < 0.01, (first, last)
    for gm, rows in per_gm.groupby("gm"):
        first, last = _first_last(rows, "n")
        assert abs(last / first - 1) < 0.06, (gm, first, last)  # the smallest village has ~2 500 inhabitants


def test_moves_births_and_ages_level(decade: Store) -> None:
    events = decade.query(
        "SELECT year(date) AS year, count(*) FILTER (WHERE event = 'move') AS moves, "
        "count(*) FILTER (WHERE event = 'birth') AS births, count(*) FILTER (WHERE event = 'death') AS deaths "
        "FROM ds_synth_events GROUP BY ALL"
    )
    for column, tolerance in (("moves", 0.04), ("births", 0.10), ("deaths", 0.10)):
        first, last = _first_last(events, column)
        assert abs(last / first - 1) < tolerance, (column, first, last)
    ages = decade.query(
        "SELECT year, avg(age) AS mean_age, avg((age < 18)::INT) AS minors, avg((age >= 65)::INT) AS elderly "
        "FROM ds_synth_persons_yearly GROUP BY year"
    )
    first, last = _first_last(ages, "mean_age")
    assert abs(last - first) < 0.5, (first, last)  # the old model aged 2.8 years in a decade
    for column in ("minors", "elderly"):
        first, last = _first_last(ages, column)
        assert abs(last - first) < 0.01, (column, first, last)


def test_the_start_is_not_the_stationary_state_by_accident(tmp_path: Path) -> None:
    """A scenario without in-migration shrinks: stationarity comes from the rates, not from a frozen model."""
    from udc.synth.params import Params

    with Store(tmp_path / "s") as store:
        generate(store, persons=20_000, seed=3, years=(2015, 2019), params=Params(inflow_factor=0.0))
        first, last = (
            store.query(f"SELECT count(*) AS n FROM ds_synth_persons_yearly WHERE year = {y}")["n"][0]
            for y in (2015, 2020)
        )
    assert last < 0.95 * first, (first, last)
