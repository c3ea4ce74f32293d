"""
Signatures of multi-label images: counting them, and the versioned signatures file
(written, read back, and refused with a message naming the file and the problem).
"""
import json

import pytest

from idc.balance.core import (BalanceError, FORMAT_SIGNATURES, SIGNATURES_VERSION, SignatureCounter, read_signatures,
                              signature_of, signatures_json)


def test_signature_is_the_sorted_distinct_labels():
    assert signature_of(["person", "car", "person"]) == ("car", "person")
    assert signature_of([]) == ()


def test_counter_counts_images_per_signature_and_objects_per_label():
    counter = SignatureCounter()
    counter.add(["person", "car", "person"])
    counter.add(["car", "person"])
    counter.add([])
    counter.add(["dog"])
    assert counter.images() == {(): 1, ("car", "person"): 2, ("dog",): 1}
    assert counter.objects() == {(): {}, ("car", "person"): {"car": 2, "person": 3}, ("dog",): {"dog": 1}}


def test_file_round_trip(tmp_path):
    counter = SignatureCounter()
    for labels in [["b", "a"], ["a"], ["a", "b", "b"], []]:
        counter.add(labels)
    text = signatures_json(counter.images(), counter.objects())
    data = json.loads(text)
    assert data["format"] == FORMAT_SIGNATURES and data["version"] == SIGNATURES_VERSION and data["images"] == 4
    assert data["signatures"] == [{"labels": [], "images": 1, "objects": {}},
                                  {"labels": ["a"], "images": 1, "objects": {"a": 1}},
                                  {"labels": ["a", "b"], "images": 2, "objects": {"a": 2, "b": 3}}]
    path = tmp_path / "s.json"
    path.write_text(text)
    assert read_signatures(str(path)) == (counter.images(), counter.objects())


def valid():
    return {"format": FORMAT_SIGNATURES, "version": 1, "images": 3,
            "signatures": [{"labels": ["a"], "images": 1, "objects": {"a": 2}},
                           {"labels": ["a", "b"], "images": 2, "objects": {"a": 2, "b": 5}}]}


def broken(change):
    data = valid()
    change(data)
    return data


@pytest.mark.parametrize("data, problem", [
    ({"a": 1}, "not a signatures file (expected format 'idc-balance/signatures'"),
    ([1, 2], "not a signatures file"),
    (broken(lambda d: d.update(format="idc-balance/label-dist-per-split")), "found \"idc-balance/label-dist-per-split\""),
    (broken(lambda d: d.update(version=2)), "version 2 is not supported (this version reads 1)"),
    (broken(lambda d: d.update(signatures={})), "signatures must be a list"),
    (broken(lambda d: d["signatures"].append(5)), "signature 2: expected an object"),
    (broken(lambda d: d["signatures"][0].pop("objects")), "signature 0: missing objects"),
    (broken(lambda d: d["signatures"][1].update(labels=["b", "a"])), "signature 1: labels [\"b\", \"a\"] must be sorted"),
    (broken(lambda d: d["signatures"][1].update(labels=["a", "a"])), "must be sorted and distinct"),
    (broken(lambda d: d["signatures"][0].update(labels="a")), "signature 0: labels must be a list of texts"),
    (broken(lambda d: d["signatures"][0].update(images=1.5)), "signature 0: images: 1.5 is not a whole number"),
    (broken(lambda d: d["signatures"][0].update(images=-1)), "signature 0: images: -1 is outside [0, 9007199254740992]"),
    (broken(lambda d: d["signatures"][0].update(objects={"z": 1})), "objects of labels not in the signature: 'z'"),
    (broken(lambda d: d["signatures"][0].update(objects={"a": True})), "objects of 'a': true is not a whole number"),
    (broken(lambda d: d["signatures"].append({"labels": ["a"], "images": 0, "objects": {}})),
     "signature 2: [\"a\"] appears more than once"),
    (broken(lambda d: d.update(images=4)), "images is 4, but the signatures add up to 3"),
])
def test_bad_files_are_refused_naming_file_and_problem(tmp_path, data, problem):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BalanceError) as e:
        read_signatures(str(path))
    assert str(e.value).startswith("signatures file '%s': " % path)
    assert problem in str(e.value)


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(BalanceError, match="signatures file '.*nope.json': cannot read"):
        read_signatures(str(tmp_path / "nope.json"))
    path = tmp_path / "s.json"
    path.write_text("{")
    with pytest.raises(BalanceError, match="invalid JSON at line 1"):
        read_signatures(str(path))
