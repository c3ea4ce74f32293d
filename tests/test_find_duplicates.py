"""
find-duplicates and remove-duplicates -g with real photographs (crops of scikit-learn's sample
images with known near and exact duplicates, one filed under another label): every record
passes through; the groups file lists every image with its path relative to the input and
its labels, and its groups are the one-pass removal's decisions; the conflicts file lists the
group with two labels; the gallery renders in a real headless browser (Debian's chromium,
installed by .ci/run) with every thumbnail; removing by the file gives what one pass gives;
--num_cut writes exactly N images under each policy, the same for the same seed; bad options and
files are refused at initialize, naming the culprit.
"""
import json
import os
import re
import shutil
import subprocess

import pytest
from idc.api import ImageClassificationData

from idc.balance.core import BalanceError
from idc.balance.filter import FindDuplicates, RemoveDuplicates
from helpers import run_pipeline, run_idc, failed_to_initialize, count_subdir
from photo_sets import photo_crops, duplicate_set, write_subdir

CHROMIUM_TIMEOUT = 120


@pytest.fixture(scope="module")
def entries():
    originals, near, exact = duplicate_set(photo_crops())
    return originals + near + exact


@pytest.fixture(scope="module")
def found(tmp_path_factory, entries):
    """ find-duplicates run through idc-convert on the set on disk: (folder, result, groups, conflicts, gallery). """
    folder = tmp_path_factory.mktemp("find")
    data = write_subdir(folder / "data", entries)
    (data / "china" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    out = folder / "out"
    result = run_idc(["from-subdir-ic", "-i", str(data), "find-duplicates", "-l", "INFO",
                      "-o", str(folder / "groups.json"), "--conflicts", str(folder / "conflicts.json"),
                      "--gallery", str(folder / "gallery.html"), "to-subdir-ic", "-o", str(out)])
    assert not failed_to_initialize(result), result.stderr
    return folder, result


def members(groups):
    return [[m["path"] for m in g["members"]] for g in groups["groups"]]


def test_every_record_passes_and_every_image_is_listed(found, entries):
    folder, result = found
    assert sum(count_subdir(folder / "out").values()) == len(entries) + 1
    groups = json.loads((folder / "groups.json").read_text())
    assert groups["format"] == "idc-balance/duplicate-groups" and groups["root"] == str(folder / "data")
    listed = sorted(p for g in members(groups) for p in g)
    assert listed == sorted("%s/%s" % (label, name) for name, label, _ in entries)
    assert groups["images"] == len(entries) and groups["duplicates"] == 6
    assert [s["path"] for s in groups["skipped"]] == ["china/broken.jpg"]
    assert "image 'broken.jpg': cannot be read" in result.stderr and "passed on unhashed" in result.stderr
    assert "Duplicates (perceptual hash, threshold 10): %d images in 10 groups; 6 groups with duplicates, " \
           "6 duplicates; 1 label conflicts" % len(entries) in result.stderr
    # the group of crop07 holds near3.jpg, filed under another label
    conflicts = json.loads((folder / "conflicts.json").read_text())
    assert [c["labels"] for c in conflicts["conflicts"]] == [["flower", "other"]]
    assert sorted(m["path"] for m in conflicts["conflicts"][0]["members"]) == ["flower/crop07.jpg", "other/near3.jpg"]


def test_records_pass_through_unchanged(entries):
    records = [ImageClassificationData(image_name=name, data=data, annotation=label) for name, label, data in entries]
    out = run_pipeline(records, [FindDuplicates()])
    assert [(r.image_name, r.annotation, r.data) for r in out] == [(name, label, data) for name, label, data in entries]


def test_in_memory_groups_file_and_one_pass(tmp_path, entries):
    # in-memory records have no file: their name is their path
    records = [ImageClassificationData(image_name=name, data=data, annotation=label) for name, label, data in entries]
    path = tmp_path / "groups.json"
    run_pipeline(records, [FindDuplicates(groups_file=str(path))])
    groups = json.loads(path.read_text())
    assert groups["root"] is None
    kept = [r.image_name for r in run_pipeline(records, [RemoveDuplicates()])]
    assert [g[0] for g in members(groups)] == kept
    assert {"crop00.jpg": ["near0.jpg"], "crop02.jpg": ["copy2.jpg"], "crop07.jpg": ["near3.jpg"]}.items() \
        <= {g[0]: g[1:] for g in members(groups)}.items()
    by_file = [r.image_name for r in run_pipeline(records, [RemoveDuplicates(groups=str(path))])]
    assert by_file == kept


def chromium():
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium, as .ci/run does)")
    return path


