"""
Benchmark (not a test): building idc.balance.training.BalancedSampler and drawing one epoch
over 1,000,000 items (goal: < 1 s per epoch on the development machine), single-label (100
long-tailed classes) and multi-label (1-4 of 20 classes per item), exact and probabilistic;
and, if torch happens to be installed (it is no dependency), torch's WeightedRandomSampler
with per-item weights 1 / (its label's count) drawing the same number of indices, in the same
run. Medians of interleaved repetitions.

    uv run python tests/benchmarks/bench_training.py [--items 1000000] [--repeats 5]
"""
import argparse
import statistics
import time

import numpy as np

from idc.balance.training import BalancedSampler


def single_labels(rng, items: int):
    # a Zipf-like profile over 100 classes: class k has weight 1 / (k + 1)
    weights = 1.0 / np.arange(1, 101)
    return [str(c) for c in rng.choice(100, size=items, p=weights / weights.sum())]


def multi_labels(rng, items: int):
    weights = 1.0 / np.arange(1, 21)
    p = weights / weights.sum()
    sizes = rng.integers(1, 5, size=items)
    return [sorted(set(("c%d" % c) for c in rng.choice(20, size=k, p=p))) for k in sizes]


def time_it(make, repeats: int):
    build, epoch = [], []
    sampler = None
    for _ in range(repeats):
        start = time.perf_counter()
        sampler = make()
        build.append(time.perf_counter() - start)
        start = time.perf_counter()
        sampler.set_epoch(len(epoch) + 1)
        sum(1 for _ in sampler)
        epoch.append(time.perf_counter() - start)
    return statistics.median(build), statistics.median(epoch), len(sampler)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    single = single_labels(rng, args.items)
    multi = multi_labels(rng, args.items)
    cases = [
        ("single-label, exact, target median", lambda: BalancedSampler(single, target="median", seed=1)),
        ("single-label, probabilistic, median", lambda: BalancedSampler(single, target="median", mode="probabilistic",
                                                                        seed=1)),
        ("single-label, exact, 4 replicas", lambda: BalancedSampler(single, target="median", seed=1, num_replicas=4,
                                                                    rank=1)),
        ("multi-label, exact, median, K=3", lambda: BalancedSampler(multi, target="median", max_copies=3, seed=1)),
    ]
    print("%d items, medians of %d repetitions" % (args.items, args.repeats))
    print("%-40s %10s %12s %12s" % ("case", "build s", "epoch s", "indices"))
    for name, make in cases:
        build, epoch, length = time_it(make, args.repeats)
        print("%-40s %10.3f %12.3f %12d" % (name, build, epoch, length))
    try:
        import torch
        from torch.utils.data import WeightedRandomSampler
    except ImportError:
        print("torch is not installed: WeightedRandomSampler not measured")
        return
    counts = {}
    for label in single:
        counts[label] = counts.get(label, 0) + 1
    weights = torch.tensor([1.0 / counts[label] for label in single], dtype=torch.double)
    length = len(BalancedSampler(single, target="median", seed=1))
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        sum(1 for _ in WeightedRandomSampler(weights, length, replacement=True))
        times.append(time.perf_counter() - start)
    print("%-40s %10s %12.3f %12d" % ("torch WeightedRandomSampler", "-", statistics.median(times), length))


if __name__ == "__main__":
    main()
