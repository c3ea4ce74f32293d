"""
Samplers turn a per-label correction into a decision per record: how many times
the record is emitted (0 = dropped, 1 = kept).
"""
from typing import Dict, Iterator, List, Mapping

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


class ProbabilisticSampler:
    """
    Keeps a record with the probability of its label: each record is an independent
    Bernoulli trial, so the kept counts are only balanced on average.
    Tallies per label what came in and what was kept.
    """

    def __init__(self, correction: Mapping[str, float], default_probability: float, uniforms: Iterator[float]):
        """
        :param correction: label -> keep probability in [0, 1]
        :type correction: dict
        :param default_probability: the probability of labels not in the correction
        :type default_probability: float
        :param uniforms: the source of random numbers (see :func:`uniform_stream`)
        :type uniforms: iterator
        """
        self._correction = dict(correction)
        self._default = default_probability
        self._uniforms = uniforms
        self._state: Dict[str, List] = dict()
        """ per label: [records in, kept, probability]; a plain list is the cheapest per-record update """

    def probability(self, label: str) -> float:
        """
        Returns the keep probability of a label.

        :param label: the label
        :type label: str
        :return: the probability
        :rtype: float
        """
        return self._correction.get(label, self._default)

    def emit_count(self, label: str) -> int:
        """
        Decides how many times the next record with this label is emitted.
        Exactly one uniform number is drawn per call, so the decisions depend only
        on the seed and the order of the records.

        :param label: the record's label
        :type label: str
        :return: 1 to keep the record, 0 to drop it
        :rtype: int
        """
        state = self._state.get(label)
        if state is None:
            state = self._state[label] = [0, 0, self.probability(label)]
        state[0] += 1
        if next(self._uniforms) < state[2]:
            state[1] += 1
            return 1
        return 0

    def tallies(self) -> Dict[str, LabelTally]:
        """
        Returns what came in and what was kept per label so far, sorted by label.

        :return: label -> tally
        :rtype: dict
        """
        return {label: LabelTally(self._state[label][0], self._state[label][1]) for label in sorted(self._state)}
