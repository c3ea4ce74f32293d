"""
Targets: how many records each label should end up with, computed from counts.
"""
import math
import statistics
from typing import Dict, Mapping, Optional, Union

from ._errors import BalanceError

MAX_TARGET = 2 ** 53
""" The largest fixed target: the largest count (see MAX_COUNT of the counts files). """

TARGET_MIN = "min"
TARGET_MAX = "max"
TARGET_MEAN = "mean"
TARGET_MEDIAN = "median"
TARGET_NAMES = [TARGET_MIN, TARGET_MAX, TARGET_MEAN, TARGET_MEDIAN]
DEFAULT_TARGET = TARGET_MIN
TARGET_HELP = "min (the rarest label's count), max (the most common label's count), mean, median " \
              "(of the label counts) or a whole number N (the same N for every label)"

Target = Union[str, int]


def parse_target(option: str, value: Optional[Union[str, int]]) -> Target:
    """
    Parses a target option: one of TARGET_NAMES or a positive whole number.

    :param option: the option, for the error message
    :type option: str
    :param value: the value, None for the default
    :return: the name or the number
    :raises BalanceError: for anything else
    """
    if value is None:
        return DEFAULT_TARGET
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BalanceError("option %s: expected one of %s or a whole number, got %s %r"
                           % (option, ", ".join(TARGET_NAMES), type(value).__name__, value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value in TARGET_NAMES:
        return value
    else:
        try:
            number = int(value)
        except ValueError:
            raise BalanceError("option %s: '%s' is not one of %s or a whole number"
                               % (option, value, ", ".join(TARGET_NAMES))) from None
    if number < 1:
        raise BalanceError("option %s: %d must be at least 1" % (option, number))
    if number > MAX_TARGET:
        raise BalanceError("option %s: %d is more than %d, not a number of records" % (option, number, MAX_TARGET))
    return number


def target_value(counts: Mapping[str, int], target: Target) -> float:
    """
    Computes the single target of a distribution: min, max, mean or median of the
    counts of the labels present (count > 0), or the fixed number.

    :param counts: label -> count
    :type counts: dict
    :param target: see :func:`parse_target`
    :return: the target, 0 if no label is present
    :rtype: float
    """
    if not isinstance(target, str):
        return float(target)
    present = [c for c in counts.values() if c > 0]
    if len(present) == 0:
        return 0.0
    if target == TARGET_MIN:
        return float(min(present))
    if target == TARGET_MAX:
        return float(max(present))
    if target == TARGET_MEAN:
        return float(statistics.mean(present))
    if target == TARGET_MEDIAN:
        return float(statistics.median(present))
    raise BalanceError("unknown target: %s" % target)


def round_half_up(value: float) -> int:
    """
    Rounds to the nearest whole number, halves up (2.5 -> 3), unlike Python's round().

    :param value: a non-negative number
    :type value: float
    :return: the rounded number
    :rtype: int
    """
    return int(math.floor(value + 0.5))


def exact_targets(counts: Mapping[str, int], target: Target = DEFAULT_TARGET,
                  correction: Optional[Mapping[str, float]] = None, default_probability: float = 1.0) -> Dict[str, int]:
    """
    Computes how many records of each label exact mode emits: with a correction,
    round(correction x count) per label (labels not in the correction use the default
    probability); otherwise the target, rounded. Labels with a count of 0 get 0.

    :param counts: label -> count
    :type counts: dict
    :param target: see :func:`parse_target`, ignored if a correction is given
    :param correction: label -> correction, or None
    :type correction: dict
    :param default_probability: the correction of labels not in the correction
    :type default_probability: float
    :return: label -> number of records to emit, sorted by label
    :rtype: dict
    """
    result = dict()
    value = None if correction is not None else target_value(counts, target)
    for label in sorted(counts):
        count = counts[label]
        if count == 0:
            result[label] = 0
        elif correction is not None:
            result[label] = round_half_up(correction.get(label, default_probability) * count)
        else:
            result[label] = round_half_up(value)
    return result
