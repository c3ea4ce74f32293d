"""
Class weights, split-aware balancing and counting, and distribution plots, through the
Python API (with kasperl's real split-records filter) and idc-convert.
"""
import filecmp
import json
import logging

import pytest
from PIL import Image
from kasperl.filter import SplitRecords

from idc.balance.core import BalanceError, class_weights
from idc.balance.filter import BalanceLabels, LabelDistribution
from idc.balance.plot import chart_data
from helpers import EXAMPLE_DATA, EXAMPLE_COUNTS, count_subdir, failed_to_initialize, ic_records, run_idc, run_pipeline

LABELS = ["dog"] * 6 + ["cat"] * 3 + ["bird"] * 1
COUNTS = {"bird": 1, "cat": 3, "dog": 6}


def dist(tmp_path, records=None, name="out.json", **kwargs):
    path = tmp_path / name
    run_pipeline(ic_records(LABELS) if records is None else records,
                 [LabelDistribution(output_file=str(path), **kwargs)])
    return path.read_text()


def test_class_weights_by_label(tmp_path):
    weights = json.loads(dist(tmp_path, output_type="class-weights", output_format="json"))
    assert weights == pytest.approx({label: 10 / (3 * count) for label, count in COUNTS.items()}, abs=1e-12)
    assert list(weights) == ["bird", "cat", "dog"]


def test_class_weights_by_index_json(tmp_path):
    data = json.loads(dist(tmp_path, output_type="class-weights", output_format="json", by_index=True))
    assert data["format"] == "idc-balance/class-weights-by-index" and data["version"] == 1
    assert data["labels"] == ["bird", "cat", "dog"]
    assert data["weights"] == [class_weights(COUNTS)[label] for label in data["labels"]]


def test_class_weights_by_index_explicit_order_csv_and_text(tmp_path):
    text = dist(tmp_path, name="w.csv", output_type="class-weights", output_format="csv", by_index=True,
                labels="dog,bird,cat")
    rows = [line.split(",") for line in text.strip().splitlines()]
    assert rows[0] == ["index", "label", "weight"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("0", "dog"), ("1", "bird"), ("2", "cat")]
    assert float(rows[2][2]) == 10 / 3
    text = dist(tmp_path, name="w.txt", output_type="class-weights", by_index=True)
    assert text.splitlines()[0] == "0 bird: %r" % (10 / 3)


def test_labels_list_that_does_not_match_fails_at_the_end(tmp_path):
    f = LabelDistribution(output_file=str(tmp_path / "w.json"), output_type="class-weights", by_index=True,
                          labels="cat,dog,cow")
    f.initialize()
    f.process(ic_records(LABELS))
    with pytest.raises(BalanceError, match="listed but never occurred: cow; occurred but not listed: bird"):
        f.finalize()
    assert not (tmp_path / "w.json").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"by_index": True}, "option --by_index: only applies to -t/--output_type class-weights"),
    ({"output_type": "class-weights", "labels": "a,b"}, "option --labels: only applies to -t/--output_type class-weights --by_index"),
    ({"output_type": "class-weights", "by_index": True, "labels": "a,b,a"}, "option --labels: label 'a' is listed more than once"),
    ({"output_type": "class-weights", "by_index": True, "per_split": True}, "options --by_index and --per_split: cannot be combined"),
    ({"output_type": "class-weights", "target": "max"}, "option --target: only applies to -t/--output_type label-balance-correction"),
    ({"log_scale": True}, "option --log_scale: only applies with --plot"),
    ({"plot": "{TMP}/nope-idc-balance/dist.png"}, "directory"),
    ({"plot": "dist.jpg"}, "unsupported file extension '.jpg', use one of: .png, .svg"),
    ({"split_names": []}, "option --split_names: give at least one name"),
])
def test_bad_combinations_fail_at_initialize(kwargs, message):
    with pytest.raises(BalanceError) as e:
        LabelDistribution(**kwargs).initialize()
    assert message in str(e.value)


def split_records():
    # split-records assigns splits deterministically: 7 of every 10 records to train, 3 to val
    return SplitRecords(split_ratios=[70, 30], split_names=["train", "val"])


def test_balancing_train_only_leaves_other_records_untouched(tmp_path):
    corr = tmp_path / "corr.json"
    corr.write_text(json.dumps({"dog": 3.0, "cat": 3.0, "bird": 3.0}))
    records = ic_records(LABELS * 10)
    originals = {r.image_name: (r.data, r.annotation) for r in records}
    out = run_pipeline(records, [split_records(), BalanceLabels(label_correction=str(corr), seed=1,
                                                                 split_names=["train"])])
    val = [r for r in out if r.get_metadata()["split"] == "val"]
    train = [r for r in out if r.get_metadata()["split"] == "train"]
    assert len(val) == 30 and len(train) == 70 * 3
    for r in val:
        # the very same record, with the very same bytes, label and metadata: never copied
        assert r in records
        assert (r.data, r.annotation) == originals[r.image_name]
        assert r.get_metadata() == {"split": "val"}
    assert sum(1 for r in train if "balance_copy" in r.get_metadata()) == 140


