"""
Oversampling (corrections above 1) and exact mode of balance-labels-ic, through the
Python API and idc-convert on real image files.
"""
import json
import re

import pytest
from PIL import Image

from idc.balance.core import BalanceError
from idc.balance.filter import BalanceLabels, LabelDistribution
from helpers import EXAMPLE_DATA, EXAMPLE_COUNTS, count_subdir, failed_to_initialize, ic_records, run_idc, run_pipeline


def write_json(tmp_path, obj, name):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return str(path)


def test_copies_are_real_records_with_unique_names_and_a_mark(tmp_path):
    path = write_json(tmp_path, {"a": 3.0}, "corr.json")
    records = ic_records(["a", "b"])
    records[0].set_metadata({"source_id": [1, 2]})
    out = run_pipeline(records, [BalanceLabels(label_correction=path, seed=1)])
    assert [r.image_name for r in out] == ["img0000000.jpg", "img0000000~1.jpg", "img0000000~2.jpg", "img0000001.jpg"]
    original, copy1, copy2 = out[0], out[1], out[2]
    assert original is records[0]
    assert original.get_metadata() == {"source_id": [1, 2]}
    assert copy1.get_metadata() == {"source_id": [1, 2], "balance_copy": 1}
    assert copy2.get_metadata()["balance_copy"] == 2
    # copies are independent records with the same image and label
    assert copy1 is not original and copy1.get_metadata() is not copy2.get_metadata()
    copy1.get_metadata()["source_id"].append(3)
    assert original.get_metadata() == {"source_id": [1, 2]}
    assert copy1.data == original.data and copy1.annotation == "a"
    # records without metadata get a dict with just the mark; originals stay without
    assert out[3].get_metadata() is None


def test_marked_originals_carry_copy_number_zero(tmp_path):
    """--mark_originals: every record that is not a copy gets balance_copy 0 (unlabeled ones too), as a new
    record (the input keeps its metadata); the decisions and names are those of the unmarked run."""
    path = write_json(tmp_path, {"a": 3.0}, "corr.json")
    plain = run_pipeline(ic_records(["a", "b", None]), [BalanceLabels(label_correction=path, seed=1)])
    records = ic_records(["a", "b", None])
    records[0].set_metadata({"source_id": [1, 2]})
    out = run_pipeline(records, [BalanceLabels(label_correction=path, seed=1, mark_originals=True)])
    assert [r.image_name for r in out] == [r.image_name for r in plain]
    assert [r.get_metadata() for r in out] == [{"source_id": [1, 2], "balance_copy": 0},
                                               {"source_id": [1, 2], "balance_copy": 1},
                                               {"source_id": [1, 2], "balance_copy": 2},
                                               {"balance_copy": 0}, {"balance_copy": 0}]
    assert records[0].get_metadata() == {"source_id": [1, 2]} and records[1].get_metadata() is None
    assert [r.data for r in out] == [records[0].data] * 3 + [records[1].data, records[2].data]
    assert [r.annotation for r in out] == ["a", "a", "a", "b", None]


def test_a_marked_original_and_its_copies_read_the_image_once(tmp_path, monkeypatch):
    """With --mark_originals, a kept record's marked original and its copies come from one snapshot: the image
    bytes are taken once per kept record (counted at the package's own written_bytes), not once for the original
    and again for the copies."""
    import idc.balance.records as records_module
    taken = []
    real = records_module.written_bytes
    monkeypatch.setattr(records_module, "written_bytes", lambda item: taken.append(item.image_name) or real(item))
    path = write_json(tmp_path, {"a": 3.0, "b": 1.0}, "corr.json")
    out = run_pipeline(ic_records(["a", "b", "a"]), [BalanceLabels(label_correction=path, seed=1, mark_originals=True)])
    assert taken == ["img0000000.jpg", "img0000001.jpg", "img0000002.jpg"]
    assert [(r.image_name, r.get_metadata()["balance_copy"]) for r in out] == [
        ("img0000000.jpg", 0), ("img0000000~1.jpg", 1), ("img0000000~2.jpg", 2), ("img0000001.jpg", 0),
        ("img0000002.jpg", 0), ("img0000002~1.jpg", 1), ("img0000002~2.jpg", 2)]
    # the copies' metadata are their own: changing one changes no other
    out[1].get_metadata()["x"] = 1
    assert [r.get_metadata() for r in out[:3]] == [{"balance_copy": 0}, {"balance_copy": 1, "x": 1},
                                                   {"balance_copy": 2}]