def test_gallery_renders_every_group_with_its_thumbnails(found):
    folder, _ = found
    gallery = folder / "gallery.html"
    result = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                             "--dump-dom", gallery.as_uri()], capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT)
    dom = result.stdout
    assert result.returncode == 0, result.stderr
    groups = json.loads((folder / "groups.json").read_text())
    with_duplicates = [g for g in groups["groups"] if len(g["members"]) > 1]
    sections = re.findall(r'<section class="(group[^"]*)" id="group-(\d+)">', dom)
    assert len(sections) == len(with_duplicates) == 6
    assert [css for css, _ in sections].count("group conflict") == 1 and sections[0][0] == "group conflict"
    thumbnails = sum(len(g["members"]) for g in with_duplicates)
    status = re.search(r'<p id="status" data-shown="(\d+)" data-total="(\d+)">', dom)
    assert status is not None, "the page's script did not run"
    assert int(status.group(1)) == int(status.group(2)) == thumbnails
    for group in with_duplicates:
        for member in group["members"]:
            assert ">%s<" % member["path"] in dom
    shot = folder / "gallery.png"
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,800",
                    "--screenshot=%s" % shot, gallery.as_uri()], capture_output=True, timeout=CHROMIUM_TIMEOUT)
    assert shot.stat().st_size > 10_000


def test_remove_by_file_on_disk_and_a_moved_dataset(found, tmp_path):
    folder, _ = found
    moved = tmp_path / "moved"
    shutil.copytree(folder / "data", moved)
    out = tmp_path / "out"
    result = run_idc(["from-subdir-ic", "-i", str(moved), "remove-duplicates", "-l", "INFO", "-g",
                      str(folder / "groups.json"), "to-subdir-ic", "-o", str(out)])
    assert not failed_to_initialize(result), result.stderr
    groups = json.loads((folder / "groups.json").read_text())
    expected = sorted([g[0] for g in members(groups)] + ["china/broken.jpg"])
    written = sorted("%s/%s" % (d.name, f.name) for d in out.iterdir() for f in d.iterdir())
    assert written == expected
    assert "not listed" not in result.stderr


def cut(folder, tmp_path, num_cut, over, under, seed):
    out = tmp_path / ("out-%d-%s-%s-%d" % (num_cut, over, under, seed))
    result = run_idc(["from-subdir-ic", "-i", str(folder / "data"), "remove-duplicates", "-g",
                      str(folder / "groups.json"), "--num_cut", str(num_cut), "--over_sample", over,
                      "--under_sample", under, "-s", str(seed), "to-subdir-ic", "-o", str(out)])
    assert not failed_to_initialize(result), result.stderr
    return sorted("%s/%s" % (d.name, f.name) for d in out.iterdir() for f in d.iterdir())


@pytest.mark.parametrize("over, under", [("random", "uniform"), ("similarity", "inverse")])
def test_num_cut_writes_exactly_n(found, tmp_path, over, under):
    folder, _ = found
    groups = json.loads((folder / "groups.json").read_text())
    firsts = set(g[0] for g in members(groups)) | {"china/broken.jpg"}  # 11 distinct images
    for num_cut in (4, 14):
        written = cut(folder, tmp_path, num_cut, over, under, 1)
        assert len(written) == num_cut
        if num_cut > len(firsts):
            assert firsts <= set(written)
        else:
            assert set(written) <= firsts
    assert cut(folder, tmp_path, 14, over, under, 7) == cut(folder, tmp_path, 14, over, under, 7)


def test_similarity_adds_the_least_similar(found, tmp_path):
    folder, _ = found
    groups = json.loads((folder / "groups.json").read_text())
    removed = sorted(((m["distance"], m["path"]) for g in groups["groups"] for m in g["members"][1:]), reverse=True)
    written = cut(folder, tmp_path, 12, "similarity", "uniform", 3)
    added = set(written) - set(g[0] for g in members(groups)) - {"china/broken.jpg"}
    assert len(added) == 1
    top = [path for distance, path in removed if distance == removed[0][0]]
    assert added.pop() in top


