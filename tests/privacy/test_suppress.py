"""Secondary suppression: a margin must not give a suppressed cell away, and the pattern is deterministic."""

import numpy as np
import pytest

from udc.errors import UdcError
from udc.privacy.suppress import Table, audit, protect

# region R = gemeente A + gemeente B; A = buurt a1 + a2 + a3; B = b1 + b2
LABELS = ["R", "A", "B", "a1", "a2", "a3", "b1", "b2"]
VALUES = np.array([100, 60, 40, 3, 27, 30, 20, 20], float)
EQUATIONS = [(0, [1, 2]), (1, [3, 4, 5]), (2, [6, 7])]


def test_naive_suppression_leaks_through_the_margin_and_the_gate_does_not() -> None:
    table = Table(VALUES, EQUATIONS, LABELS)
    primary = VALUES < 10  # only a1 (3 inhabitants)
    [naive] = audit(table, primary, np.ones(8))
    assert (naive.lower, naive.upper) == (3.0, 3.0)  # A − a2 − a3 = 3: recomputed exactly
    pattern, results = protect(table, primary, np.ones(8))
    assert [LABELS[i] for i in np.flatnonzero(pattern)] == ["a1", "a2"]  # the smallest partner
    assert all(r.protected and r.upper - r.lower >= 1 for r in results)


def test_multi_level_hierarchy_pattern_passes_the_audit() -> None:
    # R = A + B; A = a1+a2; B = b1+b2; a1 and b1 primary: both margins then need partners.
    values = np.array([50, 25, 25, 4, 21, 6, 19], float)
    table = Table(values, [(0, [1, 2]), (1, [3, 4]), (2, [5, 6])])
    pattern, results = protect(table, values < 10, np.ones(7))
    assert pattern.tolist() == [False, False, False, True, True, True, True]
    assert all(r.protected for r in results)


def test_same_input_same_pattern() -> None:
    rng = np.random.default_rng(5)
    leaves = rng.integers(0, 40, 60).astype(float)
    values = np.concatenate([[leaves.sum()], [leaves[6 * g : 6 * g + 6].sum() for g in range(10)], leaves])
    groups = [[11 + 6 * g + k for k in range(6)] for g in range(10)]  # 10 wijken of 6 buurten
    table = Table(values, [(0, list(range(1, 11)))] + [(1 + g, groups[g]) for g in range(10)])
    first, _ = protect(table, values < 10, np.ones(len(values)))
    second, _ = protect(table, values < 10, np.ones(len(values)))
    assert first.tolist() == second.tolist() and first.sum() > (values < 10).sum()


def test_inconsistent_margins_and_negative_counts() -> None:
    with pytest.raises(UdcError, match="inconsistent margin at R"):
        protect(Table(np.array([100, 61, 40, 3, 27, 30, 20, 20.0]), EQUATIONS, LABELS), np.zeros(8, bool), np.ones(8))
    with pytest.raises(UdcError, match="negative value"):
        protect(Table(np.array([1, -1.0]), []), np.zeros(2, bool), np.ones(2))
