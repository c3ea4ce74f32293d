"""
Benchmark (not a test): the Hamming index's look-up time as it grows to 1,000,000 hashes,
against a numpy linear scan over the same hashes (the least work a look-up without an index
needs). Synthetic hashes: uniformly random 64-bit values, as distinct images' perceptual
hashes are spread (the worst case for the index is many hashes sharing chunk values).
Figures are medians over interleaved repetitions; the index and the scan are timed on the
same queries at the same sizes in the same process.

    uv run python tests/benchmarks/bench_hash_index.py [--radii 8 10] [--sizes 10000 100000 1000000]
"""
import argparse
import statistics
import time
from typing import List

import numpy as np

from idc.balance.core import HammingIndex

QUERIES = 2000
REPEATS = 5
SEED = 3


def random_hashes(rng: np.random.Generator, count: int) -> List[int]:
    return [int(v) for v in rng.integers(0, 2 ** 64, size=count, dtype=np.uint64)]


def time_index(index: HammingIndex, queries: List[int]) -> float:
    start = time.perf_counter()
    for value in queries:
        index.search(value)
    return (time.perf_counter() - start) / len(queries)


def time_scan(hashes: np.ndarray, queries: List[int], radius: int) -> float:
    start = time.perf_counter()
    for value in queries:
        np.flatnonzero(np.bitwise_count(hashes ^ np.uint64(value)) <= radius)
    return (time.perf_counter() - start) / len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--radii", type=int, nargs="+", default=[8, 10])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    hashes = random_hashes(rng, max(args.sizes))
    queries = random_hashes(rng, QUERIES)
    scan_queries = queries[:QUERIES // 10]
    print("look-up time per query, microseconds (median of %d interleaved repetitions, %d queries)" % (REPEATS, QUERIES))
    print("%7s %10s %10s %10s %12s %8s" % ("radius", "hashes", "index", "vs first", "linear scan", "ratio"))
    for radius in args.radii:
        indexes = []
        index = HammingIndex(radius)
        for size in sorted(args.sizes):
            while len(index) < size:
                index.add(hashes[len(index)])
            # one index per size would need the memory of all; the look-ups at a size are timed when it is reached
            times = {"index": [], "scan": []}
            array = np.array(hashes[:size], dtype=np.uint64)
            for _ in range(REPEATS):
                times["index"].append(time_index(index, queries))
                times["scan"].append(time_scan(array, scan_queries, radius))
            indexes.append((size, statistics.median(times["index"]), statistics.median(times["scan"])))
        first = indexes[0][1]
        for size, t_index, t_scan in indexes:
            print("%7d %10d %10.1f %9.2fx %12.1f %7.3fx" % (radius, size, t_index * 1e6, t_index / first, t_scan * 1e6,
                                                          t_index / t_scan))


if __name__ == "__main__":
    main()
