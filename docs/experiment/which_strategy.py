"""
Which balancing strategy pays off? An experiment on real images (docs/which-strategy.md).

scikit-learn's handwritten digits (1,797 8x8 images, 10 classes) are written as an idc
sub-directory dataset; per seed, a balanced test split is set aside (the same number of
images per class) and the training split is made long-tailed (a Zipf-like profile from
the largest class down to a handful of images, the classes' ranks drawn at random). The
package's own idc-convert pipelines then make each training variant:

- unbalanced: the long-tailed split as it is;
- undersample: exactly the rarest class's count per class (balance-labels-ic -m exact --target min);
- oversample: exactly the largest class's count per class (--target max);
- oversample + augment: the same, with every copy (not the originals) rotated by idc-imgaug's
  rotate (--mark_originals and a conditional sub-process); skipped with a note when
  image-dataset-converter-imgaug is not installed;
- class weights: the unbalanced split, weighted by 'label-dist -t class-weights'.

The same classifiers (scikit-learn's LogisticRegression and a small MLP, on the pixels) are
trained on every variant and scored on the test split: macro-F1, balanced accuracy, the
accuracy on test data with the training split's class mix (the accuracy paradox), the recall
of the three rarest classes and the recall of every class by its rank. The script prints the
table (mean, spread and paired differences over the seeds), writes the per-class recall plot
and, if asked, every figure as JSON.

One command, from the repository root (an isolated environment with the 'experiment'
dependency group: scikit-learn, matplotlib, image-dataset-converter-imgaug):

    python3 -m pip install -q uv && python3 -m uv run --isolated --group experiment \\
        python docs/experiment/which_strategy.py --plot docs/images/which-strategy.png
"""
import argparse
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from idc.balance.core import BalanceError, atomic_output, check_output_file, write_atomically

BIN = Path(sys.executable).parent
UNBALANCED = "unbalanced"
UNDERSAMPLE = "undersample"
OVERSAMPLE = "oversample"
AUGMENT = "oversample + augment"
CLASS_WEIGHTS = "class weights"
STRATEGIES = [UNBALANCED, UNDERSAMPLE, OVERSAMPLE, AUGMENT, CLASS_WEIGHTS]
LOGREG = "logreg"
MLP = "mlp"
MODELS = [LOGREG, MLP]
MODEL_TITLES = {LOGREG: "logistic regression", MLP: "MLP (one hidden layer of 100)"}
RARE_CLASSES = 3
""" The rarest classes whose recall the table reports (their mean). """
ROTATION = 15
""" The augmentation: a rotation by a uniform angle in [-ROTATION, ROTATION] degrees. """
PIXEL_MAX = 16
""" The digits' pixel values run from 0 to 16. """
FEWEST_DIGITS = 174
""" The number of images of the digits' smallest class (checked by draw_splits too). """
DEFAULT_LARGEST = 130
DEFAULT_SMALLEST = 5
DEFAULT_TEST_PER_CLASS = 40
DEFAULT_SEEDS = 20
METRICS = [("macro_f1", "macro-F1"), ("balanced_accuracy", "balanced accuracy"),
           ("mix_accuracy", "accuracy, long-tailed mix"), ("rare_recall", "recall, %d rarest" % RARE_CLASSES)]


# ---------------------------------------------------------------------------------------------------------------------
# the data

def digits() -> Tuple[np.ndarray, np.ndarray]:
    """
    Returns scikit-learn's digits as 8-bit grey images and their classes.

    :return: the images (n x 8 x 8, uint8, 0-255) and the classes (n, int)
    :rtype: tuple
    """
    from sklearn.datasets import load_digits
    data = load_digits()
    images = np.clip(np.rint(data.images * 255.0 / PIXEL_MAX), 0, 255).astype(np.uint8)
    return images, data.target.astype(int)


