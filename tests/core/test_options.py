"""
Argument checks of the Python API: types are checked, nothing is converted silently.
"""
import os
from pathlib import Path

import numpy as np
import pytest

from idc.balance.core import (BalanceError, check_path, check_whole_number, check_seed, check_flag, check_text,
                              check_names, check_real)


def test_paths_accept_str_and_pathlike():
    assert check_path("-c/--label_correction", "a.json") == "a.json"
    assert check_path("-c/--label_correction", Path("dir") / "a.json") == os.path.join("dir", "a.json")
    assert check_path("-c/--label_correction", None) is None
    assert check_path("-c/--label_correction", "") is None


@pytest.mark.parametrize("value", [1, b"a.json", ["a.json"], "a\0b.json"])
def test_paths_refuse_anything_else(value):
    with pytest.raises(BalanceError, match="option -c/--label_correction: "):
        check_path("-c/--label_correction", value)


@pytest.mark.parametrize("value, expected", [(0, 0), (42, 42), (np.int64(7), 7), (2 ** 100, 2 ** 100), (None, None)])
def test_seeds(value, expected):
    assert check_seed("-s/--seed", value) == expected


@pytest.mark.parametrize("value, problem", [(1.5, "expected a whole number, got float 1.5"),
                                            (True, "expected a whole number, got bool True"),
                                            ("42", "expected a whole number, got str '42'"),
                                            (-1, "-1 is negative")])
def test_bad_seeds(value, problem):
    with pytest.raises(BalanceError) as e:
        check_seed("-s/--seed", value)
    assert str(e.value) == "option -s/--seed: " + problem


def test_whole_number_bounds():
    assert check_whole_number("--x", 5, 1, 5) == 5
    with pytest.raises(BalanceError, match="option --x: 6 is more than 5"):
        check_whole_number("--x", 6, 1, 5)
    with pytest.raises(BalanceError, match="option --x: 0 is less than 1"):
        check_whole_number("--x", 0, 1, 5)


def test_flags():
    assert check_flag("--per_split", True) is True
    assert check_flag("--per_split", np.bool_(False)) is False
    for bad in ["false", 1, None]:
        with pytest.raises(BalanceError, match="option --per_split: expected True or False"):
            check_flag("--per_split", bad)


def test_names_one_or_many():
    assert check_names("--split_names", "train") == ["train"]
    assert check_names("--split_names", ["train", "val"]) == ["train", "val"]
    assert check_names("--split_names", ("train",)) == ["train"]
    assert check_names("--split_names", None) is None
    for bad, problem in [([], "give at least one name"), ([""], "a name must not be empty"),
                         ([1], "expected names (str), got int 1"), ({"train"}, "expected a name or a list of names")]:
        with pytest.raises(BalanceError, match="option --split_names: " + problem.replace("(", r"\(").replace(")", r"\)")):
            check_names("--split_names", bad)


def test_text_and_real():
    assert check_text("-k/--label_key", "type") == "type"
    with pytest.raises(BalanceError, match="must not be empty"):
        check_text("-k/--label_key", "")
    with pytest.raises(BalanceError, match="expected a text, got NoneType"):
        check_text("-k/--label_key", None)
    assert check_real("-p", 1) == 1.0
    for bad in ["0.5", True, None, 10 ** 400]:
        with pytest.raises(BalanceError, match="option -p: "):
            check_real("-p", bad)
