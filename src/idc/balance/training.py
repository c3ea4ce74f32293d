"""
Balanced every epoch: an index sampler for training loops. Instead of balancing a dataset once
on disk (which throws the dropped images away for good), the loader draws a balanced selection
of the dataset's items anew every epoch, so that over epochs the model sees the items left out
before.

    from idc.balance.training import BalancedSampler
    sampler = BalancedSampler(labels, target="min", seed=42)
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, sampler=sampler)
    for epoch in range(10):
        sampler.set_epoch(epoch)
        for batch in loader:
            ...

Importable without torch, Keras or idc's plugins: it sits on the framework-free core (numpy).
"""
import logging
from typing import Hashable, Iterator, List, Optional, Sequence, Union

import numpy as np

from idc.balance.core import (BalanceError, EpochPlan, EPOCH_MODES, EPOCH_MODE_EXACT, NEGATIVES_POOL, epoch_generator,
                              exact_targets, group_keys, parse_target, plan_signatures, replica_part, resolve_seed,
                              signature_of, check_seed, check_whole_number)

LOGGER = logging.getLogger("idc.balance.training")

ITERATION_BLOCK = 65536
""" How many indices __iter__ turns into Python ints at a time. """

MAX_EPOCH_LENGTH = 100_000_000
""" The most indices an epoch may hold (800 MB as int64): a target that asks for more is refused at construction. """

Label = Hashable
""" A label: a string or a whole number, the same type for all items. """


def _is_multi(entry) -> bool:
    return isinstance(entry, (list, tuple, set, frozenset))


def check_labels(items: List) -> None:
    """
    Checks the labels of a sampler's items: at least one item, no None, all labels of one type (they are sorted).

    :raises BalanceError: naming the item and the problem
    """
    if len(items) == 0:
        raise BalanceError("labels: empty: a sampler needs at least one item")
    types = dict()
    for index, entry in enumerate(items):
        for label in (entry if _is_multi(entry) else (entry,)):
            if label is None:
                raise BalanceError("labels: item %d: a label is None" % index)
            try:
                hash(label)
            except TypeError:
                raise BalanceError("labels: item %d: label %r is not hashable (a label is a text or a number; a "
                                   "multi-label item is a flat list of them)" % (index, label)) from None
            types.setdefault(type(label), index)
    if len(types) > 1:
        (first, at), (other, where) = list(types.items())[:2]
        raise BalanceError("labels: item %d has a label of type %s, item %d one of type %s: labels must be of one "
                           "type" % (at, first.__name__, where, other.__name__))