@pytest.mark.parametrize("args, message", [
    (["--threshold", "16"], "option --threshold: 16"),
    (["-o", "{missing}/g.json"], "option -o/--output '.*missing/g.json': directory '.*missing' does not exist"),
    (["-o", "{tmp}/g.jpg"], "an image file name"),
    (["-o", "{tmp}/a.json", "--conflicts", "{tmp}/a.json"], "options -o/--output and --conflicts: both are"),
    (["--gallery_groups", "0"], "option --gallery_groups"),
    (["-t", "exact", "--threshold", "4"], "option --threshold: applies only to -t perceptual"),
    (["-o", "{tmp}/data/china/ann.json"], "the file exists and is not such a result .* refusing to replace it"),
])
def test_find_refuses_bad_options_before_any_record(tmp_path, entries, args, message):
    data = write_subdir(tmp_path / "data", entries[:2])
    (data / "china" / "ann.json").write_text('{"objects": []}')
    args = [a.format(tmp=tmp_path, missing=tmp_path / "missing") for a in args]
    result = run_idc(["from-subdir-ic", "-i", str(data), "find-duplicates"] + args + ["to-subdir-ic", "-o",
                                                                                     str(tmp_path / "out")])
    assert failed_to_initialize(result)
    assert re.search(message, result.stderr), result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_cut=3), "option --num_cut: applies only with -g/--groups"),
    (dict(seed=1, under_sample="inverse"), "option --under_sample, -s/--seed: applies only with -g"),
    (dict(groups="{tmp}/missing.json"), "duplicate groups file '.*missing.json': cannot read"),
    (dict(groups="{tmp}/other.json"), "not a duplicate groups file .*found \"idc-balance/signatures\""),
    (dict(groups="{groups}", num_cut=0), "option --num_cut: 0"),
    (dict(groups="{groups}", num_cut=99), "option --num_cut: 99 is more than the 17 images"),
    (dict(groups="{groups}", seed=3), "option -s/--seed: applies only with --num_cut"),
    (dict(groups="{groups}", threshold=4), "option --threshold: 4, but the groups file"),
    (dict(groups="{groups}", num_cut=3, action="tag"), "option --action tag: not with --num_cut"),
])
def test_remove_refuses_bad_groups_options_at_initialize(found, tmp_path, kwargs, message):
    folder, _ = found
    (tmp_path / "other.json").write_text(json.dumps({"format": "idc-balance/signatures", "version": 1}))
    kwargs = {k: v.format(tmp=tmp_path, groups=folder / "groups.json") if isinstance(v, str) else v
              for k, v in kwargs.items()}
    with pytest.raises(BalanceError, match=message):
        f = RemoveDuplicates(**kwargs)
        f.initialize()


def test_unlisted_records_pass_with_a_warning(found, entries, caplog):
    folder, _ = found
    records = [ImageClassificationData(image_name="new.jpg", data=entries[0][2], annotation="china")]
    out = run_pipeline(records, [RemoveDuplicates(groups=str(folder / "groups.json"))])
    assert [r.image_name for r in out] == ["new.jpg"]
    assert "image 'new.jpg' (labels: china): not listed in the groups file" in caplog.text


def test_find_and_remove_by_the_same_file_in_one_run_are_refused(found, tmp_path):
    folder, _ = found
    groups = tmp_path / "g.json"
    result = run_idc(["from-subdir-ic", "-i", str(folder / "data"), "find-duplicates", "-o", str(groups),
                      "remove-duplicates", "-g", str(groups), "to-subdir-ic", "-o", str(tmp_path / "out")])
    assert failed_to_initialize(result)
    assert "another filter of this run (find-duplicates) writes this file" in result.stderr
    assert not groups.exists()


def test_hostile_images_and_names(tmp_path, entries):
    # a decompression bomb, a 16-bit image and a file name that is not UTF-8: the stream goes on, the bomb is
    # skipped with a warning, the gallery is written
    from core.test_image_hash import bomb_png, sixteen_bit
    from photo_sets import photo_crops
    data = write_subdir(tmp_path / "data", entries[:3])
    (data / "china" / "zz_bomb.png").write_bytes(bomb_png(100000, 100000))
    (data / "china" / "depth.png").write_bytes(sixteen_bit(photo_crops()[3]))
    odd = os.path.join(os.fsencode(str(data / "china")), b"bad\xffname.jpg")
    with open(odd, "wb") as fp:
        fp.write(entries[0][2])
    result = run_idc(["from-subdir-ic", "-i", str(data), "find-duplicates", "-l", "INFO", "-o",
                      str(tmp_path / "g.json"), "--gallery", str(tmp_path / "g.html"), "to-subdir-ic", "-o",
                      str(tmp_path / "out")])
    assert not failed_to_initialize(result), result.stderr
    assert "zz_bomb.png': cannot be read" in result.stderr and "Traceback" not in result.stderr.split("pypfm")[-1]
    assert sum(count_subdir(tmp_path / "out").values()) == 6
    groups = json.loads((tmp_path / "g.json").read_text())
    assert [s["path"] for s in groups["skipped"]] == ["zz_bomb.png"]  # all files are in china/: the root
    assert sum(len(g["members"]) for g in groups["groups"]) == 5
    html = (tmp_path / "g.html").read_text()
    assert "bad\\udcffname.jpg" in html


def test_remove_by_file_keeps_records_whose_labels_differ(found, tmp_path, caplog):
    # a file made from another folder: records with the same file names but other labels are not the images
    # that were reviewed: they pass, with warnings, instead of being dropped by their names
    folder, _ = found
    records = [ImageClassificationData(source=str(tmp_path / "elsewhere" / "dog" / "near0.jpg"), image_name="near0.jpg",
                                       data=b"unused", annotation="dog")]
    out = run_pipeline(records, [RemoveDuplicates(groups=str(folder / "groups.json"))])
    assert len(out) == 1
    assert "lies outside the folder the groups file" in caplog.text and "not listed in the groups file" in caplog.text
