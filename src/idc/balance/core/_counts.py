"""
Counting labels.
"""
from typing import Dict


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
