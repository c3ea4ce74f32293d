"""
Benchmark (not a test): each per-record filter of this package against the least work
its job needs, paired in one process on the same pooled in-memory records (issue 14).

Every case streams a pool of records that is built once through the real framework
(seppl's execute: a reader over the pool, one filter, a counting writer), so that the
framework's own price for a streaming filter is in every figure, and pairs it with a
*floor*: a minimal stream filter of the same kind that does only what the job cannot do
without, on the same records, in the same process, right after it:

- floor-draw: one dict lookup (the label's keep probability) and one draw
  (``random.Random.random``, the cheapest draw in Python); the floor of
  balance-labels-ic in probabilistic and exact mode, and of imgstats' filter;
- floor-count: one dict increment (``defaultdict(int)``) per record, passing every record on;
  the floor of label-dist;
- floor-draw-od / floor-draw-is: the record's signature (its distinct labels: the objects'
  labels, the layers with a pixel set), one dict lookup and one draw; the floor of
  balance-labels-od / balance-labels-is.

The balancing filters run with settings that keep (almost) every record, so the writer
and the framework do their full share of the work: probability 0.99 for every label,
exact quotas of 99% per label, and for the multi-label filters a plan that keeps every
image (target max, one output per image; its decisions still go through the exact
sampler). balance-keyed (balance-labels-ic --keyed) is paired with balance-labels-ic.

A repetition streams each pool chunk by chunk (10,000 records a pipeline run; 50,000 for
detection and segmentation, whose filters set up a decision stream per signature), case and
floor alternating from chunk to chunk, so that a noisy moment of a shared machine hits both
alike; the repetitions are interleaved (every pair, then again), and the order of the pairs
rotates from one repetition to the next; each ratio is the median
of the per-repetition ratios, with their range, and beside it the ratio of the fastest runs
(noise on a shared machine only ever adds time). Times are the process's CPU time. Upstream imgstats' balance-labels-ic is
measured too when ``--imgstats FILE`` names its module (src/idc/imgstats/filter/
_balance_labels.py of a checkout of image-dataset-converter-imgstats; it is loaded from
that file, not installed, so that it cannot shadow our plugin of the same name).

With --instructions, every case and floor instead runs under valgrind's callgrind, which
counts the instructions executed per record (the difference of a run of 6,000 and one of
2,000 records, so that start-up and initialize cancel out): the same count whatever else
the machine does, a measure of the work itself, free of the noise of a shared machine (but
blind to memory stalls).

    uv run python tests/benchmarks/bench_floor.py [--records 300000] [--multi_records 100000] [--repeats 5]
    uv run python tests/benchmarks/bench_floor.py --instructions [--pairs balance-labels-ic ...]
"""
import argparse
import collections
import gc
import importlib.util
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, Iterable, List, Optional, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

LABELS = ["label%02d" % i for i in range(10)]
KEEP_PROBABILITY = 0.99
PATTERN = 10000
""" The generated detection images the multi-label pools cycle through (tests/long_tailed.py). """
SEED = 1
CHUNKS = {"ic": PATTERN, "od": 5 * PATTERN, "is": 5 * PATTERN}
""" The records of one run of a pipeline, per pool: case and floor alternate chunk by chunk. The multi-label pools run
in longer chunks: their filters set up a decision stream per signature (about 1,000 in the pattern), a cost of the run
that a real run spreads over all its images. """


def ic_pool(records: int) -> list:
    """ Image classification records, 10 labels in turn, sharing one small JPEG. """
    from idc.api import ImageClassificationData
    from helpers import jpeg_bytes
    jpeg = jpeg_bytes(1)
    return [ImageClassificationData(image_name="img%07d.jpg" % i, data=jpeg, annotation=LABELS[i % len(LABELS)])
            for i in range(records)]


def od_pool(records: int) -> list:
    """ Object detection records cycling through the generated long-tailed set (1-6 objects each). """
    from idc.api import ObjectDetectionData
    from wai.common.adams.imaging.locateobjects import LocatedObjects, LocatedObject
    from helpers import jpeg_bytes
    from long_tailed import long_tailed_labels
    labels = long_tailed_labels(PATTERN)
    jpeg = jpeg_bytes(1)
    result = []
    for i in range(records):
        objects = LocatedObjects()
        for label in labels[i % PATTERN]:
            obj = LocatedObject(0, 0, 2, 2)
            obj.metadata["type"] = label
            objects.append(obj)
        result.append(ObjectDetectionData(image_name="img%07d.jpg" % i, data=jpeg, annotation=objects))
    return result


