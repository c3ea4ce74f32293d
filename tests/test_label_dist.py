"""
label-dist through the framework's Python API: counts, percentages and corrections of
image classification, object detection and image segmentation records, in text, CSV and
JSON, written atomically.
"""
import csv
import io
import json

import numpy as np
import pytest
from wai.common.adams.imaging.locateobjects import LocatedObject, LocatedObjects

from idc.api import ObjectDetectionData, ImageSegmentationData, ImageSegmentationAnnotations
from idc.balance.core import BalanceError
from idc.balance.filter import LabelDistribution
from helpers import ic_records, jpeg_bytes, run_pipeline

IC_LABELS = ["dog", "cat", "dog", None, "bird", "dog", "cat", "dog"]
IC_COUNTS = {"bird": 1, "cat": 2, "dog": 4}


def od_records():
    def record(i, labels):
        objects = LocatedObjects()
        for j, label in enumerate(labels):
            obj = LocatedObject(j, j, 2, 2)
            if label is not None:
                obj.metadata["type"] = label
            objects.append(obj)
        return ObjectDetectionData(image_name="od%d.jpg" % i, data=jpeg_bytes(i), annotation=objects)
    # a missing label key is not counted; an image without objects has no label
    return [record(0, ["car", "car", "person"]), record(1, ["car", None]), record(2, [])]


def is_records():
    def record(i, present, empty=()):
        layers = {label: np.full((8, 8), 255, dtype=np.uint8) for label in present}
        layers.update({label: np.zeros((8, 8), dtype=np.uint8) for label in empty})
        ann = ImageSegmentationAnnotations(labels=["road", "sky", "tree"], layers=layers)
        return ImageSegmentationData(image_name="is%d.png" % i, data=jpeg_bytes(i), annotation=ann)
    # an all-zero layer is not present in the image
    return [record(0, ["road", "sky"]), record(1, ["sky"], empty=["tree"]), record(2, ["sky", "tree"])]


def run_dist(tmp_path, records, output_type="counts", output_format="json", **kwargs):
    path = tmp_path / ("dist." + output_format)
    f = LabelDistribution(output_file=str(path), output_type=output_type, output_format=output_format, **kwargs)
    out = run_pipeline(records, [f])
    return out, path.read_text()


@pytest.mark.parametrize("make, expected", [
    (lambda: ic_records(IC_LABELS), IC_COUNTS),
    (od_records, {"car": 3, "person": 1}),
    (is_records, {"road": 1, "sky": 3, "tree": 1}),
])
def test_counts_per_data_type_and_records_pass_unchanged(tmp_path, make, expected):
    records = make()
    out, text = run_dist(tmp_path, records)
    assert json.loads(text) == expected
    assert list(json.loads(text)) == sorted(expected)
    assert [id(r) for r in out] == [id(r) for r in records]


def test_object_label_key(tmp_path):
    records = od_records()
    for r in records:
        for obj in r.annotation:
            obj.metadata["kind"] = "thing"
    _, text = run_dist(tmp_path, records, label_key="kind")
    assert json.loads(text) == {"thing": 5}


@pytest.mark.parametrize("output_format", ["text", "csv", "json"])
@pytest.mark.parametrize("output_type", ["counts", "percentages", "label-balance-correction"])
def test_every_format_and_type(tmp_path, output_format, output_type):
    _, text = run_dist(tmp_path, ic_records(IC_LABELS), output_type=output_type, output_format=output_format)
    total = sum(IC_COUNTS.values())
    expected = {
        "counts": IC_COUNTS,
        "percentages": {k: 100.0 * v / total for k, v in IC_COUNTS.items()},
        "label-balance-correction": {k: 1 / v for k, v in IC_COUNTS.items()},
    }[output_type]
    if output_format == "json":
        assert text.endswith("\n")
        values = json.loads(text)
    elif output_format == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["label", {"counts": "count", "percentages": "percentage",
                                     "label-balance-correction": "probability"}[output_type]]
        values = {label: (int(v) if output_type == "counts" else float(v)) for label, v in rows[1:]}
    else:
        values = dict()
        for line in text.splitlines():
            label, value = line.split(": ")
            values[label] = int(value) if output_type == "counts" else float(value)
    assert list(values) == sorted(IC_COUNTS)
    assert values == pytest.approx(expected, abs=1e-12)
    for v in values.values():
        assert isinstance(v, int if output_type == "counts" else float)


def test_stdout_when_no_file(capsys):
    run_pipeline(ic_records(IC_LABELS), [LabelDistribution()])
    assert capsys.readouterr().out == "bird: 1\ncat: 2\ndog: 4\n"


def test_placeholder_in_output_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_pipeline(ic_records(IC_LABELS), [LabelDistribution(output_file="{CWD}/d.json", output_format="json")])
    assert json.loads((tmp_path / "d.json").read_text()) == IC_COUNTS


def test_missing_output_directory_fails_at_initialize(tmp_path):
    f = LabelDistribution(output_file=str(tmp_path / "nope" / "d.json"))
    with pytest.raises(BalanceError, match="option -o/--output_file .*does not exist"):
        f.initialize()