def zipf_profile(largest: int, smallest: int, classes: int) -> List[int]:
    """
    The long-tailed training counts by rank: largest x rank^-a, with a chosen so that the
    last rank gets smallest (Zipf-like).

    :param largest: the count of the largest class
    :type largest: int
    :param smallest: the count of the rarest class
    :type smallest: int
    :param classes: how many classes
    :type classes: int
    :return: the counts, from the largest class to the rarest
    :rtype: list
    """
    if not (1 <= smallest <= largest):
        raise ValueError("need 1 <= smallest (%d) <= largest (%d)" % (smallest, largest))
    exponent = math.log(largest / smallest) / math.log(classes)
    return [max(smallest, int(round(largest * rank ** -exponent))) for rank in range(1, classes + 1)]


def draw_splits(classes: np.ndarray, profile: Sequence[int], test_per_class: int,
                rng: np.random.Generator) -> Tuple[Dict[int, np.ndarray], Dict[int, np.ndarray], List[int]]:
    """
    Draws the test split (test_per_class images of every class) and the long-tailed training
    split (the profile's counts, the classes' ranks in random order) from disjoint images.

    :param classes: the class of every image
    :type classes: np.ndarray
    :param profile: the training counts by rank
    :type profile: list
    :param test_per_class: the test images per class
    :type test_per_class: int
    :param rng: the random generator
    :type rng: np.random.Generator
    :return: the training and the test images' indices per class, and the classes from the largest to the rarest
    :rtype: tuple
    """
    labels = sorted(set(classes.tolist()))
    by_rank = [int(c) for c in rng.permutation(labels)]
    train, test = {}, {}
    for rank, label in enumerate(by_rank):
        pool = rng.permutation(np.flatnonzero(classes == label))
        if len(pool) < test_per_class + profile[rank]:
            raise ValueError("class %d has %d images, fewer than %d test + %d training"
                             % (label, len(pool), test_per_class, profile[rank]))
        test[label] = pool[:test_per_class]
        train[label] = pool[test_per_class:test_per_class + profile[rank]]
    return train, test, by_rank


def write_subdir(root: Path, images: np.ndarray, indices: Dict[int, np.ndarray]):
    """
    Writes images as an idc sub-directory dataset: one folder per class, PNG files.

    :param root: the dataset's folder
    :type root: Path
    :param images: all images
    :type images: np.ndarray
    :param indices: the images' indices per class
    :type indices: dict
    """
    for label, chosen in indices.items():
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        for index in chosen:
            Image.fromarray(images[index], mode="L").save(folder / ("digit%04d.png" % index))


