"""A differencing harness over the gate's numeric output paths (issue 26, item 9).

An attacker asks two things whose selections differ by one small group — one buurt, one age band, one address in a
user-defined set of areas — and subtracts. For every path below the harness builds random pairs, reads the truth of
the group from the store, and checks what the method documents (docs/privacy.md, "Differencing"):

- **sums** (cell-key magnitudes): the difference never equals the group's true sum, and it is off by at most
  2 · (D · mean + m · top1) ≤ 2 · (D + m) · (the largest contribution in either cell);
- **counts** (cell key): off by at most 2 · D; the difference is exact only about as often as two independent draws
  of the noise agree (Σ p_j² of the p-table), i.e. an attacker never knows *whether* he hit the true value;
- **tables defined in advance** (monitors, pooled over areas a programme chooses): the same, because their
  cell-key counts and sums are the same functions of the record keys.

A group with nobody in it leaves the same persons on both sides, so both sides publish the same value (the cell key's
consistency): the attacker learns the group is empty, no person's value — documented as residual risk.

Plus the property that every per-cell field of an ad-hoc table is a function of its published values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from udc.errors import Forbidden
from udc.indicators.model import Count
from udc.monitoring.counts import Run, per_year
from udc.privacy.access import User
from udc.privacy.audit import AuditLog, store_log
from udc.privacy.cellkey import ptable
from udc.privacy.dimensions import AGE_BANDS_5
from udc.privacy.gate import TOTAL, crosstab, offered
from udc.privacy.policy import current
from udc.privacy.request import Filter, TableRequest
from udc.store import Store

RESEARCHER = User("onderzoeker", "researcher")
ADMIN = User("beheer", "admin")
PAIRS = 16


@pytest.fixture(scope="module")
def demo(demo_open: Store, demo_store: Path) -> tuple[Store, AuditLog]:
    return demo_open, store_log(demo_store)


@dataclass
class Attack:
    """Pairs of published numbers and the truth of what separates them."""

    errors: list[float] = field(default_factory=list)
    exact: int = 0
    withheld: int = 0  # pairs where one side was withheld: nothing to subtract
    empty: int = 0  # the group has nobody: the same persons, the same value (documented: no person to protect)

    def pair(self, a: float, b: float, truth: float) -> None:
        if pd.isna(a) or pd.isna(b):
            self.withheld += 1
            return
        if truth == 0:
            self.empty += 1
            assert a == b  # same persons, same record keys, same published value
            return
        error = (a - b) - truth
        self.errors.append(abs(error))
        self.exact += int(abs(error) < 1e-9)


def _run(
    selections: list[tuple[list, object]], publish: Callable[[list], float], truth: Callable[[object], float]
) -> Attack:
    attack = Attack()
    for whole, group in selections:
        rest = [x for x in whole if x != group]
        attack.pair(publish(whole), publish(rest), truth(group))
    return attack


def _buurt_pairs(store: Store, table: str, seed: int) -> tuple[list[tuple[list, object]], list[str]]:
    """Random sets of buurten (large enough for the minimum population) and one buurt in each to take out."""
    rng = np.random.default_rng(seed)
    buurten = sorted(store.query(f"SELECT DISTINCT buurt_code FROM {table}").buurt_code)
    pairs = []
    for _ in range(PAIRS):
        whole = sorted(rng.choice(buurten, size=min(len(buurten), 150), replace=False).tolist())
        pairs.append((whole, str(rng.choice(whole))))
    return pairs, buurten


def _count_bound(store: Store) -> tuple[int, float]:
    """The count noise's largest deviation of a difference (2 · D) and the chance two draws agree (Σ p_j²)."""
    policy = current(store)
    cumulative = ptable(policy.cell_key_d, policy.cell_key_v)[-1]
    p = np.diff(np.concatenate([[0.0], cumulative]))
    return 2 * policy.cell_key_d, float((p**2).sum())


def _assert_counts(attack: Attack, store: Store) -> None:
    bound, agree = _count_bound(store)
    assert len(attack.errors) >= PAIRS // 2, attack
    assert max(attack.errors) <= bound
    share = attack.exact / len(attack.errors)
    assert share <= agree + 0.3, (share, agree)  # binomial slack for sixteen pairs
    assert share < 1.0  # never certainly exact


def _assert_sums(attack: Attack, store: Store, largest: float) -> None:
    """No pair gives the group's exact sum; a difference is off by at most twice one sum's bound, D · mean + m · top1
    (both at most the largest contribution)."""
    policy = current(store)
    assert len(attack.errors) >= PAIRS // 2, attack
    assert attack.exact == 0, attack
    assert max(attack.errors) <= 2 * (policy.cell_key_d + policy.magnitude_m) * largest + 0.01  # two decimals
    assert min(attack.errors) > 0


