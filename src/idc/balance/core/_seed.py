"""
Seeds and random number generators.
"""
from typing import Optional

import numpy as np


def resolve_seed(seed: Optional[int]) -> int:
    """
    Returns the seed to use: the given one, or fresh entropy from the operating system
    if None. The result can be logged and passed back in to repeat a run.

    :param seed: the user-supplied seed, None for fresh entropy
    :type seed: int or None
    :return: the seed to use
    :rtype: int
    """
    if seed is not None:
        return int(seed)
    return int(np.random.SeedSequence().entropy)


def create_rng(seed: int) -> np.random.Generator:
    """
    Creates the numpy generator used for all draws of one filter.

    :param seed: the seed (see :func:`resolve_seed`)
    :type seed: int
    :return: the generator
    :rtype: np.random.Generator
    """
    return np.random.default_rng(seed)
