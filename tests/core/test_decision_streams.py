"""
The decisions drawn ahead (issue 14): a label's decisions come from blocks drawn for it and
handed out by a C-level iterator. These tests check what the blocks must keep: the counts
handed out, exact mode's exact total and uniform choice on both of its paths (the
hypergeometric split per block, and sequential selection for labels of a billion records or
more, forced here by lowering the limit), bounded blocks for many labels, and keyed
decisions compared in hash space equal to the keyed uniform number's comparison.
Statistical bounds are 5 standard deviations of the binomial (fixed seeds).
"""
import math

import numpy as np
import pytest

import idc.balance.core._sampling as sampling
from idc.balance.core import (ExactSampler, ProbabilisticSampler, KeyedDraws, keyed_threshold,
                              keyed_uniform_function, create_rng)
from idc.balance.core._sampling import (DecisionStream, ConstantStream, exact_block, block_limit, BLOCK_SIZE,
                                        BLOCK_BUDGET)


def test_stream_counts_what_it_handed_out_across_blocks():
    stream = DecisionStream(lambda size: [2] * size, limit=8, first=3)
    taken = [next(stream.iterator) for _ in range(20)]
    # blocks of 3, 6, 8, 8: the counts come from the blocks used up and the position in the current one
    assert stream.handed_out() == (20, 2 * 20)
    assert taken == [2] * 20
    assert DecisionStream(lambda size: [1] * size).handed_out() == (0, 0)


def test_constant_stream_counts_what_it_handed_out():
    stream = ConstantStream(3, 4)
    assert stream.handed_out() == (0, 0)
    taken = [next(stream.iterator) for _ in range(6)]
    # 4 counted records emitted 3 times each, then records beyond the count dropped
    assert taken == [3, 3, 3, 3, 0, 0]
    assert stream.handed_out() == (6, 12)
    endless = ConstantStream(2)
    assert [next(endless.iterator) for _ in range(1000)] == [2] * 1000 and endless.handed_out() == (1000, 2000)


@pytest.mark.parametrize("counts, targets", [({"a": 7, "b": 3, "c": 0}, {"a": 14, "b": 0, "c": 0}),
                                             ({"a": 5, "b": 2}, {"a": 5, "b": 8})])
def test_labels_without_choice_decide_and_tally_as_drawn_blocks(counts, targets):
    """Whole targets (every record emitted the same number of times) take a ConstantStream: the same decisions,
    tallies and mismatches as blocks drawn by exact_block, including records beyond the count."""
    stream = list(counts) * 9 + ["z"]
    sampler = ExactSampler(counts, targets, create_rng(4), ProbabilisticSampler({}, 1.0, create_rng(5)))
    decided = [next(sampler.decisions_of(label)) for label in stream]
    assert all(isinstance(s, ConstantStream) for s in sampler._streams.values())
    expected = {label: DecisionStream(exact_block(create_rng(4), counts[label], targets[label]), first=counts[label])
                for label in counts}
    assert decided[:-1] == [next(expected[label].iterator) for label in stream[:-1]]
    assert {label: sampler._streams[label].handed_out() for label in counts} \
        == {label: expected[label].handed_out() for label in counts}
    assert sampler.mismatches() == {label: 9 - n for label, n in counts.items() if n != 9} | {"z": None}
    tallies = sampler.tallies()
    assert tallies["a"].records_in == 9 and tallies["z"].records_in == 1


def test_whole_corrections_need_no_draws():
    sampler = ProbabilisticSampler({"a": 2.0, "b": 0.0}, 1.0, create_rng(1))
    decided = [next(sampler.decisions_of(label)) for label in ["a", "b", "c"] * 4]
    assert decided == [2, 0, 1] * 4
    # the generator was not used: a label with a fraction draws as if the whole ones were not there
    mixed = ProbabilisticSampler({"a": 2.0, "f": 0.5}, 1.0, create_rng(1))
    alone = ProbabilisticSampler({"f": 0.5}, 1.0, create_rng(1))
    assert [next(mixed.decisions_of(label)) for label in ["a", "f"] * 50][1::2] \
        == [next(alone.decisions_of("f")) for _ in range(50)]
    tallies = sampler.tallies()
    assert (tallies["a"].records_in, tallies["a"].kept, tallies["a"].copies) == (4, 4, 4)
    assert (tallies["b"].records_in, tallies["b"].kept) == (4, 0)


