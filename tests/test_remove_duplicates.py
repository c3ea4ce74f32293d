"""
remove-duplicates with real photographs (scikit-learn's sample images): distinct crops are
kept, their re-encoded, resized and byte copies are dropped (or tagged), exact mode drops only
identical pixels, a corrupt image is passed on with a warning; through the Python API and
idc-convert on files on disk.
"""
import pytest
from idc.api import ImageClassificationData

from idc.balance.core import BalanceError
from idc.balance.filter import RemoveDuplicates
from helpers import run_pipeline, run_idc, failed_to_initialize, count_subdir
from photo_sets import photo_crops, duplicate_set, write_subdir

@pytest.fixture(scope="module")
def crops():
    return photo_crops()


def dataset(crops):
    return duplicate_set(crops)


def records(entries):
    return [ImageClassificationData(image_name=name, data=data, annotation=label) for name, label, data in entries]


def test_perceptual_drop_keeps_the_first_of_each_group(crops):
    originals, near, exact = dataset(crops)
    out = run_pipeline(records(originals + near + exact), [RemoveDuplicates()])
    assert [r.image_name for r in out] == [name for name, _, _ in originals]


def test_tag_keeps_everything_and_marks_the_duplicates(crops):
    originals, near, exact = dataset(crops)
    out = run_pipeline(records(originals + near + exact), [RemoveDuplicates(action="tag")])
    assert len(out) == len(originals) + len(near) + len(exact)
    tags = {r.image_name: (r.get_metadata() or {}).get("duplicate_of") for r in out}
    assert tags["near0.jpg"] == "crop00.jpg" and tags["near2.png"] == "crop06.jpg"
    assert tags["copy2.jpg"] == "crop02.jpg" and tags["copy8.png"] == "crop08.jpg"
    assert all(tags[name] is None for name, _, _ in originals)


def test_exact_mode_drops_identical_pixels_only(crops):
    originals, near, exact = dataset(crops)
    out = run_pipeline(records(originals + near + exact), [RemoveDuplicates(hash_type="exact")])
    assert [r.image_name for r in out] == [name for name, _, _ in originals + near]


def test_corrupt_images_are_passed_on_with_a_warning(crops, caplog):
    originals, _, _ = dataset(crops)
    broken = ("broken.jpg", "china", b"\xff\xd8\xff not really a jpeg")
    out = run_pipeline(records(originals[:2] + [broken]), [RemoveDuplicates()])
    assert [r.image_name for r in out] == ["crop00.jpg", "crop01.jpg", "broken.jpg"]
    assert "image 'broken.jpg'" in caplog.text and "passed on unhashed" in caplog.text


@pytest.mark.parametrize("kwargs, message", [(dict(threshold=16), "option --threshold: 16"),
                                             (dict(threshold=-1), "option --threshold"),
                                             (dict(hash_type="md5"), "option -t/--hash"),
                                             (dict(action="delete"), "option --action")])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(BalanceError, match=message):
        RemoveDuplicates(**kwargs)


def test_through_idc_convert(tmp_path, crops):
    originals, near, exact = dataset(crops)
    data = write_subdir(tmp_path / "data", originals + near + exact)
    out = tmp_path / "out"
    result = run_idc(["from-subdir-ic", "-i", str(data), "remove-duplicates", "-l", "INFO", "to-subdir-ic",
                      "-o", str(out)])
    assert not failed_to_initialize(result), result.stderr
    # which copy of a group is first depends on the reader's order; one image per group is left
    assert sum(count_subdir(out).values()) == len(originals)
    assert "Duplicates dropped per label" in result.stderr
