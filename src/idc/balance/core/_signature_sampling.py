"""
Streams a multi-label plan: decides for each image, by its signature, how many times it
is emitted. The plan's signatures are decided by the exact sampler (exactly the planned
number per signature, each image of a signature equally likely); under repeat factor
sampling they are decided by the probabilistic sampler with the signature's factor. The
images without any non-background class (negatives) form one pool, keyed by the empty
signature, from which exactly the planned number is emitted. Signatures that are not in
the signatures file pass through (emitted once) and are counted.
"""
import json
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Set, Tuple

import numpy as np

from ._errors import BalanceError
from ._plan import Plan
from ._report import LabelTally
from ._sampling import ExactSampler, ProbabilisticSampler
from ._shards import shard_targets
from ._signatures import Signature

NEGATIVES_POOL: Signature = ()
""" The key of the pool of images without a non-background class. """


@dataclass(frozen=True)
class ShardOfPlan:
    """
    One shard of a plan made for all shards: every shard's images per signature, which shard this is, and the
    seed that every shard splits the plan's numbers with.
    """
    images: List[Mapping[Signature, int]]
    index: int
    seed: int

    def share(self, counts: Mapping[Signature, int], targets: Mapping[Signature, int],
              negatives: Set[Signature]) -> Tuple[Dict[Signature, int], Dict[Signature, int]]:
        """
        Returns this shard's images and targets per key of the exact sampler (a signature, or the pool of
        negatives): the global targets split over the shards (see idc.balance.core.shard_targets).
        """
        per_shard = []
        for images in self.images:
            shard_counts = {NEGATIVES_POOL: sum(n for s, n in images.items() if s in negatives)}
            shard_counts.update({s: n for s, n in images.items() if (s in counts) and (s not in negatives)})
            per_shard.append(shard_counts)
        shares = shard_targets(per_shard, targets, self.index, self.seed, key_text=signature_text)
        mine = per_shard[self.index]
        return ({key: mine.get(key, 0) for key in counts},
                {key: shares.get(key, 0) for key in counts})


def signature_text(signature: Signature) -> str:
    """
    Returns a signature as text, the same in every process (it seeds the signature's split over shards).
    """
    return json.dumps(list(signature))


class SignatureSampler:
    """
    Decides per image by its signature (see the module). Memory grows with the number
    of signatures, never with the number of images. :meth:`emit_count` is the exact
    sampler's own (the negatives share one state), so a decision costs what one of
    balance-labels-ic's exact mode costs.
    """

    def __init__(self, images: Mapping[Signature, int], plan: Plan, rng: np.random.Generator,
                 factors: Optional[Mapping[Signature, float]] = None, shards: Optional[ShardOfPlan] = None):
        """
        :param images: signature -> images, from the signatures file
        :type images: dict
        :param plan: the plan (its emit is used for the signatures with a non-background class, unless factors are
                     given; its negatives for the others)
        :type plan: Plan
        :param rng: the generator to draw the decisions from
        :type rng: np.random.Generator
        :param factors: signature -> repeat factor, for repeat factor sampling; None to stream the plan exactly
        :type factors: dict
        :param shards: to stream one shard's share of the plan (images are then all shards' images added up);
                       None for a stream of all images
        :type shards: ShardOfPlan
        """
        self._images = dict(images)
        negatives = {s for s in images if not any(label in plan.images_in for label in s)}
        counts: Dict[Signature, int] = {NEGATIVES_POOL: sum(images[s] for s in negatives)}
        targets: Dict[Signature, int] = {NEGATIVES_POOL: plan.negatives}
        if factors is None:
            for signature in images:
                if signature not in negatives:
                    counts[signature] = images[signature]
                    targets[signature] = int(plan.emit[signature])
            self._repeated = []
        else:
            self._repeated = sorted(s for s in images if s not in negatives)
        if shards is not None:
            if factors is not None:
                raise BalanceError("shards: repeat factor sampling decides each image on its own; only the plan's "
                                   "exact numbers are split over shards")
            self._images = dict(shards.images[shards.index])
            counts, targets = shards.share(counts, targets, negatives)
        # signatures not in the file fall through to the repeat sampler, which outputs them once (its default)
        self._repeat = ProbabilisticSampler({s: factors[s] for s in self._repeated}, 1.0, rng)
        aliases = {s: NEGATIVES_POOL for s in negatives if s != NEGATIVES_POOL}
        self._exact = ExactSampler(counts, targets, rng, self._repeat, aliases)
        self.emit_count = self._exact.emit_count
        """ Decides how many times the next image with a signature is emitted: signature -> number (0: drop). """
        self.decisions = self._exact.decisions
        """ signature -> the iterator over its decisions (see ExactSampler.decisions) """
        self.decisions_of = self._exact.decisions_of
        """ signature -> the iterator over its decisions, made on its first image (see ExactSampler.decisions_of) """

    def tallies(self) -> Dict[Signature, LabelTally]:
        """
        Returns what happened per signature of the file so far (the negatives as one pool,
        keyed by NEGATIVES_POOL), sorted; signatures not in the file are left out (see
        :meth:`unknown`).

        :return: signature -> tally
        :rtype: dict
        """
        return {key: tally for key, tally in self._exact.tallies().items()
                if (key in self._images) or (key == NEGATIVES_POOL)}

    def unknown(self) -> Dict[Signature, int]:
        """
        Returns the signatures that were not in the file, with their number of images
        (each passed through once), sorted.

        :return: signature -> images
        :rtype: dict
        """
        return {key: tally.records_in for key, tally in self._repeat.tallies().items()
                if (key not in self._images) and (key != NEGATIVES_POOL)}

    def mismatches(self) -> Dict[Signature, int]:
        """
        Returns the signatures (and the pool of negatives) whose number of images in the
        stream differs from the file: signature -> images seen minus images in the file.

        :return: the differences, sorted
        :rtype: dict
        """
        result = {key: diff for key, diff in self._exact.mismatches().items() if diff is not None}
        repeated = self._repeat.tallies()
        for key in self._repeated:
            seen = repeated[key].records_in if key in repeated else 0
            if seen != self._images[key]:
                result[key] = seen - self._images[key]
        return dict(sorted(result.items()))


def emitted_per_class(tallies: Mapping[Signature, LabelTally], unknown: Mapping[Signature, int],
                      classes: Mapping[str, int]) -> Dict[str, int]:
    """
    Counts the images emitted per class (copies included), from the tallies per signature
    and the unknown signatures (emitted once each).

    :param tallies: signature -> tally
    :type tallies: dict
    :param unknown: signature -> images passed through
    :type unknown: dict
    :param classes: the classes to count (keys)
    :type classes: dict
    :return: class -> images emitted
    :rtype: dict
    """
    result = {c: 0 for c in classes}
    for signature, tally in tallies.items():
        for label in signature:
            if label in result:
                result[label] += tally.emitted
    for signature, count in unknown.items():
        for label in signature:
            if label in result:
                result[label] += count
    return result


def makes_copies(images: Mapping[Signature, int], plan: Plan, factors: Optional[Mapping[Signature, float]] = None) -> bool:
    """
    Whether a run of the plan (or of repeat factor sampling with these factors) can output
    an image more than once.

    :param images: signature -> images
    :type images: dict
    :param plan: the plan
    :type plan: Plan
    :param factors: signature -> repeat factor, None for the plan
    :type factors: dict
    :return: True if copies can be made
    :rtype: bool
    """
    if plan.negatives > plan.negatives_in:
        return True
    if factors is not None:
        return any(factor > 1.0 for factor in factors.values())
    return any(plan.emit.get(s, 0) > n for s, n in images.items())
