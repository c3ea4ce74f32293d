"""
Draws docs/images/training-coverage.png: the share of the example dataset's cat images (120 of
them, 10 drawn per epoch by BalancedSampler with target min) that a training loop has seen after
k epochs, against the expectation 1 - (1 - p)^k with p = 10/120, and against balancing once on
disk (the same 10 images every epoch). Run from the repository's root:

    python3 -m uv run python docs/example/coverage_plot.py [OUTPUT.png]
"""
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

from idc.balance.training import BalancedSampler

DATA = os.path.join("docs", "example", "data")
EPOCHS = 20
SEED = 42


def main():
    output = sys.argv[1] if len(sys.argv) > 1 else os.path.join("docs", "images", "training-coverage.png")
    labels = [label for label in sorted(os.listdir(DATA)) for _ in os.listdir(os.path.join(DATA, label))]
    cats = [i for i, label in enumerate(labels) if label == "cat"]
    sampler = BalancedSampler(labels, target="min", seed=SEED)
    p = sampler.targets["cat"] / len(cats)
    seen, coverage = set(), []
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        seen.update(i for i in sampler if labels[i] == "cat")
        coverage.append(len(seen) / len(cats))
    epochs = list(range(1, EPOCHS + 1))
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot(epochs, coverage, "o-", label="BalancedSampler (seed %d)" % SEED)
    ax.plot(epochs, [1 - (1 - p) ** k for k in epochs], "--", label="expected: 1 - (1 - %.3f)^k" % p)
    ax.plot(epochs, [p] * EPOCHS, ":", label="balanced once on disk")
    ax.set_xlabel("epochs")
    ax.set_ylabel("share of the 120 cat images seen")
    ax.set_ylim(0, 1.05)
    ax.set_xticks(epochs)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Balanced every epoch: 10 of 120 cat images per epoch")
    fig.tight_layout()
    fig.savefig(output)
    print("written: %s (coverage after 5, 10, 20 epochs: %.2f, %.2f, %.2f)"
          % (output, coverage[4], coverage[9], coverage[19]))


if __name__ == "__main__":
    main()
