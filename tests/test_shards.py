"""
Many workers, one result (issue 12), through the Python API and idc-convert on files on disk:
keyed decisions give the single run's names for reversed, shuffled and 4-way-sharded input;
their keep rate is within binomial bounds; several counts files add up; exact mode over 4
shards emits exactly the global target per label for every seed, each record equally likely
overall (chi-square over 200 seeds); bad shard options are refused at initialize.
"""
import json
import random
from collections import Counter

import pytest
from scipy.stats import chi2

from idc.balance.core import BalanceError
from idc.balance.filter import BalanceLabels
from helpers import ic_records, run_pipeline, run_idc, failed_to_initialize, count_subdir, make_subdir_dataset

LABELS = ["cat"] * 60 + ["dog"] * 25 + ["bird"] * 15


def records():
    result = ic_records(LABELS)
    random.Random(5).shuffle(result)
    return result


def names(out):
    return sorted(r.image_name for r in out)


def shards_of(items, count, rng=None):
    """ Splits records into shards: round robin, or at random with rng. """
    result = [[] for _ in range(count)]
    for i, item in enumerate(items):
        result[i % count if rng is None else rng.randrange(count)].append(item)
    return result


def write_json(path, obj):
    path.write_text(json.dumps(obj))
    return str(path)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("correction", [{"cat": 0.25, "dog": 0.6}, {"cat": 0.5, "bird": 2.4}])
def test_keyed_is_the_same_in_any_order_and_any_shards(tmp_path, seed, correction):
    path = write_json(tmp_path / "corr.json", correction)
    single = names(run_pipeline(records(), [BalanceLabels(path, seed=seed, keyed=True, max_copies=3)]))
    reversed_ = names(run_pipeline(records()[::-1], [BalanceLabels(path, seed=seed, keyed=True, max_copies=3)]))
    shuffled_records = records()
    random.Random(seed).shuffle(shuffled_records)
    shuffled = names(run_pipeline(shuffled_records, [BalanceLabels(path, seed=seed, keyed=True, max_copies=3)]))
    union = []
    for shard in shards_of(records(), 4, random.Random(seed)):
        union.extend(run_pipeline(shard, [BalanceLabels(path, seed=seed, keyed=True, max_copies=3)]))
    assert single == reversed_ == shuffled == names(union)
    # and another seed gives another selection
    other = names(run_pipeline(records(), [BalanceLabels(path, seed=seed + 100, keyed=True, max_copies=3)]))
    assert other != single


def test_keyed_rate_is_binomial(tmp_path):
    # 20,000 records with keep probability 0.3: kept ~ Binomial(20000, 0.3): mean 6000, sd 64.8; 5 sd bounds
    items = ic_records(["cat"] * 20000)
    path = write_json(tmp_path / "corr.json", {"cat": 0.3})
    kept = len(run_pipeline(items, [BalanceLabels(path, seed=11, keyed=True)]))
    assert abs(kept - 6000) < 5 * 64.8
    # copies: correction 1.5 emits 1 or 2, 2 with probability 0.5: outputs ~ 20000 + Binomial(20000, 0.5)
    path = write_json(tmp_path / "corr2.json", {"cat": 1.5})
    emitted = len(run_pipeline(items, [BalanceLabels(path, seed=11, keyed=True, max_copies=2)]))
    assert abs(emitted - 30000) < 5 * 70.7


def test_counts_files_add_up(tmp_path):
    parts = shards_of(records(), 3)
    paths = [write_json(tmp_path / ("c%d.json" % i), Counter(r.annotation for r in part)) for i, part in enumerate(parts)]
    whole = write_json(tmp_path / "all.json", Counter(LABELS))
    for target in ("min", "max", "30"):
        merged = Counter(r.annotation for r in run_pipeline(records(), [BalanceLabels(
            mode="exact", label_counts=paths, target=target, seed=4, max_copies=5)]))
        single = Counter(r.annotation for r in run_pipeline(records(), [BalanceLabels(
            mode="exact", label_counts=whole, target=target, seed=4, max_copies=5)]))
        assert merged == single


def shard_run(parts, paths, seed, target="min", **kwargs):
    union = []
    for index, part in enumerate(parts):
        union.extend(run_pipeline(part, [BalanceLabels(mode="exact", shard_counts=paths, shard=index, seed=seed,
                                                       target=target, **kwargs)]))
    return union


def shard_files(tmp_path, parts):
    return [write_json(tmp_path / ("shard%d.json" % i), Counter(r.annotation for r in part))
            for i, part in enumerate(parts)]


