"""
One epoch's balanced selection of item indices, for training loops: how many times each item
of a dataset is drawn in an epoch, from its key (a label, or a multi-label signature) and the
key's target, vectorised with numpy so that an epoch over a million items takes a fraction of
a second.

- Exact: a key with n items and target t draws every item floor(t / n) times and t mod n of
  its items once more, chosen without replacement, each item equally likely (a random rank
  within the key: the items whose rank is below t mod n). Every epoch has exactly the target
  per key; epochs draw different subsets, so over k epochs with keep rate p a share of about
  1 - (1 - p)^k of a key's items is seen.
- Probabilistic: every item is drawn floor(c) times and once more with probability c - floor(c),
  c = t / n: the targets in expectation, as the filters' default mode.

An epoch's generator is seeded by (seed, epoch) alone, so every process that knows the seed
draws the same epoch, whatever Python's hash seed.
"""
from typing import Dict, Hashable, List, Mapping, Sequence, Tuple

import numpy as np

from ._errors import BalanceError

EPOCH_MODE_EXACT = "exact"
EPOCH_MODE_PROBABILISTIC = "probabilistic"
EPOCH_MODES = [EPOCH_MODE_EXACT, EPOCH_MODE_PROBABILISTIC]


def group_keys(keys: Sequence[Hashable]) -> Tuple[List[Hashable], np.ndarray]:
    """
    Numbers the distinct keys of the items in the order of their first item.

    :param keys: one key per item
    :type keys: list
    :return: the distinct keys, and each item's key number (int64)
    :rtype: tuple
    """
    numbers: Dict[Hashable, int] = dict()
    codes = np.fromiter((numbers.setdefault(key, len(numbers)) for key in keys), dtype=np.int64, count=len(keys))
    return list(numbers), codes


def epoch_generator(seed: int, epoch: int) -> np.random.Generator:
    """
    Returns the generator of an epoch: seeded by (seed, epoch) alone.

    :param seed: the sampler's seed, a non-negative whole number
    :type seed: int
    :param epoch: the epoch, a non-negative whole number
    :type epoch: int
    """
    return np.random.default_rng(np.random.SeedSequence([seed, epoch]))


class EpochPlan:
    """
    The draws per item for epochs (see the module): the items' key numbers, each key's count and target.
    """

    def __init__(self, codes: np.ndarray, targets: Mapping[int, int], mode: str = EPOCH_MODE_EXACT):
        """
        :param codes: each item's key number (0 to keys - 1)
        :type codes: np.ndarray
        :param targets: key number -> draws per epoch (exact) or expected draws (probabilistic); missing keys: 0
        :type targets: dict
        :param mode: EPOCH_MODE_EXACT or EPOCH_MODE_PROBABILISTIC
        :type mode: str
        """
        if mode not in EPOCH_MODES:
            raise BalanceError("mode: '%s' is not one of %s" % (mode, ", ".join(EPOCH_MODES)))
        self.mode = mode
        self.codes = np.asarray(codes, dtype=np.int64)
        keys = int(self.codes.max()) + 1 if len(self.codes) > 0 else 0
        self.counts = np.bincount(self.codes, minlength=keys).astype(np.int64)
        self.targets = np.zeros(keys, dtype=np.int64)
        for key, target in targets.items():
            self.targets[key] = target
        safe = np.maximum(self.counts, 1)
        self.base = self.targets // safe
        self.extra = self.targets - self.base * self.counts
        self.rate = self.targets / safe
        # items grouped by key: a key's items are order[start[key]:start[key] + counts[key]]
        self.start = np.concatenate([[0], np.cumsum(self.counts)[:-1]]) if keys > 0 else np.zeros(0, dtype=np.int64)

    @property
    def length(self) -> int:
        """
        The draws of an exact epoch (the expected draws of a probabilistic one).
        """
        return int(self.targets[self.counts > 0].sum())

    def draws(self, rng: np.random.Generator) -> np.ndarray:
        """
        Returns how many times each item is drawn in an epoch.

        :param rng: the epoch's generator
        :type rng: np.random.Generator
        :return: draws per item (int64)
        :rtype: np.ndarray
        """
        u = rng.random(len(self.codes))
        if self.mode == EPOCH_MODE_PROBABILISTIC:
            whole = np.floor(self.rate)
            return (whole[self.codes] + (u < (self.rate - whole)[self.codes])).astype(np.int64)
        # a random rank within each key: sort by (key, random number)
        order = np.lexsort((u, self.codes))
        rank = np.empty(len(self.codes), dtype=np.int64)
        rank[order] = np.arange(len(self.codes)) - self.start[self.codes[order]]
        return self.base[self.codes] + (rank < self.extra[self.codes])

    def epoch(self, rng: np.random.Generator) -> np.ndarray:
        """
        Returns an epoch's item indices in a random order (an item drawn k times appears k times).

        :param rng: the epoch's generator
        :type rng: np.random.Generator
        :return: the indices (int64)
        :rtype: np.ndarray
        """
        indices = np.repeat(np.arange(len(self.codes), dtype=np.int64), self.draws(rng))
        return rng.permutation(indices)


def replica_part(indices: np.ndarray, num_replicas: int, rank: int, drop_last: bool) -> np.ndarray:
    """
    Returns one replica's part of an epoch, as torch's DistributedSampler splits it: the epoch
    padded with its first indices (or cut, with drop_last) to a multiple of num_replicas, then
    every num_replicas-th index from rank on. The parts are disjoint and of equal length, and
    together they are the epoch (plus the padding).

    :param indices: the epoch's indices
    :type indices: np.ndarray
    :param num_replicas: the number of replicas
    :type num_replicas: int
    :param rank: this replica, 0 to num_replicas - 1
    :type rank: int
    :param drop_last: cut the epoch instead of padding it
    :type drop_last: bool
    """
    length = len(indices)
    if drop_last:
        total = (length // num_replicas) * num_replicas
        indices = indices[:total]
    else:
        total = -(-length // num_replicas) * num_replicas
        if total > length and length > 0:
            indices = np.concatenate([indices, np.resize(indices, total - length)])
    return indices[rank:total:num_replicas]
