"""
What 'balance-labels-ic' did, per label: the summary logged at finalize.
"""
from dataclasses import dataclass
from typing import List, Mapping


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


def summary_lines(tallies: Mapping[str, LabelTally], unlabeled: int) -> List[str]:
    """
    Formats the per-label summary as a table, one line per label plus a total.

    :param tallies: label -> tally, in output order
    :type tallies: dict
    :param unlabeled: the number of records without label (passed through)
    :type unlabeled: int
    :return: the lines
    :rtype: list
    """
    width = max([len("(total)")] + [len(label) for label in tallies])
    row = "%-*s %10s %10s %10s"
    result = [row % (width, "label", "in", "kept", "dropped")]
    total = LabelTally()
    for label, tally in tallies.items():
        result.append(row % (width, label, tally.records_in, tally.kept, tally.dropped))
        total.records_in += tally.records_in
        total.kept += tally.kept
    result.append(row % (width, "(total)", total.records_in, total.kept, total.dropped))
    result.append("records without label (passed through): %d" % unlabeled)
    return result
