"""
The multi-label plan against a brute-force reference: on small random instances the plan's
error is the integer optimum, its copies and drops are the fewest among the optimal plans,
and the LP bound is never above it.
"""
import itertools

import numpy as np
import pytest

from idc.balance.core import images_per_class, plan_signatures, round_half_up, target_value


def brute_force(images, target, max_copies, keep_rare):
    """ The best (error, changes) over every selection within the bounds. """
    classes = images_per_class(images)
    t = round_half_up(target_value(classes, target))
    rare = {c for c in classes if classes[c] <= t} if keep_rare else set()
    signatures = sorted(s for s in images if len(s) > 0)
    ranges = [range(images[s] if any(c in rare for c in s) else 0, images[s] * max_copies + 1) for s in signatures]
    best = None
    for y in itertools.product(*ranges):
        planned = {c: sum(y[j] for j, s in enumerate(signatures) if c in s) for c in classes}
        error = sum(abs(planned[c] - t) for c in classes)
        changes = sum(abs(y[j] - images[s]) for j, s in enumerate(signatures))
        if (best is None) or ((error, changes) < best):
            best = (error, changes)
    return best


def random_instance(rng):
    labels = ["a", "b", "c", "d"][:rng.integers(2, 5)]
    signatures = set()
    while len(signatures) < rng.integers(2, 5):
        size = rng.integers(1, len(labels) + 1)
        signatures.add(tuple(sorted(rng.choice(labels, size=size, replace=False).tolist())))
    return {s: int(rng.integers(1, 4)) for s in sorted(signatures)}


@pytest.mark.parametrize("seed", range(40))
def test_plan_is_optimal_on_small_random_instances(seed):
    # 40 fixed seeds; instances of 2-4 signatures with 1-3 images, every target and K 1 or 2
    rng = np.random.default_rng(seed)
    images = random_instance(rng)
    for target in ["min", "max", "mean", 3]:
        for max_copies in [1, 2]:
            for keep_rare in [True, False]:
                plan = plan_signatures(images, target, max_copies, keep_rare=keep_rare)
                error, changes = brute_force(images, target, max_copies, keep_rare)
                assert plan.error == error, (images, target, max_copies, keep_rare)
                assert plan.copies + plan.dropped == changes, (images, target, max_copies, keep_rare)
                assert plan.bound <= plan.error + 1e-6


def test_plan_counts_background_and_notes():
    # 'person' is everywhere and declared background: it never drives the plan; 'bike' has 2
    # images, fewer than the target (min over car/bike/bus is 2 -> with max target, 6)
    images = {("car", "person"): 6, ("bike", "person"): 2, ("bus", "person"): 4, ("person",): 5}
    plan = plan_signatures(images, "max", max_copies=2, background=["person"])
    assert plan.target == 6
    assert plan.images_in == {"bike": 2, "bus": 4, "car": 6}
    assert plan.planned == {"bike": 4, "bus": 6, "car": 6}
    assert plan.emit[("person",)] == 0
    assert plan.error == 2 and plan.copies == 4 and plan.dropped == 0
    assert plan.notes == ["bike: 2 image(s) x --max_copies 2 = 4, below the target 6"]


def test_rare_images_are_kept():
    # 'rare' occurs only together with 'common': keeping its images keeps 'common' above the target
    images = {("common", "rare"): 3, ("common",): 10}
    plan = plan_signatures(images, "min")
    assert plan.target == 3
    assert plan.emit == {("common", "rare"): 3, ("common",): 0}
    assert plan.planned == {"common": 3, "rare": 3}
    assert plan.error == 0 and plan.normalised_error == 0.0


@pytest.mark.parametrize("seed", range(40))
def test_large_instances_are_planned_near_the_lp_and_say_so(seed, monkeypatch):
    # beyond EXACT_SIGNATURES the plan is searched near the LP's: never better than the optimum
    # (brute force), never below the bound, and a note says so whenever it is not proven optimal
    import idc.balance.core._plan as plan_module
    monkeypatch.setattr(plan_module, "EXACT_SIGNATURES", 0)
    rng = np.random.default_rng(seed)
    images = random_instance(rng)
    for target in ["min", "max", 3]:
        for max_copies in [1, 2]:
            plan = plan_signatures(images, target, max_copies)
            error, changes = brute_force(images, target, max_copies, True)
            assert plan.error >= error
            assert plan.bound <= error + 1e-6
            if plan.error > np.ceil(plan.bound - 1e-6):
                assert any(note.startswith("error: %d, the best found near" % plan.error) for note in plan.notes)
            assert plan.planned == {c: sum(plan.emit[s] for s in images if c in s) for c in plan.planned}
