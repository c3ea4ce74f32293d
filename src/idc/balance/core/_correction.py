"""
Correction files: a flat JSON object that maps a label to the probability of keeping
a record with that label (the format of the imgstats 'label-dist' and
'balance-labels-ic' plugins, readable and writable in both directions).
"""
from typing import Dict, Mapping

from ._errors import BalanceError
from ._label_files import read_label_map, check_number

CORRECTION_FILE = "label correction file"
""" How correction files are named in error messages. """

MAX_PROBABILITY = 1.0
""" The largest value a correction file may hold. """


def read_correction(path: str) -> Dict[str, float]:
    """
    Reads and validates a correction file.

    :param path: the JSON file to read
    :type path: str
    :return: label -> probability
    :rtype: dict
    :raises BalanceError: on an unreadable file, invalid JSON, JSON that is not an object,
                          or a value that is not a finite number in [0, 1]
    """
    raw = read_label_map(path, CORRECTION_FILE)
    result = dict()
    for label, value in raw.items():
        number = check_number(path, CORRECTION_FILE, label, value)
        if number > MAX_PROBABILITY:
            raise BalanceError("%s '%s': label '%s': value %s is above %s"
                               % (CORRECTION_FILE, path, label, value, MAX_PROBABILITY))
        result[label] = number
    return result


def check_probability(option: str, value: float) -> float:
    """
    Checks an option value that must be a probability in [0, 1].

    :param option: the option, for the error message, e.g. "-p/--default_probability"
    :type option: str
    :param value: the value to check
    :type value: float
    :return: the value as float
    :rtype: float
    :raises BalanceError: if the value is not a number in [0, 1]
    """
    try:
        number = float(value)
    except (TypeError, ValueError) as e:
        raise BalanceError("option %s: %r is not a number" % (option, value)) from e
    if not (0.0 <= number <= MAX_PROBABILITY):
        raise BalanceError("option %s: %s is outside [0, 1]" % (option, value))
    return number


def correction_from_counts(counts: Mapping[str, int]) -> Dict[str, float]:
    """
    Computes the correction that balances a distribution by dropping records:
    per label, the count of the rarest label divided by the label's count.
    The rarest label gets 1.0, labels with a count of 0 are left out.

    :param counts: label -> count
    :type counts: dict
    :return: label -> keep probability, sorted by label
    :rtype: dict
    """
    present = {label: count for label, count in counts.items() if count > 0}
    if len(present) == 0:
        return dict()
    rarest = min(present.values())
    return {label: rarest / present[label] for label in sorted(present)}
