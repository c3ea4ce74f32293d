"""
balance-labels-ic through the framework's Python API (seppl's execute with a real
reader/writer pair and in-memory records made with Pillow).
"""
import json
import logging
import math

import pytest

from idc.balance.core import BalanceError
from idc.balance.filter import BalanceLabels
from helpers import ic_records, run_pipeline


def write_json(tmp_path, obj, name="corr.json"):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return str(path)


def kept_counts(records):
    result = dict()
    for r in records:
        result[r.annotation] = result.get(r.annotation, 0) + 1
    return result


def binomial_bounds(n, p, sigmas=5.0):
    # 5 standard deviations: a correct filter falls outside with probability < 1e-6
    sd = math.sqrt(n * p * (1 - p))
    return n * p - sigmas * sd, n * p + sigmas * sd


def test_keep_rates_within_binomial_bounds(tmp_path):
    correction = {"a": 0.1, "b": 0.5, "c": 0.9}
    n = 6000
    labels = ["a", "b", "c", "d"] * n
    out = run_pipeline(ic_records(labels), [BalanceLabels(label_correction=write_json(tmp_path, correction), seed=42)])
    counts = kept_counts(out)
    for label, p in correction.items():
        low, high = binomial_bounds(n, p)
        assert low <= counts[label] <= high, (label, counts[label], low, high)
    # not in the file: default probability 1.0 keeps all
    assert counts["d"] == n


def test_same_seed_same_output_different_seed_different_output(tmp_path):
    path = write_json(tmp_path, {"a": 0.5, "b": 0.3})
    labels = ["a", "b"] * 500

    def names(seed):
        return [r.image_name for r in run_pipeline(ic_records(labels), [BalanceLabels(label_correction=path, seed=seed)])]

    assert names(7) == names(7)
    assert names(7) != names(8)


def test_no_seed_logs_the_seed_and_logged_seed_repeats_the_run(tmp_path, caplog):
    path = write_json(tmp_path, {"a": 0.5})
    labels = ["a"] * 400
    with caplog.at_level(logging.INFO):
        first = run_pipeline(ic_records(labels), [BalanceLabels(label_correction=path, logging_level="INFO")])
    seeds = [r.getMessage().split(": ")[-1] for r in caplog.records if "No seed given" in r.getMessage()]
    assert len(seeds) == 1
    again = run_pipeline(ic_records(labels), [BalanceLabels(label_correction=path, seed=int(seeds[0]))])
    assert [r.image_name for r in again] == [r.image_name for r in first]


def test_without_correction_file_keeps_everything_and_warns(caplog):
    labels = ["a", "b", "c"] * 100
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(ic_records(labels), [BalanceLabels(seed=1)])
    assert len(out) == len(labels)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "No label correction file" in r.getMessage()]
    assert len(warnings) == 1


def test_default_probability_zero_discards_unlisted_labels(tmp_path):
    path = write_json(tmp_path, {"a": 1.0})
    out = run_pipeline(ic_records(["a", "b", "c"] * 50), [BalanceLabels(label_correction=path, default_probability=0.0, seed=3)])
    assert kept_counts(out) == {"a": 50}


def test_unlabeled_records_pass_and_are_counted(tmp_path, caplog):
    path = write_json(tmp_path, {"a": 0.0})
    labels = ["a", None, "", "a", None]
    with caplog.at_level(logging.INFO):
        out = run_pipeline(ic_records(labels), [BalanceLabels(label_correction=path, seed=3, logging_level="INFO")])
    assert [r.image_name for r in out] == ["img0000001.jpg", "img0000002.jpg", "img0000004.jpg"]
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Summary")]
    assert len(summary) == 1
    assert "records without label (passed through): 3" in summary[0]