class BalancedSampler:
    """
    Yields the item indices of a balanced epoch (see the module): with mode 'exact', exactly the
    target per label every epoch, chosen without replacement within a label where the target
    allows (copies only beyond the label's count), each item equally likely; with mode
    'probabilistic', the targets in expectation. Multi-label items (a list of labels per item, as
    in detection and segmentation) are balanced by the optimal plan over their signatures (the
    plan of balance-labels-od), the same per-class totals every epoch.

    With num_replicas and rank, each replica yields a disjoint part of the same epoch (padded
    with the epoch's first indices, or cut with drop_last, to equal lengths, as torch's
    DistributedSampler does); the union of the parts is the single-process epoch.
    """

    def __init__(self, labels: Sequence[Union[Label, Sequence[Label]]], target: Union[str, int] = "min",
                 mode: str = EPOCH_MODE_EXACT, seed: Optional[int] = None, num_replicas: int = 1, rank: int = 0,
                 drop_last: bool = False, max_copies: Optional[int] = None, background: Sequence[Label] = (),
                 negatives: Optional[int] = None):
        """
        :param labels: one entry per item: its label, or a list of labels (multi-label; an empty list: a
                       negative, an item without any class)
        :type labels: list
        :param target: the items per label per epoch: min, max, mean, median (of the labels' counts) or a number
        :type target: str or int
        :param mode: 'exact' or 'probabilistic'
        :type mode: str
        :param seed: the seed of every epoch's draw (with set_epoch's epoch); None for fresh entropy (logged;
                     not allowed with several replicas, which must draw the same epochs)
        :type seed: int
        :param num_replicas: the number of processes that share each epoch
        :type num_replicas: int
        :param rank: this process, 0 to num_replicas - 1
        :type rank: int
        :param drop_last: cut the epoch to a multiple of num_replicas instead of padding it
        :type drop_last: bool
        :param max_copies: multi-label: the most times an item may be drawn in an epoch (default 1: the plan
                           only leaves items out); single-label draws are not limited
        :type max_copies: int
        :param background: multi-label: classes left out of the balancing (e.g. 'person')
        :type background: list
        :param negatives: multi-label: how many items without a (non-background) class to draw per epoch; None
                          for all of them once
        :type negatives: int
        """
        if mode not in EPOCH_MODES:
            raise BalanceError("mode: '%s' is not one of %s" % (mode, ", ".join(EPOCH_MODES)))
        self.num_replicas = check_whole_number("num_replicas", num_replicas, 1)
        self.rank = check_whole_number("rank", rank, 0, self.num_replicas - 1)
        if (seed is None) and (self.num_replicas > 1):
            raise BalanceError("seed: required with num_replicas > 1: every replica must draw the same epochs")
        check_seed("seed", seed)
        self.seed = resolve_seed(seed)
        if seed is None:
            LOGGER.info("No seed given, using: %d" % self.seed)
        self.mode = mode
        self.drop_last = bool(drop_last)
        self.epoch = 0
        self._target = parse_target("target", target)
        items = list(labels)
        check_labels(items)
        if any(_is_multi(entry) for entry in items):
            self._plan_multi_label(items, max_copies, background, negatives)
        else:
            self._plan_single_label(items)
        if self._plan.length > MAX_EPOCH_LENGTH:
            raise BalanceError("target: %s asks for %d indices per epoch, more than the %d an epoch may hold"
                               % (target, self._plan.length, MAX_EPOCH_LENGTH))
        self._cached_epoch: Optional[int] = None
        self._cached: Optional[np.ndarray] = None

    def _plan_single_label(self, items: List[Label]):
        keys, codes = group_keys(items)
        counts = {key: int(n) for key, n in zip(keys, np.bincount(codes, minlength=len(keys)))}
        targets = exact_targets(counts, self._target)
        self.targets = {key: targets[key] for key in keys}
        """ label (or signature) -> items drawn per epoch (expected, in probabilistic mode) """
        self._plan = EpochPlan(codes, {i: targets[key] for i, key in enumerate(keys)}, self.mode)

    def _plan_multi_label(self, items: List, max_copies: Optional[int], background: Sequence[Label],
                          negatives: Optional[int]):
        signatures = [signature_of(entry if _is_multi(entry) else [entry]) for entry in items]
        skip = set(background)
        # the negatives (no class but background ones) form one pool, as in balance-labels-od
        keys_of = [s if any(label not in skip for label in s) else NEGATIVES_POOL for s in signatures]
        images = dict()
        for signature in signatures:
            images[signature] = images.get(signature, 0) + 1
        pool = sum(1 for key in keys_of if key == NEGATIVES_POOL)
        wanted = pool if negatives is None else check_whole_number("negatives", negatives, 0)
        plan = plan_signatures(images, self._target, 1 if max_copies is None else max_copies, background,
                               negatives=wanted)
        self.multi_label_plan = plan
        keys, codes = group_keys(keys_of)
        targets = {i: (plan.negatives if key == NEGATIVES_POOL else int(plan.emit[key])) for i, key in enumerate(keys)}
        self.targets = {key: targets[i] for i, key in enumerate(keys)}
        self._plan = EpochPlan(codes, targets, self.mode)

    def set_epoch(self, epoch: int):
        """
        Sets the epoch whose indices __iter__ yields next (as torch's DistributedSampler's set_epoch).

        :param epoch: the epoch, a non-negative whole number
        :type epoch: int
        """
        self.epoch = check_whole_number("epoch", epoch, 0)

    def epoch_indices(self, epoch: Optional[int] = None) -> np.ndarray:
        """
        Returns all item indices of an epoch (every replica's part, before padding), in the epoch's order.

        :param epoch: the epoch, None for the current one
        :type epoch: int
        :return: the indices
        :rtype: np.ndarray
        """
        epoch = self.epoch if epoch is None else epoch
        if self._cached_epoch != epoch:
            self._cached = self._plan.epoch(epoch_generator(self.seed, epoch))
            self._cached_epoch = epoch
        return self._cached

    def __iter__(self) -> Iterator[int]:
        part = replica_part(self.epoch_indices(), self.num_replicas, self.rank, self.drop_last)
        # Python ints a block at a time: a list of the whole epoch would take 48 bytes per index
        for start in range(0, len(part), ITERATION_BLOCK):
            yield from part[start:start + ITERATION_BLOCK].tolist()

    def __len__(self) -> int:
        length = len(self.epoch_indices()) if self.mode != EPOCH_MODE_EXACT else self._plan.length
        if self.drop_last:
            return length // self.num_replicas
        return -(-length // self.num_replicas)
