"""
Balances the shipped example dataset (docs/example/data) split into shards, each shard an
ordinary idc-convert pipeline run as a task on a Dask cluster, and prints the label counts of
the union of the shards' outputs: exactly the target per label, as one run over all the data
would give.

    pass 1, one task per shard:  from-subdir-ic -> label-dist -t counts -f json -o counts-I.json
    pass 2, one task per shard:  from-subdir-ic -> balance-labels-ic -m exact --shard_counts counts-0.json ...
                                                   --shard I -s SEED -> to-subdir-ic

What is sent to the workers: each shard's list of image files and the paths of the counts
files, never images. The workers need the files at the same paths (a shared file system, or
object storage that every worker reads); the images never pass through the client.

    python3 -m uv run --extra dask python docs/example/dask_shards.py [--scheduler ADDRESS] [--shards 4] [--out DIR]

Without --scheduler a local cluster (dask.distributed.LocalCluster, 2 workers) is started; on
a real cluster, give the scheduler's address (e.g. tcp://scheduler:8786) and an --out folder
that every worker can write.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from typing import Dict, List, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "docs", "example", "data")
SEED = 42
TARGET = "min"


def idc_convert() -> str:
    """ The idc-convert of the Python environment this script (or the worker) runs in. """
    return os.path.join(os.path.dirname(sys.executable), "idc-convert")


def list_images(data: str) -> List[Tuple[str, str]]:
    """ (label, file) of every image of a sub-directory dataset, sorted. """
    return [(label, os.path.join(data, label, name)) for label in sorted(os.listdir(data))
            if os.path.isdir(os.path.join(data, label)) for name in sorted(os.listdir(os.path.join(data, label)))]


def shard_folder(files: List[Tuple[str, str]], folder: str) -> str:
    """
    Lays out a shard's files as a sub-directory dataset of symbolic links (idc's from-subdir-ic reads folders),
    on the worker that runs the task.
    """
    for label, path in files:
        os.makedirs(os.path.join(folder, label), exist_ok=True)
        link = os.path.join(folder, label, os.path.basename(path))
        if not os.path.lexists(link):
            os.symlink(path, link)
    return folder


def run(args: List[str]):
    """ Runs idc-convert; a failure raises with its output. """
    result = subprocess.run([idc_convert()] + args, capture_output=True, text=True)
    if (result.returncode != 0) or ("Failed to initialize" in result.stderr) or ("ERROR:" in result.stderr):
        raise RuntimeError("idc-convert %s failed:\n%s" % (" ".join(args), result.stderr))


def count_labels(files: List[Tuple[str, str]], work: str, shard: int) -> str:
    """ Pass 1 of a shard: its label counts file. """
    folder = shard_folder(files, os.path.join(work, "shard-%d" % shard))
    counts = os.path.join(work, "counts-%d.json" % shard)
    run(["from-subdir-ic", "-i", folder, "label-dist", "-t", "counts", "-f", "json", "-o", counts])
    return counts


def balance(files: List[Tuple[str, str]], work: str, shard: int, counts: List[str], out: str) -> str:
    """ Pass 2 of a shard: its share of the global targets, written to out/shard-I. """
    folder = shard_folder(files, os.path.join(work, "shard-%d" % shard))
    target = os.path.join(out, "shard-%d" % shard)
    run(["from-subdir-ic", "-i", folder,
         "balance-labels-ic", "-m", "exact", "--target", TARGET, "--shard_counts"] + counts
        + ["--shard", str(shard), "-s", str(SEED),
           "to-subdir-ic", "-o", target])
    return target


def union_counts(out: str) -> Dict[str, int]:
    """ Label counts of the union of the shards' outputs. """
    result = Counter()
    for shard in sorted(os.listdir(out)):
        for label in os.listdir(os.path.join(out, shard)):
            result[label] += len(os.listdir(os.path.join(out, shard, label)))
    return dict(sorted(result.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scheduler", default=None, help="the Dask scheduler's address; default: a local cluster")
    parser.add_argument("--shards", type=int, default=4, help="the number of shards")
    parser.add_argument("--out", default=None, help="the folder for the shards' outputs (default: a new temp folder)")
    args = parser.parse_args()
    if args.shards < 1:
        parser.error("--shards: %d is not a number of shards (at least 1)" % args.shards)
    if (args.out is not None) and os.path.isdir(args.out) and (len(os.listdir(args.out)) > 0):
        parser.error("--out: '%s' is not empty (an earlier run's shards would be counted too)" % args.out)
    from dask.distributed import Client, LocalCluster

    out = args.out or tempfile.mkdtemp(prefix="balanced-")
    work_dir = tempfile.TemporaryDirectory(prefix="shards-")
    work = work_dir.name
    images = list_images(DATA)
    shards = [images[i::args.shards] for i in range(args.shards)]
    cluster = None if args.scheduler else LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                       dashboard_address=None)
    with Client(args.scheduler or cluster) as client:
        counts = client.gather([client.submit(count_labels, files, work, i, pure=False)
                                for i, files in enumerate(shards)])
        written = client.gather([client.submit(balance, files, work, i, counts, out, pure=False)
                                 for i, files in enumerate(shards)])
    if cluster is not None:
        cluster.close()
    total = Counter()
    for path in counts:
        with open(path) as fp:
            total.update(json.load(fp))
    print("shards: %d, images per shard: %s" % (len(shards), [len(s) for s in shards]))
    print("counts (pass 1, added up): %s" % json.dumps(dict(sorted(total.items()))))
    print("union of the shards' outputs (pass 2), target %s = %d per label:" % (TARGET, min(total.values())))
    for label, count in union_counts(out).items():
        print("%s: %d" % (label, count))
    print("written to: %s" % ", ".join(written))
    work_dir.cleanup()


if __name__ == "__main__":
    main()