def read_subdir(root: Path) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """
    Reads a sub-directory dataset back: the pixels (0-1) as features.

    :param root: the dataset's folder
    :type root: Path
    :return: the features (n x 64), the classes and the files' names (class/name)
    :rtype: tuple
    """
    features, classes, names = [], [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            with Image.open(path) as image:
                features.append(np.asarray(image.convert("L"), dtype=np.float64).ravel() / 255.0)
            classes.append(int(folder.name))
            names.append(folder.name + "/" + path.name)
    return np.array(features), np.array(classes), names


def class_counts(classes: np.ndarray) -> Dict[int, int]:
    """
    :return: the number of images per class
    :rtype: dict
    """
    labels, counts = np.unique(classes, return_counts=True)
    return {int(label): int(count) for label, count in zip(labels, counts)}


# ---------------------------------------------------------------------------------------------------------------------
# the pipelines

def pipeline_commands(train: str, seed: int) -> Dict[str, List[List[str]]]:
    """
    The idc-convert pipelines of every variant (run in the seed's folder; relative paths).

    :param train: the training split's folder
    :type train: str
    :param seed: the seed of the balancing and the augmentation
    :type seed: int
    :return: strategy -> its idc-convert argument lists, in order
    :rtype: dict
    """
    count = ["from-subdir-ic", "-i", train,
             "label-dist", "-t", "counts", "-f", "json", "-o", "counts.json",
             "label-dist", "-t", "class-weights", "-f", "json", "-o", "class_weights.json"]

    def balance(target: str) -> List[str]:
        return ["from-subdir-ic", "-i", train,
                "balance-labels-ic", "-m", "exact", "-C", "counts.json", "--target", target, "-s", str(seed)]

    return {
        UNBALANCED: [count],
        UNDERSAMPLE: [balance("min") + ["to-subdir-ic", "-o", "undersample"]],
        OVERSAMPLE: [balance("max") + ["to-subdir-ic", "-o", "oversample"]],
        AUGMENT: [balance("max") + ["--mark_originals",
                                    "sub-process", "-f", "rotate -f -%d -t %d -s %d -a" % (ROTATION, ROTATION, seed),
                                    "--field", "balance_copy", "--comparison", "ge", "--value", "1",
                                    "to-subdir-ic", "-o", "oversample-augment"]],
        CLASS_WEIGHTS: [],
    }


def variant_folder(strategy: str, train: Path) -> Path:
    """
    :return: the folder of a strategy's training variant (the unbalanced split for unbalanced and class weights)
    :rtype: Path
    """
    return {UNDERSAMPLE: train.parent / "undersample", OVERSAMPLE: train.parent / "oversample",
            AUGMENT: train.parent / "oversample-augment"}.get(strategy, train)


def idc_environment(cache: Path) -> Dict[str, str]:
    """
    Primes the framework's plugin cache in a folder of the experiment's own (idc-balance-plugin-cache)
    and returns the environment in which idc-convert starts from it.

    :param cache: the folder for the cache (XDG_CACHE_HOME)
    :type cache: Path
    :return: the environment
    :rtype: dict
    """
    env = dict(os.environ, XDG_CACHE_HOME=str(cache.resolve()))
    env.pop("IDC_CLASS_CACHE", None)
    subprocess.run([str(BIN / "idc-balance-plugin-cache")], env=env, check=True, capture_output=True, text=True)
    env["IDC_CLASS_CACHE"] = "on"
    return env


def run_idc(args: List[str], cwd: Path, env: Dict[str, str]):
    """
    Runs idc-convert; a failed run (idc-convert exits 0 even when a plugin fails to initialize) ends the experiment.

    :raises RuntimeError: naming the command and its error output
    """
    result = subprocess.run([str(BIN / "idc-convert")] + args, cwd=str(cwd), env=env, capture_output=True, text=True)
    if (result.returncode != 0) or ("Failed to initialize" in result.stderr) or ("Traceback" in result.stderr):
        raise RuntimeError("idc-convert %s failed:\n%s" % (" ".join(args), result.stderr))


# ---------------------------------------------------------------------------------------------------------------------
# the models and the scores

def make_model(name: str, seed: int):
    """
    :param name: logreg or mlp
    :type name: str
    :param seed: the seed of the model's own randomness (the MLP's initial weights and batches)
    :type seed: int
    :return: a fresh scikit-learn classifier
    """
    if name == LOGREG:
        from sklearn.linear_model import LogisticRegression
        return LogisticRegression(max_iter=5000)
    if name == MLP:
        from sklearn.neural_network import MLPClassifier
        return MLPClassifier(hidden_layer_sizes=(100,), max_iter=1000, random_state=seed)
    raise ValueError("unknown model: %s" % name)


def score(truth: np.ndarray, predicted: np.ndarray, by_rank: List[int], train_counts: Dict[int, int]) -> Dict:
    """
    Scores predictions on the balanced test split.

    :param truth: the test images' classes
    :type truth: np.ndarray
    :param predicted: the predicted classes
    :type predicted: np.ndarray
    :param by_rank: the classes from the largest to the rarest (in the long-tailed training split)
    :type by_rank: list
    :param train_counts: the long-tailed training split's count per class
    :type train_counts: dict
    :return: macro_f1, balanced_accuracy, accuracy, mix_accuracy (the accuracy on test data with the training
             split's class mix: sum of share x recall over the classes), rare_recall and recall_by_rank
    :rtype: dict
    """
    from sklearn.metrics import f1_score, balanced_accuracy_score, accuracy_score, recall_score
    recall = recall_score(truth, predicted, labels=by_rank, average=None, zero_division=0.0)
    total = sum(train_counts.values())
    return {
        "macro_f1": float(f1_score(truth, predicted, labels=by_rank, average="macro", zero_division=0.0)),
        "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
        "accuracy": float(accuracy_score(truth, predicted)),
        "mix_accuracy": float(sum(train_counts[c] / total * r for c, r in zip(by_rank, recall))),
        "rare_recall": float(np.mean(recall[-RARE_CLASSES:])),
        "recall_by_rank": [float(r) for r in recall],
    }


def class_weights(path: Path) -> Dict[int, float]:
    """
    Reads the class weights that 'label-dist -t class-weights -f json' wrote (label -> weight).

    :return: class -> weight
    :rtype: dict
    """
    with open(path) as f:
        return {int(label): float(weight) for label, weight in json.load(f).items()}


def fit_and_score(model_name: str, seed: int, train: Tuple[np.ndarray, np.ndarray], test: Tuple[np.ndarray, np.ndarray],
                  weights: Optional[Dict[int, float]], by_rank: List[int], train_counts: Dict[int, int]) -> Dict:
    """
    Trains a fresh model on a training variant (weighted per record by its class's weight, if given) and scores it.

    :return: the scores (see :func:`score`)
    :rtype: dict
    """
    features, classes = train
    model = make_model(model_name, seed)
    if weights is None:
        model.fit(features, classes)
    else:
        model.fit(features, classes, sample_weight=np.array([weights[c] for c in classes]))
    return score(test[1], model.predict(test[0]), by_rank, train_counts)


# ---------------------------------------------------------------------------------------------------------------------
# one seed

def run_seed(seed: int, images: np.ndarray, classes: np.ndarray, profile: List[int], test_per_class: int,
             strategies: List[str], models: List[str], work: Path, env: Dict[str, str]) -> Dict:
    """
    Draws the splits of one seed, runs the pipelines and trains and scores every model on every variant.

    :return: the seed's training counts per variant and scores per model and strategy
    :rtype: dict
    """
    rng = np.random.default_rng(seed)
    train_idx, test_idx, by_rank = draw_splits(classes, profile, test_per_class, rng)
    folder = work / ("seed%03d" % seed)
    if folder.exists():
        shutil.rmtree(folder)
    write_subdir(folder / "train", images, train_idx)
    write_subdir(folder / "test", images, test_idx)
    commands = pipeline_commands("train", seed)
    for strategy in strategies:
        for args in commands[strategy]:
            run_idc(args, folder, env)
    test = read_subdir(folder / "test")[:2]
    train_counts = {label: len(chosen) for label, chosen in train_idx.items()}
    result = {"seed": seed, "by_rank": by_rank, "train_counts": {}, "copies_changed": None, "scores": {}}
    variants = {}
    for strategy in strategies:
        features, labels, names = read_subdir(variant_folder(strategy, folder / "train"))
        variants[strategy] = (features, labels)
        counts = class_counts(labels)
        check_counts(strategy, counts, train_counts)
        result["train_counts"][strategy] = {str(c): n for c, n in counts.items()}
        if strategy == AUGMENT:
            result["copies_changed"] = copies_changed(features, names)
            check_originals(folder / "train", variant_folder(strategy, folder / "train"))
    weights = class_weights(folder / "class_weights.json") if CLASS_WEIGHTS in strategies else None
    for model_name in models:
        result["scores"][model_name] = {
            strategy: fit_and_score(model_name, seed, variants[strategy], test,
                                    weights if strategy == CLASS_WEIGHTS else None, by_rank, train_counts)
            for strategy in strategies}
    return result


def promised_counts(strategy: str, train_counts: Dict[int, int]) -> Dict[int, int]:
    """
    :param strategy: the strategy
    :type strategy: str
    :param train_counts: the long-tailed training split's count per class
    :type train_counts: dict
    :return: the count per class that the strategy's pipeline promises: the rarest class's count (undersample),
             the largest's (oversample, with or without augmentation), else the split's own
    :rtype: dict
    """
    if strategy == UNDERSAMPLE:
        return {c: min(train_counts.values()) for c in train_counts}
    if strategy in (OVERSAMPLE, AUGMENT):
        return {c: max(train_counts.values()) for c in train_counts}
    return dict(train_counts)


def check_counts(strategy: str, counts: Dict[int, int], train_counts: Dict[int, int]):
    """
    Checks that a variant's training set has the counts its pipeline promises.

    :raises RuntimeError: naming the strategy, the counts found and those promised
    """
    promised = promised_counts(strategy, train_counts)
    if counts != promised:
        raise RuntimeError("%s: the training set has %s images per class, the pipeline promised %s"
                           % (strategy, counts, promised))


def check_originals(train: Path, augmented: Path):
    """
    Checks that the augmented variant holds every original of the training split with its pixels unchanged (only
    the copies are augmented).

    :raises RuntimeError: naming the first original that is missing or changed
    """
    for path in sorted(train.glob("*/*.png")):
        twin = augmented / path.parent.name / path.name
        if not twin.is_file():
            raise RuntimeError("%s: original %s is missing" % (AUGMENT, twin))
        with Image.open(path) as a, Image.open(twin) as b:
            if not np.array_equal(np.asarray(a.convert("L")), np.asarray(b.convert("L"))):
                raise RuntimeError("%s: original %s was changed" % (AUGMENT, twin))


def copies_changed(features: np.ndarray, names: List[str]) -> List[int]:
    """
    Counts the copies (names with the copy marker '~') of the augmented variant and how many of them differ
    from their original's pixels.

    :return: [copies, copies whose pixels differ from their original's]
    :rtype: list
    """
    originals = {}
    for row, name in zip(features, names):
        if "~" not in name:
            originals[strip_suffix(name)] = row
    copies = changed = 0
    for row, name in zip(features, names):
        if "~" in name:
            copies += 1
            original = originals[strip_suffix(name.split("~")[0])]
            changed += int(not np.array_equal(row, original))
    return [copies, changed]


def strip_suffix(name: str) -> str:
    """
    :return: the name without extension and without the suffix the augmentation may add ('-rotated')
    :rtype: str
    """
    stem = name.rsplit(".", 1)[0]
    return stem[:-len("-rotated")] if stem.endswith("-rotated") else stem


# ---------------------------------------------------------------------------------------------------------------------
# the report

def summary(results: List[Dict], models: List[str], strategies: List[str]) -> Dict:
    """
    Mean, standard deviation, minimum and maximum over the seeds of every metric, and the paired difference
    of macro-F1 against the unbalanced variant (mean, and on how many seeds the strategy was better).

    :return: model -> strategy -> metric -> figures
    :rtype: dict
    """
    result = {}
    for model_name in models:
        result[model_name] = {}
        for strategy in strategies:
            per_seed = [r["scores"][model_name][strategy] for r in results]
            entry = {}
            for key, _ in METRICS + [("accuracy", "accuracy")]:
                values = np.array([s[key] for s in per_seed])
                entry[key] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                              "min": float(values.min()), "max": float(values.max())}
            recall = np.array([s["recall_by_rank"] for s in per_seed])
            entry["recall_by_rank"] = {"mean": recall.mean(axis=0).tolist(),
                                       "se": (recall.std(axis=0, ddof=1) / math.sqrt(len(recall))).tolist()
                                       if len(recall) > 1 else [0.0] * recall.shape[1]}
            if (strategy != UNBALANCED) and (UNBALANCED in strategies):
                base = np.array([r["scores"][model_name][UNBALANCED]["macro_f1"] for r in results])
                mine = np.array([s["macro_f1"] for s in per_seed])
                entry["macro_f1_gain"] = {"mean": float((mine - base).mean()), "better": int((mine > base).sum()),
                                          "seeds": len(results)}
            result[model_name][strategy] = entry
    return result