def is_pool(records: int) -> list:
    """ Image segmentation records cycling through the long-tailed set: one 8x8 layer per class of the image. """
    import numpy as np
    from idc.api import ImageSegmentationData, ImageSegmentationAnnotations
    from helpers import jpeg_bytes
    from long_tailed import long_tailed_labels, CLASSES
    labels = long_tailed_labels(PATTERN)
    jpeg = jpeg_bytes(1)
    layer = np.zeros((8, 8), dtype=np.uint8)
    layer[3, 3] = 1
    empty = np.zeros((8, 8), dtype=np.uint8)
    result = []
    for i in range(records):
        present = set(labels[i % PATTERN])
        layers = {c: (layer if c in present else empty) for c in CLASSES[:4]}
        layers.update({c: layer for c in present})
        annotation = ImageSegmentationAnnotations(labels=list(layers), layers=layers)
        result.append(ImageSegmentationData(image_name="img%07d.png" % i, data=jpeg, annotation=annotation))
    return result


def floor_filters() -> Dict[str, Callable]:
    """
    The minimal filters: name -> factory(signature_keep) (signature_keep: the keep probability per
    signature for the multi-label floors, None otherwise).
    """
    from seppl.io import StreamFilter
    from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData, LABEL_KEY
    from idc.balance.core import signature_of
    from idc.balance.records import object_labels, layer_labels

    class Floor(StreamFilter):
        """
        Shared boilerplate of the minimal filters. The framework's output queue lives in a slot, as in our filters
        (see idc.balance.filter._stream.LazyOutputFilter): the cheapest layout, and the same one, so that the
        framework's code, which both run in one process, keeps one specialisation of its attribute reads.
        """
        __slots__ = ("_stream_output",)
        kind = ImageClassificationData

        def description(self):
            return "The least work of its kind."

        def accepts(self) -> List:
            return [self.kind]

        def generates(self) -> List:
            return [self.kind]

        def _do_process(self, data):
            return data

    class FloorDraw(Floor):
        """ One dict lookup and one draw per record. """

        def name(self):
            return "floor-draw"

        def initialize(self):
            super().initialize()
            self.keep = {label: KEEP_PROBABILITY for label in LABELS}
            self.draw = random.Random(SEED).random

        def _do_process_stream(self, data):
            keep = self.keep
            draw = self.draw
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                if draw() < keep[item.annotation]:
                    output.append(item)

    class FloorCount(Floor):
        """ One dict increment per record; every record passes. """

        def name(self):
            return "floor-count"

        def initialize(self):
            super().initialize()
            self.counts = collections.defaultdict(int)

        def _do_process_stream(self, data):
            counts = self.counts
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                counts[item.annotation] += 1
                output.append(item)

    class FloorSignature(Floor):
        """ The record's signature, one dict lookup and one draw. """
        labels_of = None

        def __init__(self, keep=None):
            super().__init__()
            self.keep = keep

        def name(self):
            return "floor-signature"

        def initialize(self):
            super().initialize()
            self.draw = random.Random(SEED).random

        def _do_process_stream(self, data):
            keep = self.keep
            draw = self.draw
            labels_of = self.labels_of
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                if draw() < keep[signature_of(labels_of(item, LABEL_KEY))]:
                    output.append(item)

    class FloorOD(FloorSignature):
        kind = ObjectDetectionData
        labels_of = staticmethod(object_labels)

    class FloorIS(FloorSignature):
        kind = ImageSegmentationData
        labels_of = staticmethod(layer_labels)

    return {"floor-draw": lambda keep: FloorDraw(), "floor-count": lambda keep: FloorCount(),
            "floor-draw-od": FloorOD, "floor-draw-is": FloorIS}


