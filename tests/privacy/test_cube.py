"""A cube table's margins come from one query (each leaf repeated once per grouping set, summed again): every
subset of the table's dimensions must hold the sums a separate GROUP BY gives, tails thinned only where kept."""

from __future__ import annotations

import itertools

import ibis
import pandas as pd

from udc.privacy import gate
from udc.privacy.cube import _complete, _grouping_sets
from udc.privacy.request import KEY_MODULUS

BATCH, BY = ["area"], ["direction", "other"]


def _leaves() -> pd.DataFrame:
    rows = [
        (area, direction, other, n, (n * 2_654_435_761 + len(other)) % 2**40)
        for area in ("GM0001", "GM0002")
        for direction, other in itertools.product(("in", "out"), ("GM0003", "GM0004", "DE_05334"))
        for n in [len(area + direction + other) % 7]  # 0..6 units: some under any reach
    ]
    return pd.DataFrame(rows, columns=["area", "direction", "other", "n", "k"])


def _expected(leaves: pd.DataFrame, kept: tuple[str, ...]) -> pd.DataFrame:
    keys = [*BATCH, *kept]
    summed = leaves.groupby(keys, as_index=False).agg(count=("n", "sum"), key_sum=("k", "sum"))
    summed["key_sum"] %= KEY_MODULUS
    for d in BY:
        if d not in kept:
            summed[d] = gate.TOTAL
    return summed[[*BATCH, *BY, "count", "key_sum"]]


def test_every_grouping_set_holds_the_sums_of_its_own_group_by() -> None:
    leaves = _leaves()
    subsets = [kept for r in range(len(BY), -1, -1) for kept in itertools.combinations(BY, r)]
    got = _grouping_sets(ibis.memtable(leaves), BATCH, BY, subsets, tails=(), reach=0).to_pandas()
    expected = pd.concat([_expected(leaves, kept) for kept in subsets], ignore_index=True)
    order = [*BATCH, *BY]
    pd.testing.assert_frame_equal(
        got.sort_values(order, ignore_index=True).astype({"count": "int64", "key_sum": "int64"}),
        expected.sort_values(order, ignore_index=True).astype({"count": "int64", "key_sum": "int64"}),
    )
    assert len(got) == 2 * (6 + 2 + 3 + 1)  # per area: leaves, by direction, by other, the total


def test_tail_cells_under_reach_are_dropped_only_where_the_tail_is_kept() -> None:
    leaves = _leaves()
    subsets = [kept for r in range(len(BY), -1, -1) for kept in itertools.combinations(BY, r)]
    got = _grouping_sets(ibis.memtable(leaves), BATCH, BY, subsets, tails=("other",), reach=4).to_pandas()
    keeps_other = got["other"] != gate.TOTAL
    assert (got.loc[keeps_other, "count"] >= 4).all()
    assert keeps_other.any() and (~keeps_other).any()
    margins = got[~keeps_other].set_index([*BATCH, "direction"])["count"]
    by_direction = leaves.groupby([*BATCH, "direction"])["n"].sum()
    assert margins.drop(gate.TOTAL, level="direction").sort_index().tolist() == by_direction.sort_index().tolist()
    assert (leaves.n < 4).any()  # the thinning had something to drop


def _nobody(columns: list[str]) -> pd.DataFrame:
    """What the engine returns when no row is counted: the columns, no rows."""
    return pd.DataFrame({c: pd.Series([], dtype="string[pyarrow]") for c in columns}).assign(
        count=pd.Series([], dtype="int64"), key_sum=pd.Series([], dtype="int64")
    )


def test_with_nobody_counted_the_declared_categories_are_still_listed() -> None:
    """An empty table would say "nobody"; a listed cell with count 0 is withheld like a few: the declared areas and
    directions are completed even when the engine returned no row, and a dimension without declared categories
    keeps its Totaal cell."""
    domains = {"area": ["GM0001", "GM0002"], "direction": ["in", "out"]}
    completed = _complete(_nobody(["area", "direction", "other"]), ["area"], ["direction", "other"], (), domains)
    assert len(completed) == 2 * 3 and set(completed["other"]) == {gate.TOTAL}
    assert (completed["count"] == 0).all() and completed["count"].dtype == "int64"
    assert _complete(_nobody(["area"]), ["area"], [], (), {}).empty  # no declared areas: nothing to list
    grand = _complete(pd.DataFrame({"count": [], "key_sum": []}), [], [], (), {})
    assert grand.to_dict("records") == [{"count": 0, "key_sum": 0}]  # the grand total of nobody is a cell