def paired(results: List[Dict], model_name: str, strategies: List[str]) -> Dict[str, Dict[str, Dict]]:
    """
    The paired difference of macro-F1 between every two strategies, seed by seed (the same splits).

    :return: strategy a -> strategy b -> {"mean": mean of a - b, "better": on how many seeds a beat b}
    :rtype: dict
    """
    f1 = {s: np.array([r["scores"][model_name][s]["macro_f1"] for r in results]) for s in strategies}
    return {a: {b: {"mean": float((f1[a] - f1[b]).mean()), "better": int((f1[a] > f1[b]).sum())}
                for b in strategies if b != a} for a in strategies}


def paired_table(pairs: Dict[str, Dict[str, Dict]], strategies: List[str], seeds: int) -> str:
    """
    The markdown table of the paired macro-F1 differences: row minus column, and on how many seeds the row won.

    :rtype: str
    """
    lines = ["| row - column | " + " | ".join(strategies) + " |", "|" + "---|" * (len(strategies) + 1)]
    for a in strategies:
        cells = ["" if a == b else "%+.3f (%d/%d)" % (pairs[a][b]["mean"], pairs[a][b]["better"], seeds)
                 for b in strategies]
        lines.append("| " + a + " | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(figures: Dict, models: List[str], strategies: List[str]) -> str:
    """
    The markdown table: per model and strategy, each metric's mean ± standard deviation (range) over the seeds,
    and the paired macro-F1 gain against the unbalanced variant.

    :rtype: str
    """
    header = ["model", "strategy"] + [title for _, title in METRICS] + ["macro-F1 vs unbalanced"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model_name in models:
        for strategy in strategies:
            entry = figures[model_name][strategy]
            cells = [model_name, strategy]
            for key, _ in METRICS:
                m = entry[key]
                cells.append("%.3f ± %.3f (%.2f-%.2f)" % (m["mean"], m["sd"], m["min"], m["max"]))
            gain = entry.get("macro_f1_gain")
            cells.append("" if gain is None else "%+.3f (%d of %d seeds better)"
                         % (gain["mean"], gain["better"], gain["seeds"]))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(figures: Dict, models: List[str], strategies: List[str], profile: List[int], path: Path):
    """
    Draws the recall of every class by its rank in the long-tailed training split (mean over the seeds, the band
    one standard error of that mean either side), one panel per model, one line per strategy.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(models), figsize=(6.2 * len(models), 4.4), squeeze=False, sharey=True)
    ranks = np.arange(1, len(profile) + 1)
    for ax, model_name in zip(axes[0], models):
        for strategy in strategies:
            recall = figures[model_name][strategy]["recall_by_rank"]
            mean, se = np.array(recall["mean"]), np.array(recall["se"])
            line, = ax.plot(ranks, mean, marker="o", markersize=3.5, label=strategy)
            ax.fill_between(ranks, mean - se, mean + se, color=line.get_color(), alpha=0.15, linewidth=0)
        ax.set_xticks(ranks)
        ax.set_xticklabels(["%d\n(%d)" % (r, n) for r, n in zip(ranks, profile)], fontsize=8)
        ax.set_xlabel("class rank in the training split (training images)")
        ax.set_title(MODEL_TITLES[model_name])
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test recall (mean over seeds, band: ± 1 s.e.)")
    axes[0][-1].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    with atomic_output(str(path)) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------------

VERSIONED = ["numpy", "scikit-learn", "image_dataset_converter", "image_dataset_converter_balance",
             "image-dataset-converter-imgaug", "imaug"]
""" The distributions whose versions the run prints (imaug: the fork of imgaug that idc-imgaug installs). """


def versions() -> str:
    """
    :return: Python's version and those of the distributions the results depend on
    :rtype: str
    """
    from importlib.metadata import version, PackageNotFoundError
    result = ["python %s" % sys.version.split()[0]]
    for name in VERSIONED:
        try:
            result.append("%s %s" % (name, version(name)))
        except PackageNotFoundError:
            result.append("%s (not installed)" % name)
    return ", ".join(result)


def parse_args(args: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help="how many seeds (1, 2, ...)")
    parser.add_argument("--largest", type=int, default=DEFAULT_LARGEST, help="training images of the largest class")
    parser.add_argument("--smallest", type=int, default=DEFAULT_SMALLEST, help="training images of the rarest class")
    parser.add_argument("--test_per_class", type=int, default=DEFAULT_TEST_PER_CLASS, help="test images per class")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS, help="the classifiers")
    parser.add_argument("--no_augment", action="store_true", help="leave out the augmented variant")
    parser.add_argument("--work", type=str, default=None,
                        help="the folder for the datasets (kept); default: a temporary folder (removed)")
    parser.add_argument("--plot", type=str, default=None, help="the PNG file to draw the per-class recall to")
    parser.add_argument("--results", type=str, default=None, help="the JSON file to write every figure to")
    ns = parser.parse_args(args)
    if ns.seeds < 1:
        parser.error("--seeds: at least 1, got %d" % ns.seeds)
    if not (1 <= ns.smallest <= ns.largest):
        parser.error("--smallest and --largest: need 1 <= smallest <= largest, got %d and %d"
                     % (ns.smallest, ns.largest))
    if ns.test_per_class < 1:
        parser.error("--test_per_class: at least 1, got %d" % ns.test_per_class)
    for option, path in [("--plot", ns.plot), ("--results", ns.results)]:
        if path is not None:
            # a run of minutes must not end in a lost result: the package's own probe, before the run
            try:
                check_output_file(path, option)
            except BalanceError as e:
                parser.error(str(e))
    if (ns.plot is not None) and not ns.plot.lower().endswith(".png"):
        parser.error("--plot '%s': the plot is a PNG file, its name must end in .png" % ns.plot)
    if (ns.work is not None) and os.path.exists(ns.work) and not os.path.isdir(ns.work):
        parser.error("--work '%s': is a file, not a folder" % ns.work)
    if ns.largest + ns.test_per_class > FEWEST_DIGITS:
        parser.error("--largest %d + --test_per_class %d: the digits' smallest class has only %d images"
                     % (ns.largest, ns.test_per_class, FEWEST_DIGITS))
    return ns


def main(args: Optional[List[str]] = None):
    ns = parse_args(args)
    strategies = list(STRATEGIES)
    if ns.no_augment:
        strategies.remove(AUGMENT)
    elif importlib.util.find_spec("idc.imgaug") is None:
        print("NOTE: image-dataset-converter-imgaug is not installed: the '%s' variant is skipped (run with "
              "'uv run --isolated --group experiment' to include it)" % AUGMENT)
        strategies.remove(AUGMENT)
    images, classes = digits()
    profile = zipf_profile(ns.largest, ns.smallest, len(set(classes.tolist())))
    work = (Path(ns.work) if ns.work is not None else Path(tempfile.mkdtemp(prefix="which-strategy-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    print("digits: %d images, %d classes; training profile %s (imbalance %.0f:1), %d test images per class; "
          "%d seeds; models %s" % (len(classes), len(profile), profile, profile[0] / profile[-1],
                                   ns.test_per_class, ns.seeds, ", ".join(ns.models)))
    print("versions: " + versions())
    start = time.time()
    try:
        env = idc_environment(work / "cache")
        results = []
        for seed in range(1, ns.seeds + 1):
            results.append(run_seed(seed, images, classes, profile, ns.test_per_class, strategies, ns.models, work,
                                    env))
            print("seed %d done (%.0f s)" % (seed, time.time() - start), flush=True)
    finally:
        if ns.work is None:
            shutil.rmtree(work, ignore_errors=True)
    figures = summary(results, ns.models, strategies)
    print()
    print(table(figures, ns.models, strategies))
    print()
    pairs = {}
    for model_name in ns.models:
        pairs[model_name] = paired(results, model_name, strategies)
        print("%s: paired macro-F1 differences, row minus column (seeds on which the row won)" % model_name)
        print()
        print(paired_table(pairs[model_name], strategies, len(results)))
        print()
    for model_name in ns.models:
        unbalanced = figures[model_name].get(UNBALANCED)
        if unbalanced is not None:
            print("%s, unbalanced: accuracy on the long-tailed mix %.3f, macro-F1 on the balanced test split %.3f, "
                  "recall of the %d rarest classes %.3f"
                  % (model_name, unbalanced["mix_accuracy"]["mean"], unbalanced["macro_f1"]["mean"], RARE_CLASSES,
                     unbalanced["rare_recall"]["mean"]))
    if ns.plot is not None:
        plot(figures, ns.models, strategies, profile, Path(ns.plot))
        print("plot: %s" % ns.plot)
    if ns.results is not None:
        write_atomically(ns.results, json.dumps({"profile": profile, "test_per_class": ns.test_per_class,
                                                 "models": ns.models, "strategies": strategies, "seeds": results,
                                                 "summary": figures, "paired_macro_f1": pairs}, indent=1))
        print("results: %s" % ns.results)
    print("%.0f s" % (time.time() - start))


if __name__ == "__main__":
    main()