@pytest.mark.parametrize("mark", [True, False])
def test_only_copies_go_through_a_conditional_sub_flow(tmp_path, mark):
    """The framework's sub-process applies its sub-flow to every record without the field: with
    --mark_originals only the copies are turned to grayscale, without it every record is. (The sub-flow is
    one argument with a space: idc-convert would take a lone plugin name for the next pipeline step.)"""
    data = tmp_path / "data"
    (data / "a").mkdir(parents=True)
    for i in range(3):
        Image.new("RGB", (8, 8), (200, 10 * i, 30)).save(data / "a" / ("a%d.png" % i))
    corr = write_json(tmp_path, {"a": 2.0}, "corr.json")
    result = run_idc(["from-subdir-ic", "-i", data, "balance-labels-ic", "-c", corr, "-s", "1"]
                     + (["--mark_originals"] if mark else [])
                     + ["sub-process", "-f", "rgb-to-grayscale -l WARNING", "--field", "balance_copy", "--comparison", "ge",
                        "--value", "1", "to-subdir-ic", "-o", tmp_path / "out"])
    assert result.returncode == 0 and not failed_to_initialize(result), result.stderr
    modes = {p.name: Image.open(p).mode for p in (tmp_path / "out" / "a").iterdir()}
    assert sorted(modes) == ["a0.png", "a0~1.png", "a1.png", "a1~1.png", "a2.png", "a2~1.png"]
    assert {n: m for n, m in modes.items() if "~" in n} == {"a0~1.png": "L", "a1~1.png": "L", "a2~1.png": "L"}
    assert {modes[n] for n in modes if "~" not in n} == ({"RGB"} if mark else {"L"})


def test_exact_mode_python(tmp_path):
    counts = write_json(tmp_path, {"a": 30, "b": 12, "c": 5}, "counts.json")
    labels = ["a"] * 30 + ["b"] * 12 + ["c"] * 5
    for target, expected in [("min", 5), ("max", 30), ("median", 12), (20, 20)]:
        out = run_pipeline(ic_records(labels), [BalanceLabels(mode="exact", label_counts=counts, target=target, seed=3)])
        per_label = {label: sum(1 for r in out if r.annotation == label) for label in "abc"}
        assert per_label == {"a": expected, "b": expected, "c": expected}, target
        names = [r.image_name for r in out]
        assert len(names) == len(set(names))


def test_exact_mode_with_correction_uses_round_correction_times_count(tmp_path):
    counts = write_json(tmp_path, {"a": 30, "b": 12}, "counts.json")
    corr = write_json(tmp_path, {"a": 0.5, "b": 1.25}, "corr.json")
    out = run_pipeline(ic_records(["a"] * 30 + ["b"] * 12),
                       [BalanceLabels(mode="exact", label_counts=counts, label_correction=corr, seed=3)])
    assert sum(1 for r in out if r.annotation == "a") == 15
    assert sum(1 for r in out if r.annotation == "b") == 15


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "exact"}, "option -C/--label_counts: required with -m/--mode exact"),
    ({"label_counts": "counts.json"}, "options -C/--label_counts and --target only apply to -m/--mode exact"),
    ({"target": "max"}, "options -C/--label_counts and --target only apply to -m/--mode exact"),
    ({"mode": "exact", "label_counts": "counts.json", "target": "max", "label_correction": "corr.json"},
     "options -c/--label_correction and --target: give one of them in exact mode"),
    ({"mode": "exact", "label_counts": "counts.json", "target": "most"}, "option --target: 'most' is not one of"),
    ({"mode": "exact", "label_counts": "bad_counts.json"}, "label counts file 'bad_counts.json': label 'a': value 2.5 is not a whole number"),
    ({"mode": "exact", "label_counts": "missing.json"}, "label counts file 'missing.json': cannot read"),
    ({"mode": "fast"}, "option -m/--mode: 'fast' is not one of: probabilistic, exact"),
])
def test_bad_exact_options_fail_at_initialize(tmp_path, monkeypatch, kwargs, message):
    monkeypatch.chdir(tmp_path)
    write_json(tmp_path, {"a": 3}, "counts.json")
    write_json(tmp_path, {"a": 2.5}, "bad_counts.json")
    write_json(tmp_path, {"a": 0.5}, "corr.json")
    with pytest.raises(BalanceError, match=re.escape(message)):
        BalanceLabels(**kwargs).initialize()


def test_exact_mode_balances_shipped_example_exactly(tmp_path):
    counts = tmp_path / "counts.json"
    run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "label-dist", "-t", "counts", "-f", "json", "-o", counts])
    assert json.loads(counts.read_text()) == EXAMPLE_COUNTS
    for seed in range(3):
        for target, expected in [("min", 10), ("max", 120), ("50", 50)]:
            out = tmp_path / ("out-%s-%d" % (target, seed))
            result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA,
                              "balance-labels-ic", "-m", "exact", "-C", counts, "--target", target, "-s", seed,
                              "label-dist", "-f", "json",
                              "to-subdir-ic", "-o", out])
            assert not failed_to_initialize(result), result.stderr
            assert json.loads(result.stdout) == {"cat": expected, "coffee": expected, "rocket": expected}
            # every copy has its own file name, so the writer writes all of them
            assert count_subdir(out) == {"cat": expected, "coffee": expected, "rocket": expected}


