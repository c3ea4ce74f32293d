"""
Correction files: a flat JSON object that maps a label to a non-negative number, the
format of the imgstats 'label-dist' and 'balance-labels-ic' plugins (readable and
writable in both directions). Up to 1 the number is the probability of keeping a record
with that label; above 1 it is the expected number of times the record is emitted
(2.5: twice, and a third time with probability 0.5).
"""
import math
from typing import Dict, Mapping

from ._errors import BalanceError
from ._label_files import read_label_map, check_number
from ._options import check_real
from ._targets import Target, DEFAULT_TARGET, target_value

CORRECTION_FILE = "label correction file"
""" How correction files are named in error messages. """

MAX_PROBABILITY = 1.0
""" The largest probability (of the -p option). """


def read_correction(path: str) -> Dict[str, float]:
    """
    Reads and validates a correction file.

    :param path: the JSON file to read
    :type path: str
    :return: label -> correction (probability, or expected number of emissions above 1)
    :rtype: dict
    :raises BalanceError: on an unreadable file, invalid JSON, JSON that is not an object,
                          or a value that is not a finite, non-negative number
    """
    raw = read_label_map(path, CORRECTION_FILE)
    return {label: check_number(path, CORRECTION_FILE, label, value) for label, value in raw.items()}


PERCENT_TOTAL = 100.0
""" What the values of a percentages file add up to. """


def looks_like_percentages(correction: Mapping[str, float]) -> bool:
    """
    Whether a correction looks like label-dist's percentages written by mistake: at
    least two labels, some value above 1, and the values add up to 100.

    :param correction: label -> value
    :type correction: dict
    :return: True if it looks like percentages
    :rtype: bool
    """
    if (len(correction) < 2) or (max(correction.values()) <= 1.0):
        return False
    return math.isclose(sum(correction.values()), PERCENT_TOTAL, rel_tol=1e-9)


def check_probability(option: str, value: float) -> float:
    """
    Checks an option value that must be a probability in [0, 1].

    :param option: the option, for the error message, e.g. "-p/--default_probability"
    :type option: str
    :param value: the value to check
    :type value: float
    :return: the value as float
    :rtype: float
    :raises BalanceError: if the value is not a number (int or float) in [0, 1]
    """
    number = check_real(option, value)
    if not (0.0 <= number <= MAX_PROBABILITY):
        raise BalanceError("option %s: %s is outside [0, 1]" % (option, value))
    return number


def correction_from_counts(counts: Mapping[str, int], target: Target = DEFAULT_TARGET) -> Dict[str, float]:
    """
    Computes the correction that moves every label to the target on average:
    target / count per label. With the default target 'min' (the rarest label's count)
    it only drops records; 'max' or a large number give values above 1 (copies).
    Labels with a count of 0 are left out.

    :param counts: label -> count
    :type counts: dict
    :param target: see :func:`idc.balance.core.parse_target`
    :return: label -> correction, sorted by label
    :rtype: dict
    """
    value = target_value(counts, target)
    return {label: value / counts[label] for label in sorted(counts) if counts[label] > 0}
