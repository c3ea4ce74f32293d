"""
balance-labels-od and balance-labels-is with real idc records, in memory and from files
through idc-convert: the stream reaches the plan exactly per class, rare images are kept,
the same seed gives the same output, copies are real records with the copy mark, repeat
factor sampling matches its expectation, and bad input is refused at initialize.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from idc.api import ObjectDetectionData, ImageSegmentationData, ImageSegmentationAnnotations
from wai.common.adams.imaging.locateobjects import LocatedObjects, LocatedObject

from idc.balance.core import BalanceError, plan_signatures, read_signatures, repeat_factor_plan
from idc.balance.filter import BalanceLabelsOD, BalanceLabelsIS, LabelDistribution
from helpers import jpeg_bytes, run_pipeline, run_idc, failed_to_initialize

CLASSES = ["person", "car", "dog", "bus", "kite"]
SHARES = [0.65, 0.35, 0.15, 0.06, 0.03]


def long_tailed_labels(n, seed):
    """ Labels per image: independent draws per class, rare classes mostly with a person, some negatives. """
    rng = np.random.default_rng(seed)
    result = []
    for i in range(n):
        labels = [c for c, p in zip(CLASSES, SHARES) if rng.random() < p]
        if any(c in labels for c in ("bus", "kite")) and (rng.random() < 0.85) and ("person" not in labels):
            labels.append("person")
        if (len(labels) > 1) and (rng.random() < 0.3):
            labels.append(labels[0])
        result.append(labels)
    return result


def od_record(i, labels):
    objects = LocatedObjects()
    for j, label in enumerate(labels):
        obj = LocatedObject(j, j, 3, 3)
        obj.metadata["type"] = label
        objects.append(obj)
    return ObjectDetectionData(image_name="od%04d.jpg" % i, data=jpeg_bytes(i), annotation=objects)


def od_records(labels):
    return [od_record(i, l) for i, l in enumerate(labels)]


def signatures_file(tmp_path, records, name="sig.json"):
    path = tmp_path / name
    run_pipeline(records, [LabelDistribution(output_type="signatures", output_format="json", output_file=str(path))])
    return path


def images_per_class_out(records):
    result = dict()
    for record in records:
        for label in {obj.metadata["type"] for obj in record.annotation}:
            result[label] = result.get(label, 0) + 1
    return result


LABELS = long_tailed_labels(300, 5)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("target, max_copies, background", [("min", None, None), ("median", 3, ["person"]),
                                                              (20, 2, None)])
def test_stream_reaches_the_plan(tmp_path, seed, target, max_copies, background):
    sig = signatures_file(tmp_path, od_records(LABELS))
    images, _ = read_signatures(str(sig))
    plan = plan_signatures(images, target, max_copies or 1, background or [], True, 0)
    out = run_pipeline(od_records(LABELS), [BalanceLabelsOD(signatures=str(sig), target=target, max_copies=max_copies,
                                                            background=background, seed=seed)])
    per_class = images_per_class_out(out)
    assert {c: per_class.get(c, 0) for c in plan.planned} == plan.planned
    assert not any(len(r.annotation) == 0 for r in out)  # no negatives by default
    # rare images kept: every input image of a class at or below the target is in the output
    rare = {c for c, n in plan.images_in.items() if n <= plan.target}
    names = {r.image_name for r in out}
    for i, labels in enumerate(LABELS):
        if rare & set(labels):
            assert "od%04d.jpg" % i in names
    # copies carry the mark and a name no input has
    copies = [r for r in out if "balance_copy" in (r.get_metadata() or {})]
    assert len(copies) == plan.copies
    assert all("~" in r.image_name for r in copies)
    assert len(names) == len(out)


def test_marked_originals_and_copies(tmp_path):
    """--mark_originals: originals carry balance_copy 0, copies their number; the same images as unmarked."""
    sig = signatures_file(tmp_path, od_records(LABELS))
    options = dict(signatures=str(sig), target="max", max_copies=3, seed=5)
    plain = run_pipeline(od_records(LABELS), [BalanceLabelsOD(**options)])
    out = run_pipeline(od_records(LABELS), [BalanceLabelsOD(mark_originals=True, **options)])
    assert [r.image_name for r in out] == [r.image_name for r in plain]
    numbers = [r.get_metadata()["balance_copy"] for r in out]
    assert numbers == [(r.get_metadata() or {}).get("balance_copy", 0) for r in plain]
    assert 0 < numbers.count(0) < len(numbers)


def test_same_seed_same_output(tmp_path):
    sig = signatures_file(tmp_path, od_records(LABELS))

    def names(seed):
        return [r.image_name for r in run_pipeline(od_records(LABELS), [BalanceLabelsOD(
            signatures=str(sig), target="median", max_copies=2, seed=seed)])]

    assert names(42) == names(42)
    assert names(42) != names(43)


def test_negatives_are_emitted_exactly(tmp_path):
    labels = LABELS + [[]] * 20
    sig = signatures_file(tmp_path, od_records(labels))
    out = run_pipeline(od_records(labels), [BalanceLabelsOD(signatures=str(sig), negatives=7, seed=3)])
    assert sum(1 for r in out if len(r.annotation) == 0) == 7


@pytest.mark.parametrize("seed", [7, 8])
def test_repeat_factor_matches_its_expectation(tmp_path, seed):
    # each image of signature s is emitted floor(r_s) or floor(r_s) + 1 times; the images per
    # class are a sum of independent Bernoulli draws, so their standard deviation is at most
    # sqrt(images / 4); the output lies within 5 of them of the expectation
    sig = signatures_file(tmp_path, od_records(LABELS))
    images, _ = read_signatures(str(sig))
    expected = repeat_factor_plan(images, "max")
    out = run_pipeline(od_records(LABELS), [BalanceLabelsOD(signatures=str(sig), target="max",
                                                            method="repeat-factor", seed=seed)])
    per_class = images_per_class_out(out)
    for c, n in expected.images_in.items():
        assert abs(per_class[c] - expected.planned[c]) <= 5 * math.sqrt(n / 4) + 1e-9, c
    assert per_class["kite"] > expected.images_in["kite"]


def test_plan_report_and_unknown_signatures(tmp_path, caplog):
    sig = signatures_file(tmp_path, od_records(LABELS))
    report = tmp_path / "plan.json"
    extra = [od_record(900, ["zebra"]), od_record(901, ["zebra", "car"])]
    out = run_pipeline(od_records(LABELS) + extra, [BalanceLabelsOD(signatures=str(sig), plan_report=str(report),
                                                                    seed=1)])
    data = json.loads(report.read_text())
    assert data["format"] == "idc-balance/plan-report"
    assert data["method"] == "plan"
    assert set(data["classes"]) == set(CLASSES)
    assert data["bound"] <= data["error"]
    names = {r.image_name for r in out}
    assert {"od0900.jpg", "od0901.jpg"} <= names
    assert "2 image(s) with 2 signature(s) not in signatures file" in caplog.text


def test_segmentation_records(tmp_path):
    rng = np.random.default_rng(3)

    def seg(i, labels):
        layers = {label: np.zeros((4, 4), dtype=np.uint8) for label in ["a", "b", "c"]}
        for label in labels:
            layers[label][0, 0] = 255
        return ImageSegmentationData(image_name="s%03d.png" % i, data=jpeg_bytes(i),
                                     annotation=ImageSegmentationAnnotations(["a", "b", "c"], layers))

    labels = [[c for c, p in zip("abc", [0.8, 0.3, 0.1]) if rng.random() < p] or ["a"] for _ in range(100)]
    records = [seg(i, l) for i, l in enumerate(labels)]
    sig = signatures_file(tmp_path, records)
    images, _ = read_signatures(str(sig))
    plan = plan_signatures(images, "median", 2)
    out = run_pipeline([seg(i, l) for i, l in enumerate(labels)],
                       [BalanceLabelsIS(signatures=str(sig), target="median", max_copies=2, seed=5)])
    per_class = dict()
    for record in out:
        for label, layer in record.annotation.layers.items():
            if np.any(layer):
                per_class[label] = per_class.get(label, 0) + 1
    assert per_class == plan.planned


def write_opex(folder: Path, labels_per_image):
    folder.mkdir()
    for i, labels in enumerate(labels_per_image):
        Image.new("RGB", (16, 16), ((i * 37) % 256, (i * 11) % 256, 90)).save(folder / ("img_%04d.png" % i))
        objects = [{"score": 1.0, "label": label, "bbox": {"left": j, "top": j, "right": j + 4, "bottom": j + 4},
                    "polygon": {"points": [[j, j], [j + 4, j], [j + 4, j + 4], [j, j + 4]]}, "meta": {}}
                   for j, label in enumerate(labels)]
        (folder / ("img_%04d.json" % i)).write_text(json.dumps({"id": "img_%04d" % i, "timestamp": None,
                                                                "objects": objects}))


def test_two_passes_through_idc_convert(tmp_path):
    labels = long_tailed_labels(120, 9)
    data = tmp_path / "data"
    write_opex(data, labels)
    sig = tmp_path / "sig.json"
    result = run_idc(["from-opex-od", "-i", str(data / "*.json"), "label-dist", "-t", "signatures", "-f", "json",
                      "-o", str(sig)])
    assert sig.exists(), result.stderr
    out = tmp_path / "out"
    report = tmp_path / "plan.json"
    result = run_idc(["from-opex-od", "-i", str(data / "*.json"), "balance-labels-od", "-S", str(sig),
                      "--target", "median", "--max_copies", "3", "--plan_report", str(report), "-s", "1",
                      "to-opex-od", "-o", str(out)])
    assert not failed_to_initialize(result), result.stderr
    planned = json.loads(report.read_text())
    per_class = dict()
    for path in out.glob("*.json"):
        for label in {obj["label"] for obj in json.loads(path.read_text())["objects"]}:
            per_class[label] = per_class.get(label, 0) + 1
    assert per_class == {c: v["planned"] for c, v in planned["classes"].items()}
    assert len(list(out.glob("*.png"))) == len(list(out.glob("*.json")))
    # copies are byte-identical to their originals
    for copy in out.glob("*~1.png"):
        assert copy.read_bytes() == (data / copy.name.replace("~1", "")).read_bytes()


@pytest.mark.parametrize("kwargs, message", [
    (dict(signatures="/nonexistent/sig.json"), "signatures file '/nonexistent/sig.json'"),
    (dict(max_copies=0), "option --max_copies: 0"),
    (dict(background=["zebra"]), "option --background: 'zebra' not in signatures file"),
    (dict(target="-3"), "option --target: -3 must be at least 1"),
    (dict(target="most"), "option --target: 'most' is not one of"),
    (dict(negatives=-1), "option --negatives"),
    (dict(rfs_threshold=0.1), "option --rfs_threshold only applies to --method repeat-factor"),
    (dict(method="repeat-factor", rfs_threshold=2.0), "option --rfs_threshold: 2.0 is not in (0, 1]"),
    (dict(method="lvis"), "option --method"),
    (dict(signatures=None), "option -S/--signatures: required"),
])
def test_bad_options_are_refused_at_initialize(tmp_path, kwargs, message):
    sig = signatures_file(tmp_path, od_records(LABELS[:50]))
    arguments = dict(signatures=str(sig))
    arguments.update(kwargs)
    with pytest.raises(BalanceError) as e:
        f = BalanceLabelsOD(**arguments)
        f.initialize()
    assert message in str(e.value)


@pytest.mark.parametrize("content, message", [
    ("{", "invalid JSON"),
    ('{"cat": 3}', "not a signatures file"),
    ('{"format": "idc-balance/signatures", "version": 2, "signatures": []}', "version 2 is not supported"),
])
def test_bad_signatures_files_are_refused(tmp_path, content, message):
    sig = tmp_path / "bad.json"
    sig.write_text(content)
    with pytest.raises(BalanceError) as e:
        BalanceLabelsOD(signatures=str(sig)).initialize()
    assert message in str(e.value) and str(sig) in str(e.value)


def test_plan_report_never_replaces_the_signatures_file(tmp_path):
    sig = signatures_file(tmp_path, od_records(LABELS[:50]))
    before = sig.read_text()
    with pytest.raises(BalanceError, match="is a signatures file"):
        BalanceLabelsOD(signatures=str(sig), plan_report=str(sig)).initialize()
    assert sig.read_text() == before


def test_segmentation_files_through_idc_convert(tmp_path):
    # indexed PNG masks (index 1 = a, 2 = b, 3 = c) next to JPEG images, read by from-indexed-png-is;
    # the layers with pixels per image after balancing equal the plan
    rng = np.random.default_rng(12)
    data = tmp_path / "data"
    data.mkdir()
    palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 756
    for i in range(60):
        labels = [index for index, p in [(1, 0.8), (2, 0.35), (3, 0.12)] if rng.random() < p] or [1]
        mask = np.zeros((8, 8), dtype=np.uint8)
        for index in labels:
            mask[index, :] = index
        image = Image.fromarray(mask, mode="P")
        image.putpalette(palette)
        image.save(data / ("img_%03d.png" % i))
        Image.new("RGB", (8, 8), (i * 4, 10, 20)).save(data / ("img_%03d.jpg" % i))
    reader = ["from-indexed-png-is", "-i", str(data / "*.png"), "--labels", "a", "b", "c"]
    sig = tmp_path / "sig.json"
    run_idc(reader + ["label-dist", "-t", "signatures", "-f", "json", "-o", str(sig)])
    images, _ = read_signatures(str(sig))
    plan = plan_signatures(images, "median", 2)
    out = tmp_path / "out"
    result = run_idc(reader + ["balance-labels-is", "-S", str(sig), "--target", "median", "--max_copies", "2",
                               "-s", "3", "to-indexed-png-is", "-o", str(out)])
    assert not failed_to_initialize(result), result.stderr
    per_class = dict()
    for path in out.glob("*.png"):
        present = set(np.unique(np.asarray(Image.open(path)))) - {0}
        for index in present:
            label = "abc"[index - 1]
            per_class[label] = per_class.get(label, 0) + 1
    assert per_class == plan.planned
    assert len(list(out.glob("*~1.png"))) == plan.copies


def test_every_class_as_background_is_refused(tmp_path):
    sig = signatures_file(tmp_path, od_records(LABELS[:50]))
    classes = sorted({label for signature in read_signatures(str(sig))[0] for label in signature})
    with pytest.raises(BalanceError, match="option --background: names every class"):
        BalanceLabelsOD(signatures=str(sig), background=classes).initialize()


def test_repeat_factors_above_the_default_limit_are_refused(tmp_path):
    # one 'rare' image among 3,000,001 (in the file): its factor sqrt(1 x 3000001 / 1) ~ 1732 is above 1000
    sig = tmp_path / "sig.json"
    sig.write_text(json.dumps({"format": "idc-balance/signatures", "version": 1, "images": 3000001,
                               "signatures": [{"labels": ["common"], "images": 3000000, "objects": {}},
                                              {"labels": ["rare"], "images": 1, "objects": {}}]}))
    with pytest.raises(BalanceError, match="class 'rare' up to 1733 times"):
        BalanceLabelsOD(signatures=str(sig), method="repeat-factor", rfs_threshold=1.0).initialize()
    BalanceLabelsOD(signatures=str(sig), method="repeat-factor", rfs_threshold=1.0, max_copies=5).initialize()


def test_forged_log_lines_are_escaped():
    from idc.balance.core import shown
    assert "\n" not in shown("a\nERROR: fake")
    assert shown("a\nb") == "a\\nb"


def test_copy_names_too_long_for_a_file_system_are_an_error(tmp_path, caplog):
    # an image whose name leaves no room for the copy number: the decision raises a BalanceError
    # naming it, logged as an ERROR (the writer would fail mid-run with a bare traceback); the
    # framework's execute() ends the run
    labels = [["kite"]] + [["car"]] * 5
    records = od_records(labels)
    records[0].image_name = "k" * 251 + ".jpg"
    sig = signatures_file(tmp_path, od_records(labels))
    out = run_pipeline(records, [BalanceLabelsOD(signatures=str(sig), target="max", max_copies=5, seed=1)])
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any(("image '%s'" % records[0].image_name in e) and ("would be longer than the 255 bytes" in e)
               for e in errors)
    assert not any("~" in r.image_name for r in out)


@pytest.mark.parametrize("version", ["true", "1.0", '"1"'])
def test_signatures_version_must_be_the_whole_number_1(tmp_path, version):
    sig = tmp_path / "sig.json"
    sig.write_text('{"format": "idc-balance/signatures", "version": %s, "images": 0, "signatures": []}' % version)
    with pytest.raises(BalanceError, match="is not supported"):
        BalanceLabelsOD(signatures=str(sig)).initialize()


def test_no_keep_rare_only_with_the_plan(tmp_path):
    sig = signatures_file(tmp_path, od_records(LABELS[:50]))
    with pytest.raises(BalanceError, match="option --no_keep_rare only applies to --method plan"):
        BalanceLabelsOD(signatures=str(sig), method="repeat-factor", keep_rare=False).initialize()
