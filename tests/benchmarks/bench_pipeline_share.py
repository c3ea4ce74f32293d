"""
Benchmark (not a test): what our filters cost in a real run on files (issue 14). Writes a
sub-dir dataset of small JPEGs (20,000 of 64x64, 10 labels, long-tailed from 25% to 2.5% of
the images) and runs idc-convert on it, reading and writing files:

    baseline:  from-subdir-ic -> to-subdir-ic
    ours:      from-subdir-ic -> label-dist -> balance-labels-ic -> label-dist -> to-subdir-ic

(count, balance, count again, as a user's pipeline does; balance-labels-ic keeps every
record with probability 0.99, so the writer writes almost all of them). The share of the
pipeline's time that our filters take is (ours - baseline) / ours, from the CPU time (user +
system) of the idc-convert processes, medians over interleaved repetitions. Both runs use
the framework's plugin cache (primed first with idc-balance-plugin-cache), so that the
plugin scan's time does not blur the difference; the start-up of idc-convert (importing the
framework) is in both, and printed apart: a run with an empty dataset.

The files live in memory (/dev/shm, where there is one; --dir to choose): on this machine's
disk, creating a file costs 0.75 ms of system time with a spread that swamps the difference
(idc's to-subdir-ic copies each file), on tmpfs a few microseconds.

With --instructions N, each pipeline also runs once on N of the images under valgrind's
callgrind, which counts the instructions executed: the same count for the same run whatever
the machine does, so a share of a few percent shows through (it leaves out the kernel's
work, the system time, which the CPU times include).

    uv run python tests/benchmarks/bench_pipeline_share.py [--images 20000] [--repeats 5] [--dir DIR]
                                                           [--instructions 2000]
"""
import argparse
import io
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from typing import Dict, List

import numpy as np
from PIL import Image

LABELS = ["label%d" % i for i in range(10)]
SHARES = np.geomspace(0.25, 0.025, len(LABELS))
SIZE = 64
KEEP_PROBABILITY = 0.99


def tool(name: str) -> str:
    """ A console script of this Python environment. """
    return os.path.join(os.path.dirname(sys.executable), name)


def write_dataset(root: str, images: int, seed: int = 1) -> Dict[str, int]:
    """ Writes the JPEGs, label by label (sub-directories); returns the count per label. """
    rng = np.random.default_rng(seed)
    counts = np.maximum(1, np.round(SHARES / SHARES.sum() * images).astype(int))
    result = dict()
    for label, n in zip(LABELS, counts):
        folder = os.path.join(root, label)
        os.makedirs(folder)
        for i in range(n):
            # a smooth random picture (JPEG of noise would be large): a coarse random grid, scaled up
            grid = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
            image = Image.fromarray(grid).resize((SIZE, SIZE), Image.BILINEAR)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=90)
            with open(os.path.join(folder, "%s_%05d.jpg" % (label, i)), "wb") as fp:
                fp.write(buffer.getvalue())
        result[label] = int(n)
    return result