@pytest.mark.parametrize("kwargs, message", [
    ({"output_format": "xml"}, "option -f/--output_format: 'xml' is not one of: text, csv, json"),
    ({"output_type": "weights"}, "option -t/--output_type: 'weights' is not one of"),
    ({"label_key": ""}, "option -k/--label_key: must not be empty"),
])
def test_bad_options_fail_at_initialize(kwargs, message):
    with pytest.raises(BalanceError, match=message):
        LabelDistribution(**kwargs).initialize()


def test_existing_file_is_replaced_atomically(tmp_path):
    path = tmp_path / "d.json"
    path.write_text("old")
    run_pipeline(ic_records(IC_LABELS), [LabelDistribution(output_file=str(path), output_format="json")])
    assert json.loads(path.read_text()) == IC_COUNTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json"]


@pytest.mark.parametrize("target, value", [(None, 1), ("min", 1), ("max", 4), ("mean", 7 / 3), ("median", 2), ("6", 6)])
def test_correction_targets(tmp_path, target, value):
    _, text = run_dist(tmp_path, ic_records(IC_LABELS), output_type="label-balance-correction", target=target)
    correction = json.loads(text)
    for label, count in IC_COUNTS.items():
        assert correction[label] * count == pytest.approx(value, abs=1e-12)


def test_target_only_with_correction_output():
    with pytest.raises(BalanceError, match="option --target: only applies to -t/--output_type label-balance-correction"):
        LabelDistribution(output_type="counts", target="max").initialize()
    with pytest.raises(BalanceError, match="option --target: 'huge' is not one of"):
        LabelDistribution(output_type="label-balance-correction", target="huge").initialize()


def test_signatures_of_object_detection_and_segmentation_records(tmp_path):
    # label-dist -t signatures counts images per distinct label set (objects per label within);
    # an image without objects has the empty signature
    from idc.balance.core import read_signatures

    def od(i, labels):
        objects = LocatedObjects()
        for label in labels:
            obj = LocatedObject(1, 1, 3, 3)
            obj.metadata["type"] = label
            objects.append(obj)
        return ObjectDetectionData(image_name="od%d.jpg" % i, data=jpeg_bytes(i), annotation=objects)

    records = [od(0, ["person", "car", "person"]), od(1, ["car", "person"]), od(2, []), od(3, ["dog"])]
    out = tmp_path / "sig.json"
    run_pipeline(records, [LabelDistribution(output_type="signatures", output_format="json", output_file=str(out))])
    images, objects = read_signatures(str(out))
    assert images == {(): 1, ("car", "person"): 2, ("dog",): 1}
    assert objects[("car", "person")] == {"car": 2, "person": 3}

    layers = {"a": np.ones((4, 4), dtype=np.uint8), "b": np.zeros((4, 4), dtype=np.uint8)}
    seg = ImageSegmentationData(image_name="s.png", data=jpeg_bytes(5),
                                annotation=ImageSegmentationAnnotations(["a", "b"], layers))
    out2 = tmp_path / "sig2.json"
    run_pipeline([seg], [LabelDistribution(output_type="signatures", output_format="json", output_file=str(out2))])
    assert read_signatures(str(out2))[0] == {("a",): 1}


@pytest.mark.parametrize("kwargs, message", [
    ({"output_type": "signatures"}, "option -t/--output_type signatures: writes its own JSON format, give "
                                    "-f/--output_format json"),
    ({"output_type": "signatures", "output_format": "json", "per_split": True},
     "options -t/--output_type signatures and --per_split: cannot be combined"),
])
def test_signatures_options(kwargs, message):
    with pytest.raises(BalanceError) as e:
        LabelDistribution(**kwargs).initialize()
    assert message in str(e.value)


def test_units_of_object_detection_counts(tmp_path):
    # image 0 holds three 'a' and one 'b', image 1 one 'a', image 2 one 'b': objects a=4, b=2;
    # images containing them a=2, b=2. Class weights count images by default, counts objects
    def od(i, labels):
        objects = LocatedObjects()
        for label in labels:
            obj = LocatedObject(1, 1, 3, 3)
            obj.metadata["type"] = label
            objects.append(obj)
        return ObjectDetectionData(image_name="od%d.jpg" % i, data=jpeg_bytes(i), annotation=objects)

    def result(**kwargs):
        out = tmp_path / "out.json"
        records = [od(0, ["a", "a", "b", "a"]), od(1, ["a"]), od(2, ["b"])]
        run_pipeline(records, [LabelDistribution(output_format="json", output_file=str(out), **kwargs)])
        return json.loads(out.read_text())

    assert result() == {"a": 4, "b": 2}
    assert result(unit="images") == {"a": 2, "b": 2}
    assert result(output_type="class-weights") == {"a": 1.0, "b": 1.0}
    assert result(output_type="class-weights", unit="objects") == {"a": 0.75, "b": 1.5}
    with pytest.raises(BalanceError, match="option --unit: does not apply"):
        LabelDistribution(output_type="signatures", output_format="json", unit="images").initialize()
    with pytest.raises(BalanceError, match="option --unit"):
        LabelDistribution(unit="pixels")
