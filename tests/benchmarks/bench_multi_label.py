"""
Benchmark (not a test) of balance-labels-od:

1. Per-record cost. Streams in-memory ObjectDetectionData records (the generated
   long-tailed set of tests/long_tailed.py, 1-6 objects per image, cycled) through the
   real framework (seppl's execute: reader, one filter, writer) and prints microseconds
   per record and the ratio to the least work the job needs: a minimal filter that
   computes the record's signature, looks it up in a dict and draws one uniform number.
   balance-labels-od runs with settings that keep every record (target max, K = 1, all
   negatives), so the rest of the pipeline does its full share of the work; repeat-factor
   runs with a threshold that repeats nothing (every record is kept, one draw each). The
   cost per record is marginal: the difference between a long and a short run, divided by
   the difference in records, so that one-time costs (importing scipy, planning) are left
   out; they are in part 3.
2. Memory: max RSS at two stream lengths (flat: the filters keep counters per signature).
3. Planning time for a signatures file of 100,000 images (read + plan, scipy imported
   beforehand, and the first plan of a fresh process including the import).

Every configuration runs in its own process, several times interleaved; the fastest run
counts, because the machines are shared and noisy.

    uv run python tests/benchmarks/bench_multi_label.py [--records 500000] [--repeats 3]
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from typing import Iterable, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

PATTERN = 10000
""" The generated images the stream cycles through. """


def pattern_labels():
    from long_tailed import long_tailed_labels
    return long_tailed_labels(PATTERN)


def make_filter(variant: str, workdir: str, records: int):
    from seppl.io import StreamFilter
    from kasperl.filter import PassThrough
    from idc.api import ObjectDetectionData, LABEL_KEY
    from idc.balance.core import signature_of, signatures_json
    from idc.balance.records import object_labels
    from idc.balance.filter import BalanceLabelsOD
    from long_tailed import signature_counts

    class Minimal(StreamFilter):
        """ The least work: the signature, one dict lookup, one draw. """

        def name(self):
            return "minimal"

        def description(self):
            return "Signature, lookup, draw."

        def accepts(self) -> List:
            return [ObjectDetectionData]

        def generates(self) -> List:
            return [ObjectDetectionData]

        def initialize(self):
            super().initialize()
            self.keep = {s: 1.0 for s in signature_counts(pattern_labels())}
            self.draw = random.Random(1).random

        def _do_process_stream(self, data):
            keep = self.keep
            draw = self.draw
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                if draw() < keep.get(signature_of(object_labels(item, LABEL_KEY)), 1.0):
                    output.append(item)

        def _do_process(self, data):
            return data

    if variant == "passthrough":
        return PassThrough()
    if variant == "minimal":
        return Minimal()
    images = {s: n * (records // PATTERN) for s, n in signature_counts(pattern_labels()).items()}
    path = os.path.join(workdir, "sig.json")
    with open(path, "w") as fp:
        fp.write(signatures_json(images, dict()))
    if variant == "balance-labels-od":
        return BalanceLabelsOD(signatures=path, target="max", max_copies=1, negatives=images.get((), 0), seed=1)
    if variant == "repeat-factor":
        return BalanceLabelsOD(signatures=path, target="min", method="repeat-factor", rfs_threshold=1e-9,
                               negatives=images.get((), 0), seed=1)
    raise ValueError("unknown variant: %s" % variant)


def run_one(variant: str, records: int) -> dict:
    import logging
    from seppl.io import execute
    from kasperl.api import Session, Reader
    from idc.api import ObjectDetectionData
    from wai.common.adams.imaging.locateobjects import LocatedObjects, LocatedObject
    from helpers import jpeg_bytes, CountingWriter

    labels = pattern_labels()
    jpeg = jpeg_bytes(1)

    class SyntheticReader(Reader):
        def name(self):
            return "synthetic"

        def description(self):
            return "Generates records in memory."

        def generates(self) -> List:
            return [ObjectDetectionData]

        def read(self) -> Iterable:
            for i in range(records):
                objects = LocatedObjects()
                for label in labels[i % PATTERN]:
                    obj = LocatedObject(0, 0, 2, 2)
                    obj.metadata["type"] = label
                    objects.append(obj)
                yield ObjectDetectionData(image_name="img%07d.jpg" % i, data=jpeg, annotation=objects)
            self._done = True

        def has_finished(self) -> bool:
            return getattr(self, "_done", False)

    with tempfile.TemporaryDirectory() as workdir:
        writer = CountingWriter()
        session = Session(options=argparse.Namespace(force_batch=False, update_interval=10 ** 9),
                          logger=logging.getLogger("bench"))
        stream_filter = make_filter(variant, workdir, records)
        start = time.perf_counter()
        execute(SyntheticReader(), [stream_filter], writer, session=session)
        elapsed = time.perf_counter() - start
    return {"variant": variant, "records": records, "written": writer.count, "seconds": elapsed,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def run_planning(images_total: int) -> dict:
    """
    Times reading and planning a signatures file of images_total generated images.
    """
    start = time.perf_counter()
    from idc.balance.core import plan_signatures, read_signatures, signatures_json
    import scipy.optimize  # noqa: F401 (imported here to time it)
    imported = time.perf_counter() - start
    from long_tailed import long_tailed_labels, signature_counts
    images = signature_counts(long_tailed_labels(images_total))
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "sig.json")
        with open(path, "w") as fp:
            fp.write(signatures_json(images, dict()))
        result = {"images": images_total, "signatures": len(images), "import_seconds": imported}
        for target, max_copies in [("min", 1), ("median", 3), ("max", 10)]:
            start = time.perf_counter()
            read, _ = read_signatures(path)
            plan = plan_signatures(read, target, max_copies)
            result["%s,K=%d" % (target, max_copies)] = {"seconds": time.perf_counter() - start,
                                                       "normalised_error": plan.normalised_error}
    return result


def run_child(*args) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child"] + [str(a) for a in args],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=500000, help="records of the large runs (multiple of 10,000)")
    parser.add_argument("--small", type=int, default=100000, help="records of the small (memory) runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant, interleaved; the fastest counts")
    parser.add_argument("--planning_images", type=int, default=100000, help="images of the planned signatures file")
    parser.add_argument("--variants", nargs="+", default=["passthrough", "minimal", "balance-labels-od",
                                                         "repeat-factor"])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        if args.child[0] == "planning":
            print(json.dumps(run_planning(int(args.child[1]))))
        else:
            print(json.dumps(run_one(args.child[0], int(args.child[1]))))
        return

    planning = run_child("planning", args.planning_images)
    small = dict()
    best = dict()
    for _ in range(args.repeats):
        for v in args.variants:
            for runs, records in [(small, args.small), (best, args.records)]:
                r = run_child(v, records)
                if (v not in runs) or (r["seconds"] < runs[v]["seconds"]):
                    runs[v] = r

    def per_record(v: str) -> float:
        return (best[v]["seconds"] - small[v]["seconds"]) / (args.records - args.small) * 1e6

    base = per_record("minimal") if "minimal" in best else None
    print("records: %d and %d, best of %d runs each, python %s"
          % (args.small, args.records, args.repeats, sys.version.split()[0]))
    print("%-20s %10s %12s %12s %12s %10s"
          % ("filter", "us/record", "vs minimal", "maxRSS@%dk" % (args.small // 1000),
             "maxRSS@%dk" % (args.records // 1000), "written"))
    for v in args.variants:
        r = best[v]
        us = per_record(v)
        ratio = (us / base) if base else float("nan")
        print("%-20s %10.2f %11.3fx %9.1f MB %9.1f MB %10d"
              % (v, us, ratio, small[v]["max_rss_mb"], r["max_rss_mb"], r["written"]))
    print("planning %d images, %d signatures (scipy import: %.2f s):"
          % (planning["images"], planning["signatures"], planning["import_seconds"]))
    for key, value in planning.items():
        if isinstance(value, dict):
            print("  target %-12s %.3f s, normalised error %.4f" % (key, value["seconds"], value["normalised_error"]))


if __name__ == "__main__":
    main()
