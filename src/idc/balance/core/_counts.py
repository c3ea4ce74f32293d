"""
Counting labels, and counts files: a flat JSON object, label -> whole number (what
'label-dist -t counts -f json' writes).
"""
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

from ._label_files import read_label_map, check_number
from ._errors import BalanceError

COUNTS_FILE = "label counts file"
""" How counts files are named in error messages. """

MAX_COUNT = 2 ** 53
""" The largest count (and exact target) accepted: more records than any dataset holds,
and the largest whole number that every JSON reader reads exactly. """


def read_counts(path: str) -> Dict[str, int]:
    """
    Reads and validates a counts file.

    :param path: the JSON file to read
    :type path: str
    :return: label -> count
    :rtype: dict
    :raises BalanceError: on an unreadable file, invalid JSON, JSON that is not an object,
                          or a value that is not a whole number in [0, MAX_COUNT]
    """
    raw = read_label_map(path, COUNTS_FILE)
    result = dict()
    for label, value in raw.items():
        number = check_number(path, COUNTS_FILE, label, value)
        if not number.is_integer():
            raise BalanceError("%s '%s': label '%s': value %s is not a whole number" % (COUNTS_FILE, path, label, value))
        if value > MAX_COUNT:
            raise BalanceError("%s '%s': label '%s': value %s is more than %d, not a number of records"
                               % (COUNTS_FILE, path, label, value, MAX_COUNT))
        result[label] = int(value)
    return result


def sum_counts(paths: Sequence[str]) -> Tuple[Dict[str, int], List[Dict[str, int]]]:
    """
    Reads several counts files (of shards of one dataset, say) and adds them up: counts files
    are mergeable, a label missing from a file counts 0 there.

    :param paths: the files
    :type paths: list
    :return: label -> the sum, sorted by label; and each file's counts, in the order of the files
    :rtype: tuple
    :raises BalanceError: naming the file for any invalid file; naming the label for a sum above MAX_COUNT
    """
    each = [read_counts(path) for path in paths]
    total: Dict[str, int] = dict()
    for counts in each:
        for label, count in counts.items():
            total[label] = total.get(label, 0) + count
    for label, count in total.items():
        if count > MAX_COUNT:
            raise BalanceError("%ss %s: label '%s': the counts add up to %d, more than %d"
                               % (COUNTS_FILE, ", ".join("'%s'" % path for path in paths), label, count, MAX_COUNT))
    return dict(sorted(total.items())), each


class LabelCounter:
    """
    Counts how often each label occurs. Memory grows with the number of labels,
    not the number of records.
    """

    def __init__(self):
        self._counts: Dict[str, int] = dict()

    def add(self, label: str):
        """
        Counts one occurrence of a label.

        :param label: the label
        :type label: str
        """
        self._counts[label] = self._counts.get(label, 0) + 1

    def add_all(self, labels: Iterable[str]) -> int:
        """
        Counts one occurrence of each of the labels (e.g. all objects of one image).

        :param labels: the labels
        :type labels: iterable
        :return: the number of labels counted
        :rtype: int
        """
        counts = self._counts
        n = 0
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
            n += 1
        return n

    def add_counts(self, counts: Mapping[str, int]):
        """
        Adds counts made elsewhere (label -> occurrences).

        :param counts: the counts to add
        :type counts: dict
        """
        for label, n in counts.items():
            self._counts[label] = self._counts.get(label, 0) + n

    def counts(self) -> Dict[str, int]:
        """
        Returns the counts so far, sorted by label.

        :return: label -> count
        :rtype: dict
        """
        return {label: self._counts[label] for label in sorted(self._counts)}

    def total(self) -> int:
        """
        Returns the number of occurrences counted.

        :return: the total
        :rtype: int
        """
        return sum(self._counts.values())
