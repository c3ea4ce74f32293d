"""
Per-record decisions of the probabilistic sampler. Statistical checks use fixed seeds
and bounds of 5 standard deviations of the binomial distribution, so a correct sampler
fails them with probability below 1e-6 for any seed, and the fixed seed makes the
outcome repeatable.
"""
import math

import numpy as np
import pytest

from idc.balance.core import ProbabilisticSampler, create_rng, resolve_seed


def sampler(correction, default=1.0, seed=1):
    return ProbabilisticSampler(correction, default, create_rng(seed))


def binomial_bounds(n, p, sigmas=5.0):
    sd = math.sqrt(n * p * (1 - p))
    return n * p - sigmas * sd, n * p + sigmas * sd


@pytest.mark.parametrize("p", [0.01, 0.25, 0.5, 0.9])
def test_keep_rate_within_binomial_bounds(p):
    n = 50000
    s = sampler({"a": p}, seed=123)
    kept = sum(s.emit_count("a") for _ in range(n))
    low, high = binomial_bounds(n, p)
    assert low <= kept <= high


def test_zero_and_one_are_exact():
    s = sampler({"never": 0.0, "always": 1.0}, seed=5)
    assert sum(s.emit_count("never") for _ in range(10000)) == 0
    assert sum(s.emit_count("always") for _ in range(10000)) == 10000


def test_default_probability_for_unknown_labels():
    s = sampler({"a": 1.0}, default=0.0)
    assert s.correction("zzz") == 0.0
    assert sum(s.emit_count("zzz") for _ in range(1000)) == 0


def test_same_seed_same_decisions():
    labels = ["a", "b", "c"] * 5000
    correction = {"a": 0.3, "b": 0.6, "c": 0.9}
    s1 = sampler(correction, seed=7)
    s2 = sampler(correction, seed=7)
    first = [s1.emit_count(x) for x in labels]
    assert first == [s2.emit_count(x) for x in labels]
    s3 = sampler(correction, seed=8)
    assert [s3.emit_count(x) for x in labels] != first


def test_resolve_seed():
    assert resolve_seed(42) == 42
    a, b = resolve_seed(None), resolve_seed(None)
    assert a != b and a >= 0


# --- oversampling and exact quotas ---

from idc.balance.core import ExactSampler


def exact(counts, targets, seed, default=1.0):
    rng = create_rng(seed)
    return ExactSampler(counts, targets, rng, ProbabilisticSampler({}, default, rng))


@pytest.mark.parametrize("counts, targets", [
    ({"a": 120, "b": 40, "c": 10}, {"a": 10, "b": 10, "c": 10}),      # under
    ({"a": 120, "b": 40, "c": 10}, {"a": 120, "b": 120, "c": 120}),   # over
    ({"a": 120, "b": 40, "c": 10}, {"a": 57, "b": 57, "c": 57}),      # mixed: down, over, over
    ({"a": 7, "b": 3}, {"a": 7, "b": 0}),                             # keep all / drop all
])
def test_exact_mode_hits_every_target_for_50_seeds(counts, targets):
    for seed in range(50):
        s = exact(counts, targets, seed)
        # interleave the labels as a reader would
        stream = [label for i in range(max(counts.values())) for label in counts if i < counts[label]]
        emitted = dict.fromkeys(counts, 0)
        for label in stream:
            emitted[label] += s.emit_count(label)
        assert emitted == targets, seed
        assert s.mismatches() == {}
        for label, tally in s.tallies().items():
            assert tally.emitted == targets[label]
            assert tally.records_in == counts[label]


@pytest.mark.parametrize("n, t", [(20, 5), (8, 19)])
def test_exact_selection_is_uniform_over_records(n, t):
    # each record is chosen for an extra emission with probability (t mod n) / n;
    # over 4000 seeds its count is binomial: 5 standard deviations bound it
    seeds = 4000
    extra = t % n
    p = extra / n
    chosen = [0] * n
    for seed in range(seeds):
        s = exact({"a": n}, {"a": t}, seed)
        for i in range(n):
            if s.emit_count("a") > t // n:
                chosen[i] += 1
    low, high = binomial_bounds(seeds, p)
    assert all(low <= c <= high for c in chosen), chosen
    assert sum(chosen) == seeds * extra


def test_probabilistic_oversampling_mean_copies():
    # correction 2.5: every record twice, a third time with probability 0.5
    n = 20000
    s = sampler({"a": 2.5}, seed=11)
    emitted = [s.emit_count("a") for _ in range(n)]
    assert set(emitted) == {2, 3}
    low, high = binomial_bounds(n, 0.5)
    assert low <= emitted.count(3) <= high
    tally = s.tallies()["a"]
    assert tally.kept == n and tally.copies == sum(emitted) - n and tally.target == pytest.approx(2.5 * n)


def test_probabilistic_whole_corrections_are_exact():
    s = sampler({"a": 3.0, "b": 0.0}, seed=2)
    assert {s.emit_count("a") for _ in range(100)} == {3}
    assert {s.emit_count("b") for _ in range(100)} == {0}


def test_exact_mode_reports_mismatches_and_never_overshoots():
    s = exact({"a": 5, "c": 4}, {"a": 3, "c": 8}, seed=1, default=1.0)
    emitted = {"a": 0, "b": 0, "c": 0}
    for label in ["a"] * 7 + ["b"] * 3 + ["c"] * 2:
        emitted[label] += s.emit_count(label)
    # 'a' had 2 more records than counted: the quota of 3 is met, the surplus dropped
    assert emitted["a"] == 3
    # 'b' was not counted: decided by the fallback (default probability 1.0)
    assert emitted["b"] == 3
    # 'c' had 2 fewer: it falls short of its target
    assert emitted["c"] < 8
    assert s.mismatches() == {"a": 2, "b": None, "c": -2}
