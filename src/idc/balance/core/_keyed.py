"""
Keyed decisions: a record's uniform number as a pure function of (seed, label, image name),
instead of the next draw of a seeded stream. The decision then does not depend on the order
of the records nor on how they are split into shards: the same records survive in any order
and in any shard, and the union of the shards' outputs is the single run's, name for name.

The number is the top 53 bits of the 64-bit XXH3 hash of the name, seeded with the XXH3 hash
of the label, itself seeded with a 64-bit value derived from the seed (by BLAKE2b, once), as a
float in [0, 1). XXH3 passes
SMHasher's tests of distribution and independence, so for distinct (label, name) pairs the
numbers behave as independent uniforms and a label's keep rate follows the binomial
distribution of its correction, as the stream's draws do. It costs a third of hashlib's keyed
BLAKE2b per record (0.31 against 0.92 microseconds, measured). Python's own hash() would not
do: it is salted per process (PYTHONHASHSEED).
"""
import hashlib
import math
from typing import Callable

import xxhash

from ._errors import BalanceError

UNIFORM_BITS = 53
""" The bits of a double's mantissa: the uniform takes the hash's top 53 bits. """


def hash_seed(seed: int) -> int:
    """
    Returns the 64-bit XXH3 seed for a seed of any size (distinct seeds give distinct hash seeds but for
    chance collisions at 2^-64).

    :param seed: the seed, a non-negative whole number
    :type seed: int
    :return: the hash seed
    :rtype: int
    :raises BalanceError: for anything else
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise BalanceError("keyed decisions: seed %r is not a non-negative whole number" % (seed,))
    data = seed.to_bytes((seed.bit_length() + 7) // 8 or 1, "little")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8, person=b"idc-balance-key").digest(), "little")


xxh3 = xxhash.xxh3_64_intdigest
""" The 64-bit hash of the keyed draws: (bytes, seed) -> int. """


def keyed_threshold(probability: float) -> int:
    """
    Returns the 64-bit hash threshold of a probability: a hash h is below it exactly when
    the keyed uniform number of h, (h >> 11) / 2^53, is below the probability. So a keyed
    decision compares two integers and never makes the float (the same decisions: for a
    whole number x, x < p * 2^53 exactly when x < ceil(p * 2^53), and p * 2^53 is exact).

    :param probability: the probability, in [0, 1]
    :type probability: float
    :return: the threshold, in [0, 2^64]
    :rtype: int
    """
    if probability <= 0:
        return 0
    if probability >= 1:
        return 1 << 64
    return math.ceil(probability * (1 << UNIFORM_BITS)) << (64 - UNIFORM_BITS)


class KeyedDraws:
    """
    The keyed draws of one seed (see the module): a record's 64-bit hash is the XXH3 hash of
    its name, seeded with its label's seed, which is the XXH3 hash of the label seeded with
    the seed's hash seed.
    """

    def __init__(self, seed: int):
        """
        :param seed: the seed, a non-negative whole number
        :type seed: int
        :raises BalanceError: for anything else
        """
        self._key = hash_seed(seed)

    def label_seed(self, label: str) -> int:
        """
        Returns the seed of a label's hashes.

        :param label: the label
        :type label: str
        :return: the 64-bit seed
        :rtype: int
        """
        return xxh3(utf8(label), self._key)

    @staticmethod
    def name_hash(name: str, label_seed: int) -> int:
        """
        Returns the 64-bit hash of a record's name under its label's seed.

        :param name: the image name
        :type name: str
        :param label_seed: the label's seed (see :meth:`label_seed`)
        :type label_seed: int
        :return: the hash
        :rtype: int
        """
        try:
            data = name.encode()
        except UnicodeEncodeError:
            # a name read from a file name that is not valid UTF-8 holds surrogates
            data = utf8(name)
        return xxh3(data, label_seed)


def keyed_uniform_function(seed: int) -> Callable[[str, str], float]:
    """
    Returns the function (label, name) -> uniform number in [0, 1) for a seed (see the module): the top 53 bits
    of the record's hash (see :class:`KeyedDraws`), one label seed per label, cached.

    :param seed: the seed
    :type seed: int
    :return: the function
    :raises BalanceError: for a seed that is not a non-negative whole number
    """
    draws = KeyedDraws(seed)
    shift = 64 - UNIFORM_BITS
    scale = 1.0 / (1 << UNIFORM_BITS)
    label_seeds = dict()

    def uniform(label: str, name: str) -> float:
        label_seed = label_seeds.get(label)
        if label_seed is None:
            label_seed = label_seeds[label] = draws.label_seed(label)
        return (draws.name_hash(name, label_seed) >> shift) * scale

    return uniform


def utf8(text: str) -> bytes:
    """
    Returns a text as UTF-8, surrogates included (as Python reads names that are not valid UTF-8).

    :param text: the text
    :type text: str
    :return: the bytes
    :rtype: bytes
    """
    return text.encode("utf-8", "surrogatepass")
