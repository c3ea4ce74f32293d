"""
A Hamming-distance index over 64-bit image hashes: which earlier hashes lie within a
radius of a new one, in time that does not grow with the number of hashes stored (for
hashes that are spread out, as image hashes of distinct images are).

Multi-index hashing (Norouzi, Punjani and Fleet, 2012): the hash is split into 3 chunks of
21-22 bits. If two hashes differ in at most r = 3 q + a bits (0 <= a < 3), one of the first
a + 1 chunks differs in at most q bits or one of the others in at most q - 1 bits (pigeonhole),
so the candidates are the hashes stored under the chunk values within those distances of the
query's chunks; each candidate's full distance is then checked. With 2^21 values per chunk,
up to a million spread-out hashes leave at most about one per chunk value, so a look-up costs
its probes (3 to 4,000, by the radius) and the few candidates they find. Per hash the index
holds the hash (8 bytes) and one 4-byte link per chunk.
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


def chunk_radii(radius: int) -> List[int]:
    """
    Returns the radius to search in each chunk so that every hash within a radius is found
    (the refined pigeonhole of the module; -1: the chunk is not searched).

    :param radius: the full radius
    :type radius: int
    :return: the radius per chunk
    :rtype: list
    """
    q, a = divmod(radius, CHUNKS)
    return [q if c <= a else q - 1 for c in range(CHUNKS)]


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
    The chunks' tables are one numpy array of list heads (per chunk and chunk value, the slot
    of the newest hash with that value; a hash's slot in chunk c is 3 id + c) and each slot
    links to the previous slot with the same chunk value, so a look-up gathers the heads of
    all its probes at once and then follows all chains one step per gather: 24 MB for the
    tables, 20 bytes per hash (the hash and three links).
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
        self._shifts = [sum(CHUNK_WIDTHS[:c]) for c in range(CHUNKS)]
        self._chunk_masks = [(1 << width) - 1 for width in CHUNK_WIDTHS]
        self._offsets = [sum(1 << width for width in CHUNK_WIDTHS[:c]) for c in range(CHUNKS)]
        # per chunk, the table positions probed for a chunk value of 0 (XORed with the query's chunk value)
        self._probes = [np.array(chunk_neighbours(r, width), dtype=np.int64) if r >= 0 else None
                        for r, width in zip(chunk_radii(radius), CHUNK_WIDTHS)]
        self._heads = np.full(sum(1 << width for width in CHUNK_WIDTHS), NONE, dtype=np.int32)
        self._links = np.full(INITIAL_CAPACITY * CHUNKS, NONE, dtype=np.int32)
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
            self._links = np.concatenate([self._links, np.full(len(self._links), NONE, dtype=np.int32)])
        self._hashes[index] = value
        heads = self._heads
        links = self._links
        for c in range(CHUNKS):
            key = self._offsets[c] + ((value >> self._shifts[c]) & self._chunk_masks[c])
            slot = index * CHUNKS + c
            links[slot] = heads[key]
            heads[key] = slot
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
        keys = [self._offsets[c] + (((value >> self._shifts[c]) & self._chunk_masks[c]) ^ self._probes[c])
                for c in range(CHUNKS) if self._probes[c] is not None]
        slots = self._heads[np.concatenate(keys)]
        slots = slots[slots != NONE]
        found = []
        while slots.size > 0:
            found.append(slots)
            slots = self._links[slots]
            slots = slots[slots != NONE]
        if len(found) == 0:
            return []
        # the distance of every candidate first, then the few matches made unique (a match found in two chunks)
        ids = np.concatenate(found) // CHUNKS
        distances = np.bitwise_count(self._hashes[ids] ^ np.uint64(value))
        ids, first = np.unique(ids[distances <= self.radius], return_index=True)
        distances = distances[distances <= self.radius][first]
        return list(zip(ids.tolist(), distances.astype(int).tolist()))
