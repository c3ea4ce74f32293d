"""
Targets, corrections for targets, counts files.
"""
import pytest

from idc.balance.core import (BalanceError, correction_from_counts, exact_targets, parse_target, read_counts,
                              round_half_up, target_value)

COUNTS = {"a": 10, "b": 40, "c": 120, "d": 0}


@pytest.mark.parametrize("target, value", [("min", 10), ("max", 120), ("mean", 170 / 3), ("median", 40), (25, 25)])
def test_target_values_ignore_absent_labels(target, value):
    assert target_value(COUNTS, target) == pytest.approx(value)


@pytest.mark.parametrize("target", ["min", "max", "mean", "median", 7, 500])
def test_correction_times_count_is_the_target(target):
    correction = correction_from_counts(COUNTS, target)
    assert "d" not in correction
    for label, c in correction.items():
        assert c * COUNTS[label] == pytest.approx(target_value(COUNTS, target))


def test_max_target_gives_copies():
    correction = correction_from_counts({"a": 10, "b": 40}, "max")
    assert correction == {"a": 4.0, "b": 1.0}


@pytest.mark.parametrize("value, parsed", [(None, "min"), ("max", "max"), ("12", 12), (3, 3)])
def test_parse_target(value, parsed):
    assert parse_target("--target", value) == parsed


@pytest.mark.parametrize("value, message", [("avg", "'avg' is not one of min, max, mean, median or a whole number"),
                                            ("0", "0 must be at least 1"), ("2.5", "is not one of")])
def test_parse_target_errors(value, message):
    with pytest.raises(BalanceError, match="option --target: .*" + message.split("'")[-1].strip()):
        parse_target("--target", value)


def test_exact_targets_round_half_up():
    assert round_half_up(2.5) == 3 and round_half_up(2.4999) == 2 and round_half_up(0.5) == 1
    assert exact_targets({"a": 3, "b": 4, "z": 0}, "mean") == {"a": 4, "b": 4, "z": 0}
    # with a correction: round(correction x count); labels not in it use the default
    assert exact_targets({"a": 10, "b": 5}, correction={"a": 0.25}, default_probability=1.0) == {"a": 3, "b": 5}


def test_read_counts(tmp_path):
    path = tmp_path / "counts.json"
    path.write_text('{"a": 10, "b": 0, "c": 3.0}')
    assert read_counts(str(path)) == {"a": 10, "b": 0, "c": 3}


@pytest.mark.parametrize("text, problem", [('{"a": 2.5}', "label 'a': value 2.5 is not a whole number"),
                                           ('{"a": -1}', "label 'a': value -1 is negative"),
                                           ('{"a": "3"}', "is a string, not a number"),
                                           ('[3]', "expected a JSON object")])
def test_read_counts_errors(tmp_path, text, problem):
    path = tmp_path / "counts.json"
    path.write_text(text)
    with pytest.raises(BalanceError, match="label counts file '.*counts.json': .*" + problem.replace(".", r"\.")):
        read_counts(str(path))
