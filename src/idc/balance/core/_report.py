"""
What 'balance-labels-ic' did, per label: the summary logged at finalize.
"""
from dataclasses import dataclass
from typing import Dict, List


@dataclass
class LabelTally:
    """
    The records of one label: how many came in and how many were kept.
    """
    records_in: int = 0
    kept: int = 0

    @property
    def dropped(self) -> int:
        return self.records_in - self.kept


class BalanceReport:
    """
    Tallies the decisions of a balancing filter per label.
    """

    def __init__(self):
        self._tallies: Dict[str, LabelTally] = dict()
        self.unlabeled = 0
        """ Records without a label, passed through untouched. """

    def add(self, label: str, emitted: int):
        """
        Records the decision for one record.

        :param label: the record's label
        :type label: str
        :param emitted: how many times the record was emitted (0 = dropped)
        :type emitted: int
        """
        tally = self._tallies.get(label)
        if tally is None:
            tally = self._tallies[label] = LabelTally()
        tally.records_in += 1
        if emitted > 0:
            tally.kept += 1

    def tallies(self) -> Dict[str, LabelTally]:
        """
        Returns the tallies, sorted by label.

        :return: label -> tally
        :rtype: dict
        """
        return {label: self._tallies[label] for label in sorted(self._tallies)}

    def lines(self) -> List[str]:
        """
        Formats the summary as a table, one line per label plus a total.

        :return: the lines
        :rtype: list
        """
        tallies = self.tallies()
        width = max([len("label"), len("(total)")] + [len(label) for label in tallies])
        header = "%-*s %10s %10s %10s" % (width, "label", "in", "kept", "dropped")
        result = [header]
        total = LabelTally()
        for label, tally in tallies.items():
            result.append("%-*s %10d %10d %10d" % (width, label, tally.records_in, tally.kept, tally.dropped))
            total.records_in += tally.records_in
            total.kept += tally.kept
        result.append("%-*s %10d %10d %10d" % (width, "(total)", total.records_in, total.kept, total.dropped))
        result.append("records without label (passed through): %d" % self.unlabeled)
        return result
