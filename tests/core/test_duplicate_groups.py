"""
Duplicate groups on real photographs (crops of scikit-learn's sample images): the groups are
the one-pass removal's decisions (a group is a kept image and the later images it caused to be
dropped), images are identified by their path relative to the common folder and their labels,
conflicts are groups whose members carry different labels, the groups file round-trips through
its reader, which refuses malformed files naming the problem, and the locator finds records of
a moved dataset.
"""
import io
import json
import os

import pytest
from PIL import Image
from sklearn.datasets import load_sample_image

from idc.balance.core import (BalanceError, DuplicateFinder, GroupCollector, ImageLocator, MAX_MATRIX_MEMBERS,
                              conflicts_json, hamming, read_groups, write_groups)

BOXES = [(0, 0, 200, 200), (220, 0, 420, 200), (440, 0, 640, 200), (0, 220, 200, 420)]


def jpeg(image, quality=90):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def stream():
    """ (folder, name, labels, bytes): 8 distinct crops, then near duplicates, one under another label. """
    crops = []
    for photo_name in ("china.jpg", "flower.jpg"):
        photo = Image.fromarray(load_sample_image(photo_name))
        crops.extend(photo.crop(box) for box in BOXES)
    result = [("cat" if i < 4 else "dog", "img%d.jpg" % i, ("cat",) if i < 4 else ("dog",), jpeg(c))
              for i, c in enumerate(crops)]
    result.append(("cat", "near0.jpg", ("cat",), jpeg(crops[0], 40)))
    result.append(("cat", "near0b.jpg", ("cat",), jpeg(crops[0].resize((150, 150)))))
    result.append(("dog", "img0.jpg", ("dog",), jpeg(crops[0], 70)))  # same name, other label: a conflict
    result.append(("dog", "near5.jpg", ("dog",), jpeg(crops[5], 50)))
    return result


def collect(stream, tmp_path, hash_type="perceptual", threshold=8):
    collector = GroupCollector(hash_type, threshold)
    for folder, name, labels, data in stream:
        collector.add(data, str(tmp_path / "data" / folder / name), name, labels)
    return collector


def test_groups_are_the_one_pass_decisions(stream, tmp_path):
    collector = collect(stream, tmp_path)
    finder = DuplicateFinder("perceptual", 8)
    expected = dict()
    for number, (_, name, _, data) in enumerate(stream):
        found = finder.check(data, number)
        expected.setdefault(number if found is None else found[0], []).append(number)
    assert collector.group_numbers() == list(expected.values())
    assert [len(g) for g in collector.group_numbers()] == [4, 1, 1, 1, 1, 2, 1, 1]
    assert collector.duplicates == 4


def test_members_paths_labels_distances_and_conflicts(stream, tmp_path):
    collector = collect(stream, tmp_path)
    assert collector.root == str(tmp_path / "data")
    groups = list(collector.groups())
    first = groups[0]
    assert [m.path for m in first.members] == ["cat/img0.jpg", "cat/near0.jpg", "cat/near0b.jpg", "dog/img0.jpg"]
    assert first.conflict and first.labels == ["cat", "dog"]
    assert not groups[5].conflict
    assert sum(1 for g in groups if g.conflict) == 1
    matrix = first.distances
    for i, member in enumerate(first.members):
        assert matrix[i][i] == 0
        assert matrix[0][i] == member.distance <= 8
        for j in range(len(first.members)):
            assert matrix[i][j] == matrix[j][i]
    # distances among duplicates are not bounded by the threshold, only by twice it
    assert all(d <= 16 for row in matrix for d in row)


def test_exact_groups_only_identical_pixels(stream, tmp_path):
    extra = stream + [("cat", "copy1.png", ("cat",), stream[1][3])]
    collector = collect(extra, tmp_path, "exact", 0)
    sizes = [len(g) for g in collector.group_numbers()]
    assert sizes.count(2) == 1 and sum(sizes) == len(extra)
    group = next(g for g in collector.groups() if len(g.members) == 2)
    assert [m.path for m in group.members] == ["cat/img1.jpg", "cat/copy1.png"]
    assert group.distances == ((0, 0), (0, 0))


def test_groups_file_round_trip(stream, tmp_path):
    collector = collect(stream, tmp_path)
    collector.skip(str(tmp_path / "data" / "cat" / "broken.jpg"), "broken.jpg", ["cat"], "cannot be read")
    path = tmp_path / "groups.json"
    with open(path, "w") as fp:
        write_groups(fp, collector)
    data = json.loads(path.read_text())
    assert data["format"] == "idc-balance/duplicate-groups" and data["version"] == 1
    assert data["images"] == len(stream) and data["duplicates"] == 4 and data["groups_with_duplicates"] == 2
    assert sum(len(g["members"]) for g in data["groups"]) == len(stream)
    assert data["skipped"] == [{"path": "cat/broken.jpg", "labels": ["cat"], "reason": "cannot be read"}]
    read = read_groups(str(path))
    assert read.root == collector.root and read.threshold == 8 and read.hash_type == "perceptual"
    assert [list(m) for m in read.groups] == [list(g.members) for g in collector.groups()]
    assert read.skipped[0].path == "cat/broken.jpg"
    conflicts = json.loads(conflicts_json(collector))
    assert conflicts["format"] == "idc-balance/label-conflicts"
    assert [c["labels"] for c in conflicts["conflicts"]] == [["cat", "dog"]]
    assert [m["path"] for m in conflicts["conflicts"][0]["members"]][-1] == "dog/img0.jpg"


