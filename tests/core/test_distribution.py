"""
Counts -> percentages / corrections, and their text, CSV and JSON formats.
"""
import csv
import io
import json

import pytest

from idc.balance.core import (BalanceError, LabelCounter, correction_from_counts, distribution_values, format_values,
                              percentages)


def test_counter_sorts_labels_and_counts():
    counter = LabelCounter()
    for label in ["b", "a", "b", "c", "b"]:
        counter.add(label)
    assert list(counter.counts().items()) == [("a", 1), ("b", 3), ("c", 1)]
    assert counter.total() == 5


def test_correction_is_rarest_over_count():
    correction = correction_from_counts({"cat": 120, "coffee": 40, "rocket": 10})
    assert correction == {"cat": 10 / 120, "coffee": 10 / 40, "rocket": 1.0}


def test_correction_expected_counts_equal_the_rarest():
    counts = {"a": 7, "b": 1234, "c": 99}
    correction = correction_from_counts(counts)
    for label, count in counts.items():
        assert count * correction[label] == pytest.approx(7)


def test_correction_ignores_zero_counts_and_empty():
    assert correction_from_counts({"a": 0, "b": 4, "c": 2}) == {"b": 0.5, "c": 1.0}
    assert correction_from_counts({}) == {}


def test_percentages_sum_to_100():
    result = percentages({"a": 1, "b": 2, "c": 7})
    assert result == {"a": 10.0, "b": 20.0, "c": 70.0}
    assert percentages({}) == {}


def test_formats_counts_as_integers():
    values = distribution_values({"b": 2, "a": 10}, "counts")
    assert format_values(values, "counts", "text") == "a: 10\nb: 2\n"
    assert format_values(values, "counts", "csv") == "label,count\na,10\nb,2\n"
    text = format_values(values, "counts", "json")
    assert text.endswith("}\n")
    assert json.loads(text) == {"a": 10, "b": 2}
    assert all(isinstance(v, int) for v in json.loads(text).values())


def test_formats_floats_round_trip():
    values = distribution_values({"a": 3, "b": 1}, "label-balance-correction")
    text = format_values(values, "label-balance-correction", "text")
    assert text == "a: %r\nb: 1.0\n" % (1 / 3)
    rows = list(csv.reader(io.StringIO(format_values(values, "label-balance-correction", "csv"))))
    assert rows[0] == ["label", "probability"]
    assert float(rows[1][1]) == 1 / 3
    assert json.loads(format_values(values, "label-balance-correction", "json")) == {"a": 1 / 3, "b": 1.0}


def test_labels_with_csv_special_characters_are_quoted():
    text = format_values({'a,b': 1, 'q"x': 2}, "counts", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1:] == [["a,b", "1"], ['q"x', "2"]]


@pytest.mark.parametrize("output_type, output_format", [("weights", "json"), ("counts", "xml")])
def test_unknown_choices(output_type, output_format):
    with pytest.raises(BalanceError, match="is not one of"):
        format_values(distribution_values({"a": 1}, output_type), output_type, output_format)
