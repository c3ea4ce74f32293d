"""
Counting labels.
"""
from typing import Dict, Iterable


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
