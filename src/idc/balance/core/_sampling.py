"""
Samplers turn per-label corrections or targets into a decision per record: how many
times the record is emitted (0 = dropped, 1 = kept, more = kept plus copies). They
keep counters per label, never records: memory grows with the number of labels only.
"""
import math
from typing import Dict, Iterator, List, Mapping, Optional

import numpy as np

from ._report import LabelTally

BLOCK_SIZE = 8192
""" How many uniform numbers are drawn from the generator at once (a numpy call per
record would cost more than the rest of the decision). The stream of draws, and so
the output, does not depend on it. """


def uniform_stream(rng: np.random.Generator, block_size: int = BLOCK_SIZE) -> Iterator[float]:
    """
    Returns an endless iterator over uniform numbers in [0, 1) from a numpy generator,
    drawn in blocks. The sequence is fixed by the generator's seed and does not depend
    on the block size.

    :param rng: the generator to draw from
    :type rng: np.random.Generator
    :param block_size: how many numbers to draw at once
    :type block_size: int
    :return: the iterator
    """
    while True:
        yield from rng.random(block_size).tolist()


# index of the records in, in the per-label state lists (plain lists are the cheapest per-record update)
_IN = 0


class ProbabilisticSampler:
    """
    Emits each record a random number of times whose expectation is its label's
    correction c: floor(c) times, plus once more with probability c - floor(c). Up to
    1 that is a Bernoulli trial (keep with probability c). Every record is decided
    independently, so the counts are only balanced on average.
    """

    def __init__(self, correction: Mapping[str, float], default_probability: float, uniforms: Iterator[float]):
        """
        :param correction: label -> correction (non-negative)
        :type correction: dict
        :param default_probability: the correction of labels not in the correction
        :type default_probability: float
        :param uniforms: the source of random numbers (see :func:`uniform_stream`)
        :type uniforms: iterator
        """
        self._correction = dict(correction)
        self._default = default_probability
        self._uniforms = uniforms
        self._state: Dict[str, List] = dict()
        """ per label: [records in, records emitted once more than the whole part, whole part, fractional part] """

    def correction(self, label: str) -> float:
        """
        Returns the correction of a label (the expected number of emissions per record).

        :param label: the label
        :type label: str
        :return: the correction
        :rtype: float
        """
        return self._correction.get(label, self._default)

    def emit_count(self, label: str, uniform: Optional[float] = None) -> int:
        """
        Decides how many times the next record with this label is emitted.
        Exactly one uniform number is drawn per call, so the decisions depend only
        on the seed and the order of the records; or the caller gives the number
        (keyed decisions: a function of the record, not of its place in the stream).

        :param label: the record's label
        :type label: str
        :param uniform: the record's uniform number in [0, 1), None to draw the next one
        :type uniform: float
        :return: the number of emissions, 0 to drop the record
        :rtype: int
        """
        state = self._state.get(label)
        if state is None:
            c = self.correction(label)
            whole = math.floor(c)
            state = self._state[label] = [0, 0, whole, c - whole]
        state[_IN] += 1
        # kept and copies follow from the records in and the extra emissions (see tallies())
        if (next(self._uniforms) if uniform is None else uniform) < state[3]:
            state[1] += 1
            return state[2] + 1
        return state[2]

    def tallies(self) -> Dict[str, LabelTally]:
        """
        Returns what happened per label so far, sorted by label; the target is the
        expected number of emissions (correction x records in).

        :return: label -> tally
        :rtype: dict
        """
        result = dict()
        for label, s in sorted(self._state.items()):
            emitted = s[2] * s[_IN] + s[1]
            kept = s[_IN] if s[2] > 0 else s[1]
            result[label] = LabelTally(s[_IN], kept, emitted - kept, self.correction(label) * s[_IN])
        return result


