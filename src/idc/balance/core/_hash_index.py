"""
A Hamming-distance index over 64-bit image hashes: which earlier hashes lie within a
radius of a new one, in time that grows far slower than the number of hashes stored (for
hashes that are spread out, as image hashes of distinct images are).

Multi-index hashing (Norouzi, Punjani and Fleet, 2012): the hash is split into m chunks. If
two hashes differ in at most r = m q + a bits (0 <= a < m), one of the first a + 1 chunks
differs in at most q bits or one of the others in at most q - 1 bits (pigeonhole), so the
candidates are the hashes stored under the chunk values within those distances of the
query's chunks; each candidate's full distance is then checked. A look-up costs its probes
(more for wider chunks) and the candidates they find (more for more hashes per chunk value).
The best chunk width is about log2 of the number of hashes: the index starts with 4 chunks of
16 bits (188 probes at radius 8, 428 at 10) and, when it holds REBUILD_AT hashes, rebuilds
itself once with 3 chunks of 21-22 bits (696 and 3,378 probes, at most about one hash per
chunk value up to two million hashes). Below SCAN_BELOW hashes a look-up simply compares with
all of them, which is cheaper. Per hash the index holds the hash (8 bytes) and one 4-byte link
per chunk.
"""
from itertools import combinations
from typing import List, Tuple

import numpy as np

from ._errors import BalanceError

HASH_BITS = 64
""" The bits of the hashes indexed. """

SMALL_CHUNK_WIDTHS = (16, 16, 16, 16)
""" The bits of each chunk while the index is small, from the lowest. """

CHUNK_WIDTHS = (21, 21, 22)
""" The bits of each chunk once the index holds REBUILD_AT hashes, from the lowest. """

REBUILD_AT = 1 << 18
""" How many hashes the index holds when it changes to the wide chunks (where the wide chunks' extra probes cost
less than the candidates the narrow ones find, at radius 8 to 10). """

SCAN_BELOW = 1 << 15
""" Below this many hashes a look-up compares the query with every hash (one vectorised pass is cheaper than the
probes then: 13 against 40 microseconds at 10,000 hashes, radius 10). """

NONE = -1
""" The link of a hash that is the first with its chunk value. """

INITIAL_CAPACITY = 1024
""" The hashes room is made for at first (doubled when full). """

MAX_RADIUS = 15
""" The largest radius searched (beyond it a wide chunk would have to be searched with radius 5 or more, 35,000
probes per chunk; image hashes that far apart are not duplicates). """


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


def chunk_radii(radius: int, chunks: int) -> List[int]:
    """
    Returns the radius to search in each chunk so that every hash within a radius is found
    (the refined pigeonhole of the module; -1: the chunk is not searched).

    :param radius: the full radius
    :type radius: int
    :param chunks: the number of chunks
    :type chunks: int
    :return: the radius per chunk
    :rtype: list
    """
    q, a = divmod(radius, chunks)
    return [q if c <= a else q - 1 for c in range(chunks)]


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
    of the newest hash with that value; a hash's slot in chunk c is m id + c) and each slot
    links to the previous slot with the same chunk value, so a look-up gathers the heads of
    all its probes at once and then follows all chains one step per gather.
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
        self._hashes = np.zeros(INITIAL_CAPACITY, dtype=np.uint64)
        self._count = 0
        self._layout(SMALL_CHUNK_WIDTHS)

    def _layout(self, widths: Tuple[int, ...]):
        """
        Sets up empty tables for chunks of the given widths.
        """
        self.widths = widths
        self._chunks = len(widths)
        self._shifts = [sum(widths[:c]) for c in range(self._chunks)]
        self._chunk_masks = [(1 << width) - 1 for width in widths]
        self._offsets = [sum(1 << width for width in widths[:c]) for c in range(self._chunks)]
        # per chunk, the chunk values XORed with the query's to probe (None: the chunk is not searched)
        self._probes = [np.array(chunk_neighbours(r, width), dtype=np.int64) if r >= 0 else None
                        for r, width in zip(chunk_radii(self.radius, self._chunks), widths)]
        self._heads = np.full(sum(1 << width for width in widths), NONE, dtype=np.int32)
        self._links = np.full(len(self._hashes) * self._chunks, NONE, dtype=np.int32)

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
        if index == REBUILD_AT and self.widths != CHUNK_WIDTHS:
            self._layout(CHUNK_WIDTHS)
            for old in range(index):
                self._link(old, int(self._hashes[old]))
        if index == len(self._hashes):
            self._hashes = np.concatenate([self._hashes, np.zeros(len(self._hashes), dtype=np.uint64)])
            self._links = np.concatenate([self._links, np.full(len(self._links), NONE, dtype=np.int32)])
        self._hashes[index] = value
        self._link(index, value)
        self._count = index + 1
        return index

    def _link(self, index: int, value: int):
        """
        Puts a hash at the head of its chunk values' lists.
        """
        heads = self._heads
        links = self._links
        for c in range(self._chunks):
            key = self._offsets[c] + ((value >> self._shifts[c]) & self._chunk_masks[c])
            slot = index * self._chunks + c
            links[slot] = heads[key]
            heads[key] = slot

    def search(self, value: int) -> List[Tuple[int, int]]:
        """
        Finds the stored hashes within the radius of a hash.

        :param value: the hash
        :type value: int
        :return: (id, distance) of every match, by id
        :rtype: list
        """
        if self._count < SCAN_BELOW:
            distances = np.bitwise_count(self._hashes[:self._count] ^ np.uint64(value))
            ids = np.flatnonzero(distances <= self.radius)
            return list(zip(ids.tolist(), distances[ids].astype(int).tolist()))
        keys = [self._offsets[c] + (((value >> self._shifts[c]) & self._chunk_masks[c]) ^ self._probes[c])
                for c in range(self._chunks) if self._probes[c] is not None]
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
        ids = np.concatenate(found) // self._chunks
        distances = np.bitwise_count(self._hashes[ids] ^ np.uint64(value))
        ids, first = np.unique(ids[distances <= self.radius], return_index=True)
        distances = distances[distances <= self.radius][first]
        return list(zip(ids.tolist(), distances.astype(int).tolist()))
