"""
Reading, validating and writing the flat label JSON files, and atomic writes.
"""
import json
import os

import pytest

from idc.balance.core import BalanceError, read_correction, check_probability, check_output_file, write_atomically


def write(tmp_path, text, name="corr.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_reads_flat_object(tmp_path):
    path = write(tmp_path, '{"cat": 0.25, "dog": 1, "bird": 0, "fish": 2.5}')
    # values above 1 are expected numbers of emissions (copies)
    assert read_correction(path) == {"cat": 0.25, "dog": 1.0, "bird": 0.0, "fish": 2.5}


def test_missing_file_names_the_file(tmp_path):
    path = str(tmp_path / "nope.json")
    with pytest.raises(BalanceError, match=r"label correction file '.*nope\.json': cannot read"):
        read_correction(path)


def test_directory_is_unreadable(tmp_path):
    with pytest.raises(BalanceError, match="cannot read"):
        read_correction(str(tmp_path))


def test_invalid_json_reports_line_and_column(tmp_path):
    path = write(tmp_path, '{\n  "cat": 0.5,\n  "dog": oops\n}')
    with pytest.raises(BalanceError, match=r"corr\.json': invalid JSON at line 3, column 10"):
        read_correction(path)


@pytest.mark.parametrize("text, kind", [("[0.5]", "an array"), ('"cat"', "a string"), ("0.5", "a number"),
                                        ("null", "null")])
def test_not_an_object(tmp_path, text, kind):
    path = write(tmp_path, text)
    with pytest.raises(BalanceError, match="expected a JSON object .*got %s" % kind):
        read_correction(path)


@pytest.mark.parametrize("value, problem", [
    ('"0.5"', "is a string, not a number"),
    ("true", "is a boolean, not a number"),
    ("null", "is null, not a number"),
    ("[1]", "is an array, not a number"),
    ("NaN", "NaN is not a finite number"),
    ("Infinity", "Infinity is not a finite number"),
    ("-0.5", "value -0.5 is negative"),
])
def test_bad_values_name_file_label_and_problem(tmp_path, value, problem):
    path = write(tmp_path, '{"cat": 0.5, "dog": %s}' % value)
    with pytest.raises(BalanceError) as e:
        read_correction(path)
    message = str(e.value)
    assert "corr.json" in message
    assert problem in message
    if "NaN" not in value and "Infinity" not in value:
        assert "label 'dog'" in message


def test_duplicate_label_is_an_error(tmp_path):
    path = write(tmp_path, '{"cat": 0.5, "cat": 1.0}')
    with pytest.raises(BalanceError, match="label 'cat' appears more than once"):
        read_correction(path)


@pytest.mark.parametrize("value", [0, 0.0, 0.5, 1, 1.0])
def test_probability_option_in_range(value):
    assert check_probability("-p/--default_probability", value) == float(value)


@pytest.mark.parametrize("value", [-0.01, 1.01, float("nan"), "abc", "0.5", True, None])
def test_probability_option_out_of_range(value):
    with pytest.raises(BalanceError, match="option -p/--default_probability"):
        check_probability("-p/--default_probability", value)


def test_output_dir_must_exist(tmp_path):
    with pytest.raises(BalanceError, match="directory .* does not exist"):
        check_output_file(str(tmp_path / "missing" / "out.json"), "option -o/--output_file")
    check_output_file(str(tmp_path / "out.json"), "option -o/--output_file")


def test_output_path_must_not_be_a_directory(tmp_path):
    with pytest.raises(BalanceError, match="is a directory"):
        check_output_file(str(tmp_path), "option -o/--output_file")


def test_write_atomically_replaces_and_leaves_no_temp_files(tmp_path):
    path = str(tmp_path / "out.json")
    write_atomically(path, json.dumps({"a": 1}))
    write_atomically(path, json.dumps({"b": 2}))
    assert json.loads(open(path).read()) == {"b": 2}
    assert os.listdir(str(tmp_path)) == ["out.json"]


def test_write_atomically_keeps_old_file_on_failure(tmp_path):
    path = str(tmp_path / "out.json")
    write_atomically(path, "old")
    with pytest.raises(TypeError):
        write_atomically(path, None)
    assert open(path).read() == "old"
    assert os.listdir(str(tmp_path)) == ["out.json"]