def test_an_image_that_comes_twice_is_listed_once(stream, tmp_path):
    collector = collect(stream + stream[:2], tmp_path)
    assert collector.repeats() == [len(stream), len(stream) + 1]
    listed = collector.listed_group_numbers()
    assert sum(len(n) for n in listed) == len(stream)
    path = tmp_path / "groups.json"
    with open(path, "w") as fp:
        write_groups(fp, collector)
    assert read_groups(str(path)).groups[0][0].path == "cat/img0.jpg"
    assert json.loads(path.read_text())["images"] == len(stream)


def test_large_groups_list_distances_to_the_first_only(tmp_path):
    photo = Image.fromarray(load_sample_image("china.jpg")).crop((0, 0, 200, 200))
    collector = GroupCollector("perceptual", 8)
    data = jpeg(photo)
    for i in range(MAX_MATRIX_MEMBERS + 1):
        collector.add(data, None, "frame%03d.jpg" % i, ["x"])
    group = next(collector.groups())
    assert len(group.members) == MAX_MATRIX_MEMBERS + 1 and group.distances is None
    assert collector.root is None and group.members[3].path == "frame003.jpg"


def write(tmp_path, data):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(data))
    return str(path)


def valid():
    return {"format": "idc-balance/duplicate-groups", "version": 1, "hash": "perceptual", "threshold": 8,
            "root": "/data", "images": 3,
            "groups": [{"members": [{"path": "a/1.jpg", "labels": ["a"], "distance": 0},
                                    {"path": "b/1.jpg", "labels": ["b"], "distance": 3}]},
                       {"members": [{"path": "a/2.jpg", "labels": ["a"], "distance": 0}]}],
            "skipped": []}


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format="idc-balance/signatures"), "not a duplicate groups file"),
    (lambda d: d.update(version=2), "version 2 is not supported"),
    (lambda d: d.update(threshold=99), "threshold: 99 is not a whole number"),
    (lambda d: d.update(hash="md5"), "hash: \"md5\" is not one of"),
    (lambda d: d.update(images=4), "images: 4, but the groups list 3"),
    (lambda d: d["groups"][0]["members"][1].update(distance=-1), "group 0: member 1: distance -1"),
    (lambda d: d["groups"][0]["members"][1].update(distance=9), "distance 9 is not .* the file's threshold 8"),
    (lambda d: d.update(images=3.0), "images: 3.0, but the groups list 3"),
    (lambda d: d["groups"][0]["members"][0].update(distance=2), "first member's distance must be 0"),
    (lambda d: d["groups"][1]["members"][0].update(path="a/1.jpg"), "'a/1.jpg' with labels \\[\"a\"\\] is listed more"),
    (lambda d: d["groups"][1].update(members=[]), "group 1: expected an object with a non-empty list"),
    (lambda d: d["groups"][1]["members"][0].pop("labels"), "group 1: member 0: missing labels"),
])
def test_reader_refuses_malformed_files(tmp_path, change, message):
    data = valid()
    change(data)
    with pytest.raises(BalanceError, match="duplicate groups file '.*g.json': .*" + message):
        read_groups(write(tmp_path, data))


def test_reader_refuses_invalid_json_and_missing_file(tmp_path):
    path = tmp_path / "g.json"
    path.write_text("{\"format\": ")
    with pytest.raises(BalanceError, match="g.json': invalid JSON"):
        read_groups(str(path))
    with pytest.raises(BalanceError, match="missing.json': cannot read"):
        read_groups(str(tmp_path / "missing.json"))


def test_locator(tmp_path):
    groups = read_groups(write(tmp_path, valid()))
    locator = ImageLocator(groups)
    assert locator.find("/data/a/1.jpg", "1.jpg", ["a"]) == 0
    assert locator.find("/data/b/1.jpg", "1.jpg", ["b"]) == 1
    assert locator.find("/elsewhere/copy/a/2.jpg", "2.jpg", ["a"]) == 2  # the dataset moved
    assert locator.find("/data/a/3.jpg", "3.jpg", ["a"]) is None
    # the labels must be the file's: a record relabelled since, or of another folder with the same name, is not it
    assert locator.find("/data/a/1.jpg", "1.jpg", ["b"]) is None
    assert not locator.outside_root("/data/a/1.jpg") and locator.outside_root("/elsewhere/copy/a/2.jpg")
    data = valid()
    data["root"] = None
    data["groups"][0]["members"][1]["path"] = "1.jpg"
    data["groups"][0]["members"][0]["path"] = "1.jpg"
    locator = ImageLocator(read_groups(write(tmp_path, data)))
    assert locator.find(None, "1.jpg", ["b"]) == 1  # in-memory records: the name and the labels
    assert locator.find(None, "1.jpg", ["a"]) == 0
    assert locator.find(None, "1.jpg", ["c"]) is None


def test_firsts_name_each_image_s_group_first_as_one_pass_does(tmp_path):
    groups = read_groups(write(tmp_path, valid()))
    assert groups.firsts() == [(os.path.join("/data", "a", "1.jpg"), 0), (os.path.join("/data", "a", "1.jpg"), 3),
                               (os.path.join("/data", "a", "2.jpg"), 0)]
