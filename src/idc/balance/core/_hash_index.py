"""
A Hamming-distance index over 64-bit image hashes: which earlier hashes lie within a
radius of a new one, in time that does not grow with the number of hashes stored (for
hashes that are spread out, as image hashes of distinct images are).

Multi-index hashing (Norouzi et al.): the hash is split into CHUNKS chunks of 16 bits. If
two hashes differ in at most r bits, at least one chunk differs in at most floor(r / CHUNKS)
bits (pigeonhole), so the candidates are the hashes stored under the chunk values within
that distance of the query's chunks; each candidate's full distance is then checked. Per
hash the index holds the hash (8 bytes) and one reference per chunk.
"""
from itertools import combinations
from typing import Dict, List, Tuple

import numpy as np

from ._errors import BalanceError

HASH_BITS = 64
""" The bits of the hashes indexed. """

CHUNKS = 4
""" How many chunks a hash is split into. """

CHUNK_BITS = HASH_BITS // CHUNKS
CHUNK_MASK = (1 << CHUNK_BITS) - 1

MAX_RADIUS = 15
""" The largest radius searched (beyond it a chunk would have to be searched with radius 4 or more, 2,516 probes
per chunk; image hashes that far apart are not duplicates). """


def chunk_neighbours(radius: int) -> List[int]:
    """
    Returns the XOR masks of the chunk values within a radius of a chunk value: all masks
    of CHUNK_BITS bits with at most radius bits set.

    :param radius: the radius per chunk
    :type radius: int
    :return: the masks, 0 first
    :rtype: list
    """
    result = [0]
    for k in range(1, radius + 1):
        for bits in combinations(range(CHUNK_BITS), k):
            mask = 0
            for b in bits:
                mask |= 1 << b
            result.append(mask)
    return result


def hamming(a: int, b: int) -> int:
    """
    Returns the number of bits in which two hashes differ.

    :param a: a hash
    :type a: int
    :param b: another hash
    :type b: int
    :return: the distance
    :rtype: int
    """
    return (a ^ b).bit_count()


class HammingIndex:
    """
    Stores 64-bit hashes and finds the stored ones within a fixed radius of a query (see the module).
    """

    def __init__(self, radius: int):
        """
        :param radius: the largest Hamming distance that counts as a match, 0 to MAX_RADIUS
        :type radius: int
        :raises BalanceError: for a radius out of range
        """
        if isinstance(radius, bool) or not isinstance(radius, int) or not (0 <= radius <= MAX_RADIUS):
            raise BalanceError("hash radius: %r is not a whole number from 0 to %d" % (radius, MAX_RADIUS))
        self.radius = radius
        self._masks = chunk_neighbours(radius // CHUNKS)
        self._tables: List[Dict[int, List[int]]] = [dict() for _ in range(CHUNKS)]
        self._hashes = np.zeros(1024, dtype=np.uint64)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, value: int) -> int:
        """
        Stores a hash.

        :param value: the hash, 0 to 2^64 - 1
        :type value: int
        :return: its id (0, 1, 2, ... in the order of adding)
        :rtype: int
        """
        index = self._count
        if index == len(self._hashes):
            self._hashes = np.concatenate([self._hashes, np.zeros(len(self._hashes), dtype=np.uint64)])
        self._hashes[index] = value
        self._count = index + 1
        for c, table in enumerate(self._tables):
            key = (value >> (c * CHUNK_BITS)) & CHUNK_MASK
            bucket = table.get(key)
            if bucket is None:
                table[key] = [index]
            else:
                bucket.append(index)
        return index

    def search(self, value: int) -> List[Tuple[int, int]]:
        """
        Finds the stored hashes within the radius of a hash.

        :param value: the hash
        :type value: int
        :return: (id, distance) of every match, by id
        :rtype: list
        """
        candidates = []
        masks = self._masks
        for c, table in enumerate(self._tables):
            key = (value >> (c * CHUNK_BITS)) & CHUNK_MASK
            get = table.get
            for mask in masks:
                bucket = get(key ^ mask)
                if bucket is not None:
                    candidates.extend(bucket)
        if len(candidates) == 0:
            return []
        ids = np.unique(np.array(candidates, dtype=np.int64))
        distances = np.bitwise_count(self._hashes[ids] ^ np.uint64(value))
        keep = distances <= self.radius
        return list(zip(ids[keep].tolist(), distances[keep].astype(int).tolist()))