@pytest.mark.parametrize("sequential", [False, True])
@pytest.mark.parametrize("n, t", [(20, 5), (8, 19), (300, 7)])
def test_exact_block_total_and_uniform_choice(monkeypatch, sequential, n, t):
    if sequential:
        monkeypatch.setattr(sampling, "SELECTION_LIMIT", 0)
    seeds = 3000
    extra = t % n
    chosen = np.zeros(n)
    for seed in range(seeds):
        make = exact_block(np.random.default_rng(seed), n, t)
        # small blocks, so that the split over blocks is exercised
        decisions = make(7) + make(50) + make(n)
        decisions = decisions[:n]
        assert sum(decisions) == t, seed
        assert set(decisions) <= {t // n, t // n + 1}
        chosen += np.array(decisions) > t // n
        # beyond the count: dropped
        assert make(5) == [0] * 5
    p = extra / n
    sd = math.sqrt(seeds * p * (1 - p))
    assert np.all(np.abs(chosen - seeds * p) <= 5 * sd + 1e-9), chosen


def test_exact_sampler_tallies_and_mismatches_unchanged_by_blocks():
    rng = create_rng(3)
    s = ExactSampler({"a": 1000, "b": 10}, {"a": 990, "b": 25}, rng, ProbabilisticSampler({}, 1.0, rng))
    emitted = {"a": 0, "b": 0, "c": 0}
    for label in ["a"] * 1003 + ["b"] * 10 + ["c"] * 4:
        emitted[label] += s.emit_count(label)
    assert emitted == {"a": 990, "b": 25, "c": 4}
    tallies = s.tallies()
    assert (tallies["a"].records_in, tallies["a"].kept, tallies["a"].copies) == (1003, 990, 0)
    assert (tallies["b"].records_in, tallies["b"].kept, tallies["b"].copies) == (10, 10, 15)
    assert s.mismatches() == {"a": 3, "c": None}


def test_blocks_are_bounded_for_many_labels():
    assert block_limit(1) == BLOCK_SIZE
    labels = 10 ** 5
    # the decisions drawn ahead over all labels stay within the budget (or 64 per label)
    assert block_limit(labels) * labels <= max(BLOCK_BUDGET, 64 * labels)


@pytest.mark.parametrize("p", [0.0, 1e-9, 0.3, 0.5, 0.999999, 1.0])
def test_keyed_threshold_decides_as_the_uniform_number(p):
    uniform = keyed_uniform_function(7)
    draws = KeyedDraws(7)
    seed = draws.label_seed("cat")
    threshold = keyed_threshold(p)
    for i in range(20000):
        name = "img%05d.jpg" % i
        assert (draws.name_hash(name, seed) < threshold) == (uniform("cat", name) < p)


def test_keyed_sampler_matches_the_keyed_uniform_numbers():
    correction = {"cat": 0.3, "dog": 1.7}
    s = ProbabilisticSampler(correction, 1.0, create_rng(1), KeyedDraws(11))
    uniform = keyed_uniform_function(11)
    for i in range(5000):
        for label, c in correction.items():
            name = "%s_%d.jpg" % (label, i)
            expected = math.floor(c) + (1 if uniform(label, name) < c - math.floor(c) else 0)
            assert s.emit_count_keyed(label, name) == expected
    assert s.tallies()["cat"].records_in == 5000


def test_exact_sampler_makes_streams_for_the_labels_that_occur_only():
    # a counts file may list a great many labels: a label's decision stream (about 1.6 KB) is made on its first
    # record, so initialize holds only the counts and targets (two dict entries a label, under 200 bytes)
    import tracemalloc
    counts = {"l%d" % i: 1000 for i in range(100000)}
    targets = {label: 500 for label in counts}
    rng = create_rng(1)
    tracemalloc.start()
    try:
        s = ExactSampler(counts, targets, rng, ProbabilisticSampler({}, 1.0, rng))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / len(counts) < 200
    assert sum(s.emit_count("l7") for _ in range(1000)) == 500
    tallies = s.tallies()
    assert tallies["l7"].records_in == 1000 and tallies["l8"].records_in == 0
    assert s.mismatches()["l8"] == -1000 and "l7" not in s.mismatches()
