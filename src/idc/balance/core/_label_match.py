"""
Labels of a file that never occurred in the stream. Labels are compared exactly (a
correction for 'Cat' does not apply to 'cat'), but a mismatch never passes without a
word: each label that never occurred is named, with the stream label it differs from
only by case, surrounding whitespace or Unicode normalisation, if there is one.
"""
import unicodedata
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Tuple


def _strip(label: str) -> str:
    return label.strip()


def _case(label: str) -> str:
    return label.casefold()


def _unicode(label: str) -> str:
    return unicodedata.normalize("NFKC", label)


def _all(label: str) -> str:
    return unicodedata.normalize("NFKC", label).strip().casefold()


_NEAR_KEYS: List[Tuple[str, Callable[[str], str]]] = [
    ("surrounding whitespace", _strip),
    ("Unicode normalisation", _unicode),
    ("case", _case),
    ("case, surrounding whitespace or Unicode normalisation", _all),
]
""" How a file label may differ from a stream label, tried in this order. """


def unmatched_labels(file_labels: Iterable[str], stream_labels: Iterable[str]) -> Dict[str, Optional[Tuple[str, str]]]:
    """
    Finds the labels of a file that never occurred in the stream, each with its near
    match in the stream, if any.

    :param file_labels: the labels of the file
    :type file_labels: iterable
    :param stream_labels: the labels that occurred in the stream
    :type stream_labels: iterable
    :return: file label -> (stream label, how they differ), or None without near match; sorted by label
    :rtype: dict
    """
    present = set(stream_labels)
    missing = sorted(set(label for label in file_labels if label not in present))
    result: Dict[str, Optional[Tuple[str, str]]] = dict()
    if len(missing) == 0:
        return result
    indexes = []
    for difference, key in _NEAR_KEYS:
        index: Dict[str, str] = dict()
        for label in sorted(present):
            index.setdefault(key(label), label)
        indexes.append((difference, key, index))
    for label in missing:
        result[label] = None
        for difference, key, index in indexes:
            near = index.get(key(label))
            if near is not None:
                result[label] = (near, difference)
                break
    return result


MAX_LABELS_LISTED = 20
""" How many labels a warning lists at most; the rest are counted. """


ABSENT_FROM_STREAM = "no record has this label"
""" What unmatched_lines says of a file label that is not in the stream. """

ABSENT_FROM_FILE = "not in the file"
""" What unmatched_lines says of a stream label that is not in the file. """


def unmatched_lines(unmatched: Mapping[str, Optional[Tuple[str, str]]],
                    max_listed: int = MAX_LABELS_LISTED, absent: str = ABSENT_FROM_STREAM) -> List[str]:
    """
    Describes the labels that never occurred, one line each, the first max_listed of them
    (labels with a near match first), then how many more there are.

    :param unmatched: see :func:`unmatched_labels`
    :type unmatched: dict
    :param max_listed: how many labels to list at most
    :type max_listed: int
    :param absent: what to say of a label that is missing, e.g. ABSENT_FROM_STREAM
    :type absent: str
    :return: the lines
    :rtype: list
    """
    result = []
    ordered = sorted(unmatched.items(), key=lambda pair: pair[1] is None)
    for label, near in ordered[:max_listed]:
        if near is None:
            result.append("%r: %s" % (label, absent))
        else:
            result.append("%r: %s, but %r differs from it only by %s (labels are compared exactly)"
                          % (label, absent, near[0], near[1]))
    if len(ordered) > max_listed:
        result.append("... and %d more label(s)" % (len(ordered) - max_listed))
    return result
