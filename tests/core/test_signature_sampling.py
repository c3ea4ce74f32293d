"""
Streaming a multi-label plan (SignatureSampler) and repeat factor sampling, without the
framework: exact counts per signature, uniform choice within a signature, the pool of
negatives, signatures not in the file, and the expectations of repeat factor sampling.
"""
import json
import math

import numpy as np
import pytest
from scipy.stats import chisquare

from idc.balance.core import (BalanceError, NEGATIVES_POOL, SignatureSampler, create_rng, emitted_per_class,
                              plan_signatures, repeat_factor_plan, repeat_factors, default_threshold,
                              check_threshold, plan_report_json, plan_lines, outcome_lines,
                              FORMAT_PLAN_REPORT, METHOD_PLAN, METHOD_REPEAT_FACTOR)

IMAGES = {("car", "person"): 40, ("person",): 50, ("bike", "person"): 6, ("bike",): 2, ("bus",): 12,
          (): 9, ("tree",): 5}


def stream_of(images, seed):
    """ Every image once, as its signature, in a shuffled order. """
    order = [s for s, n in images.items() for _ in range(n)]
    np.random.default_rng(seed).shuffle(order)
    return order


def run(sampler, order):
    emitted = dict()
    for signature in order:
        emitted[signature] = emitted.get(signature, 0) + sampler.emit_count(signature)
    return emitted


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("max_copies", [1, 3])
def test_plan_is_streamed_exactly(seed, max_copies):
    plan = plan_signatures(IMAGES, "median", max_copies, background=["tree"], negatives=4)
    sampler = SignatureSampler(IMAGES, plan, (create_rng(seed)))
    emitted = run(sampler, stream_of(IMAGES, seed))
    negatives = emitted.pop(()) + emitted.pop(("tree",))
    assert negatives == plan.negatives == 4
    assert emitted == {s: plan.emit[s] for s in emitted}
    per_class = emitted_per_class(sampler.tallies(), sampler.unknown(), plan.planned)
    assert per_class == plan.planned
    assert sampler.mismatches() == dict()
    assert sampler.unknown() == dict()


def test_choice_within_a_signature_is_uniform():
    # 12 images of one signature, 5 to emit, 3000 seeded runs: each position is chosen with
    # probability 5/12; chi-square over the 12 positions (11 degrees of freedom), p > 0.001
    images = {("a",): 12, ("b",): 5}
    plan = plan_signatures(images, "min", 1)
    assert plan.emit[("a",)] == 5
    hits = np.zeros(12)
    for seed in range(3000):
        sampler = SignatureSampler(images, plan, (create_rng(seed)))
        for position in range(12):
            if sampler.emit_count(("a",)) > 0:
                hits[position] += 1
    assert hits.sum() == 5 * 3000
    assert chisquare(hits).pvalue > 0.001


def test_copies_are_spread_evenly():
    # K = 3, 'a' has 2 images and the target is 5: one image is emitted 3 times, the other twice
    images = {("a",): 2, ("b",): 5}
    plan = plan_signatures(images, "max", 3)
    assert plan.emit[("a",)] == 5
    sampler = SignatureSampler(images, plan, (create_rng(7)))
    assert sorted([sampler.emit_count(("a",)), sampler.emit_count(("a",))]) == [2, 3]


def test_unknown_signatures_pass_and_mismatches_are_reported():
    images = {("a",): 3, ("b",): 2}
    plan = plan_signatures(images, "min", 1)
    sampler = SignatureSampler(images, plan, (create_rng(1)))
    assert sampler.emit_count(("c",)) == 1
    assert sampler.emit_count(("a", "b")) == 1
    for _ in range(4):
        sampler.emit_count(("a",))
    assert sampler.unknown() == {("a", "b"): 1, ("c",): 1}
    # 'a' seen 4 times (3 in the file), 'b' never (2 in the file)
    assert sampler.mismatches() == {("a",): 1, ("b",): -2}


def test_repeat_factors_follow_lvis():
    # 100 images; 'a' in 90 (f 0.9), 'b' in 10 (f 0.1), 'c' in 1 (f 0.01); t = 0.1
    images = {("a",): 89, ("a", "b"): 1, ("b",): 9, ("c",): 1, (): 0}
    factors = repeat_factors(images, 0.1)
    assert factors[("a",)] == 1.0
    assert factors[("b",)] == 1.0
    assert factors[("c",)] == pytest.approx(math.sqrt(0.1 / 0.01))
    assert factors[()] == 1.0
    assert repeat_factors(images, 0.1, max_copies=2)[("c",)] == 2.0
    assert repeat_factors(images, 0.5)[("a", "b")] == pytest.approx(math.sqrt(0.5 / 0.1))
    assert default_threshold(10, 100) == 0.1
    assert default_threshold(10, 0) == 1.0


