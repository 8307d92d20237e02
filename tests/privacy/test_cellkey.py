"""Cell-key perturbation: the same cell always gets the same value; differencing learns nothing exact."""

import numpy as np

from udc.privacy.cellkey import cell_keys, perturb, ptable


def test_ptable_is_unbiased_with_the_documented_variance() -> None:
    table = ptable(2, 1.0)
    values = np.arange(-2, 3)
    for n in (1, 2, 5, 40):
        p = np.diff(np.concatenate([[0.0], table[n]]))
        assert abs((p * values).sum()) < 1e-9 and abs((p * values**2).sum() - 1.0) < 1e-6
        assert p[values < -n].sum() == 0  # never a negative count
    assert np.diff(np.concatenate([[0.0], table[0]]))[2] == 1.0  # zero stays zero


def test_same_records_same_noise_whatever_the_query() -> None:
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**32, 500, dtype=np.uint64)
    members = rng.choice(500, 37, replace=False)
    one = perturb(np.array([37]), cell_keys(keys[members], np.zeros(37, int)), 2, 1.0)
    shuffled = rng.permutation(members)  # the same persons reached by another query, in another order
    other = perturb(np.array([37]), cell_keys(keys[shuffled], np.zeros(37, int)), 2, 1.0)
    assert one.tolist() == other.tolist()


def test_differencing_two_selections_does_not_reveal_the_difference() -> None:
    rng = np.random.default_rng(2)
    keys = rng.integers(0, 2**32, 10_000, dtype=np.uint64)
    exact = 0
    for _ in range(400):
        base = rng.choice(10_000, 50, replace=False)
        extra = np.setdiff1d(rng.choice(10_000, 3, replace=False), base)
        a = perturb(np.array([len(base)]), cell_keys(keys[base], np.zeros(len(base), int)), 2, 1.0)[0]
        both = np.concatenate([base, extra])
        b = perturb(np.array([len(both)]), cell_keys(keys[both], np.zeros(len(both), int)), 2, 1.0)[0]
        exact += int(b - a == len(extra))
    assert exact < 0.4 * 400  # the published difference is usually not the true one
