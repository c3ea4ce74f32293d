"""
The strategy experiment (docs/experiment/which_strategy.py, docs/which-strategy.md): its
one documented command runs on a small setting and produces every strategy's row, and
the balanced variants' training sets have the counts the pipelines promise.
"""
import importlib.util
import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from helpers import REPO

SCRIPT = REPO / "docs" / "experiment" / "which_strategy.py"


def load_script():
    spec = importlib.util.spec_from_file_location("which_strategy", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ws = load_script()


def test_zipf_profile_runs_from_largest_to_smallest():
    profile = ws.zipf_profile(130, 5, 10)
    assert profile[0] == 130 and profile[-1] == 5
    assert all(a >= b for a, b in zip(profile, profile[1:]))
    assert ws.zipf_profile(7, 7, 3) == [7, 7, 7]
    with pytest.raises(ValueError, match="smallest"):
        ws.zipf_profile(5, 6, 10)


def test_splits_are_disjoint_and_follow_the_profile():
    classes = np.repeat(np.arange(4), 30)
    profile = [20, 10, 5, 2]
    train, test, by_rank = ws.draw_splits(classes, profile, 8, np.random.default_rng(3))
    assert sorted(by_rank) == [0, 1, 2, 3]
    assert [len(train[c]) for c in by_rank] == profile
    assert all(len(test[c]) == 8 for c in by_rank)
    for c in by_rank:
        assert set(train[c]).isdisjoint(test[c]) and all(classes[i] == c for i in list(train[c]) + list(test[c]))
    with pytest.raises(ValueError, match="class"):
        ws.draw_splits(classes, [25, 10, 5, 2], 8, np.random.default_rng(3))


def pixels(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def test_promised_counts_are_checked():
    split = {0: 9, 1: 4, 2: 2}
    assert ws.promised_counts(ws.UNDERSAMPLE, split) == {0: 2, 1: 2, 2: 2}
    assert ws.promised_counts(ws.AUGMENT, split) == {0: 9, 1: 9, 2: 9}
    assert ws.promised_counts(ws.CLASS_WEIGHTS, split) == split
    ws.check_counts(ws.OVERSAMPLE, {0: 9, 1: 9, 2: 9}, split)
    with pytest.raises(RuntimeError, match="oversample: the training set has .* the pipeline promised"):
        ws.check_counts(ws.OVERSAMPLE, {0: 9, 1: 9, 2: 8}, split)


def uv() -> str:
    """The uv that runs the tests (uv run sets UV), else the one on the path."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        pytest.skip("uv is not available: the experiment's documented command needs it (README: Quick start)")
    return found


def test_documented_command_on_a_small_setting(tmp_path):
    """The page's command (an isolated environment with the 'experiment' group, idc-imgaug included), with two
    seeds and one model: every strategy has its row; undersampling gives every class the rarest class's count,
    oversampling (with or without augmentation) the largest's; the originals come out unchanged and the copies
    rotated."""
    results = tmp_path / "results.json"
    plot = tmp_path / "recall.png"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "IDC_CLASS_CACHE")}
    run = subprocess.run([uv(), "run", "--isolated", "--group", "experiment", "python", str(SCRIPT),
                          "--seeds", "2", "--models", "logreg", "--work", str(tmp_path / "work"),
                          "--results", str(results), "--plot", str(plot)],
                         cwd=str(REPO), env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = [line for line in run.stdout.splitlines() if line.startswith("| logreg | ")]
    assert [row.split(" | ")[1] for row in rows] == ws.STRATEGIES
    assert "NOTE" not in run.stdout  # idc-imgaug was installed: nothing skipped
    assert "logreg, unbalanced: accuracy on the long-tailed mix" in run.stdout
    assert plot.stat().st_size > 10000
    report = json.loads(results.read_text())
    profile = ws.zipf_profile(ws.DEFAULT_LARGEST, ws.DEFAULT_SMALLEST, 10)
    assert report["profile"] == profile and report["strategies"] == ws.STRATEGIES
    assert [s["seed"] for s in report["seeds"]] == [1, 2]
    for seed in report["seeds"]:
        counts = seed["train_counts"]
        assert [counts[ws.UNBALANCED][str(c)] for c in seed["by_rank"]] == profile
        assert counts[ws.CLASS_WEIGHTS] == counts[ws.UNBALANCED]
        assert set(counts[ws.UNDERSAMPLE].values()) == {min(profile)} and len(counts[ws.UNDERSAMPLE]) == 10
        for strategy in (ws.OVERSAMPLE, ws.AUGMENT):
            assert set(counts[strategy].values()) == {max(profile)} and len(counts[strategy]) == 10
        # every copy is rotated by a uniform angle in [-15, 15] degrees; one leaves an 8x8 digit's pixels as they
        # were only near 0 degrees (below 3 degrees: probability 0.2), so at least 80% must differ
        copies, changed = seed["copies_changed"]
        assert copies == 10 * max(profile) - sum(profile)
        assert changed >= 0.8 * copies
        # the originals are not augmented: the variant holds the unbalanced split's images, pixel for pixel
        work = tmp_path / "work" / ("seed%03d" % seed["seed"])
        originals = {p.parent.name + "/" + p.name: pixels(p) for p in (work / "oversample-augment").glob("*/*.png")
                     if "~" not in p.name}
        train = {p.parent.name + "/" + p.name: pixels(p) for p in (work / "train").glob("*/*.png")}
        assert sorted(originals) == sorted(train)
        assert all(np.array_equal(originals[name], train[name]) for name in train)
        for strategy, scores in seed["scores"]["logreg"].items():
            # the test split is balanced: plain accuracy is balanced accuracy, the mean of the classes' recalls
            assert scores["accuracy"] == pytest.approx(scores["balanced_accuracy"])
            assert scores["balanced_accuracy"] == pytest.approx(np.mean(scores["recall_by_rank"]))
            assert 0.0 <= scores["macro_f1"] <= 1.0


def words(text: str) -> str:
    """The text with line continuations (backslashes) and runs of white space made single spaces."""
    return " ".join(text.replace("\\", " ").split())


def test_page_is_linked_and_quotes_the_command():
    """The page gives the script's one command, quotes every strategy's row for both models, and the README's
    opening and the user guide's strategy advice link to it."""
    page = (REPO / "docs" / "which-strategy.md").read_text()
    command = "python3 -m pip install -q uv && python3 -m uv run --isolated --group experiment " \
              "python docs/experiment/which_strategy.py --plot docs/images/which-strategy.png"
    assert command in words(page) and command in words(SCRIPT.read_text())
    for model in ws.MODELS:
        assert [line.split(" | ")[1] for line in page.splitlines() if line.startswith("| %s | " % model)] \
            == ws.STRATEGIES
    assert (REPO / "docs" / "images" / "which-strategy.png").is_file()
    opening = (REPO / "README.md").read_text().split("## Quick start")[0]
    assert "(docs/which-strategy.md)" in opening
    guide = (REPO / "docs" / "balancing-image-classification.md").read_text()
    assert "### Which strategy?" in guide and "(which-strategy.md)" in guide.split("### Which strategy?")[1]


@pytest.mark.parametrize("args,message", [
    (["--seeds", "0"], "--seeds: at least 1"),
    (["--smallest", "9", "--largest", "5"], "need 1 <= smallest <= largest"),
    (["--test_per_class", "0"], "--test_per_class: at least 1"),
    (["--plot", "/nonexistent-folder/recall.png"], "directory '/nonexistent-folder' does not exist"),
    (["--results", str(REPO / "docs")], "is a directory"),
    (["--plot", "recall.pdf"], "must end in .png"),
    (["--work", __file__], "is a file, not a folder"),
    (["--largest", "150"], "the digits' smallest class has only 174 images"),
])
def test_bad_options_are_refused_before_the_run(args, message, capsys):
    with pytest.raises(SystemExit):
        ws.parse_args(args)
    assert message in capsys.readouterr().err
