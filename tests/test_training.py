"""
BalancedSampler (idc.balance.training), the index sampler for training loops: exact counts per
label every epoch, different subsets per epoch, coverage over epochs within the bounds of
1 - (1 - p)^k, every item equally likely (chi-square), oversampling with copies only beyond a
label's count, multi-label totals from the plan with every image of a rare class in every epoch,
replicas that are disjoint and together the single-process epoch, the same indices in processes
with different hash seeds, and no torch, seppl or idc plugin imported.
"""
import json
import math
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from scipy.stats import chi2

from idc.balance.core import BalanceError
from idc.balance.training import BalancedSampler

LABELS = ["cat"] * 1000 + ["dog"] * 300 + ["bird"] * 100


def counts(labels, indices):
    return Counter(labels[i] for i in indices)


def test_exact_counts_every_epoch_and_epochs_differ():
    sampler = BalancedSampler(LABELS, target="min", seed=3)
    epochs = []
    for epoch in range(5):
        sampler.set_epoch(epoch)
        indices = list(sampler)
        assert counts(LABELS, indices) == {"cat": 100, "dog": 100, "bird": 100}
        assert len(indices) == len(sampler) == 300 == len(set(indices))  # without replacement
        epochs.append(set(indices))
    assert len({frozenset(e) for e in epochs}) == 5
    # the rarest label's items are all there, every epoch
    assert all(set(range(1300, 1400)) <= e for e in epochs)


def test_coverage_over_epochs():
    # cat: 100 of 1000 per epoch, p = 0.1; after k epochs each item was seen with probability 1 - 0.9^k;
    # the number seen is about binomial: bounds of 5 standard deviations
    sampler = BalancedSampler(LABELS, target="min", seed=8)
    seen = set()
    for k in range(1, 11):
        sampler.set_epoch(k)
        seen.update(i for i in sampler if LABELS[i] == "cat")
        q = 1 - 0.9 ** k
        assert abs(len(seen) - 1000 * q) < 5 * math.sqrt(1000 * q * (1 - q)) + 1


def test_every_item_equally_likely():
    # dog: 30 of 300 per epoch; over 400 epochs each item's count is Binomial(400, 0.1): chi-square with 299
    # degrees of freedom of sum (count - 40)^2 / (400 * 0.1 * 0.9), p = 0.001
    sampler = BalancedSampler(LABELS, target=30, seed=5)
    chosen = Counter()
    for epoch in range(400):
        chosen.update(i for i in sampler.epoch_indices(epoch) if LABELS[i] == "dog")
    statistic = sum((chosen.get(i, 0) - 40) ** 2 for i in range(1000, 1300)) / (400 * 0.1 * 0.9)
    assert statistic < chi2.ppf(0.999, 299)


def test_oversampling_copies_only_beyond_the_count():
    sampler = BalancedSampler(LABELS, target="max", seed=1)
    draws = Counter(sampler.epoch_indices(0))
    assert counts(LABELS, list(draws.elements())) == {"cat": 1000, "dog": 1000, "bird": 1000}
    assert all(draws[i] == 1 for i in range(1000))                     # cat: each once
    assert sorted(set(draws[i] for i in range(1000, 1300))) == [3, 4]  # dog: 1000 = 3 x 300 + 100
    assert all(draws[i] == 10 for i in range(1300, 1400))               # bird: 10 x 100


def test_probabilistic_mode_is_balanced_on_average():
    # bird 100 of 100 (rate 1), cat 100 of 1000 (rate 0.1): cat ~ Binomial(1000, 0.1), sd 9.5
    sampler = BalancedSampler(LABELS, target="min", mode="probabilistic", seed=2)
    totals = [counts(LABELS, sampler.epoch_indices(e)) for e in range(20)]
    assert all(t["bird"] == 100 for t in totals)
    assert all(abs(t["cat"] - 100) < 5 * 9.5 for t in totals)
    assert len({t["cat"] for t in totals}) > 1
    sampler.set_epoch(3)
    assert len(sampler) == len(list(sampler)) == sum(totals[3].values())


