"""
Cutting a groups file to N images (Datumaro's NDR num_cut): exactly N for N above and below
the number of distinct images, under every policy; over-sampling by similarity adds the least
similar removed images first; inverse under-sampling prefers images without duplicates at the
rate its weights say; the same seed gives the same selection.
"""
import json

import numpy as np
import pytest

from idc.balance.core import BalanceError, create_rng, read_groups, select_images


def groups_file(tmp_path):
    """ Groups of sizes 5, 3, 1, 1, 1, 1 (6 distinct images, 12 in all) and one skipped image. """
    groups, number = [], 0
    for size in (5, 3, 1, 1, 1, 1):
        members = []
        for position in range(size):
            members.append({"path": "img%02d.jpg" % number, "labels": ["a"], "distance": position})
            number += 1
        groups.append({"members": members})
    data = {"format": "idc-balance/duplicate-groups", "version": 1, "hash": "perceptual", "threshold": 8,
            "root": None, "images": number, "groups": groups,
            "skipped": [{"path": "broken.jpg", "labels": ["a"], "reason": "cannot be read"}]}
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(data))
    return read_groups(str(path))


FIRSTS = [0, 5, 8, 9, 10, 11, 12]  # the first of every group, and the skipped image


def test_without_num_cut_the_first_of_every_group(tmp_path):
    keep = select_images(groups_file(tmp_path))
    assert np.flatnonzero(keep).tolist() == FIRSTS


@pytest.mark.parametrize("num_cut", [1, 3, 6, 7, 8, 10, 13])
@pytest.mark.parametrize("over, under", [("random", "uniform"), ("similarity", "inverse")])
def test_exactly_num_cut(tmp_path, num_cut, over, under):
    keep = select_images(groups_file(tmp_path), num_cut, over, under, create_rng(1))
    assert keep.sum() == num_cut
    if num_cut >= len(FIRSTS):
        assert keep[FIRSTS].all()
    else:
        assert set(np.flatnonzero(keep)) <= set(FIRSTS)


def test_similarity_adds_the_least_similar_first(tmp_path):
    # removed images and their distances: 1..4 (group of 5), 1..2 (group of 3); two added: the two at distance 4, 3
    keep = select_images(groups_file(tmp_path), 9, "similarity", "uniform", create_rng(5))
    assert sorted(set(np.flatnonzero(keep)) - set(FIRSTS)) == [3, 4]
    # three added: 4, 3 and one of the two at distance 2 (the seed decides which)
    added = set()
    for seed in range(20):
        keep = select_images(groups_file(tmp_path), 10, "similarity", "uniform", create_rng(seed))
        extra = set(np.flatnonzero(keep).tolist()) - set(FIRSTS)
        assert len(extra) == 3 and {3, 4} < extra
        third = (extra - {3, 4}).pop()
        assert third in (2, 7)
        added.add(third)
    assert added == {2, 7}


def test_inverse_prefers_images_without_duplicates(tmp_path):
    # one image of 7: weights 1/5 (group of 5), 1/3, and 1 for the 5 singletons (incl. the skipped image);
    # P(the group of 5's first) = 0.2 / 5.533 = 0.0361; over 3000 seeds: mean 108.4, sd 10.2 -> bounds +-5 sd
    chosen = [np.flatnonzero(select_images(groups_file(tmp_path), 1, "random", "inverse", create_rng(s)))[0]
              for s in range(3000)]
    count = chosen.count(0)
    assert 57 <= count <= 160
    # uniform: 1/7 each: mean 428.6, sd 19.2
    chosen = [np.flatnonzero(select_images(groups_file(tmp_path), 1, "random", "uniform", create_rng(s)))[0]
              for s in range(3000)]
    assert 333 <= chosen.count(0) <= 525


def test_same_seed_same_selection(tmp_path):
    a = select_images(groups_file(tmp_path), 4, "random", "inverse", create_rng(3))
    b = select_images(groups_file(tmp_path), 4, "random", "inverse", create_rng(3))
    assert (a == b).all()
    different = [select_images(groups_file(tmp_path), 4, "random", "inverse", create_rng(s)) for s in range(10)]
    assert len(set(tuple(d.tolist()) for d in different)) > 1


@pytest.mark.parametrize("num_cut, message", [(0, "not a whole number of at least 1"), (14, "14 is more than the 13"),
                                              (True, "not a whole number")])
def test_num_cut_is_checked(tmp_path, num_cut, message):
    with pytest.raises(BalanceError, match="--num_cut: .*" + message):
        select_images(groups_file(tmp_path), num_cut, rng=create_rng(1))


def test_policies_are_checked(tmp_path):
    with pytest.raises(BalanceError, match="--over_sample: 'x'"):
        select_images(groups_file(tmp_path), 3, "x", "uniform", create_rng(1))
    with pytest.raises(BalanceError, match="--under_sample: 'y'"):
        select_images(groups_file(tmp_path), 3, "random", "y", create_rng(1))