@pytest.mark.parametrize("value", [0, -0.1, 1.5, "x", True, float("nan")])
def test_threshold_is_checked(value):
    with pytest.raises(BalanceError, match="--rfs_threshold"):
        check_threshold(value)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_repeat_factor_sampling_matches_its_expectation(seed):
    # 1000 images of factor 2.3: each is emitted twice, plus once more with probability 0.3, so
    # the images emitted are 2000 + Binomial(1000, 0.3): within 5 standard deviations of 2300
    images = {("r",): 1000, ("c",): 1000}
    factors = {("r",): 2.3, ("c",): 1.0}
    plan = plan_signatures(images, "min", 1)
    sampler = SignatureSampler(images, plan, (create_rng(seed)), factors=factors)
    emitted = run(sampler, stream_of(images, seed))
    sd = math.sqrt(1000 * 0.3 * 0.7)
    assert abs(emitted[("r",)] - 2300) < 5 * sd
    assert emitted[("c",)] == 1000
    assert sampler.mismatches() == dict()


def test_repeat_factor_plan_is_the_expectation():
    images = {("a",): 80, ("a", "b"): 10, ("b",): 10, (): 5}
    plan = repeat_factor_plan(images, "max")
    # T = 90 (images with 'a'), t = 90 / 105; f_b = 20 / 105: r_b = sqrt(90 / 20) = 2.12
    r_b = math.sqrt(90 / 20)
    assert plan.target == 90
    assert plan.emit[("b",)] == pytest.approx(10 * r_b)
    assert plan.planned["a"] == pytest.approx(80 + 10 * r_b)
    assert plan.planned["b"] == pytest.approx(20 * r_b)
    assert plan.error == pytest.approx(abs(80 + 10 * r_b - 90) + abs(20 * r_b - 90))
    assert plan.negatives_in == 5 and plan.negatives == 0


def test_negatives_beyond_the_copies_are_noted():
    images = {("a",): 3, (): 2}
    plan = plan_signatures(images, "min", 2, negatives=10)
    assert plan.negatives == 4
    assert any("--negatives" in note for note in plan.notes)


def test_plan_report_and_lines():
    plan = plan_signatures(IMAGES, "min", 1, background=["person"], negatives=3)
    report = json.loads(plan_report_json(plan, IMAGES, METHOD_PLAN, 1, ["person"], True, None))
    assert report["format"] == FORMAT_PLAN_REPORT
    assert report["classes"]["bike"] == {"images_in": 8, "target": plan.target, "planned": plan.planned["bike"]}
    assert report["error"] == plan.error
    assert report["negatives"] == {"images_in": plan.negatives_in, "planned": 3}
    assert sum(s["images"] for s in report["signatures"]) == sum(IMAGES.values())
    lines = plan_lines(plan, METHOD_PLAN)
    assert any(line.startswith("error: %d" % plan.error) for line in lines)
    assert "expected" in plan_lines(repeat_factor_plan(IMAGES, "max"), METHOD_REPEAT_FACTOR)[0]
    outcome = outcome_lines(plan, plan.planned)
    assert outcome[-1].startswith("error emitted: %d" % plan.error)


def test_long_labels_are_shortened_in_logs():
    # a label of 100,000 characters (a signatures file may hold one) appears shortened in the
    # plan's lines, the notes and the signature lines, not 100,000 characters wide
    from idc.balance.core import signature_lines, MAX_LABEL_SHOWN
    long = "x" * 100000
    images = {(long,): 3, ("b",): 10}
    plan = plan_signatures(images, "max", 2)
    lines = plan_lines(plan, METHOD_PLAN) + outcome_lines(plan, plan.planned) + plan.notes \
        + signature_lines({(long,): 2})
    assert any(line.startswith("x" * MAX_LABEL_SHOWN + "...(100000 characters)") for line in lines)
    assert max(len(line) for line in lines) < 300


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("max_copies", [1, 3])
def test_plan_over_shards_is_streamed_exactly(seed, max_copies):
    # the images of every signature spread over 3 shards; the plan is made for all of them; every shard streams
    # its share (the same core split as balance-labels-ic's --shard_counts), and together they emit the plan
    from idc.balance.core import ShardOfPlan
    rng = np.random.default_rng(100 + seed)
    shards = [dict(), dict(), dict()]
    for signature, n in IMAGES.items():
        for shard in rng.integers(0, 3, size=n):
            shards[shard][signature] = shards[shard].get(signature, 0) + 1
    plan = plan_signatures(IMAGES, "median", max_copies, background=["tree"], negatives=4)
    total = dict()
    for index in range(3):
        sampler = SignatureSampler(IMAGES, plan, (create_rng(seed * 10 + index)),
                                   shards=ShardOfPlan(shards, index, seed))
        for signature, count in run(sampler, stream_of(shards[index], seed)).items():
            total[signature] = total.get(signature, 0) + count
    negatives = [s for s in IMAGES if s in ((), ("tree",))]
    for signature in IMAGES:
        if signature not in negatives:
            assert total.get(signature, 0) == plan.emit[signature]
    assert sum(total.get(s, 0) for s in negatives) == plan.negatives


def test_shards_refuse_repeat_factor_sampling():
    from idc.balance.core import ShardOfPlan
    plan = plan_signatures(IMAGES, "median", 1)
    with pytest.raises(BalanceError, match="only the plan's exact numbers are split over shards"):
        SignatureSampler(IMAGES, plan, (create_rng(1)), factors={s: 1.0 for s in IMAGES},
                         shards=ShardOfPlan([IMAGES], 0, 1))