def _cell(table: pd.DataFrame, column: str, **keys: str) -> float:
    mask = np.ones(len(table), dtype=bool)
    for k, v in keys.items():
        mask &= (table[k].astype(str) == v).to_numpy()
    return float(table.loc[mask, column].iloc[0])


def test_ad_hoc_counts_one_buurt_apart(demo: tuple[Store, AuditLog]) -> None:
    store, audit = demo
    pairs, _ = _buurt_pairs(store, "ds_synth_persons_yearly", 1)

    def publish(buurten: list[str]) -> float:
        request = TableRequest(
            dataset="synth_persons_yearly", dimensions=["year"], filters=[Filter(column="buurt_code", values=buurten)]
        )
        return _cell(crosstab(store, request, user=RESEARCHER, audit=audit).cells, "count", year="2020")

    def truth(buurt: object) -> float:
        return float(
            store.query(
                f"SELECT count(*) AS n FROM ds_synth_persons_yearly WHERE year = 2020 AND buurt_code = '{buurt}'"
            ).n.iloc[0]
        )

    _assert_counts(_run(pairs, publish, truth), store)


def test_ad_hoc_sums_one_buurt_apart(demo: tuple[Store, AuditLog]) -> None:
    store, audit = demo
    pairs, _ = _buurt_pairs(store, "ds_synth_newborns", 2)
    largest = float(store.query("SELECT max(birth_weight) AS m FROM ds_synth_newborns").m.iloc[0])

    def publish(buurten: list[str]) -> float:
        request = TableRequest(
            dataset="synth_newborns",
            dimensions=["year"],
            measure="birth_weight",
            filters=[Filter(column="buurt_code", values=buurten)],
        )
        return _cell(crosstab(store, request, user=RESEARCHER, audit=audit).cells, "birth_weight", year=TOTAL)

    def truth(buurt: object) -> float:
        return float(
            store.query(
                f"SELECT coalesce(sum(birth_weight), 0) AS s FROM ds_synth_newborns WHERE buurt_code = '{buurt}'"
            ).s.iloc[0]
        )

    _assert_sums(_run(pairs, publish, truth), store, largest)


def test_ad_hoc_counts_and_sums_one_age_band_apart(demo: tuple[Store, AuditLog]) -> None:
    """Bands 0-4 … k vs 0-4 … k − 1: each pair separates everyone in one five-year band —
    their number and their summed ages. (A single age cannot be filtered: ages have rare values.)"""
    store, audit = demo
    bands = list(AGE_BANDS_5)
    tables = {}
    for k in range(1, len(bands) + 1):
        for chosen in (tuple(bands[:k]),):
            request = TableRequest(
                dataset="synth_persons_yearly",
                dimensions=["year"],
                measure="age",
                filters=[Filter(column="leeftijd5", values=list(chosen))],
            )
            try:
                tables[chosen] = crosstab(store, request, user=RESEARCHER, audit=audit).cells
            except Forbidden:  # fewer than the minimum population: nothing to difference
                continue
    truth = store.query(
        "SELECT least(age // 5, 19) AS band, count(*) AS n, sum(age) AS s FROM "
        "ds_synth_persons_yearly WHERE year = 2020 GROUP BY 1"
    ).set_index("band")
    counts, sums = Attack(), Attack()
    for k in range(2, len(bands) + 1):
        for whole, rest, band in ((tuple(bands[:k]), tuple(bands[: k - 1]), k - 1),):
            if whole in tables and rest in tables:
                a, b = tables[whole], tables[rest]
                counts.pair(_cell(a, "count", year="2020"), _cell(b, "count", year="2020"), truth.n.get(band, 0))
                sums.pair(_cell(a, "age", year="2020"), _cell(b, "age", year="2020"), truth.s.get(band, 0))
    _assert_counts(counts, store)
    _assert_sums(sums, store, largest=float(store.query("SELECT max(age) AS m FROM ds_synth_persons_yearly").m[0]))


