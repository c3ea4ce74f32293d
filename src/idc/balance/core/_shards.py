"""
Exact quotas across shards: how many records of each label (or signature) each shard emits so
that the shards together emit exactly the global target, every record equally likely to be
chosen overall, and every shard computes the same split from the same inputs without talking
to the others.

A key (label or signature) with N records over all shards (n_i in shard i) and global target T
emits every record floor(T / N) times and T mod N records once more; which records get the one
more is a uniform choice among all N, so the number that falls in shard i follows the
multivariate hypergeometric distribution over the shards' counts. The split is drawn with a
generator seeded by the seed and the key alone (not by the order of the keys), then each
shard's exact sampler chooses its share uniformly within the shard: overall, a uniform choice.
"""
import hashlib
from typing import Callable, Dict, Hashable, List, Mapping, Sequence

import numpy as np

from ._errors import BalanceError

KEY_DIGEST_BYTES = 16

MAX_SPLIT_RECORDS = 10 ** 9 - 1
""" The most records of one key over all shards that the split supports (numpy's multivariate hypergeometric draw
needs fewer than 10^9). """


def key_entropy(text: str) -> int:
    """
    Returns a key's contribution to the seed of its split: a digest of its text, the same in every process.

    :param text: the key as text
    :type text: str
    :return: a whole number below 2^128
    :rtype: int
    """
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                          digest_size=KEY_DIGEST_BYTES).digest(), "big")


def split_quota(counts: Sequence[int], target: int, seed: int, key_text: str) -> List[int]:
    """
    Splits one key's global target over the shards (see the module).

    :param counts: the key's records per shard
    :type counts: list
    :param target: the global target
    :type target: int
    :param seed: the seed (the same in every shard)
    :type seed: int
    :param key_text: the key as text (seeds the split together with the seed)
    :type key_text: str
    :return: the target per shard, adding up to the global target
    :rtype: list
    :raises BalanceError: if the key has no records but a target above 0
    """
    total = sum(counts)
    if total == 0:
        if target > 0:
            raise BalanceError("'%s': target %d, but no shard has records of it" % (key_text, target))
        return [0] * len(counts)
    if total > MAX_SPLIT_RECORDS:
        raise BalanceError("'%s': %d records over the shards; the split over shards supports at most %d per key"
                           % (key_text, total, MAX_SPLIT_RECORDS))
    base, extra = divmod(target, total)
    rng = np.random.default_rng(np.random.SeedSequence([seed, key_entropy(key_text)]))
    chosen = rng.multivariate_hypergeometric(np.asarray(counts, dtype=np.int64), extra)
    return [base * n + int(c) for n, c in zip(counts, chosen)]


def shard_targets(shard_counts: Sequence[Mapping[Hashable, int]], targets: Mapping[Hashable, int], shard: int,
                  seed: int, key_text: Callable[[Hashable], str] = str) -> Dict[Hashable, int]:
    """
    Returns one shard's target per key: its part of the split of every key's global target.

    :param shard_counts: per shard, key -> records (the keys a shard lacks count 0)
    :type shard_counts: list
    :param targets: key -> global target
    :type targets: dict
    :param shard: the shard, 0 to len(shard_counts) - 1
    :type shard: int
    :param seed: the seed (the same in every shard)
    :type seed: int
    :param key_text: a key as text (labels are their own text; signatures e.g. as JSON)
    :return: key -> target in this shard, for every key of the targets (0 where the shard has no records of it)
    :rtype: dict
    """
    if not (0 <= shard < len(shard_counts)):
        raise BalanceError("shard %d: not one of 0 to %d" % (shard, len(shard_counts) - 1))
    result = dict()
    for key, target in targets.items():
        counts = [c.get(key, 0) for c in shard_counts]
        if counts[shard] > 0:
            result[key] = split_quota(counts, target, seed, key_text(key))[shard]
        elif sum(counts) == 0 and target > 0:
            raise BalanceError("'%s': target %d, but no shard has records of it" % (key_text(key), target))
        else:
            result[key] = 0
    return result
