"""
What issue 10 is done by: on the shipped detection example and on a generated long-tailed
set of 10,000 images, balance-labels-od reaches the plan's error exactly in the stream;
the plan is within 0.01 (normalised) of the integer optimum (it lies between the LP
bound and the plan, and the two are within 0.01); and its error is well below that of
repeat factor sampling and of the per-label rule on the same data and target.
"""
import json

import pytest
from idc.api import ObjectDetectionData
from wai.common.adams.imaging.locateobjects import LocatedObjects, LocatedObject

from idc.balance.core import plan_signatures, read_signatures, repeat_factor_plan, normalised
from idc.balance.filter import BalanceLabelsOD, LabelDistribution
from helpers import REPO, jpeg_bytes, run_idc, run_pipeline, failed_to_initialize
from long_tailed import long_tailed_labels, per_label_rule, error_of

EXAMPLE = REPO / "docs" / "example" / "od"


def records_of(labels):
    data = jpeg_bytes(1)
    result = []
    for i, image in enumerate(labels):
        objects = LocatedObjects()
        for label in image:
            obj = LocatedObject(0, 0, 2, 2)
            obj.metadata["type"] = label
            objects.append(obj)
        result.append(ObjectDetectionData(image_name="lt%05d.jpg" % i, data=data, annotation=objects))
    return result


def emitted_error(records, plan):
    per_class = {c: 0 for c in plan.planned}
    for record in records:
        for label in {obj.metadata["type"] for obj in record.annotation}:
            if label in per_class:
                per_class[label] += 1
    return sum(abs(n - plan.target) for n in per_class.values())


@pytest.mark.parametrize("target, max_copies", [("min", 1), ("median", 3)])
def test_generated_long_tailed_set(tmp_path, target, max_copies):
    labels = long_tailed_labels(10000)
    sig = tmp_path / "sig.json"
    run_pipeline(records_of(labels), [LabelDistribution(output_type="signatures", output_format="json",
                                                        output_file=str(sig))])
    images, _ = read_signatures(str(sig))
    plan = plan_signatures(images, target, max_copies)
    out = run_pipeline(records_of(labels), [BalanceLabelsOD(signatures=str(sig), target=target,
                                                            max_copies=max_copies, seed=4)])
    assert emitted_error(out, plan) == plan.error
    assert plan.normalised_error - normalised(plan.bound, plan) <= 0.01
    rfs = repeat_factor_plan(images, target, max_copies=max_copies)
    rule = normalised(error_of(per_label_rule(images, target, max_copies), plan.target), plan)
    # "well below": at most half of either error
    assert plan.normalised_error <= 0.5 * rfs.normalised_error
    assert plan.normalised_error <= 0.5 * rule


def test_shipped_example_through_idc_convert(tmp_path):
    sig = tmp_path / "sig.json"
    inputs = str(EXAMPLE / "*.json")
    result = run_idc(["from-opex-od", "-i", inputs, "label-dist", "-t", "signatures", "-f", "json", "-o", str(sig)])
    assert sig.exists(), result.stderr
    images, _ = read_signatures(str(sig))
    assert sum(images.values()) == len(list(EXAMPLE.glob("*.json")))
    out = tmp_path / "out"
    report = tmp_path / "plan.json"
    result = run_idc(["from-opex-od", "-i", inputs, "balance-labels-od", "-S", str(sig), "--target", "median",
                      "--max_copies", "3", "--background", "person", "--plan_report", str(report), "-s", "7",
                      "to-opex-od", "-o", str(out)])
    assert not failed_to_initialize(result), result.stderr
    planned = json.loads(report.read_text())
    per_class = {c: 0 for c in planned["classes"]}
    for path in out.glob("*.json"):
        for label in {obj["label"] for obj in json.loads(path.read_text())["objects"]}:
            if label in per_class:
                per_class[label] += 1
    assert sum(abs(n - planned["target"]) for n in per_class.values()) == planned["error"]
    assert per_class == {c: v["planned"] for c, v in planned["classes"].items()}
    assert planned["normalised_error"] - planned["normalised_bound"] <= 0.01
    plan = plan_signatures(images, "median", 3, ["person"])
    rfs = repeat_factor_plan(images, "median", max_copies=3, background=["person"])
    assert plan.error == planned["error"]
    assert plan.normalised_error <= 0.5 * rfs.normalised_error