def load_imgstats(path: str):
    """ Loads upstream imgstats' balance-labels-ic class from its module file. """
    spec = importlib.util.spec_from_file_location("imgstats_balance_labels", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BalanceImageClassificationLabels


class Bench:
    """ The pools, the files the filters read, and the factories of every case. """

    def __init__(self, workdir: str, records: int, multi_records: int, imgstats: Optional[str]):
        from idc.balance.core import signatures_json
        from long_tailed import long_tailed_labels, signature_counts
        self.pools = {"ic": ic_pool(records)}
        files = dict()
        files["keep"] = self._write(workdir, "keep.json", json.dumps({label: KEEP_PROBABILITY for label in LABELS}))
        # exact mode runs chunk by chunk: the counts of one chunk (every chunk holds the labels in turn)
        files["counts"] = self._write(workdir, "counts.json", json.dumps(
            {label: CHUNKS["ic"] // len(LABELS) for label in LABELS}))
        self.files = files
        self.signature_keep = None
        self.imgstats = None if imgstats is None else load_imgstats(imgstats)
        if multi_records > 0:
            self.pools["od"] = od_pool(multi_records)
            self.pools["is"] = is_pool(multi_records)
            from idc.balance.core import signature_of
            from idc.balance.records import object_labels, layer_labels
            from idc.api import LABEL_KEY
            for kind, labels_of in [("od", object_labels), ("is", layer_labels)]:
                # the signatures of one chunk: every chunk is the generated pattern once
                images = collections.Counter(signature_of(labels_of(item, LABEL_KEY))
                                             for item in self.pools[kind][:CHUNKS[kind]])
                files["sig-" + kind] = self._write(workdir, "sig-%s.json" % kind, signatures_json(dict(images), dict()))
                files["negatives-" + kind] = images.get((), 0)
            self.signature_keep = collections.defaultdict(lambda: KEEP_PROBABILITY)

    @staticmethod
    def _write(workdir: str, name: str, text: str) -> str:
        path = os.path.join(workdir, name)
        with open(path, "w") as fp:
            fp.write(text)
        return path

    def factory(self, case: str) -> Tuple[str, Callable]:
        """ Returns the pool and the filter factory of a case. """
        from idc.balance.filter import BalanceLabels, LabelDistribution, BalanceLabelsOD, BalanceLabelsIS
        f = self.files
        floors = floor_filters()
        cases = {
            "floor-draw": ("ic", lambda: floors["floor-draw"](None)),
            "floor-count": ("ic", lambda: floors["floor-count"](None)),
            "balance-labels-ic": ("ic", lambda: BalanceLabels(label_correction=f["keep"], seed=SEED)),
            "balance-keyed": ("ic", lambda: BalanceLabels(label_correction=f["keep"], seed=SEED, keyed=True)),
            "balance-exact": ("ic", lambda: BalanceLabels(mode="exact", label_counts=f["counts"],
                                                          label_correction=f["keep"], seed=SEED)),
            "label-dist": ("ic", lambda: LabelDistribution(output_file=os.path.join(os.path.dirname(f["keep"]),
                                                                                    "dist.json"),
                                                           output_format="json")),
            "imgstats": ("ic", lambda: self.imgstats(label_correction=f["keep"], seed=SEED)),
            "floor-draw-od": ("od", lambda: floors["floor-draw-od"](self.signature_keep)),
            "floor-draw-is": ("is", lambda: floors["floor-draw-is"](self.signature_keep)),
            "balance-labels-od": ("od", lambda: BalanceLabelsOD(signatures=f["sig-od"], target="max", max_copies=1,
                                                                negatives=f["negatives-od"], seed=SEED,
                                                                logging_level="ERROR")),
            "balance-labels-is": ("is", lambda: BalanceLabelsIS(signatures=f["sig-is"], target="max", max_copies=1,
                                                                negatives=f["negatives-is"], seed=SEED,
                                                                logging_level="ERROR")),
        }
        return cases[case]


def timed_reader(records: list):
    """
    A reader over in-memory records that clocks the stream: from handing out the first record to the moment
    the pipeline asks for the one after the last (every record has passed the filter and the writer then), so that
    a pipeline's fixed costs (initialize: reading files, planning; finalize: the summary) are left out.
    """
    from kasperl.api import Reader
    from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData

    class TimedReader(Reader):
        seconds = 0.0

        def name(self):
            return "timed-reader"

        def description(self):
            return "Hands in-memory records to the pipeline and clocks the stream."

        def generates(self) -> List:
            return [ImageClassificationData, ObjectDetectionData, ImageSegmentationData]

        def read(self) -> Iterable:
            # what initialize left behind (a plan, parsed files, scipy's modules) is collected before the clock
            # starts and then kept out of the collector's sight: the pipeline runs once per chunk here, ten times
            # more often than once per run, and every full collection in the stream would walk it again (frozen
            # objects in reference cycles are never freed: a few MB over a whole run of the benchmark)
            gc.collect()
            gc.freeze()
            start = time.process_time()
            for record in records:
                yield record
            self.seconds = time.process_time() - start
            self._finished = True

        def has_finished(self) -> bool:
            return getattr(self, "_finished", False)

    return TimedReader()


def run_case(bench: Bench, case: str, chunk: int) -> Tuple[float, int]:
    """
    Streams a chunk of the case's pool through its filter with the framework's execute(); returns (seconds,
    written). The seconds are the stream's (see timed_reader), in this process's CPU time, not the wall clock:
    time the machine gave to other work is left out.
    """
    from seppl.io import execute
    from kasperl.api import Session
    from helpers import CountingWriter
    pool, factory = bench.factory(case)
    stream_filter = factory()
    writer = CountingWriter()
    session = Session(options=argparse.Namespace(force_batch=False, update_interval=10 ** 9),
                      logger=logging.getLogger("bench"))
    size = CHUNKS[pool]
    reader = timed_reader(bench.pools[pool][chunk * size:(chunk + 1) * size])
    execute(reader, [stream_filter], writer, session=session)
    return reader.seconds, writer.count


def count_child(case: str, records: int):
    """
    The child of --instructions: streams the first records of a full chunk's pool (the same files, so the same
    initialize, for every number of records) through the case's filter, in a process run under callgrind.
    """
    kind = "ic" if bench_kind(case) == "ic" else "multi"
    with tempfile.TemporaryDirectory() as workdir:
        bench = Bench(workdir, PATTERN, PATTERN if kind == "multi" else 0, None)
        gc.freeze()
        # the collector runs when allocations add up, at moments that differ between runs: it is switched off,
        # so that the difference of two runs is the records' work
        gc.disable()
        for name in CHUNKS:
            CHUNKS[name] = records
        run_case(bench, case, 0)


def bench_kind(case: str) -> str:
    """ The pool of a case: ic, od or is. """
    return "od" if case.endswith("-od") else ("is" if case.endswith("-is") else "ic")


def instructions(case: str, records: int, workdir: str) -> int:
    """ Runs count_child under valgrind's callgrind and returns the instructions executed. """
    out = os.path.join(workdir, "callgrind-%s-%d.out" % (case, records))
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, sys.executable, __file__,
                    "--count_child", case, str(records)], env=dict(os.environ, PYTHONHASHSEED="0"),
                   capture_output=True, check=True)
    with open(out) as fp:
        for line in fp:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError("no instruction count in %s" % out)


def instructions_per_record(case: str, workdir: str) -> float:
    """ The instructions of one record: the difference of two runs of 2,000 and 6,000 records, over 4,000. """
    return (instructions(case, 6000, workdir) - instructions(case, 2000, workdir)) / 4000


PAIRS = [
    ("balance-labels-ic", "floor-draw"),
    ("balance-exact", "floor-draw"),
    ("balance-keyed", "balance-labels-ic"),
    ("label-dist", "floor-count"),
    ("imgstats", "floor-draw"),
    ("balance-labels-od", "floor-draw-od"),
    ("balance-labels-is", "floor-draw-is"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=300000, help="image classification records in the pool")
    parser.add_argument("--multi_records", type=int, default=100000,
                        help="detection and segmentation records in their pools (0: leave those cases out)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repetitions of every pair")
    parser.add_argument("--imgstats", type=str, default=None,
                        help="imgstats' src/idc/imgstats/filter/_balance_labels.py, to measure its filter too")
    parser.add_argument("--pairs", nargs="+", default=None, help="only these cases (by the first name of a pair)")
    parser.add_argument("--instructions", action="store_true",
                        help="instead of timing, count the instructions per record of every case and floor with "
                             "valgrind's callgrind (the same count whatever the machine does; slow: minutes a case)")
    parser.add_argument("--count_child", nargs=2, metavar=("CASE", "RECORDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_child is not None:
        count_child(args.count_child[0], int(args.count_child[1]))
        return
    logging.basicConfig(level=logging.ERROR)
    pairs = [p for p in PAIRS if (args.pairs is None) or (p[0] in args.pairs)]
    if args.imgstats is None:
        pairs = [p for p in pairs if p[0] != "imgstats"]
    if args.multi_records <= 0:
        pairs = [p for p in pairs if not p[1].endswith(("-od", "-is"))]
    if args.instructions:
        with tempfile.TemporaryDirectory() as workdir:
            counted = dict()
            print("instructions per record (callgrind; the difference of runs of 6,000 and 2,000 records)")
            print("%-20s %-15s %12s %12s %9s" % ("filter", "floor", "instr/rec", "floor", "ratio"))
            for case, floor in pairs:
                if case == "imgstats":
                    continue
                for name in (case, floor):
                    if name not in counted:
                        counted[name] = instructions_per_record(name, workdir)
                print("%-20s %-15s %12.0f %12.0f %8.3fx"
                      % (case, floor, counted[case], counted[floor], counted[case] / counted[floor]))
        return
    with tempfile.TemporaryDirectory() as workdir:
        bench = Bench(workdir, args.records, args.multi_records, args.imgstats)
        # the pools live for the whole run: out of the collector's sight, as records streamed from files are gone
        # after the writer; otherwise every full collection walks the pools and charges the filter that allocates
        gc.freeze()
        seconds: Dict[Tuple[str, str, str], List[float]] = collections.defaultdict(list)
        ratios: Dict[Tuple[str, str], List[float]] = collections.defaultdict(list)
        written = dict()
        for repeat in range(args.repeats):
            shift = repeat % len(pairs)
            for case, floor in pairs[shift:] + pairs[:shift]:
                totals = {case: 0.0, floor: 0.0}
                written[case] = 0
                pool = bench.factory(case)[0]
                for chunk in range(len(bench.pools[pool]) // CHUNKS[pool]):
                    # case and floor alternate chunk by chunk, each going first every other chunk, so that both see
                    # the same state of the machine
                    for name in ((case, floor) if chunk % 2 == 0 else (floor, case)):
                        taken, emitted = run_case(bench, name, chunk)
                        totals[name] += taken
                        if name == case:
                            written[case] += emitted
                seconds[(case, floor, case)].append(totals[case])
                seconds[(case, floor, floor)].append(totals[floor])
                ratios[(case, floor)].append(totals[case] / totals[floor])
    print("pools: %d image classification records, %d detection and %d segmentation records; %d interleaved "
          "repetitions; python %s on %s, %d cores"
          % (args.records, args.multi_records, args.multi_records if args.multi_records > 0 else 0, args.repeats,
             platform.python_version(), platform.machine(), os.cpu_count()))
    print("%-20s %-15s %10s %10s %9s %17s %9s %9s" % ("filter", "floor", "us/record", "floor us", "ratio", "range",
                                                       "of mins", "written"))
    for case, floor in pairs:
        pool = bench.pools[bench.factory(case)[0]]
        r = ratios[(case, floor)]
        print("%-20s %-15s %10.3f %10.3f %8.3fx %8.3f-%.3fx %8.3fx %9d"
              % (case, floor, statistics.median(seconds[(case, floor, case)]) / len(pool) * 1e6,
                 statistics.median(seconds[(case, floor, floor)]) / len(pool) * 1e6, statistics.median(r), min(r),
                 max(r), min(seconds[(case, floor, case)]) / min(seconds[(case, floor, floor)]), written[case]))
    ours = ("balance-labels-ic", "floor-draw")
    if (("imgstats", "floor-draw") in ratios) and (ours in ratios):
        print("balance-labels-ic / imgstats: %.3fx (the ratio of their median ratios to floor-draw)"
              % (statistics.median(ratios[ours]) / statistics.median(ratios[("imgstats", "floor-draw")])))


if __name__ == "__main__":
    main()