def test_monitor_pools_over_chosen_areas_one_address_apart(demo: tuple[Store, AuditLog]) -> None:
    """A programme chooses its areas: two programmes whose buurten differ by one (one family's address) pool
    counts and sums that differ by that buurt's — protected as the ad-hoc tables are."""
    store, audit = demo
    pairs, _ = _buurt_pairs(store, "ds_synth_newborns", 3)
    largest = float(store.query("SELECT max(birth_weight) AS m FROM ds_synth_newborns").m.iloc[0])
    run = Run(ADMIN, audit)
    births = Count(dataset="synth_newborns")
    weight = Count(dataset="synth_newborns", measure="birth_weight")
    counts, sums = Attack(), Attack()
    for i, (whole, buurt) in enumerate(pairs):
        rest = [b for b in whole if b != buurt]
        true = store.query(
            f"SELECT count(*) AS n, coalesce(sum(birth_weight), 0) AS s FROM ds_synth_newborns "
            f"WHERE buurt_code = '{buurt}' AND year BETWEEN 2019 AND 2021"
        ).iloc[0]
        for count, attack, column in ((births, counts, "n"), (weight, sums, "s")):
            a = per_year(store, count, whole, [2019, 2020, 2021], run, f"h{i}a").set_index("period").n
            b = per_year(store, count, rest, [2019, 2020, 2021], run, f"h{i}b").set_index("period").n
            attack.pair(a[TOTAL], b[TOTAL], float(true[column]))
    _assert_counts(counts, store)
    _assert_sums(sums, store, largest)


def test_monitor_pools_of_households_one_buurt_apart(demo: tuple[Store, AuditLog]) -> None:
    """The second review's F2: households had no record keys, so pooled counts were exact (suppression) and two
    pools one buurt apart gave that buurt's households in debt help exactly. Households carry record keys now."""
    store, audit = demo
    pairs, _ = _buurt_pairs(store, "ds_synth_households", 4)
    run = Run(ADMIN, audit)
    debt = Count(dataset="synth_households", filters=[Filter(column="debt_help", values=[True])])
    counts = Attack()
    for i, (whole, buurt) in enumerate(pairs):
        rest = [b for b in whole if b != buurt]
        true = store.query(
            f"SELECT count(*) AS n FROM ds_synth_households WHERE buurt_code = '{buurt}' AND "
            "debt_help AND year BETWEEN 2019 AND 2021"
        ).n.iloc[0]
        a = per_year(store, debt, whole, [2019, 2020, 2021], run, f"d{i}a").set_index("period").n
        b = per_year(store, debt, rest, [2019, 2020, 2021], run, f"d{i}b").set_index("period").n
        counts.pair(a[TOTAL], b[TOTAL], float(true))  # pooled over the years, as a programme's periods are
    _assert_counts(counts, store)


def test_background_study_counts_one_year_apart(demo: tuple[Store, AuditLog]) -> None:
    """The expected-versus-observed study (issue 30): each gemeente's observed count over two spans one year apart.
    A span is the sum of its years' published cells (the risk table is a yearly snapshot), so the difference is the
    left-out year's own published cell: off its true count as a cell is (at most D), never a new value."""
    from udc.analysis import background

    store, audit = demo
    study = background.get("youth_care")

    def observed(years: tuple[int, int]) -> pd.Series:
        rows = background.expected(store, study, level="gemeente", years=years, user=RESEARCHER, audit=audit).rows
        return rows.set_index("area_code").observed

    whole, part = observed((2019, 2022)), observed((2019, 2021))
    truth = store.query(
        "SELECT 'GM' || substr(buurt_code, 3, 4) AS gm, count(*) AS n FROM ds_synth_youth_risk "
        "WHERE year = 2022 AND youth_care_start GROUP BY 1"
    ).set_index("gm")["n"]
    attack = Attack()
    for gemeente in whole.index:
        attack.pair(whole[gemeente], part[gemeente], float(truth.get(gemeente, 0)))
    assert len(attack.errors) >= 3, attack
    assert max(attack.errors) <= current(store).cell_key_d  # one published cell's noise
    assert attack.exact < len(attack.errors)  # never certainly exact


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_per_cell_field_is_a_function_of_published_values(
    demo: tuple[Store, AuditLog], data: st.DataObject
) -> None:
    """Random ad-hoc requests (dataset, one or two offered dimensions, an optional sum): within a table, cells with
    the same published values have the same other fields, and a withheld count's cell says nothing more."""
    store, audit = demo
    dataset, measure = data.draw(
        st.sampled_from(
            [
                ("synth_persons_yearly", None),
                ("synth_persons_yearly", "age"),
                ("synth_newborns", "birth_weight"),
                ("flows_moves", None),
            ]
        )
    )
    dims = data.draw(st.lists(st.sampled_from(offered(store, dataset)), min_size=1, max_size=2, unique=True))
    request = TableRequest(dataset=dataset, dimensions=dims, measure=measure)
    cells = crosstab(store, request, user=RESEARCHER, audit=audit).cells
    published = ["count", *([measure, f"{measure}_mean"] if measure else [])]
    assert set(cells.columns) == {*dims, *published, "status"}
    assert (cells.status == np.where(cells["count"].isna(), "suppressed", "perturbed")).all()
    if measure:
        assert cells.loc[cells["count"].isna(), measure].isna().all()
        mean = (cells[measure] / cells["count"]).round(2)
        assert np.allclose(cells[f"{measure}_mean"], mean, equal_nan=True)