class ExactSampler:
    """
    Emits exactly the target number of records per label in one pass, given each
    label's count in advance. A label with n records and target t emits every record
    floor(t / n) times, and t mod n of its records once more; those are chosen by
    sequential selection sampling (Knuth's Algorithm S): the i-th record (0-based) is
    chosen with probability (still needed) / (n - i), so every record is equally likely
    to be chosen and exactly the needed number is chosen when the stream holds n records.

    Labels that were not counted are decided by a fallback sampler. Records beyond a
    label's count are dropped (its target is already met); :meth:`mismatches` reports
    every label whose stream disagreed with its count.
    """

    def __init__(self, counts: Mapping[str, int], targets: Mapping[str, int], uniforms: Iterator[float],
                 fallback: ProbabilisticSampler, aliases: Optional[Mapping[str, str]] = None):
        """
        :param counts: label -> number of records in the stream
        :type counts: dict
        :param targets: label -> number of records to emit (labels in counts)
        :type targets: dict
        :param uniforms: the source of random numbers (see :func:`uniform_stream`)
        :type uniforms: iterator
        :param fallback: decides records of labels that are not in counts
        :type fallback: ProbabilisticSampler
        :param aliases: other keys that are decided as one of the counted labels, sharing its count and
                        target (a pool of keys): alias -> label; None for none
        :type aliases: dict
        """
        self._uniforms = uniforms
        self._fallback = fallback
        self._targets = dict(targets)
        self._state: Dict[str, List] = dict()
        """ per label: [records in, count n, base emissions, extra needed, extra chosen]; kept and
        copies follow from them (see tallies()) """
        for label, n in counts.items():
            t = targets[label]
            base, extra = (divmod(t, n) if n > 0 else (0, 0))
            self._state[label] = [0, n, base, extra, 0]
        self._aliases = dict(aliases or dict())
        for alias, label in self._aliases.items():
            self._state[alias] = self._state[label]

    def targets(self) -> Dict[str, int]:
        """
        Returns the target of each counted label.

        :return: label -> number of records to emit
        :rtype: dict
        """
        return dict(self._targets)

    def emit_count(self, label: str) -> int:
        """
        Decides how many times the next record with this label is emitted.

        :param label: the record's label
        :type label: str
        :return: the number of emissions, 0 to drop the record
        :rtype: int
        """
        state = self._state.get(label)
        if state is None:
            return self._fallback.emit_count(label)
        seen = state[_IN]
        state[_IN] = seen + 1
        n = state[1]
        if seen >= n:
            return 0
        # kept and copies follow from the records seen and the extra emissions chosen (see tallies())
        if (state[3] > state[4]) and (next(self._uniforms) * (n - seen) < state[3] - state[4]):
            state[4] += 1
            return state[2] + 1
        return state[2]

    def tallies(self) -> Dict[str, LabelTally]:
        """
        Returns what happened per label so far, sorted by label, including labels
        decided by the fallback and counted labels that never occurred.

        :return: label -> tally
        :rtype: dict
        """
        result = dict()
        for label, s in self._state.items():
            if label in self._aliases:
                continue
            decided = min(s[_IN], s[1])
            emitted = s[2] * decided + s[4]
            kept = decided if s[2] > 0 else s[4]
            result[label] = LabelTally(s[_IN], kept, emitted - kept, float(self._targets[label]))
        result.update(self._fallback.tallies())
        return dict(sorted(result.items()))

    def mismatches(self) -> Dict[str, Optional[int]]:
        """
        Returns the labels whose number of records in the stream differs from the
        counts: label -> records seen minus records counted (None for a label that was
        not counted at all; its records were decided by the fallback).

        :return: label -> difference, sorted by label
        :rtype: dict
        """
        result = {label: s[_IN] - s[1] for label, s in self._state.items()
                  if (s[_IN] != s[1]) and (label not in self._aliases)}
        for label in self._fallback.tallies():
            result[label] = None
        return dict(sorted(result.items()))