def test_records_without_split_field_pass_and_are_counted(tmp_path, caplog):
    records = ic_records(["a"] * 4)
    records[0].set_metadata({"split": "train"})
    records[1].set_metadata({"split": "test"})
    with caplog.at_level(logging.INFO):
        out = run_pipeline(records, [BalanceLabels(default_probability=0.0, split_names=["train"], seed=1,
                                                   logging_level="INFO")])
    assert [r.image_name for r in out] == [r.image_name for r in records[1:]]
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Summary")][0]
    assert "records of other splits (passed through): 1" in summary
    assert "records without split field 'split' (passed through): 2" in summary


def test_per_split_counts_add_up_to_the_total(tmp_path):
    records = ic_records(LABELS * 7)
    per_split = tmp_path / "per_split.json"
    total = tmp_path / "total.json"
    train = tmp_path / "train.json"
    run_pipeline(records, [split_records(),
                           LabelDistribution(output_file=str(per_split), output_format="json", per_split=True),
                           LabelDistribution(output_file=str(total), output_format="json"),
                           LabelDistribution(output_file=str(train), output_format="json", split_names=["train"])])
    data = json.loads(per_split.read_text())
    assert data["format"] == "idc-balance/label-dist-per-split" and data["version"] == 1
    assert data["output_type"] == "counts"
    assert sorted(data["splits"]) == ["train", "val"]
    summed = dict()
    for counts in data["splits"].values():
        for label, count in counts.items():
            summed[label] = summed.get(label, 0) + count
    assert summed == json.loads(total.read_text()) == {k: 7 * v for k, v in COUNTS.items()}
    assert json.loads(train.read_text()) == data["splits"]["train"]
    assert sum(data["splits"]["train"].values()) == 49


def test_per_split_text_and_csv(tmp_path):
    records = ic_records(LABELS)
    for r in records:
        r.set_metadata({"fold": "a" if r.annotation == "dog" else "b"})
    text = dist(tmp_path, records, name="d.txt", per_split=True, split_field="fold")
    assert text == "[a]\ndog: 6\n[b]\nbird: 1\ncat: 3\n"
    csv_text = dist(tmp_path, records, name="d.csv", per_split=True, split_field="fold", output_format="csv",
                    output_type="percentages")
    assert csv_text.splitlines() == ["split,label,percentage", "a,dog,100.0", "b,bird,25.0", "b,cat,75.0"]


def test_plot_png_and_its_data(tmp_path):
    png = tmp_path / "dist.png"
    run_pipeline(ic_records(LABELS), [LabelDistribution(plot=str(png))])
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert 300 <= image.width <= 3000 and 200 <= image.height <= 2000
    assert 5000 < png.stat().st_size < 1000000
    data = chart_data({"": COUNTS})
    assert data.labels == ["bird", "cat", "dog"]
    assert data.values == [[1, 3, 6]]
    assert data.total == 10 and data.imbalance_ratio == 6.0
    assert "10 in total" in data.title and "6.00" in data.title


def test_plot_svg_per_split_log_scale(tmp_path):
    svg = tmp_path / "dist.svg"
    run_pipeline(ic_records(LABELS * 10), [split_records(),
                                           LabelDistribution(plot=str(svg), per_split=True, log_scale=True)])
    text = svg.read_text()
    assert "<svg" in text and text.rstrip().endswith("</svg>")
    data = chart_data({"train": {"cat": 21, "dog": 42, "bird": 7}, "val": {"cat": 9, "dog": 18, "bird": 3}}, True)
    assert data.groups == ["train", "val"]
    assert data.values == [[7, 21, 42], [3, 9, 18]]
    assert data.total == 100 and data.imbalance_ratio == 6.0 and data.log_scale
    assert data.group_totals == [70, 30] and data.group_ratios == [6.0, 6.0]


def test_cli_split_then_balance_train_only(tmp_path):
    counts = tmp_path / "train-counts.json"
    out = tmp_path / "out"
    first = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "split-records", "-r", "80", "20", "-n", "train", "val",
                     "label-dist", "--split_names", "train", "-t", "counts", "-f", "json", "-o", counts,
                     "label-dist", "--plot", tmp_path / "before.png", "--per_split"])
    assert not failed_to_initialize(first), first.stderr
    train_counts = json.loads(counts.read_text())
    assert sum(train_counts.values()) == 136
    second = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "split-records", "-r", "80", "20", "-n", "train", "val",
                      "balance-labels-ic", "-m", "exact", "-C", counts, "--target", "max", "--split_names", "train",
                      "-s", "42",
                      "tee", "-f", "to-subdir-ic -o %s" % (out / "train"), "--field", "split", "--value", "train",
                      "tee", "-f", "to-subdir-ic -o %s" % (out / "val"), "--field", "split", "--value", "val"])
    assert not failed_to_initialize(second), second.stderr
    assert count_subdir(out / "train") == {"cat": 96, "coffee": 96, "rocket": 96}
    val = count_subdir(out / "val")
    assert val == {label: count - train_counts[label] for label, count in EXAMPLE_COUNTS.items()}
    # validation images are the original files, byte for byte, and no copies
    for path in (out / "val").rglob("*.jpg"):
        assert "-" not in path.stem
        assert filecmp.cmp(path, EXAMPLE_DATA / path.parent.name / path.name, shallow=False)
    assert (tmp_path / "before.png").stat().st_size > 5000
