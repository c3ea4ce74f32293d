"""
The Hamming index against a linear scan: on random hashes with planted near neighbours at
every distance up to the radius and beyond, it finds exactly the hashes within the radius.
"""
import numpy as np
import pytest

from idc.balance.core import BalanceError, HammingIndex, hamming, chunk_neighbours


def planted(rng, count, radius):
    """ Random 64-bit hashes, and for each a copy with d random bits flipped, d up to radius + 2. """
    base = [int(v) for v in rng.integers(0, 2 ** 64, size=count, dtype=np.uint64)]
    result = []
    for value in base:
        result.append(value)
        d = int(rng.integers(0, radius + 3))
        flipped = value
        for bit in rng.choice(64, size=d, replace=False):
            flipped ^= 1 << int(bit)
        result.append(flipped)
    return result


@pytest.mark.parametrize("radius", [0, 3, 4, 8, 10, 15])
def test_finds_exactly_the_hashes_within_the_radius(radius, monkeypatch):
    # through the chunk tables (the linear scan below SCAN_BELOW hashes is switched off) and through the scan
    import idc.balance.core._hash_index as module
    for scan_below in (0, 10 ** 6):
        monkeypatch.setattr(module, "SCAN_BELOW", scan_below)
        check_against_brute_force(radius)


def check_against_brute_force(radius):
    rng = np.random.default_rng(radius)
    hashes = planted(rng, 400, radius)
    index = HammingIndex(radius)
    for i, value in enumerate(hashes):
        found = index.search(value)
        expected = [(j, hamming(value, hashes[j])) for j in range(i) if hamming(value, hashes[j]) <= radius]
        assert found == expected
        assert index.add(value) == i
    assert len(index) == len(hashes)


def test_chunk_neighbours_count():
    # C(21, 0) + C(21, 1) + C(21, 2) masks within distance 2 of a 21-bit chunk, all distinct
    assert len(chunk_neighbours(2, 21)) == 1 + 21 + 210
    assert len(set(chunk_neighbours(3, 22))) == len(chunk_neighbours(3, 22)) == 1 + 22 + 231 + 1540


@pytest.mark.parametrize("radius", [-1, 16, 2.0, True, "4"])
def test_radius_is_checked(radius):
    with pytest.raises(BalanceError, match="hash radius"):
        HammingIndex(radius)


@pytest.mark.parametrize("radius", [4, 8, 10])
def test_finds_the_same_after_changing_to_wide_chunks(radius, monkeypatch):
    # the index starts with 4 chunks of 16 bits and rebuilds itself with 3 wide chunks at REBUILD_AT hashes
    # (2^18; here 300, so that the brute force stays small)
    import idc.balance.core._hash_index as module
    monkeypatch.setattr(module, "REBUILD_AT", 300)
    monkeypatch.setattr(module, "SCAN_BELOW", 0)
    rng = np.random.default_rng(100 + radius)
    hashes = planted(rng, 300, radius)
    index = HammingIndex(radius)
    assert index.widths == (16, 16, 16, 16)
    for i, value in enumerate(hashes):
        expected = [(j, hamming(value, hashes[j])) for j in range(i) if hamming(value, hashes[j]) <= radius]
        assert index.search(value) == expected
        index.add(value)
    assert index.widths == (21, 21, 22) and len(index) == 600
