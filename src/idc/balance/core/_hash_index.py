"""
A Hamming-distance index over 64-bit image hashes: which earlier hashes lie within a
radius of a new one, in time that does not grow with the number of hashes stored (for
hashes that are spread out, as image hashes of distinct images are).

Multi-index hashing (Norouzi et al.): the hash is split into 3 chunks of 21-22 bits. If
two hashes differ in at most r bits, at least one chunk differs in at most floor(r / 3)
bits (pigeonhole), so the candidates are the hashes stored under the chunk values within
that distance of the query's chunks; each candidate's full distance is then checked. With
2^21 values per chunk, up to a million spread-out hashes leave about one per chunk value,
so a look-up costs its probes (3 to 4,700, by the radius) whatever the index holds. Per hash
the index holds the hash (8 bytes) and one reference per chunk.
"""
from itertools import combinations
from typing import List, Tuple

import numpy as np

from ._errors import BalanceError

HASH_BITS = 64
""" The bits of the hashes indexed. """

CHUNK_WIDTHS = (21, 21, 22)
""" The bits of each chunk, from the lowest. """

CHUNKS = len(CHUNK_WIDTHS)

NONE = -1
""" The link of a hash that is the first with its chunk value. """

INITIAL_CAPACITY = 1024
""" The hashes room is made for at first (doubled when full). """

MAX_RADIUS = 15
""" The largest radius searched (beyond it a chunk would have to be searched with radius 5 or more, 35,000 probes
per chunk; image hashes that far apart are not duplicates). """


def chunk_neighbours(radius: int, width: int) -> List[int]:
    """
    Returns the XOR masks of the chunk values within a radius of a chunk value: all masks
    of width bits with at most radius bits set.

    :param radius: the radius per chunk
    :type radius: int
    :param width: the bits of the chunk
    :type width: int
    :return: the masks, 0 first
    :rtype: list
    """
    result = [0]
    for k in range(1, radius + 1):
        for bits in combinations(range(width), k):
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
    Each chunk has a table of 2^width list heads (the newest hash with that chunk value) and
    each hash a link per chunk to the previous one with the same value, all numpy arrays, so
    that the probes of a look-up are one vectorised gather per chunk: 24 MB for the tables,
    20 bytes per hash (the hash and three links).
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
        self._masks = [np.array(chunk_neighbours(radius // CHUNKS, width), dtype=np.int64) for width in CHUNK_WIDTHS]
        self._shifts = [sum(CHUNK_WIDTHS[:c]) for c in range(CHUNKS)]
        self._chunk_masks = [(1 << width) - 1 for width in CHUNK_WIDTHS]
        self._heads = [np.full(1 << width, NONE, dtype=np.int32) for width in CHUNK_WIDTHS]
        self._links = np.full((INITIAL_CAPACITY, CHUNKS), NONE, dtype=np.int32)
        self._hashes = np.zeros(INITIAL_CAPACITY, dtype=np.uint64)
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
            self._links = np.concatenate([self._links, np.full(self._links.shape, NONE, dtype=np.int32)])
        self._hashes[index] = value
        links = self._links[index]
        for c in range(CHUNKS):
            key = (value >> self._shifts[c]) & self._chunk_masks[c]
            heads = self._heads[c]
            links[c] = heads[key]
            heads[key] = index
        self._count = index + 1
        return index

    def search(self, value: int) -> List[Tuple[int, int]]:
        """
        Finds the stored hashes within the radius of a hash.

        :param value: the hash
        :type value: int
        :return: (id, distance) of every match, by id
        :rtype: list
        """
        found = []
        for c in range(CHUNKS):
            ids = self._heads[c][((value >> self._shifts[c]) & self._chunk_masks[c]) ^ self._masks[c]]
            ids = ids[ids != NONE]
            while ids.size > 0:
                found.append(ids)
                ids = self._links[ids, c]
                ids = ids[ids != NONE]
        if len(found) == 0:
            return []
        ids = np.unique(np.concatenate(found))
        distances = np.bitwise_count(self._hashes[ids] ^ np.uint64(value))
        keep = distances <= self.radius
        return list(zip(ids[keep].tolist(), distances[keep].astype(int).tolist()))
