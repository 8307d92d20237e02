"""The MIP yardstick for secondary suppression: on small tables it finds a pattern that udc's own LP audit accepts
for every primary cell, never larger than the greedy pattern, and the known optimum of a 2 × 2 table."""

from __future__ import annotations

import numpy as np

from udc.privacy.optimal import optimal
from udc.privacy.suppress import Table, audit, protect

# a 2 × 2 table with its margins: a b | a+b ; c d | c+d ; a+c b+d | total
VALUES = np.array([3, 20, 23, 30, 40, 70, 33, 60, 93], float)
EQUATIONS = [(2, [0, 1]), (5, [3, 4]), (6, [0, 3]), (7, [1, 4]), (8, [2, 5]), (8, [6, 7])]


def test_one_small_cell_needs_a_rectangle_of_four() -> None:
    table = Table(VALUES, EQUATIONS)
    primary = np.zeros(9, bool)
    primary[0] = True
    best = optimal(table, primary, np.ones(9))
    assert best.status == "optimal" and sorted(np.flatnonzero(best.pattern)) == [0, 1, 3, 4]
    by_value = optimal(table, primary, np.ones(9), by_value=True)
    assert by_value.pattern.sum() == 4 and VALUES[by_value.pattern].sum() == 93  # the cheapest rectangle


def test_on_a_hierarchy_the_optimum_passes_the_audit_and_is_no_larger_than_greedy() -> None:
    rng = np.random.default_rng(5)
    leaves = rng.integers(0, 30, (6, 3)).astype(float)  # six buurten × three categories, two wijken
    block = np.column_stack([leaves, leaves.sum(axis=1)])
    wk = np.array([block[:3].sum(axis=0), block[3:].sum(axis=0)])
    total = wk.sum(axis=0, keepdims=True)
    levels = [block, wk, total]
    offsets = np.cumsum([0] + [lv.size for lv in levels])
    values = np.concatenate([lv.ravel() for lv in levels])

    def cid(level: int, row: int, col: int) -> int:
        return int(offsets[level] + row * 4 + col)

    equations = [
        (cid(lv, r, 3), [cid(lv, r, c) for c in range(3)]) for lv, x in enumerate(levels) for r in range(x.shape[0])
    ]
    for col in range(4):
        equations += [
            (cid(1, 0, col), [cid(0, r, col) for r in range(3)]),
            (cid(1, 1, col), [cid(0, r, col) for r in range(3, 6)]),
            (cid(2, 0, col), [cid(1, 0, col), cid(1, 1, col)]),
        ]
    table, required = Table(values, equations), np.ones(len(values))
    primary = (values > 0) & (values < 8)
    assert primary.sum() >= 2
    ours, results = protect(table, primary, required)
    best = optimal(table, primary, required)
    assert best.status == "optimal" and best.pattern.sum() <= ours.sum()
    assert ours.sum() == best.pattern.sum()  # the relaxation-guided pattern reaches the optimum here
    assert ours[primary].all() and all(r.protected for r in results)
    assert best.pattern[primary].all()
    assert all(r.protected for r in audit(table, best.pattern, required) if primary[r.cell])


def test_pruning_keeps_a_safe_subset_of_the_greedy_pattern(monkeypatch) -> None:
    """Pruning only publishes cells again: the pattern is a strict subset of the unpruned one here, keeps every
    primary cell and passes the audit."""
    from udc.privacy import suppress

    rng = np.random.default_rng(0)  # a table where the greedy repair takes one cell too many
    leaves = rng.integers(0, 25, (8, 4)).astype(float)
    block = np.column_stack([leaves, leaves.sum(axis=1)])
    total = block.sum(axis=0, keepdims=True)
    values = np.concatenate([block.ravel(), total.ravel()])
    equations = [(r * 5 + 4, [r * 5 + c for c in range(4)]) for r in range(9)]
    equations += [(40 + c, [r * 5 + c for r in range(8)]) for c in range(5)]
    table, required = Table(values, equations), np.ones(len(values))
    primary = (values > 0) & (values < 6)
    monkeypatch.setattr(suppress, "GUIDED_SIZE", 0)  # the greedy path, as on a national table
    monkeypatch.setattr(suppress, "prune", lambda *a, **k: 0)
    unpruned, _ = suppress.protect(table, primary, required)
    monkeypatch.undo()
    monkeypatch.setattr(suppress, "GUIDED_SIZE", 0)
    pruned, results = suppress.protect(table, primary, required)
    assert pruned[primary].all() and not (pruned & ~unpruned).any() and pruned.sum() < unpruned.sum()
    assert all(r.protected for r in results) and {r.cell for r in results} == set(np.flatnonzero(pruned))


def test_without_the_relaxation_in_time_the_greedy_pattern_is_used(monkeypatch) -> None:
    """A relaxation HiGHS does not finish in time is not an error: the greedy pattern (also audited) is the answer;
    the guided one is never larger on this table."""
    from udc.privacy import optimal as model
    from udc.privacy import suppress

    table, primary = Table(VALUES, EQUATIONS), np.array([True] + [False] * 8)
    guided, _ = suppress.protect(table, primary, np.ones(9))
    monkeypatch.setattr(model, "relaxation", lambda *a, **k: None)
    greedy, results = suppress.protect(table, primary, np.ones(9))
    assert guided.sum() == 4 and greedy.sum() >= guided.sum()  # the optimum: four cells
    assert greedy[0] and all(r.protected for r in results)
