"""
Class weights for weighting the loss instead of (or as well as) resampling the data.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from ._errors import BalanceError


def class_weights(counts: Mapping[str, int]) -> Dict[str, float]:
    """
    Computes scikit-learn's 'balanced' class weights: n_records / (n_labels x count)
    per label, over the labels present (count > 0). A label with average frequency
    gets 1, rarer labels more, common ones less; weight x count is the same for
    every label.

    :param counts: label -> count
    :type counts: dict
    :return: label -> weight, sorted by label
    :rtype: dict
    """
    present = {label: count for label, count in counts.items() if count > 0}
    total = sum(present.values())
    n_labels = len(present)
    return {label: total / (n_labels * present[label]) for label in sorted(present)}


def parse_label_list(option: str, value: Optional[str]) -> Optional[List[str]]:
    """
    Parses a comma-separated list of labels (e.g. '--labels cat,coffee,rocket').

    :param option: the option, for error messages
    :type option: str
    :param value: the list, None or empty for none
    :type value: str
    :return: the labels, None if none given
    :rtype: list
    :raises BalanceError: for an empty label or a label listed twice
    """
    if (value is None) or (value == ""):
        return None
    return check_label_list(option, [label.strip() for label in value.split(",")], value)


def check_label_list(option: str, labels: Sequence[str], shown: Optional[str] = None) -> List[str]:
    """
    Checks a list of labels: no empty label, none listed twice. Labels are used as
    given (a label may contain a comma when the list comes from Python).

    :param option: the option, for error messages
    :type option: str
    :param labels: the labels
    :type labels: list
    :param shown: how the list appears in error messages, None for its repr
    :type shown: str
    :return: the labels
    :rtype: list
    :raises BalanceError: for an empty label or a label listed twice
    """
    value = repr(list(labels)) if shown is None else shown
    seen = set()
    for label in labels:
        if label == "":
            raise BalanceError("option %s: '%s' contains an empty label" % (option, value))
        if label in seen:
            raise BalanceError("option %s: label '%s' is listed more than once" % (option, label))
        seen.add(label)
    return list(labels)


def label_order(counts: Mapping[str, int], labels: Optional[Sequence[str]], option: str = "--labels") -> List[str]:
    """
    Returns the order of the labels for index-keyed output: the sorted labels present,
    or the given list, which must name exactly the labels present.

    :param counts: label -> count
    :type counts: dict
    :param labels: the explicit order, None for sorted
    :type labels: list
    :param option: the option the list came from, for error messages
    :type option: str
    :return: the labels in index order
    :rtype: list
    :raises BalanceError: if the list names a label that never occurred or misses one that did
    """
    present = sorted(label for label, count in counts.items() if count > 0)
    if labels is None:
        return present
    never = [label for label in labels if label not in present]
    missing = [label for label in present if label not in labels]
    problems = []
    if len(never) > 0:
        problems.append("listed but never occurred: %s" % ", ".join(never))
    if len(missing) > 0:
        problems.append("occurred but not listed: %s" % ", ".join(missing))
    if len(problems) > 0:
        raise BalanceError("option %s: %s" % (option, "; ".join(problems)))
    return list(labels)


def weights_by_index(counts: Mapping[str, int], labels: Optional[Sequence[str]] = None) -> Tuple[List[str], List[float]]:
    """
    Computes class weights keyed by class index: the index of a label is its position
    in the sorted label list (the order of idc's writers and most loaders) or in the
    given list.

    :param counts: label -> count
    :type counts: dict
    :param labels: the explicit label order, None for sorted
    :type labels: list
    :return: the labels in index order and their weights
    :rtype: tuple
    """
    order = label_order(counts, labels)
    weights = class_weights(counts)
    return order, [weights[label] for label in order]
