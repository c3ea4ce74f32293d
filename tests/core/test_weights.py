"""
Class weights: the 'balanced' formula, scikit-learn as the reference implementation,
index order.
"""
import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from idc.balance.core import BalanceError, class_weights, parse_label_list, weights_by_index

DISTRIBUTIONS = [
    {"cat": 120, "coffee": 40, "rocket": 10},
    {"a": 1, "b": 1},
    {"x": 50000, "y": 40},
    {"l%02d" % i: (i * 7919) % 1000 + 1 for i in range(37)},
    {"only": 5},
]


@pytest.mark.parametrize("counts", DISTRIBUTIONS)
def test_formula(counts):
    weights = class_weights(counts)
    n_records, n_labels = sum(counts.values()), len(counts)
    assert list(weights) == sorted(counts)
    for label, count in counts.items():
        assert abs(weights[label] - n_records / (n_labels * count)) < 1e-12


@pytest.mark.parametrize("counts", DISTRIBUTIONS)
def test_agrees_with_scikit_learn(counts):
    y = np.array([label for label, count in counts.items() for _ in range(count)])
    classes = np.array(sorted(counts))
    reference = compute_class_weight("balanced", classes=classes, y=y)
    weights = class_weights(counts)
    assert np.max(np.abs(np.array([weights[c] for c in classes]) - reference)) < 1e-12


def test_absent_labels_are_left_out():
    assert class_weights({"a": 2, "b": 0, "c": 6}) == {"a": 2.0, "c": 8 / 12}


def test_index_order_sorted_or_explicit():
    counts = {"dog": 10, "cat": 30, "bird": 20}
    labels, weights = weights_by_index(counts)
    assert labels == ["bird", "cat", "dog"]
    assert weights == [class_weights(counts)[label] for label in labels]
    labels, weights = weights_by_index(counts, ["dog", "bird", "cat"])
    assert labels == ["dog", "bird", "cat"]
    assert weights == [2.0, 1.0, 60 / 90]


def test_explicit_labels_must_match_the_labels_that_occurred():
    with pytest.raises(BalanceError, match="option --labels: listed but never occurred: cow; occurred but not listed: dog"):
        weights_by_index({"cat": 1, "dog": 2}, ["cat", "cow"])


@pytest.mark.parametrize("value, message", [("a,b,a", "label 'a' is listed more than once"),
                                            ("a,,b", "contains an empty label")])
def test_label_list_errors(value, message):
    with pytest.raises(BalanceError, match="option --labels: .*" + message):
        parse_label_list("--labels", value)
    assert parse_label_list("--labels", " a, b ") == ["a", "b"]