def test_exact_over_shards_hits_the_global_target_for_every_seed(tmp_path):
    parts = shards_of(records(), 4, random.Random(1))
    paths = shard_files(tmp_path, parts)
    for seed in range(40):
        assert Counter(r.annotation for r in shard_run(parts, paths, seed)) == {"cat": 15, "dog": 15, "bird": 15}
    # oversampling to the largest label, copies included
    for seed in range(10):
        union = shard_run(parts, paths, seed, target="max", max_copies=4)
        assert Counter(r.annotation for r in union) == {"cat": 60, "dog": 60, "bird": 60}


def test_exact_over_shards_chooses_every_record_alike(tmp_path):
    # 40 records of one label in shards of 5, 10, 10 and 15, target 10: each record is chosen with
    # probability 1/4 overall, whatever its shard. Over 200 seeds its count is Binomial(200, 1/4);
    # sum over records of (count - 50)^2 / (200 * 1/4 * 3/4) is about chi-square with 39 degrees of freedom
    items = ic_records(["a"] * 40 + ["b"] * 10)
    a_items, b_items = items[:40], items[40:]
    parts = [a_items[:5] + b_items[:3], a_items[5:15] + b_items[3:6], a_items[15:25] + b_items[6:], a_items[25:]]
    paths = shard_files(tmp_path, parts)
    chosen = Counter()
    per_shard = Counter()
    seeds = 200
    for seed in range(seeds):
        union = shard_run(parts, paths, seed)
        kept_a = [r.image_name for r in union if r.annotation == "a"]
        assert len(kept_a) == 10
        chosen.update(kept_a)
        per_shard.update(i for i, part in enumerate(parts) for r in part if r.image_name in kept_a)
    expected = seeds * 0.25
    statistic = sum((chosen.get(r.image_name, 0) - expected) ** 2 for r in a_items) / (seeds * 0.25 * 0.75)
    assert statistic < chi2.ppf(0.999, 39)
    # the shards' shares follow their sizes (10 of 40 from shards of 5, 10, 10, 15: 1.25, 2.5, 2.5, 3.75 per seed)
    for shard, size in enumerate([5, 10, 10, 15]):
        assert abs(per_shard[shard] / seeds - size / 4) < 0.35


def test_shards_through_idc_convert(tmp_path):
    data = make_subdir_dataset(tmp_path / "data", {"cat": 24, "dog": 10, "bird": 6})
    files = sorted((d.name, f) for d in data.iterdir() for f in sorted(d.iterdir()))
    shard_dirs = []
    for i in range(3):
        shard_dir = tmp_path / ("shard%d" % i)
        for j, (label, f) in enumerate(files):
            if j % 3 == i:
                (shard_dir / label).mkdir(parents=True, exist_ok=True)
                (shard_dir / label / f.name).write_bytes(f.read_bytes())
        shard_dirs.append(shard_dir)
    counts = []
    for i, shard_dir in enumerate(shard_dirs):
        path = tmp_path / ("counts%d.json" % i)
        result = run_idc(["from-subdir-ic", "-i", str(shard_dir), "label-dist", "-t", "counts", "-f", "json",
                          "-o", str(path)])
        assert not failed_to_initialize(result), result.stderr
        counts.append(str(path))
    total = Counter()
    keyed_union, keyed_single = set(), set()
    for i, shard_dir in enumerate(shard_dirs):
        out = tmp_path / ("out%d" % i)
        result = run_idc(["from-subdir-ic", "-i", str(shard_dir), "balance-labels-ic", "-m", "exact",
                          "--shard_counts"] + counts + ["--shard", str(i), "-s", "7", "to-subdir-ic", "-o", str(out)])
        assert not failed_to_initialize(result), result.stderr
        total.update(count_subdir(out))
        keyed = tmp_path / ("keyed%d" % i)
        corr = tmp_path / "corr.json"
        corr.write_text(json.dumps({"cat": 0.25, "dog": 0.6}))
        result = run_idc(["from-subdir-ic", "-i", str(shard_dir), "balance-labels-ic", "-c", str(corr), "--keyed",
                          "-s", "7", "to-subdir-ic", "-o", str(keyed)])
        assert not failed_to_initialize(result), result.stderr
        keyed_union.update("%s/%s" % (d.name, f.name) for d in keyed.iterdir() for f in d.iterdir())
    assert dict(total) == {"cat": 6, "dog": 6, "bird": 6}
    result = run_idc(["from-subdir-ic", "-i", str(data), "balance-labels-ic", "-c", str(tmp_path / "corr.json"),
                      "--keyed", "-s", "7", "to-subdir-ic", "-o", str(tmp_path / "keyed-single")])
    keyed_single.update("%s/%s" % (d.name, f.name) for d in (tmp_path / "keyed-single").iterdir() for f in d.iterdir())
    assert keyed_union == keyed_single


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="exact", shard_counts=["{a}", "{b}"], seed=1), "options --shard_counts and --shard: give both"),
    (dict(mode="exact", label_counts="{a}", shard=0, seed=1), "options --shard_counts and --shard: give both"),
    (dict(mode="exact", shard_counts=["{a}", "{b}"], shard=2, seed=1), "option --shard: 2 is not a shard of the 2"),
    (dict(mode="exact", shard_counts=["{a}", "{b}"], shard=0), "option -s/--seed: required with --shard"),
    (dict(mode="exact", shard_counts=["{a}", "{missing}"], shard=0, seed=1), "label counts file '.*missing.json'"),
    (dict(mode="exact", label_counts="{a}", shard_counts=["{a}", "{b}"], shard=0, seed=1),
     "options -C/--label_counts and --shard_counts: give one"),
    (dict(mode="exact", label_counts="{a}", keyed=True, seed=1), "option --keyed: not with -m/--mode exact"),
    (dict(shard_counts=["{a}", "{b}"], shard=0, seed=1), "options --shard_counts and --shard only apply to"),
    (dict(shard=-1), "option --shard"),
    (dict(mode="exact", label_counts=["{a}", "{a}"], seed=1), "option -C/--label_counts: '.*a.json' is given twice"),
    (dict(mode="exact", shard_counts=["{a}", "{a}"], shard=0, seed=1), "option --shard_counts: .* is given twice"),
])
def test_bad_shard_options_are_refused(tmp_path, kwargs, message):
    files = {"a": write_json(tmp_path / "a.json", {"cat": 3}), "b": write_json(tmp_path / "b.json", {"cat": 2}),
             "missing": str(tmp_path / "missing.json")}
    kwargs = {k: ([v.format(**files) for v in value] if isinstance(value, list) else
                  value.format(**files) if isinstance(value, str) else value) for k, value in kwargs.items()}
    with pytest.raises(BalanceError, match=message):
        BalanceLabels(**kwargs).initialize()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("target, max_copies", [("min", None), ("median", 3)])