def run_cpu(args: List[str], env: Dict[str, str]) -> float:
    """ Runs idc-convert and returns its CPU time (user + system) in seconds; fails on any error. """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([tool("idc-convert")] + args, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if (result.returncode != 0) or ("Traceback" in result.stderr) or ("ERROR" in result.stderr):
        raise RuntimeError("idc-convert %s failed:\n%s" % (" ".join(args), result.stderr))
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_instructions(args: List[str], env: Dict[str, str], work: str) -> int:
    """
    Runs idc-convert under valgrind's callgrind and returns the instructions it executed (user space; the same
    count for the same run, whatever else the machine does).
    """
    out = os.path.join(work, "callgrind.out")
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, tool("idc-convert")]
                            + args, env=dict(env, PYTHONHASHSEED="0"), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("valgrind idc-convert %s failed:\n%s" % (" ".join(args), result.stderr[-2000:]))
    with open(out) as fp:
        for line in fp:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no instruction count in %s" % out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=20000, help="JPEGs in the dataset")
    parser.add_argument("--dir", type=str, default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where to write the dataset and the outputs (default: /dev/shm if present)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repetitions")
    parser.add_argument("--instructions", type=int, default=0, metavar="IMAGES",
                        help="also count the instructions of one run of each pipeline on this many of the images under "
                             "valgrind's callgrind (0: don't; needs valgrind; about 50 times slower than a plain run)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(dir=args.dir)
    try:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"), IDC_CLASS_CACHE="on")
        subprocess.run([tool("idc-balance-plugin-cache")], env=env, check=True, capture_output=True)
        data = os.path.join(work, "data")
        counts = write_dataset(data, args.images)
        empty = os.path.join(work, "empty")
        os.makedirs(empty)
        keep = os.path.join(work, "keep.json")
        with open(keep, "w") as fp:
            fp.write("{%s}" % ", ".join('"%s": %s' % (label, KEEP_PROBABILITY) for label in LABELS))
        out = os.path.join(work, "out")
        pipelines = {
            "start-up": ["from-subdir-ic", "-i", empty, "to-subdir-ic", "-o", out],
            "baseline": ["from-subdir-ic", "-i", data, "to-subdir-ic", "-o", out],
            "ours": ["from-subdir-ic", "-i", data,
                     "label-dist", "-t", "counts", "-f", "json", "-o", os.path.join(work, "before.json"),
                     "balance-labels-ic", "-c", keep, "-s", "1",
                     "label-dist", "-t", "counts", "-f", "json", "-o", os.path.join(work, "after.json"),
                     "to-subdir-ic", "-o", out],
        }
        seconds = {name: [] for name in pipelines}
        for repeat in range(args.repeats):
            names = list(pipelines) if repeat % 2 == 0 else list(reversed(list(pipelines)))
            for name in names:
                shutil.rmtree(out, ignore_errors=True)
                seconds[name].append(run_cpu(pipelines[name], env))
        images = sum(counts.values())
        shares = [(o - b) / o for o, b in zip(seconds["ours"], seconds["baseline"])]
        print("%d JPEGs of %dx%d (%d labels, %d to %d images) in %s, %d interleaved repetitions; CPU time of "
              "idc-convert; python %s on %s, %d cores"
              % (images, SIZE, SIZE, len(counts), max(counts.values()), min(counts.values()), work, args.repeats,
                 platform.python_version(), platform.machine(), os.cpu_count()))
        for name in pipelines:
            print("%-9s median %6.2f s  (range %.2f-%.2f s)"
                  % (name, statistics.median(seconds[name]), min(seconds[name]), max(seconds[name])))
        work_baseline = statistics.median(seconds["baseline"]) - statistics.median(seconds["start-up"])
        ours = statistics.median(seconds["ours"]) - statistics.median(seconds["baseline"])
        print("reading and writing: %.0f us per image (baseline minus start-up)" % (work_baseline / images * 1e6))
        print("our three filters: %.0f us per image, %.1f%% of the pipeline's time (median of the per-repetition "
              "shares; range %.1f%% to %.1f%%); %.1f%% of the pipeline's time without the start-up"
              % (ours / images * 1e6, 100 * statistics.median(shares), 100 * min(shares), 100 * max(shares),
                 100 * ours / (statistics.median(seconds["ours"]) - statistics.median(seconds["start-up"]))))
        if args.instructions > 0:
            small = os.path.join(work, "small")
            for label in counts:
                os.makedirs(os.path.join(small, label))
            names = sorted((label, name) for label in counts for name in os.listdir(os.path.join(data, label)))
            step = max(1, len(names) // args.instructions)
            for label, name in names[::step][:args.instructions]:
                os.symlink(os.path.join(data, label, name), os.path.join(small, label, name))
            small_images = min(args.instructions, len(names[::step]))
            counted = dict()
            for name in ["start-up", "baseline", "ours"]:
                shutil.rmtree(out, ignore_errors=True)
                counted[name] = run_instructions([small if a == data else a for a in pipelines[name]], env, work)
            ours_i = counted["ours"] - counted["baseline"]
            print("instructions (callgrind, %d images, one run each): start-up %.3g, baseline %.3g, ours %.3g"
                  % (small_images, counted["start-up"], counted["baseline"], counted["ours"]))
            print("our three filters: %.0f instructions per image, %.1f%% of the pipeline's instructions; %.1f%% "
                  "without the start-up's; reading and writing %.0f instructions per image"
                  % (ours_i / small_images, 100 * ours_i / counted["ours"],
                     100 * ours_i / (counted["ours"] - counted["start-up"]),
                     (counted["baseline"] - counted["start-up"]) / small_images))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
