"""
Benchmark (not a test): streams in-memory ImageClassificationData records through the
real framework (seppl's execute with a reader, one filter and a writer) and prints, per
filter, microseconds per record, the ratio to a 'passthrough' pipeline, and the peak
memory (max RSS) of runs with 100k and 1M records.

Every configuration runs in its own process (so max RSS is its own), several times
interleaved; the fastest run counts, because the machines are shared and noisy.
The balancing filters keep (almost) every record, so the rest of the pipeline does its
full share of the work: balance-labels-ic with probability 0.99 for all labels,
balance-exact with exact quotas of 99% per label (mode exact), balance-oversample with
correction 1.5 (half of the records get a copy; us/written is the cost per output record);
balance-keyed is balance-labels-ic with --keyed (keyed decisions, issue 12), whose ratio to
balance-labels-ic is printed at the end.

    uv run python tests/benchmarks/bench_filters.py [--records 1000000] [--repeats 3]
"""
import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Iterable, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

LABELS = ["label%02d" % i for i in range(10)]
KEEP_PROBABILITY = 0.99
OVERSAMPLE = 1.5


def make_filter(variant: str, workdir: str, records: int):
    """
    Creates the filter of a benchmark variant: 'noop-stream' is a stream filter that
    only passes records on, the framework's floor for any streaming filter.
    """
    from seppl.io import StreamFilter
    from kasperl.filter import PassThrough
    from idc.api import ImageClassificationData
    from idc.balance.filter import BalanceLabels, LabelDistribution

    class NoopStream(StreamFilter):
        def name(self):
            return "noop-stream"

        def description(self):
            return "Passes records on."

        def accepts(self) -> List:
            return [ImageClassificationData]

        def generates(self) -> List:
            return [ImageClassificationData]

        def _do_process_stream(self, data):
            self._stream_output.extend(data if isinstance(data, list) else (data,))

        def _do_process(self, data):
            return data

    if variant == "passthrough":
        return PassThrough()
    if variant == "noop-stream":
        return NoopStream()
    if variant == "balance-labels-ic":
        path = os.path.join(workdir, "correction.json")
        with open(path, "w") as fp:
            json.dump({label: KEEP_PROBABILITY for label in LABELS}, fp)
        return BalanceLabels(label_correction=path, seed=1)
    if variant == "balance-keyed":
        # the same decisions' rate, each from a hash of (seed, label, name) instead of the stream's draws
        path = os.path.join(workdir, "correction.json")
        with open(path, "w") as fp:
            json.dump({label: KEEP_PROBABILITY for label in LABELS}, fp)
        return BalanceLabels(label_correction=path, seed=1, keyed=True)
    if variant == "balance-exact":
        # exact quotas of 99% of every label: one selection draw per record
        counts = os.path.join(workdir, "counts.json")
        with open(counts, "w") as fp:
            json.dump({label: records // len(LABELS) + (1 if i < records % len(LABELS) else 0)
                       for i, label in enumerate(LABELS)}, fp)
        path = os.path.join(workdir, "correction.json")
        with open(path, "w") as fp:
            json.dump({label: KEEP_PROBABILITY for label in LABELS}, fp)
        return BalanceLabels(mode="exact", label_counts=counts, label_correction=path, seed=1)
    if variant == "balance-oversample":
        # expected 1.5 emissions per record: half of the records get a copy
        path = os.path.join(workdir, "correction.json")
        with open(path, "w") as fp:
            json.dump({label: OVERSAMPLE for label in LABELS}, fp)
        return BalanceLabels(label_correction=path, seed=1)
    if variant == "label-dist":
        return LabelDistribution(output_file=os.path.join(workdir, "dist.json"), output_format="json")
    raise ValueError("unknown variant: %s" % variant)


def run_one(variant: str, records: int) -> dict:
    """
    Runs one pipeline in this process and returns its figures.
    """
    import logging
    from PIL import Image
    from seppl.io import execute
    from kasperl.api import Session, Reader
    from idc.api import ImageClassificationData
    from helpers import CountingWriter

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="JPEG")
    jpeg = buffer.getvalue()

    class SyntheticReader(Reader):
        def name(self):
            return "synthetic"

        def description(self):
            return "Generates records in memory."

        def generates(self) -> List:
            return [ImageClassificationData]

        def read(self) -> Iterable:
            for i in range(records):
                yield ImageClassificationData(image_name="img%07d.jpg" % i, data=jpeg, annotation=LABELS[i % 10])
            self._done = True

        def has_finished(self) -> bool:
            return getattr(self, "_done", False)

    with tempfile.TemporaryDirectory() as workdir:
        writer = CountingWriter()
        session = Session(options=argparse.Namespace(force_batch=False, update_interval=10 ** 9),
                          logger=logging.getLogger("bench"))
        start = time.perf_counter()
        execute(SyntheticReader(), [make_filter(variant, workdir, records)], writer, session=session)
        elapsed = time.perf_counter() - start
    return {"variant": variant, "records": records, "written": writer.count, "seconds": elapsed,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def run_in_subprocess(variant: str, records: int) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", variant, str(records)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000000, help="records of the large runs")
    parser.add_argument("--small", type=int, default=100000, help="records of the small (memory) runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant, interleaved; the fastest counts")
    parser.add_argument("--variants", nargs="+", default=["passthrough", "noop-stream", "balance-labels-ic",
                                                         "balance-keyed", "balance-exact", "balance-oversample",
                                                         "label-dist"])
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "RECORDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_one(args.child[0], int(args.child[1]))))
        return

    small = {v: run_in_subprocess(v, args.small) for v in args.variants}
    best = dict()
    for _ in range(args.repeats):
        for v in args.variants:
            r = run_in_subprocess(v, args.records)
            if (v not in best) or (r["seconds"] < best[v]["seconds"]):
                best[v] = r
    base = best["passthrough"]["seconds"] if "passthrough" in best else None
    print("records: %d (memory also at %d), best of %d runs, python %s"
          % (args.records, args.small, args.repeats, sys.version.split()[0]))
    print("%-20s %10s %12s %12s %12s %14s %10s"
          % ("filter", "us/record", "vs passthru", "us/written", "maxRSS@%dk" % (args.small // 1000),
             "maxRSS@%dk" % (args.records // 1000), "written"))
    for v in args.variants:
        r = best[v]
        us = r["seconds"] / r["records"] * 1e6
        ratio = (r["seconds"] / base) if base else float("nan")
        us_written = r["seconds"] / max(r["written"], 1) * 1e6
        print("%-20s %10.2f %11.3fx %12.2f %9.1f MB %11.1f MB %10d"
              % (v, us, ratio, us_written, small[v]["max_rss_mb"], r["max_rss_mb"], r["written"]))
    if ("balance-keyed" in best) and ("balance-labels-ic" in best):
        print("keyed / unkeyed (balance-keyed / balance-labels-ic): %.3fx"
              % (best["balance-keyed"]["seconds"] / best["balance-labels-ic"]["seconds"]))


if __name__ == "__main__":
    main()