@pytest.mark.parametrize("replicas, drop_last", [(2, False), (3, False), (3, True), (7, False), (7, True)])
def test_replicas_are_disjoint_and_together_the_epoch(replicas, drop_last):
    # target 100 (every label undersampled or whole): an epoch holds each index once, so parts can be disjoint
    single = BalancedSampler(LABELS, target=100, seed=9)
    single.set_epoch(4)
    epoch = list(single)
    parts = []
    for rank in range(replicas):
        sampler = BalancedSampler(LABELS, target=100, seed=9, num_replicas=replicas, rank=rank, drop_last=drop_last)
        sampler.set_epoch(4)
        parts.append(list(sampler))
        assert len(parts[-1]) == len(sampler)
    assert len({len(p) for p in parts}) == 1
    union = [i for part in parts for i in part]
    if drop_last:
        total = len(epoch) // replicas * replicas
        assert Counter(union) == Counter(epoch[:total])
        assert all(set(a).isdisjoint(b) for k, a in enumerate(parts) for b in parts[k + 1:])
    else:
        padding = len(union) - len(epoch)
        assert 0 <= padding < replicas
        assert Counter(union) == Counter(epoch + epoch[:padding])
        assert set(union) == set(epoch)
        assert all(set(a).isdisjoint(b) for k, a in enumerate(parts) for b in parts[k + 1:]) or padding > 0


def test_multi_label_totals_and_rare_images_every_epoch():
    rng = np.random.default_rng(4)
    items = []
    for _ in range(600):
        labels = ["person"] if rng.random() < 0.6 else []
        if rng.random() < 0.3:
            labels.append("car")
        if rng.random() < 0.05:
            labels.append("bus")
        items.append(labels)
    sampler = BalancedSampler(items, target="median", max_copies=3, background=["person"], negatives=20, seed=6)
    plan = sampler.multi_label_plan
    rare = [i for i, labels in enumerate(items) if "bus" in labels]
    for epoch in range(5):
        drawn = sampler.epoch_indices(epoch)
        per_class = Counter(label for i in drawn for label in set(items[i]) if label != "person")
        assert {c: per_class[c] for c in plan.planned} == plan.planned
        assert set(rare) <= set(drawn.tolist())
        negatives = sum(1 for i in drawn if not (set(items[i]) - {"person"}))
        assert negatives == 20


def test_same_indices_in_processes_with_other_hash_seeds(tmp_path):
    script = ("import json, sys; from idc.balance.training import BalancedSampler; "
              "s = BalancedSampler([str(i % 7) for i in range(500)] + [['a', 'b']] * 3, seed=11, max_copies=2); "
              "s.set_epoch(2); print(json.dumps(list(s)))")
    outputs = set()
    for hash_seed in ("1", "2", "random"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1 and len(json.loads(outputs.pop())) > 0


def test_importable_without_torch_seppl_or_plugins():
    script = ("import sys; import idc.balance.training; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'seppl', 'kasperl', 'tensorflow') "
              "or m.startswith('idc.api') or m.startswith('idc.balance.filter')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_replicas=2, rank=0), "seed: required with num_replicas > 1"),
    (dict(num_replicas=2, rank=2, seed=1), "option rank"),
    (dict(mode="weighted"), "mode: 'weighted' is not one of"),
    (dict(target="most"), "target"),
    (dict(target=10 ** 12), "target: 1000000000000 asks for 3000000000000 indices per epoch, more than"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(BalanceError, match=message):
        BalancedSampler(LABELS, **kwargs)


@pytest.mark.parametrize("labels, message", [
    ([], "labels: empty"),
    (["a", None], "labels: item 1: a label is None"),
    (["a", 3], "labels: item 0 has a label of type str, item 1 one of type int"),
    ([["a"], ["b", None]], "labels: item 1: a label is None"),
    ([[["x"]]], "labels: item 0: label \\['x'\\] is not hashable"),
])
def test_bad_labels_are_refused(labels, message):
    with pytest.raises(BalanceError, match=message):
        BalancedSampler(labels, seed=1)


def test_negative_epoch_is_refused():
    sampler = BalancedSampler(LABELS, seed=1)
    with pytest.raises(BalanceError, match="epoch: -1 is negative"):
        sampler.set_epoch(-1)
