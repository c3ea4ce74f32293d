"""
Benchmark (not a test): the cost of the copies that balance-labels-ic makes when it
oversamples, measured through the real framework (seppl's execute with a reader that
yields in-memory ImageClassificationData records holding real small JPEG bytes made by
Pillow, the BalanceLabels filter, and a stream writer that only counts the records it
receives and keeps none of them).

It prints three tables:

1. One record, oversampled N = 10^3, 10^4, 10^5 and 10^6 times (label correction N+1,
   --max_copies raised to N+1 outputs on purpose). Per setting: the copies, the wall time, the
   microseconds per copy, the linearity ratio time(N) / time(10^3) / (N / 10^3) (1.0 =
   exactly linear), and the peak memory. Copies are made one at a time when the pipeline
   asks for them (LazyOutputFilter + PendingCopies), so the memory should be flat in N.
2. Many records with 1,000 copies each: 10, 100 and 1,000 records (10k, 100k and 1M
   output records). Per setting: the time, microseconds per output record, and the peak
   memory, which should be flat in the number of records (the reader makes its records
   on demand, so nothing but the filter could hold them).
3. A comparison, in one process on the same record: ours against a minimal baseline
   filter that does the least work the job needs - a plain seppl StreamFilter that
   appends the record and then its N copies, each made with item.duplicate(name=...),
   to its output list, which the framework empties with its default pop(0) (quadratic
   in N, and all N copies are held at once). N = 10^3 and 10^4, and 3*10^4 when the
   baseline is expected to take less than 30 s for it. Ours does somewhat more per copy
   than the baseline (a copy name that no input can have, the copy number in the
   metadata field 'balance_copy', a random draw per record). Per N: both times, the
   ratio ours / baseline, and the tracemalloc peak of one extra run of each (10^3 and
   10^4 only) counted from the first record read, i.e. after every plugin was initialized,
   which shows the baseline holding all copies while ours holds one. The whole-run peak,
   initialize() included, is printed below the table.

Memory: every setting of tables 1 and 2 runs in a fresh child process (this script with
--child). The child makes a small warm-up run first (so imports and first-time
allocations are not counted), notes its current RSS (/proc/self/statm), runs the setting
(all its repeats) and reports resource.getrusage(RUSAGE_SELF).ru_maxrss minus that RSS:
the growth of the peak RSS caused by the runs. The kernel updates these counters in
batches, so growths within about +-0.3 MB (negative ones too) are noise: that is what
"flat" looks like.

Time: every setting of tables 1 and 2 runs several times in its child (2 to 20 times,
about 10^6 output records in all) and the fastest run counts, because the machines are
shared and noisy; the comparison runs ours and the baseline interleaved, --repeats times
each (default 5), and the fastest of each counts.

Run it with:

    .venv/bin/python tests/benchmarks/bench_copies.py           # full: up to 10^6 copies and 1M output records
    .venv/bin/python tests/benchmarks/bench_copies.py --quick   # up to 10^5 copies / 100k output records

Ratios (linearity, ours / baseline) only mean something within one run: quote them from
the output of a single run, never combine figures of different runs or machines.
"""
import argparse
import gc
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Iterable, List

LABEL = "cat"
COPIES_ONE_RECORD = [10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6]
MANY_RECORDS = [10, 100, 1000]
MANY_COPIES = 1000
COMPARE_COPIES = [10 ** 3, 10 ** 4]
COMPARE_EXTRA = 3 * 10 ** 4
COMPARE_EXTRA_LIMIT = 30.0
""" seconds: the baseline runs 3*10^4 copies only if it is expected to take less """
TRACEMALLOC_COPIES = [10 ** 3, 10 ** 4]
TARGET_OUTPUTS = 10 ** 6
""" each setting of tables 1 and 2 is repeated (fastest counts) until about this many output records
are made, at least MIN_REPEATS and at most MAX_REPEATS times """
MIN_REPEATS = 2
MAX_REPEATS = 20


