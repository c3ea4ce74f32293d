"""
Result files are checked for real before the first record: a file is created and
removed in their folder, and names that cannot be written are refused.
"""
import os

import pytest

from idc.balance.core import BalanceError, check_output_file


def test_a_writable_file_passes_and_leaves_nothing_behind(tmp_path):
    check_output_file(str(tmp_path / "out.json"), "option -o/--output_file")
    (tmp_path / "old.json").write_text("{}")
    check_output_file(str(tmp_path / "old.json"), "option -o/--output_file")
    assert sorted(os.listdir(str(tmp_path))) == ["old.json"]


@pytest.mark.parametrize("suffix, problem", [
    ("out/", "expected a file name, not a folder"),
    (".", "expected a file name, not a folder"),
    ("missing/out.json", "does not exist"),
    ("", "expected a file name, not a folder"),
])
def test_names_that_are_not_files(tmp_path, suffix, problem):
    path = str(tmp_path) + os.sep + suffix
    with pytest.raises(BalanceError) as e:
        check_output_file(path, "option -o/--output_file")
    assert str(e.value).startswith("option -o/--output_file '%s': " % path)
    assert problem in str(e.value)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(BalanceError, match="is a directory"):
        check_output_file(str(tmp_path), "option -o/--output_file")


def test_special_files_are_refused(tmp_path):
    fifo = str(tmp_path / "pipe.json")
    os.mkfifo(fifo)
    for path in [fifo, os.devnull]:
        with pytest.raises(BalanceError, match="exists and is not a regular file"):
            check_output_file(path, "option -o/--output_file")


def test_a_special_file_system_is_refused():
    with pytest.raises(BalanceError, match="cannot create a file in directory '/proc/self'"):
        check_output_file("/proc/self/out.json", "option -o/--output_file")


def test_a_name_too_long_is_refused(tmp_path):
    with pytest.raises(BalanceError, match="file name is longer than"):
        check_output_file(str(tmp_path / ("x" * 300 + ".json")), "option -o/--output_file")