def test_summary_per_label(tmp_path, caplog):
    path = write_json(tmp_path, {"a": 0.0, "b": 1.0})
    with caplog.at_level(logging.INFO):
        run_pipeline(ic_records(["a", "b", "b"]), [BalanceLabels(label_correction=path, seed=1, logging_level="INFO")])
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Summary")][0]
    rows = {line.split()[0]: line.split()[1:] for line in summary.splitlines()[2:]}
    # in, kept, copies, dropped, target (expected), share of the output
    assert rows["a"] == ["1", "0", "0", "1", "0", "0.00%"]
    assert rows["b"] == ["2", "2", "0", "0", "2", "100.00%"]
    assert rows["(total)"] == ["3", "2", "0", "1", "2", "100.00%"]


def test_dropped_record_produces_no_output_at_all(tmp_path):
    # a dropped record must not reach later filters or the writer, not even as an empty list
    path = write_json(tmp_path, {"a": 0.0})
    out = run_pipeline(ic_records(["a", "b", "a"]), [BalanceLabels(label_correction=path, seed=1),
                                                     BalanceLabels(seed=2)])
    assert [r.annotation for r in out] == ["b"]
    assert all(not isinstance(r, list) for r in out)


def test_placeholders_in_correction_path(tmp_path, monkeypatch):
    write_json(tmp_path, {"a": 0.0})
    monkeypatch.chdir(tmp_path)
    out = run_pipeline(ic_records(["a", "b"]), [BalanceLabels(label_correction="{CWD}/corr.json", seed=1)])
    assert kept_counts(out) == {"b": 1}


@pytest.mark.parametrize("content, problem", [
    (None, "cannot read"),
    ("{oops", "invalid JSON at line 1, column 2"),
    ("[1, 2]", "expected a JSON object"),
    ('{"a": "high"}', "label 'a': value \"high\" is a string, not a number"),
    ('{"a": NaN}', "NaN is not a finite number"),
    ('{"a": -1}', "label 'a': value -1 is negative"),
])
def test_bad_correction_file_fails_at_initialize(tmp_path, content, problem):
    path = tmp_path / "corr.json"
    if content is not None:
        path.write_text(content)
    f = BalanceLabels(label_correction=str(path), seed=1)
    with pytest.raises(BalanceError) as e:
        f.initialize()
    assert str(path) in str(e.value)
    assert problem in str(e.value)


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_default_probability_outside_range_fails_at_initialize(value):
    with pytest.raises(BalanceError, match=r"option -p/--default_probability: .* outside \[0, 1\]"):
        BalanceLabels(default_probability=value).initialize()


def test_negative_seed_fails_at_initialize():
    with pytest.raises(BalanceError, match="option -s/--seed: -5 is negative"):
        BalanceLabels(seed=-5).initialize()


def test_batch_interface_drops_to_none(tmp_path):
    path = write_json(tmp_path, {"a": 0.0})
    f = BalanceLabels(label_correction=path, seed=1)
    f.initialize()
    assert f.process(ic_records(["a"])[0]) is None
    kept = f.process(ic_records(["b", "a", "b"]))
    assert [r.annotation for r in kept] == ["b", "b"]
    f.finalize()



def test_plain_path_decides_as_the_general_path(tmp_path):
    # the filter's lean loop (no split selection, no copies) and its general loop (here taken because a split is
    # selected, which every record is in) take the same decisions, record for record
    from idc.balance.records import DEFAULT_SPLIT_FIELD
    labels = ["cat", "dog", "bird", None] * 500
    path = tmp_path / "correction.json"
    path.write_text(json.dumps({"cat": 0.3, "dog": 0.6}))

    def records():
        result = ic_records(labels)
        for r in result:
            r.set_metadata({DEFAULT_SPLIT_FIELD: "train"})
        return result

    plain = BalanceLabels(label_correction=str(path), seed=5, default_probability=0.5)
    general = BalanceLabels(label_correction=str(path), seed=5, default_probability=0.5, split_names=["train"])
    kept_plain = [r.image_name for r in run_pipeline(records(), [plain])]
    kept_general = [r.image_name for r in run_pipeline(records(), [general])]
    assert kept_plain == kept_general
    # unlabeled records pass, the others are decided
    assert len(labels) // 4 < len(kept_plain) < len(labels)