def test_detection_plan_over_shards(tmp_path, seed, target, max_copies):
    # one signatures file per shard (-S s0 s1 s2) and --shard I: the plan is made for all shards, each shard
    # emits its share, and together they emit what one run over all images emits (the plan, exactly)
    from test_balance_multi_label import LABELS as OD_LABELS, od_records, signatures_file, images_per_class_out
    from idc.balance.filter import BalanceLabelsOD
    items = od_records(OD_LABELS)
    parts = shards_of(items, 3, random.Random(seed))
    paths = [str(signatures_file(tmp_path, part, "sig%d.json" % i)) for i, part in enumerate(parts)]
    whole = str(signatures_file(tmp_path, items, "all.json"))
    union = []
    for index, part in enumerate(parts):
        union.extend(run_pipeline(part, [BalanceLabelsOD(signatures=paths, shard=index, seed=seed, target=target,
                                                         max_copies=max_copies)]))
    single = run_pipeline(items, [BalanceLabelsOD(signatures=whole, seed=seed, target=target, max_copies=max_copies)])
    summed = run_pipeline(items, [BalanceLabelsOD(signatures=paths, seed=seed, target=target, max_copies=max_copies)])
    assert images_per_class_out(union) == images_per_class_out(single) == images_per_class_out(summed)
    assert len(union) == len(single)


def test_detection_shard_options_are_checked(tmp_path):
    from test_balance_multi_label import LABELS as OD_LABELS, od_records, signatures_file
    from idc.balance.filter import BalanceLabelsOD
    paths = [str(signatures_file(tmp_path, od_records(OD_LABELS[:40]), "s%d.json" % i)) for i in range(2)]
    with pytest.raises(BalanceError, match="option --shard: 2 is not a shard of the 2 signatures files"):
        BalanceLabelsOD(signatures=paths, shard=2, seed=1).initialize()
    with pytest.raises(BalanceError, match="option -s/--seed: required with --shard"):
        BalanceLabelsOD(signatures=paths, shard=0).initialize()
    with pytest.raises(BalanceError, match="option --shard: only with --method plan"):
        BalanceLabelsOD(signatures=paths, shard=0, seed=1, method="repeat-factor").initialize()


def test_a_label_counted_zero_in_a_shard(tmp_path):
    # a shard's counts file may list a label with 0 records (it is in other shards, or in none)
    parts = shards_of(records(), 2)
    paths = [write_json(tmp_path / "z0.json", dict(Counter(r.annotation for r in parts[0]), fish=0)),
             write_json(tmp_path / "z1.json", Counter(r.annotation for r in parts[1]))]
    assert Counter(r.annotation for r in shard_run(parts, paths, 3)) == {"cat": 15, "dog": 15, "bird": 15}


def test_splits_beyond_a_billion_records_are_refused():
    from idc.balance.core import shard_targets
    with pytest.raises(BalanceError, match="'a': 1000000000 records over the shards; the split over shards supports"):
        shard_targets([{"a": 500_000_000}, {"a": 500_000_000}], {"a": 1000}, 0, 1)