def test_probabilistic_oversampling_to_max_writes_every_copy(tmp_path):
    corr = tmp_path / "corr.json"
    run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "label-dist", "-t", "label-balance-correction", "--target", "max",
             "-f", "json", "-o", corr])
    assert json.loads(corr.read_text()) == {"cat": 1.0, "coffee": 3.0, "rocket": 12.0}
    out = tmp_path / "out"
    result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "balance-labels-ic", "-c", corr, "-s", "1",
                      "label-dist", "-f", "json", "to-subdir-ic", "-o", out])
    # whole-number corrections oversample exactly: 120 each
    assert json.loads(result.stdout) == {"cat": 120, "coffee": 120, "rocket": 120}
    assert count_subdir(out) == {"cat": 120, "coffee": 120, "rocket": 120}
    names = sorted(p.name for p in (out / "rocket").iterdir())
    assert "rocket_001.jpg" in names and "rocket_001~1.jpg" in names and "rocket_001~11.jpg" in names
    assert "rocket_001-12.jpg" not in names


def test_mismatched_counts_file_is_reported_per_label(tmp_path):
    counts = write_json(tmp_path, {"cat": 100, "coffee": 45, "dog": 7}, "counts.json")
    result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA,
                      "balance-labels-ic", "-m", "exact", "-C", counts, "--target", "10", "-s", "1",
                      "label-dist", "-f", "json"])
    assert not failed_to_initialize(result), result.stderr
    assert "WARNING:balance-labels-ic:The stream did not match the label counts file" in result.stderr
    assert "cat: 20 record(s) more than counted" in result.stderr
    assert "coffee: 5 record(s) fewer than counted" in result.stderr
    assert "dog: 7 record(s) fewer than counted" in result.stderr
    assert "rocket: not in the counts file" in result.stderr
    after = json.loads(result.stdout)
    # cat's quota of 10 is met within its first 100 records, the surplus dropped
    assert after["cat"] == 10
    # coffee's 40 records were sampled as if 45 would come: at most the target
    assert after["coffee"] <= 10
    # rocket (not counted) is decided with the default probability 1.0: all kept
    assert after["rocket"] == 10


def test_summary_shows_copies_target_and_share(tmp_path):
    corr = tmp_path / "corr.json"
    corr.write_text(json.dumps({"cat": 0.25, "coffee": 1.0, "rocket": 3.0}))
    result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "balance-labels-ic", "-l", "INFO", "-c", corr, "-s", "5",
                      "label-dist", "-f", "json"])
    after = json.loads(result.stdout)
    total = sum(after.values())
    rows = {m.group(1): m.groups()[1:] for m in
            re.finditer(r"^(\w+|\(total\))\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)%$", result.stderr, re.MULTILINE)}
    assert rows["rocket"] == ("10", "10", "20", "0", "30", "%.2f" % (100.0 * 30 / total))
    assert rows["coffee"][:4] == ("40", "40", "0", "0")
    assert int(rows["cat"][1]) == after["cat"] and rows["cat"][4] == "30"
    assert rows["(total)"][0] == "170"


def test_copies_are_made_when_the_pipeline_asks_for_them(tmp_path):
    # a record with 999 copies queues two entries (the record and its pending copies),
    # not 1000 records; the copies appear one by one, in order, with their numbers
    path = write_json(tmp_path, {"a": 1000.0}, "corr.json")
    f = BalanceLabels(label_correction=path, seed=1)
    f.initialize()
    f.process_stream(ic_records(["a"])[0])
    assert len(f._stream_output) == 2
    names = []
    while f.has_output():
        names.append(f.output().image_name)
    assert f.output() is None
    assert names == ["img0000000.jpg"] + ["img0000000~%d.jpg" % n for n in range(1, 1000)]
    f.finalize()


def test_copy_limit_refuses_and_can_be_raised(tmp_path):
    path = write_json(tmp_path, {"a": 1001.5}, "corr.json")
    with pytest.raises(BalanceError, match=r"label 'a': value 1001.5 asks for up to 1002 outputs .* --max_copies 1000"):
        BalanceLabels(label_correction=path, seed=1).initialize()
    out = run_pipeline(ic_records(["a"]), [BalanceLabels(label_correction=path, seed=1, max_copies=1002)])
    # floor(1001.5) = 1001 emissions always, a 1002nd with probability 0.5
    assert len(out) in (1001, 1002)
    assert len({r.image_name for r in out}) == len(out)


def test_batch_mode_gets_every_copy(tmp_path):
    # force_batch makes the framework hand the filter all records as one list
    import argparse
    import logging
    from kasperl.api import Session
    from seppl.io import execute
    from helpers import ListReader, ListWriter
    path = write_json(tmp_path, {"a": 3.0, "b": 0.0}, "corr.json")
    writer = ListWriter()
    session = Session(options=argparse.Namespace(force_batch=True, update_interval=10 ** 9),
                      logger=logging.getLogger("tests"))
    execute(ListReader(ic_records(["a", "b", "a"])), [BalanceLabels(label_correction=path, seed=1)], writer,
            session=session)
    assert [r.image_name for r in writer.records] == ["img0000000.jpg", "img0000000~1.jpg", "img0000000~2.jpg",
                                                      "img0000002.jpg", "img0000002~1.jpg", "img0000002~2.jpg"]
