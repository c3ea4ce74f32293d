"""
The copy limit: how many times one record may be output (itself and its copies). The framework hands
a record's outputs on together, and a correction of 1e308 or a target of a billion
would otherwise ask for more copies than any machine can hold or any disk can take.
Before the first record, every correction and every exact target is turned into
"copies per record" with whole-number arithmetic (no value, however large, can
overflow) and checked against the limit.
"""
import math
from typing import Mapping, Optional

from ._errors import BalanceError
from ._options import check_whole_number

DEFAULT_MAX_COPIES = 1000
""" The default limit on the outputs of one record: the most times it may be output, the record
itself included (so 1 means no copies at all). The name is shared with the detection and
segmentation balancers, whose --max_copies means the same. """

MAX_COPIES_CEILING = 10 ** 9
""" The largest limit that can be asked for: a billion copies of one image take hours to
write and fill a disk; beyond that no run is sane. """

MAX_COPIES_OPTION = "--max_copies"
""" The option (and Python argument 'max_copies') of every filter that makes copies. """

MAX_COPIES_HELP = "The most times one record may be output, the record itself included (1: no copies); " \
                  "a correction or target that needs more is refused before the first record. " \
                  "At most %d." % MAX_COPIES_CEILING


def _amount(number: int) -> str:
    """
    Formats a number of copies for a message: in full up to a trillion, then in powers of ten.
    """
    if number < 10 ** 12:
        return "%d" % number
    return "about 10^%d" % (len(str(number)) - 1)


def _value(number: float) -> str:
    """
    Formats a correction value for a message as it was probably written: 5000, 2.5, 1e+308.
    """
    if float(number).is_integer() and (abs(number) < 1e16):
        return "%d" % number
    return repr(float(number))


def check_max_copies(value) -> int:
    """
    Checks the value of the copy limit option.

    :param value: the value
    :return: the limit
    :rtype: int
    :raises BalanceError: if it is not a whole number in [1, MAX_COPIES_CEILING]
    """
    return check_whole_number(MAX_COPIES_OPTION, value, 1, MAX_COPIES_CEILING)


def correction_copies(correction: float) -> int:
    """
    Returns the most copies a record with this correction can get: ceil(c) - 1 for
    c above 1 (2.5: two copies, sometimes), 0 up to 1.

    :param correction: the correction, a finite non-negative number
    :type correction: float
    :return: the number of copies
    :rtype: int
    """
    if correction <= 1.0:
        return 0
    return math.ceil(correction) - 1


def target_copies(count: int, target: int) -> int:
    """
    Returns the most copies a record gets in exact mode when a label with count
    records must emit target records: ceil(target / count) - 1, in whole numbers.

    :param count: the label's count
    :type count: int
    :param target: the label's target
    :type target: int
    :return: the number of copies
    :rtype: int
    """
    if (count <= 0) or (target <= count):
        return 0
    return -(-target // count) - 1


def can_make_copies(correction: Optional[Mapping[str, float]], counts: Optional[Mapping[str, int]] = None,
                    targets: Optional[Mapping[str, int]] = None) -> bool:
    """
    Whether a run with this correction (and, in exact mode, these counts and targets) can
    make any copy at all (a run that cannot needs no copy names and renames nothing).

    :param correction: label -> correction, None for none
    :type correction: dict
    :param counts: exact mode: label -> count, None otherwise
    :type counts: dict
    :param targets: exact mode: label -> target (labels of counts), None otherwise
    :type targets: dict
    :return: True if some record may get a copy
    :rtype: bool
    """
    if (correction is not None) and any(correction_copies(c) > 0 for c in correction.values()):
        return True
    if (counts is not None) and (targets is not None):
        return any(target_copies(counts[label], target) > 0 for label, target in targets.items())
    return False


def check_correction_copies(correction: Mapping[str, float], max_copies: int, source: str):
    """
    Checks that no correction asks for more outputs per record than the limit.

    :param correction: label -> correction
    :type correction: dict
    :param max_copies: the limit: the most outputs of one record, itself included
    :type max_copies: int
    :param source: where the correction came from, e.g. "label correction file 'c.json'"
    :type source: str
    :raises BalanceError: naming the source, the label, the value and the limit
    """
    for label, value in correction.items():
        outputs = correction_copies(value) + 1
        if outputs > max_copies:
            raise BalanceError("%s: label '%s': value %s asks for up to %s outputs of each record, more than "
                               "%s %d allows (raise %s if you mean it)"
                               % (source, label, _value(value), _amount(outputs), MAX_COPIES_OPTION, max_copies,
                                  MAX_COPIES_OPTION))


def check_target_copies(counts: Mapping[str, int], targets: Mapping[str, int], max_copies: int, source: str,
                        target_source: Optional[str] = None):
    """
    Checks that no exact target asks for more outputs per record than the limit.

    :param counts: label -> count
    :type counts: dict
    :param targets: label -> target
    :type targets: dict
    :param max_copies: the limit: the most outputs of one record, itself included
    :type max_copies: int
    :param source: the counts file, for the error message, e.g. "label counts file 'n.json'"
    :type source: str
    :param target_source: what set the targets, e.g. "option --target max", None to leave out
    :type target_source: str
    :raises BalanceError: naming the source, the label, its count and target and the limit
    """
    for label, count in counts.items():
        outputs = target_copies(count, targets[label]) + 1
        if outputs > max_copies:
            raise BalanceError("%s: label '%s': %d record(s) with target %d%s need up to %s outputs of each record, "
                               "more than %s %d allows (raise %s if you mean it)"
                               % (source, label, count, targets[label],
                                  "" if target_source is None else " (%s)" % target_source, _amount(outputs),
                                  MAX_COPIES_OPTION, max_copies, MAX_COPIES_OPTION))
