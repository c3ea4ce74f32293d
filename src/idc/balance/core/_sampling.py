"""
Samplers turn a per-label correction into a decision per record: how many times
the record is emitted (0 = dropped, 1 = kept).
"""
from typing import Mapping

import numpy as np

BLOCK_SIZE = 8192
""" How many uniform numbers are drawn from the generator at once (a numpy call per
record would cost more than the rest of the decision). The stream of draws, and so
the output, does not depend on it. """


class UniformStream:
    """
    Hands out uniform numbers in [0, 1) one at a time from a numpy generator,
    drawing them in blocks. The sequence is fixed by the generator's seed.
    """

    def __init__(self, rng: np.random.Generator, block_size: int = BLOCK_SIZE):
        """
        :param rng: the generator to draw from
        :type rng: np.random.Generator
        :param block_size: how many numbers to draw at once
        :type block_size: int
        """
        self._rng = rng
        self._block_size = block_size
        self._block = iter(())

    def next(self) -> float:
        """
        Returns the next uniform number.

        :return: a number in [0, 1)
        :rtype: float
        """
        try:
            return next(self._block)
        except StopIteration:
            self._block = iter(self._rng.random(self._block_size).tolist())
            return next(self._block)


class ProbabilisticSampler:
    """
    Keeps a record with the probability of its label: each record is an independent
    Bernoulli trial, so the kept counts are only balanced on average.
    """

    def __init__(self, correction: Mapping[str, float], default_probability: float, uniforms: UniformStream):
        """
        :param correction: label -> keep probability in [0, 1]
        :type correction: dict
        :param default_probability: the probability of labels not in the correction
        :type default_probability: float
        :param uniforms: the source of random numbers
        :type uniforms: UniformStream
        """
        self._correction = dict(correction)
        self._default = default_probability
        self._uniforms = uniforms

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
        u = self._uniforms.next()
        return 1 if u < self._correction.get(label, self._default) else 0