def jpeg_bytes() -> bytes:
    """
    Returns the bytes of a small real JPEG made by Pillow.
    """
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def current_rss_kb() -> float:
    """
    Returns the current resident set size in KB (Linux), else the peak so far.
    """
    try:
        with open("/proc/self/statm") as fp:
            return int(fp.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024.0
    except (OSError, ValueError, IndexError):
        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def max_rss_kb() -> float:
    """
    Returns the peak resident set size so far in KB (Linux reports KB, macOS bytes).
    """
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value / 1024.0 if sys.platform == "darwin" else float(value)


def pipeline_classes():
    """
    Returns the reader, the counting writer and the baseline filter classes (imported late,
    so that the parent process stays light).
    """
    from seppl.io import StreamFilter
    from kasperl.api import Reader, StreamWriter, make_list
    from idc.api import ImageClassificationData

    class RecordReader(Reader):
        """
        Hands the records of an iterable to the pipeline one at a time (a generator
        makes them on demand, so the reader holds none).
        """

        def __init__(self, records: Iterable, on_start=None):
            super().__init__(logging_level="WARNING")
            self.records = records
            self.on_start = on_start
            self._finished = False

        def name(self):
            return "record-reader"

        def description(self):
            return "Hands in-memory records to the pipeline."

        def generates(self) -> List:
            return [ImageClassificationData]

        def read(self) -> Iterable:
            # execute() starts reading after every plugin was initialized
            if self.on_start is not None:
                self.on_start()
            for record in self.records:
                yield record
            self._finished = True

        def has_finished(self) -> bool:
            return self._finished

    class CountingWriter(StreamWriter):
        """
        Counts the records it receives and keeps none.
        """

        def __init__(self):
            super().__init__(logging_level="WARNING")
            self.count = 0

        def name(self):
            return "counting-writer"

        def description(self):
            return "Counts records."

        def accepts(self) -> List:
            return [ImageClassificationData]

        def write_stream(self, data):
            for _ in make_list(data):
                self.count += 1

    class BaselineCopies(StreamFilter):
        """
        The least work the job needs: the record, then its N copies made with duplicate(),
        all appended to the framework's output list (emptied with its default pop(0)).
        """

        def __init__(self, copies: int):
            super().__init__(logging_level="WARNING")
            self.copies = copies

        def name(self):
            return "baseline-copies"

        def description(self):
            return "Appends each record and N copies to the output list."

        def accepts(self) -> List:
            return [ImageClassificationData]

        def generates(self) -> List:
            return [ImageClassificationData]

        def _do_process_stream(self, data):
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                output.append(item)
                stem, ext = os.path.splitext(item.image_name)
                for i in range(1, self.copies + 1):
                    output.append(item.duplicate(name="%s~%d%s" % (stem, i, ext)))

        def _do_process(self, data):
            return data

    return RecordReader, CountingWriter, BaselineCopies


def new_session():
    import logging
    from kasperl.api import Session
    return Session(options=argparse.Namespace(force_batch=False, update_interval=10 ** 9),
                   logger=logging.getLogger("bench"))


def ours_filter(workdir: str, copies: int):
    """
    Creates balance-labels-ic with correction copies+1 for the label (every record is output
    with exactly that many copies) and --max_copies raised to the outputs (copies + 1).
    """
    from idc.balance.filter import BalanceLabels
    path = os.path.join(workdir, "correction-%d.json" % copies)
    with open(path, "w") as fp:
        json.dump({LABEL: copies + 1}, fp)
    return BalanceLabels(label_correction=path, seed=1, max_copies=copies + 1)


def run_pipeline(records: Iterable, filter_, expected: int, on_start=None) -> float:
    """
    Runs one pipeline through seppl's execute and returns its wall time in seconds.
    Fails if the writer did not receive the expected number of records (execute()
    prints errors instead of raising them).
    """
    from seppl.io import execute
    reader_class, writer_class, _ = pipeline_classes()
    writer = writer_class()
    start = time.perf_counter()
    execute(reader_class(records, on_start=on_start), [filter_], writer, session=new_session())
    elapsed = time.perf_counter() - start
    if writer.count != expected:
        raise RuntimeError("%s: expected %d records, the writer received %d" % (filter_.name(), expected, writer.count))
    return elapsed


def generated_records(count: int, jpeg: bytes):
    """
    Makes the records on demand, all with the same label and JPEG bytes.
    """
    from idc.api import ImageClassificationData
    for i in range(count):
        yield ImageClassificationData(image_name="img%07d.jpg" % i, data=jpeg, annotation=LABEL)


def child_ours(copies: int, records: int) -> dict:
    """
    One setting of tables 1 and 2, in this (fresh) process.
    """
    jpeg = jpeg_bytes()
    outputs = records * (copies + 1)
    repeats = max(MIN_REPEATS, min(MAX_REPEATS, TARGET_OUTPUTS // outputs))
    with tempfile.TemporaryDirectory() as workdir:
        run_pipeline(generated_records(1, jpeg), ours_filter(workdir, 10), 11)  # warm-up
        gc.collect()
        rss_before = current_rss_kb()
        times = []
        for _ in range(repeats):
            times.append(run_pipeline(generated_records(records, jpeg), ours_filter(workdir, copies), outputs))
        peak = max_rss_kb()
    return {"copies": copies, "records": records, "outputs": outputs, "seconds": min(times), "repeats": repeats,
            "rss_before_kb": rss_before, "max_rss_kb": peak, "growth_kb": peak - rss_before}


def child_compare(repeats: int) -> dict:
    """
    Table 3: ours against the baseline on the same record, in this one process.
    """
    import tracemalloc
    from idc.api import ImageClassificationData
    _, _, baseline_class = pipeline_classes()
    record = ImageClassificationData(image_name="img0000000.jpg", data=jpeg_bytes(), annotation=LABEL)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        run_pipeline([record], ours_filter(workdir, 10), 11)  # warm-up
        run_pipeline([record], baseline_class(10), 11)
        settings = list(COMPARE_COPIES)
        i = 0
        while i < len(settings):
            copies = settings[i]
            ours, base = [], []
            for _ in range(repeats):
                ours.append(run_pipeline([record], ours_filter(workdir, copies), copies + 1))
                base.append(run_pipeline([record], baseline_class(copies), copies + 1))
            row = {"copies": copies, "ours": min(ours), "baseline": min(base)}
            if copies in TRACEMALLOC_COPIES:
                for key, make in (("ours", lambda: ours_filter(workdir, copies)),
                                  ("baseline", lambda: baseline_class(copies))):
                    filter_ = make()
                    gc.collect()
                    tracemalloc.start()
                    stream_start = []

                    def on_start():
                        # the peak of the run so far is initialize()'s; the stream's starts here
                        stream_start.append(tracemalloc.get_traced_memory())
                        tracemalloc.reset_peak()

                    run_pipeline([record], filter_, copies + 1, on_start=on_start)
                    current, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
                    row[key + "_stream_peak_kb"] = (peak - stream_start[0][0]) / 1024.0
                    row[key + "_run_peak_kb"] = max(peak, stream_start[0][1]) / 1024.0
            rows.append(row)
            # the baseline is quadratic: 3x the copies cost about 9x the time
            if (copies == COMPARE_COPIES[-1]) \
                    and (9 * row["baseline"] * repeats + 3 * row["ours"] * repeats < COMPARE_EXTRA_LIMIT):
                settings.append(COMPARE_EXTRA)
            i += 1
    return {"rows": rows, "repeats": repeats}


def run_child(*args) -> dict:
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"] + [str(a) for a in args],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise RuntimeError("child failed: %s" % " ".join(str(a) for a in args))
    return json.loads(result.stdout.strip().splitlines()[-1])


def mb(kb: float) -> str:
    return "%.1f MB" % (kb / 1024.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only up to 10^5 copies / 100k output records")
    parser.add_argument("--repeats", type=int, default=5, help="runs per setting of the comparison (fastest counts)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        if args.child[0] == "ours":
            result = child_ours(int(args.child[1]), int(args.child[2]))
        else:
            result = child_compare(int(args.child[1]))
        print(json.dumps(result))
        return

    total_start = time.perf_counter()
    limit = 10 ** 5 if args.quick else 10 ** 6
    print("python %s, %d cpu(s)%s" % (sys.version.split()[0], os.cpu_count() or 0, ", --quick" if args.quick else ""))

    print()
    print("1. one record, N copies (balance-labels-ic, correction N+1, --max_copies N+1); each setting in a fresh process")
    print("%9s %8s %10s %9s %10s %12s %12s %12s"
          % ("copies", "runs", "seconds", "us/copy", "linearity", "RSS before", "peak RSS", "peak growth"))
    first = None
    for copies in [c for c in COPIES_ONE_RECORD if c <= limit]:
        r = run_child("ours", copies, 1)
        if first is None:
            first = r
        linearity = r["seconds"] / first["seconds"] / (copies / first["copies"])
        print("%9d %8d %10.3f %9.2f %10.2f %12s %12s %9.0f KB"
              % (copies, r["repeats"], r["seconds"], r["seconds"] / copies * 1e6, linearity,
                 mb(r["rss_before_kb"]), mb(r["max_rss_kb"]), r["growth_kb"]))
    print("   linearity = time(N) / time(10^3) / (N / 10^3); 1.00 = exactly linear")

    print()
    print("2. R records, %d copies each (%d output records per record); each setting in a fresh process"
          % (MANY_COPIES, MANY_COPIES + 1))
    print("%9s %10s %8s %10s %11s %12s %12s %12s"
          % ("records", "outputs", "runs", "seconds", "us/output", "RSS before", "peak RSS", "peak growth"))
    for records in [n for n in MANY_RECORDS if n * MANY_COPIES <= limit]:
        r = run_child("ours", MANY_COPIES, records)
        print("%9d %10d %8d %10.3f %11.2f %12s %12s %9.0f KB"
              % (records, r["outputs"], r["repeats"], r["seconds"], r["seconds"] / r["outputs"] * 1e6,
                 mb(r["rss_before_kb"]), mb(r["max_rss_kb"]), r["growth_kb"]))

    print()
    c = run_child("compare", args.repeats)
    print("3. one record, N copies: ours against the baseline (duplicate() into the output list, pop(0)); "
          "one process, fastest of %d interleaved runs" % c["repeats"])
    print("%9s %11s %11s %10s %12s %12s %12s %12s"
          % ("copies", "ours s", "baseline s", "ours/base", "ours us/cp", "base us/cp", "ours peak", "base peak"))
    for row in c["rows"]:
        copies = row["copies"]
        peaks = ("%9.0f KB" % row["ours_stream_peak_kb"], "%9.0f KB" % row["baseline_stream_peak_kb"]) \
            if "ours_stream_peak_kb" in row else ("-", "-")
        print("%9d %11.4f %11.4f %10.3f %12.2f %12.2f %12s %12s"
              % (copies, row["ours"], row["baseline"], row["ours"] / row["baseline"], row["ours"] / copies * 1e6,
                 row["baseline"] / copies * 1e6, peaks[0], peaks[1]))
    print("   peak = tracemalloc peak of one extra run of each, from the first record read (after initialize()),")
    print("          above what was allocated when it started: what the stream of copies holds at its worst")
    for row in c["rows"]:
        if "ours_run_peak_kb" in row:
            print("   whole-run tracemalloc peak (initialize() included) at N=%d: ours %.0f KB, baseline %.0f KB"
                  % (row["copies"], row["ours_run_peak_kb"], row["baseline_run_peak_kb"]))
    print()
    print("total runtime: %.1f s" % (time.perf_counter() - total_start))


if __name__ == "__main__":
    main()
