"""
Comparison (not a test): on the generated long-tailed detection set of tests/long_tailed.py
(10,000 images, 20 classes), the normalised error sum |N_c - T| / (classes x T) of the
plan, of LVIS repeat factor sampling (threshold T / images, at most K outputs per image)
and of the per-label rule (an image is output min(K, T / n_r) times on average, r its
rarest class), each at the same target T and copy limit K; the errors of repeat factor
sampling and the per-label rule are their expectations. The LP bound is the least error
any selection could reach. The figures in docs/balancing-detection-segmentation.md come
from this script.

    uv run python tests/benchmarks/compare_od_methods.py [--images 10000] [--seed 2026]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from idc.balance.core import images_per_class, normalised, plan_signatures, repeat_factor_plan  # noqa: E402
from long_tailed import DEFAULT_SEED, PERSON, error_of, long_tailed_labels, per_label_rule, signature_counts  # noqa: E402

SETTINGS = [("min", 1), ("median", 1), ("median", 3), ("mean", 5), ("max", 10)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10000, help="images of the generated set")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the generator's seed")
    args = parser.parse_args()
    images = signature_counts(long_tailed_labels(args.images, args.seed))
    counts = images_per_class(images)
    rarest = min(counts, key=counts.get)
    with_person = sum(n for s, n in images.items() if (rarest in s) and (PERSON in s)) / counts[rarest]
    print("%d images, %d signatures, %d classes; %s in %.1f%% of the images; rarest class %s in %d images, "
          "%.0f%% of them with a person; %d images without objects"
          % (args.images, len(images), len(counts), PERSON, 100.0 * counts[PERSON] / args.images, rarest,
             counts[rarest], 100.0 * with_person, images.get((), 0)))
    print("%-8s %3s %6s %9s %9s %9s %14s %9s" % ("target", "K", "T", "plan", "LP bound", "rfs", "per-label rule",
                                               "plan (s)"))
    for target, max_copies in SETTINGS:
        start = time.perf_counter()
        plan = plan_signatures(images, target, max_copies)
        seconds = time.perf_counter() - start
        rfs = repeat_factor_plan(images, target, max_copies=max_copies)
        rule = normalised(error_of(per_label_rule(images, target, max_copies), plan.target), plan)
        print("%-8s %3d %6d %9.3f %9.3f %9.3f %14.3f %9.2f"
              % (target, max_copies, plan.target, plan.normalised_error, normalised(plan.bound, plan),
                 rfs.normalised_error, rule, seconds))


if __name__ == "__main__":
    main()
