"""
What 'balance-labels-ic' did, per label: the summary logged at finalize.
"""
import json
from dataclasses import dataclass
from typing import List, Mapping, Optional


MAX_LABEL_SHOWN = 60
""" The most characters of a label that logs and notes show (a label in a file may be megabytes long). """


def shown(label: str, limit: int = MAX_LABEL_SHOWN) -> str:
    """
    Returns a label as logs show it: whole up to limit characters, else its start, an
    ellipsis and how long it is; control characters escaped as in JSON.

    :param label: the label
    :type label: str
    :param limit: the most characters shown
    :type limit: int
    :return: the label to show
    :rtype: str
    """
    result = label if len(label) <= limit else "%s...(%d characters)" % (label[:limit], len(label))
    if not result.isprintable():
        # a line break or escape sequence in a label must not forge a log line
        result = json.dumps(result, ensure_ascii=False)[1:-1]
    return result


@dataclass
class LabelTally:
    """
    The records of one label: how many came in, how many originals were kept, how
    many copies were made, and the target (the expected or exact number of records
    to emit; None if unknown).
    """
    records_in: int = 0
    kept: int = 0
    copies: int = 0
    target: Optional[float] = None

    @property
    def dropped(self) -> int:
        return self.records_in - self.kept

    @property
    def emitted(self) -> int:
        return self.kept + self.copies


def summary_lines(tallies: Mapping[str, LabelTally], unlabeled: int) -> List[str]:
    """
    Formats the per-label summary as a table, one line per label plus a total: records
    in, originals kept, copies, dropped, target, and the label's share of the output.

    :param tallies: label -> tally, in output order
    :type tallies: dict
    :param unlabeled: the number of records without label (passed through)
    :type unlabeled: int
    :return: the lines
    :rtype: list
    """
    width = max([len("(total)")] + [len(label) for label in tallies])
    header = "%-*s %9s %9s %9s %9s %11s %8s"
    row = "%-*s %9d %9d %9d %9d %11s %7.2f%%"
    out_total = sum(t.emitted for t in tallies.values())
    result = [header % (width, "label", "in", "kept", "copies", "dropped", "target", "share")]
    total = LabelTally(target=0.0)
    for label, t in tallies.items():
        share = 100.0 * t.emitted / out_total if out_total > 0 else 0.0
        result.append(row % (width, label, t.records_in, t.kept, t.copies, t.dropped, _format_target(t.target), share))
        total.records_in += t.records_in
        total.kept += t.kept
        total.copies += t.copies
        total.target = None if (total.target is None or t.target is None) else total.target + t.target
    result.append(row % (width, "(total)", total.records_in, total.kept, total.copies, total.dropped,
                         _format_target(total.target), 100.0 if out_total > 0 else 0.0))
    result.append("records without label (passed through): %d" % unlabeled)
    return result


def _format_target(target: Optional[float]) -> str:
    """
    Formats a target: whole numbers without decimals, expectations with one.
    """
    if target is None:
        return "-"
    if float(target).is_integer():
        return "%d" % target
    return "%.1f" % target


def mismatch_lines(mismatches: Mapping[str, Optional[int]]) -> List[str]:
    """
    Describes the labels whose records in the stream differed from the counts file
    (see :meth:`idc.balance.core.ExactSampler.mismatches`), one line per label.

    :param mismatches: label -> records seen minus records counted, None for a label that was not counted
    :type mismatches: dict
    :return: the lines
    :rtype: list
    """
    result = []
    for label, difference in mismatches.items():
        if difference is None:
            result.append("%s: not in the counts file (decided with its correction or the default probability)" % label)
        elif difference > 0:
            result.append("%s: %d record(s) more than counted (dropped, the target was already met)" % (label, difference))
        else:
            result.append("%s: %d record(s) fewer than counted (its target may not have been reached)"
                          % (label, -difference))
    return result
