"""
Keyed uniforms and the split of global quotas over shards: keyed numbers are a pure function
of (seed, label, name), uniform (Kolmogorov-Smirnov bound) and different per seed; the shards'
targets add up to the global target for every seed, and their shares vary as a
multivariate hypergeometric split does (mean and variance within bounds).
"""
import math

import numpy as np
import pytest

from idc.balance.core import BalanceError, keyed_uniform_function, shard_targets, split_quota


def test_keyed_uniform_is_a_function_of_seed_label_and_name():
    u = keyed_uniform_function(42)
    assert u("cat", "a.jpg") == keyed_uniform_function(42)("cat", "a.jpg")
    assert u("cat", "a.jpg") != u("dog", "a.jpg") != u("cat", "b.jpg")
    assert keyed_uniform_function(43)("cat", "a.jpg") != u("cat", "a.jpg")
    # label and name are separated: ("ab", "c") and ("a", "bc") differ
    assert u("ab", "c") != u("a", "bc")


def test_keyed_uniforms_are_uniform():
    u = keyed_uniform_function(7)
    values = np.sort([u("cat", "img%06d.jpg" % i) for i in range(20000)])
    assert 0.0 <= values[0] and values[-1] < 1.0
    # Kolmogorov-Smirnov: the critical value at alpha = 0.001 is 1.95 / sqrt(n)
    n = len(values)
    d = max(np.max(np.arange(1, n + 1) / n - values), np.max(values - np.arange(n) / n))
    assert d < 1.95 / math.sqrt(n)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_keyed_seed_is_checked(seed):
    with pytest.raises(BalanceError, match="seed"):
        keyed_uniform_function(seed)


def test_split_adds_up_for_every_seed():
    counts = [30, 0, 50, 20]
    for target in (0, 1, 37, 100, 250):
        for seed in range(50):
            split = split_quota(counts, target, seed, "cat")
            assert sum(split) == target
            base = target // 100
            assert all(base * n <= s <= (base + 1) * n for s, n in zip(split, counts))


def test_split_is_hypergeometric():
    # 40 of 100 records over shards of 30, 50, 20: shard 0's share has mean 12 and
    # variance 40 * 0.3 * 0.7 * (100 - 40) / 99 = 5.09; over 2000 seeds the mean is within
    # 5 standard errors (5 * sqrt(5.09 / 2000) = 0.25) and the variance within 15%
    shares = np.array([split_quota([30, 50, 20], 40, seed, "cat")[0] for seed in range(2000)])
    assert abs(shares.mean() - 12.0) < 0.25
    assert abs(shares.var() / 5.09 - 1.0) < 0.15


def test_every_shard_computes_the_same_split():
    shard_counts = [{"cat": 30, "dog": 5}, {"cat": 10}, {"cat": 60, "dog": 15}]
    targets = {"cat": 40, "dog": 12}
    for seed in range(20):
        parts = [shard_targets(shard_counts, targets, i, seed) for i in range(3)]
        assert sum(p.get("cat", 0) for p in parts) == 40
        assert sum(p.get("dog", 0) for p in parts) == 12
        assert parts[1]["dog"] == 0
        # the order of the keys does not matter
        reordered = shard_targets(shard_counts, {"dog": 12, "cat": 40}, 2, seed)
        assert reordered == parts[2]


def test_impossible_splits_are_refused():
    with pytest.raises(BalanceError, match="'bird': target 3, but no shard has records of it"):
        shard_targets([{"cat": 1}, {"cat": 2}], {"cat": 2, "bird": 3}, 0, 1)
    with pytest.raises(BalanceError, match="shard 2: not one of 0 to 1"):
        shard_targets([{"cat": 1}, {"cat": 2}], {"cat": 2}, 2, 1)
