"""
Hostile input: what balance-labels-ic and label-dist do with files, streams, output
paths and arguments that are broken, huge, ambiguous or malicious.

Every case asserts the exact outcome: either the input is refused (BalanceError, one
ERROR line at initialize) with a message that names the culprit (file, label, option),
before any record reached the writer, or it is accepted with the documented result and
the expected WARNING. Everything runs through the real framework (seppl's execute,
idc's readers and writers, idc-convert as a subprocess) on real images made by Pillow.

Cases that could eat the memory run in a subprocess under RLIMIT_AS (2 GiB) and a
timeout. The subprocesses (idc-convert and tests/hostile_child.py) are all started
when this module starts, in parallel, and the tests that need them (at the end of the
file) collect their results; the rest runs in-process meanwhile.
"""
import io
import json
import logging
import os
import resource
import shutil
import stat
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from seppl.io import execute

from helpers import (ListReader, ListWriter, failed_to_initialize, ic_records, jpeg_bytes,
                     make_subdir_dataset, new_session, run_pipeline, tool)
from idc.api import ImageClassificationData
from idc.balance.core import BalanceError, MAX_LABEL_FILE_BYTES
from idc.balance.core import _label_files
from idc.balance.filter import BalanceLabels, LabelDistribution

HERE = Path(__file__).resolve().parent
MEMORY_LIMIT = 2 * 1024 ** 3
""" RLIMIT_AS of the subprocesses that could eat the memory: 2 GiB of address space. """
JOB_TIMEOUT = 120
""" Seconds a subprocess may take (from the start of this module). The slowest job, a million
copies of one record, takes ~10 s on one core of the 2-core development machine (about 9
microseconds per copy); the idc-convert runs ~1.5 s each. 120 s leaves room for running them
all in parallel on a loaded machine, while a run that hangs (or makes its copies in quadratic
time: 10^12 list moves) is caught. """
COPIES = 1_000_000
""" Copies of one record in the memory test. """
RSS_GROWTH_LIMIT_KB = 64 * 1024
""" The most the peak resident memory may grow while making a million copies of one record.
A copy is an ImageClassificationData with its own attribute dict, name and metadata dict,
well over 500 bytes each: a million copies held at once would take more than 500 MB. Made
lazily, one at a time, the peak does not grow at all (0-2 MB measured); 64 MB is 8 times
below what holding them would cost. """

SRC_NAMES = ["x.jpg", "x-1.jpg", "x~1.jpg", "x~~1.jpg", "y.jpg"]
""" Input names for the copy-name tests: one with the copy marker, one with it doubled. """
COPY_NAMES_3 = ["x-1.jpg", "x-1~1.jpg", "x-1~2.jpg", "x.jpg", "x~1.jpg", "x~2.jpg", "x~~1.jpg", "x~~1~1.jpg",
                "x~~1~2.jpg", "x~~~~1.jpg", "x~~~~1~1.jpg", "x~~~~1~2.jpg", "y.jpg", "y~1.jpg", "y~2.jpg"]
""" The 15 files the 5 inputs become with correction 3 (sorted). """
ORIGIN_3 = {"x-1.jpg": "x-1.jpg", "x-1~1.jpg": "x-1.jpg", "x-1~2.jpg": "x-1.jpg",
            "x.jpg": "x.jpg", "x~1.jpg": "x.jpg", "x~2.jpg": "x.jpg",
            "x~~1.jpg": "x~1.jpg", "x~~1~1.jpg": "x~1.jpg", "x~~1~2.jpg": "x~1.jpg",
            "x~~~~1.jpg": "x~~1.jpg", "x~~~~1~1.jpg": "x~~1.jpg", "x~~~~1~2.jpg": "x~~1.jpg",
            "y.jpg": "y.jpg", "y~1.jpg": "y.jpg", "y~2.jpg": "y.jpg"}
""" Output file -> the input it holds. """
ESCAPE_WARNING = ("WARNING:balance-labels-ic:2 input image name(s) contained the copy marker '~' (e.g. written by "
                  "an earlier oversampling run) and were written with it doubled, so that no copy can take their "
                  "name: 'x~1.jpg' -> 'x~~1.jpg'")
""" The reader sorts the files (x-1, x, x~1, x~~1, y): x~1.jpg is the first escaped name. """


# ---------------------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------------------

def write_text(path: Path, text) -> str:
    """
    Writes text (or bytes) to a file and returns its name.
    """
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def write_json(path: Path, obj) -> str:
    return write_text(path, json.dumps(obj))


def errors(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def warnings(caplog, logger: str = None):
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and (logger is None or r.name == logger)]


def assert_refused(plugin, caplog, *parts: str) -> str:
    """
    Initializes a plugin and asserts that it is refused with a BalanceError whose
    message contains all the parts, logged as the one ERROR line of the run.
    """
    with caplog.at_level(logging.WARNING):
        with pytest.raises(BalanceError) as info:
            plugin.initialize()
    message = str(info.value)
    for part in parts:
        assert part in message
    assert errors(caplog) == [message]
    return message


def assert_pipeline_refused(filters, caplog, capsys, *parts: str) -> str:
    """
    Runs records through the framework's execute() and asserts that a filter failed
    to initialize with one ERROR line containing all the parts, and that no record
    reached the writer.
    """
    writer = ListWriter()
    with caplog.at_level(logging.WARNING):
        execute(ListReader(ic_records(["a", "b", "a"])), filters, writer, session=new_session())
    assert writer.records == []
    assert "Failed to initialize filter" in capsys.readouterr().err
    messages = errors(caplog)
    assert len(messages) == 1
    for part in parts:
        assert part in messages[0]
    return messages[0]


def labels_of(records):
    return [r.annotation for r in records]


def names_of(records):
    return [r.image_name for r in records]


def pillow_jpeg(path: Path, index: int):
    Image.new("RGB", (8, 8), ((index * 53) % 256, (index * 17) % 256, 99)).save(path, format="JPEG")


def make_marker_dataset(root: Path) -> Path:
    """
    One label folder 'a' with the five copy-name inputs (real JPEGs, each different).
    """
    (root / "a").mkdir(parents=True)
    for i, name in enumerate(SRC_NAMES):
        pillow_jpeg(root / "a" / name, i)
    return root


def snapshot(root: Path):
    """
    Every file under a folder with its bytes.
    """
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------------------------------
# subprocesses, started when the module starts and collected by the tests at the end of the file
# ---------------------------------------------------------------------------------------------------------------------

def _limit_memory():
    """ preexec_fn: caps the child's address space. """
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class Job:
    """
    A subprocess started in the background (from the main thread, so preexec_fn is
    safe), its output going to files (no pipe can fill up).
    """

    def __init__(self, folder: Path, name: str, args, limit_memory: bool, cwd: Path):
        self.name = name
        self.args = [str(a) for a in args]
        env = dict(os.environ)
        env.pop("IDC_CLASS_CACHE", None)  # as helpers.run_idc: every run sees the installed plugins
        # keep numpy's thread pools (and their address space) small under RLIMIT_AS
        env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        self.stdout_path = folder / (name + ".stdout")
        self.stderr_path = folder / (name + ".stderr")
        self.start = time.monotonic()
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=err, cwd=str(cwd), env=env,
                                         preexec_fn=_limit_memory if limit_memory else None)
        self._result = None

    def result(self) -> subprocess.CompletedProcess:
        """
        Waits for the job (at most JOB_TIMEOUT seconds from its start) and returns it.
        """
        if self._result is None:
            remaining = max(1.0, JOB_TIMEOUT - (time.monotonic() - self.start))
            try:
                code = self.proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                self.stop()
                pytest.fail("%s did not finish within %d s: %s" % (self.name, JOB_TIMEOUT, " ".join(self.args)))
            self._result = subprocess.CompletedProcess(
                self.args, code, self.stdout_path.read_text(errors="replace"),
                self.stderr_path.read_text(errors="replace"))
        return self._result

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def error_lines(stderr: str):
    return [line for line in stderr.splitlines() if line.startswith("ERROR:")]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """
    Starts all subprocesses of this module at once; yields name -> (Job, work folder).
    """
    root = tmp_path_factory.mktemp("jobs")
    data = make_subdir_dataset(root / "data", {"a": 3, "b": 2})
    started = dict()

    def start(name, args, limit_memory=False):
        work = root / name
        work.mkdir()
        started[name] = (Job(root, name, args, limit_memory, work), work)
        return work

    idc = tool("idc-convert")
    # memory eaters, under RLIMIT_AS
    write_json(root / "counts_1e308.json", {"a": 1e308, "b": 10})
    start("exact_max_1e308", [idc, "from-subdir-ic", "-i", data,
                              "balance-labels-ic", "-m", "exact", "-C", root / "counts_1e308.json", "--target", "max",
                              "to-subdir-ic", "-o", "out"], limit_memory=True)
    write_json(root / "corr_1e308.json", {"a": 1e308})
    start("correction_1e308", [idc, "from-subdir-ic", "-i", data,
                               "balance-labels-ic", "-c", root / "corr_1e308.json", "-s", "1",
                               "to-subdir-ic", "-o", "out"], limit_memory=True)
    write_json(root / "counts_small.json", {"a": 3, "b": 2})
    start("exact_target_1e9", [idc, "from-subdir-ic", "-i", data,
                               "balance-labels-ic", "-m", "exact", "-C", root / "counts_small.json",
                               "--target", "1000000000", "to-subdir-ic", "-o", "out"], limit_memory=True)
    write_json(root / "corr_million.json", {"a": COPIES + 1})
    start("million_copies", [sys.executable, HERE / "hostile_child.py", "million", root / "corr_million.json",
                             COPIES + 1], limit_memory=True)
    # copy names on real files
    marker = make_marker_dataset(root / "marker")
    write_json(root / "corr_3.json", {"a": 3})
    work = start("copy_names", [idc, "from-subdir-ic", "-i", marker,
                                "balance-labels-ic", "-c", root / "corr_3.json", "-s", "1",
                                "label-dist", "-f", "json", "-o", "counts.json",
                                "to-subdir-ic", "-o", "out"])
    # output paths refused at initialize
    start("out_proc", [idc, "from-subdir-ic", "-i", data,
                       "label-dist", "-o", "/proc/self/x.json", "to-subdir-ic", "-o", "out"])
    fifo_work = root / "out_fifo_pre"
    fifo_work.mkdir()
    os.mkfifo(fifo_work / "fifo.json")
    start("out_fifo", [idc, "from-subdir-ic", "-i", data,
                       "label-dist", "-o", fifo_work / "fifo.json", "to-subdir-ic", "-o", "out"])
    start("out_slash", [idc, "from-subdir-ic", "-i", data,
                        "label-dist", "-o", "res/", "--plot", "plot.png", "to-subdir-ic", "-o", "out"])
    started["_marker"] = (None, marker)
    started["_marker_before"] = (None, snapshot(marker))
    started["_fifo"] = (None, fifo_work / "fifo.json")
    yield started
    for job, _ in started.values():
        if isinstance(job, Job):
            job.stop()


@pytest.fixture(scope="module", autouse=True)
def _start_jobs_first(jobs):
    """ Makes the subprocesses start before the first test of this module, whatever runs first. """
    yield


# =====================================================================================================================
# 1. files: correction and counts JSON
# =====================================================================================================================

DEEP = "[" * 100000 + "]" * 100000
D400 = "9" * 400
D5000 = "9" * 5000

BAD_CORRECTION_FILES = [
    # id, file text, parts of the message after "label correction file '<path>'"
    ("1e308", '{"a": 1e308}',
     ["label 'a': value 1e+308 asks for up to about 10^308 outputs of each record, more than --max_copies 1000 "
      "allows (raise --max_copies if you mean it)"]),
    ("400-digits", '{"a": %s}' % D400, ["label 'a': value %s is too large" % D400]),
    ("5000-digits", '{"a": %s}' % D5000,
     ["invalid JSON: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"]),
    ("NaN", '{"a": NaN}', ["NaN is not a finite number"]),
    ("Infinity", '{"a": Infinity}', ["Infinity is not a finite number"]),
    ("-Infinity", '{"a": -Infinity}', ["-Infinity is not a finite number"]),
    ("1e400-overflows-to-inf", '{"a": 1e400}', ["label 'a': value inf is not a finite number"]),
    ("negative", '{"a": 0.5, "b": -0.25}', ["label 'b': value -0.25 is negative"]),
    ("string", '{"a": "0.5"}', ["label 'a': value \"0.5\" is a string, not a number"]),
    ("boolean", '{"a": true}', ["label 'a': value true is a boolean, not a number"]),
    ("null", '{"a": null}', ["label 'a': value null is null, not a number"]),
    ("array-value", '{"a": [0.5]}', ["label 'a': value [0.5] is an array, not a number"]),
    ("nested-100000-deep", DEEP, ["invalid JSON: nested too deeply"]),
    ("nested-100000-deep-in-value", '{"a": %s}' % DEEP, ["invalid JSON: nested too deeply"]),
    ("duplicate-keys", '{"a": 0.5, "b": 1, "a": 0.25}', ["label 'a' appears more than once"]),
    ("array", '[["a", 0.5]]', ["expected a JSON object (label -> number), got an array"]),
    ("number", '0.5', ["expected a JSON object (label -> number), got a number"]),
    ("string-document", '"a"', ["expected a JSON object (label -> number), got a string"]),
    ("invalid-utf8", b'{"caf\xe9": 0.5}', ["not UTF-8 text (byte 5): invalid continuation byte"]),
    ("empty-file", "", ["invalid JSON at line 1, column 1: Expecting value"]),
    ("truncated", '{"a": 0.5,', ["invalid JSON at line 1, column 11: Expecting property name enclosed in double quotes"]),
    ("utf8-bom", '\ufeff{"a": 0.5}', ["invalid JSON at line 1, column 1: Unexpected UTF-8 BOM"]),
]


@pytest.mark.parametrize("text,parts", [(c[1], c[2]) for c in BAD_CORRECTION_FILES],
                         ids=[c[0] for c in BAD_CORRECTION_FILES])
def test_bad_correction_file_is_refused_at_initialize(tmp_path, caplog, text, parts):
    """Refused: one ERROR naming the correction file (and the label where there is one);
    RecursionError and the int digit limit become BalanceError, nothing hangs or overflows."""
    path = write_text(tmp_path / "corr.json", text)
    assert_refused(BalanceLabels(label_correction=path, seed=1), caplog,
                   "label correction file '%s': " % path, *parts)


BAD_COUNTS_FILES = [
    ("above-2**53", '{"a": %d}' % (2 ** 53 + 2),
     ["label 'a': value 9007199254740994 is more than 9007199254740992, not a number of records"]),
    ("1e308", '{"a": 1e308, "b": 10}',
     ["label 'a': value 1e+308 is more than 9007199254740992, not a number of records"]),
    ("not-whole", '{"a": 10, "b": 2.5}', ["label 'b': value 2.5 is not a whole number"]),
    ("400-digits", '{"a": %s}' % D400, ["label 'a': value %s is too large" % D400]),
    ("5000-digits", '{"a": %s}' % D5000, ["invalid JSON: Exceeds the limit (4300 digits)"]),
    ("NaN", '{"a": NaN}', ["NaN is not a finite number"]),
    ("negative", '{"a": -1}', ["label 'a': value -1 is negative"]),
    ("string", '{"a": "10"}', ["label 'a': value \"10\" is a string, not a number"]),
    ("boolean", '{"a": false}', ["label 'a': value false is a boolean, not a number"]),
    ("nested-100000-deep", DEEP, ["invalid JSON: nested too deeply"]),
    ("duplicate-keys", '{"a": 1, "a": 2}', ["label 'a' appears more than once"]),
    ("not-an-object", '[10, 2]', ["expected a JSON object (label -> number), got an array"]),
    ("invalid-utf8", b'{"a": 1}\xff', ["not UTF-8 text (byte 8): invalid start byte"]),
]


@pytest.mark.parametrize("text,parts", [(c[1], c[2]) for c in BAD_COUNTS_FILES], ids=[c[0] for c in BAD_COUNTS_FILES])
def test_bad_counts_file_is_refused_at_initialize(tmp_path, caplog, text, parts):
    """Refused in exact mode: one ERROR naming the counts file and the label."""
    path = write_text(tmp_path / "counts.json", text)
    assert_refused(BalanceLabels(mode="exact", label_counts=path, target="max", seed=1), caplog,
                   "label counts file '%s': " % path, *parts)


def test_count_just_above_2_to_the_53_is_refused(tmp_path, caplog):
    """Refused: 2**53 + 1 is above MAX_COUNT like 2**53 + 2 (the count is an exact JSON integer)."""
    path = write_json(tmp_path / "counts.json", {"a": 2 ** 53 + 1})
    assert_refused(BalanceLabels(mode="exact", label_counts=path, target="min", seed=1), caplog,
                   "label counts file '%s': label 'a': value 9007199254740993 is more than 9007199254740992" % path)


def test_count_of_exactly_2_to_the_53_is_accepted(tmp_path, caplog):
    """Accepted: MAX_COUNT itself is a count (target min keeps the 2 records of 'b', 'a' is never reached)."""
    path = write_json(tmp_path / "counts.json", {"a": 2 ** 53, "b": 2})
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(ic_records(["b", "b"]), [BalanceLabels(mode="exact", label_counts=path, target="min",
                                                                  seed=1)])
    assert labels_of(out) == ["b", "b"]
    assert errors(caplog) == []


@pytest.mark.parametrize("what", ["directory", "missing", "dev-zero", "sparse-file-above-the-bound", "dev-null"])
def test_unreadable_or_endless_correction_file_is_refused(tmp_path, caplog, what):
    """Refused naming the file: a directory, a missing file, /dev/zero (refused by the size
    bound after reading MAX_LABEL_FILE_BYTES + 1 bytes, never hangs), a sparse file one byte above the bound
    (no disk used), and /dev/null (empty, not JSON)."""
    if what == "directory":
        path, part = str(tmp_path), "cannot read: [Errno 21] Is a directory"
    elif what == "missing":
        path, part = str(tmp_path / "nope.json"), "cannot read: [Errno 2] No such file or directory"
    elif what == "dev-zero":
        path, part = "/dev/zero", "larger than %d bytes, too large for a label correction file" % MAX_LABEL_FILE_BYTES
    elif what == "sparse-file-above-the-bound":
        path = str(tmp_path / "big.json")
        with open(path, "wb") as fp:
            fp.truncate(MAX_LABEL_FILE_BYTES + 1)
        part = "larger than %d bytes, too large for a label correction file" % MAX_LABEL_FILE_BYTES
    else:
        path, part = "/dev/null", "invalid JSON at line 1, column 1: Expecting value"
    start = time.monotonic()
    assert_refused(BalanceLabels(label_correction=path, seed=1), caplog, "label correction file '%s': %s" % (path, part))
    assert time.monotonic() - start < 20  # reading the bound takes well under a second


@pytest.mark.parametrize("size,refused", [(64, False), (65, True)], ids=["at-bound", "one-above"])
def test_label_file_size_bound(tmp_path, caplog, monkeypatch, size, refused):
    """The bound of core._label_files (set to 64 bytes here): a file of exactly the bound is read,
    one byte more is refused naming the file and the bound."""
    monkeypatch.setattr(_label_files, "MAX_LABEL_FILE_BYTES", 64)
    text = '{"a": 0.5}'
    path = write_text(tmp_path / "corr.json", text + " " * (size - len(text)))
    assert os.path.getsize(path) == size
    plugin = BalanceLabels(label_correction=path, seed=1)
    if refused:
        assert_refused(plugin, caplog, "label correction file '%s': larger than 64 bytes, too large for a label correction file"
                       % path)
    else:
        plugin.initialize()
        assert plugin._correction == {"a": 0.5}


def test_empty_correction_object_is_accepted_with_warning_at_finalize(tmp_path, caplog):
    """Accepted: {} decides every record with the default probability (0 here: all dropped); the
    WARNING 'is empty' comes at finalize, not before."""
    path = write_text(tmp_path / "corr.json", "{}")
    plugin = BalanceLabels(label_correction=path, seed=1, default_probability=0.0)
    with caplog.at_level(logging.WARNING):
        plugin.initialize()
        out = plugin.process(ic_records(["a", "b"]))
        assert out == []  # default probability 0: both dropped (a list in gives a list out)
        assert warnings(caplog) == []
        plugin.finalize()
    assert warnings(caplog, "balance-labels-ic") == [
        "label correction file '%s' is empty: every label was decided with the default probability" % path]


def test_exact_target_a_billion_is_refused_naming_counts_label_and_max_copies(tmp_path, caplog):
    """Refused: 3 records of 'a' cannot become a billion without 333333334 outputs each."""
    path = write_json(tmp_path / "counts.json", {"a": 3, "b": 2})
    assert_refused(BalanceLabels(mode="exact", label_counts=path, target=1000000000, seed=1), caplog,
                   "label counts file '%s': label 'a': 3 record(s) with target 1000000000 (option --target 1000000000) "
                   "need up to 333333334 outputs of each record, more than --max_copies 1000 allows" % path)


def test_correction_1000_is_exactly_the_default_copy_limit(tmp_path):
    """Accepted: correction 1000 means 1000 outputs = the record + 999 copies, which the default
    --max_copies 1000 allows (the limit counts outputs, the record itself included)."""
    path = write_json(tmp_path / "corr.json", {"a": 1000})
    out = run_pipeline(ic_records(["a"]), [BalanceLabels(label_correction=path, seed=1)])
    assert len(out) == 1000
    assert out[-1].image_name == "img0000000~999.jpg"


def test_correction_above_1000_is_refused_by_the_default_copy_limit(tmp_path, caplog):
    """Refused: 1000.5 may need 1001 outputs of a record, one more than --max_copies 1000."""
    path = write_json(tmp_path / "corr.json", {"a": 1000.5})
    assert_refused(BalanceLabels(label_correction=path, seed=1), caplog,
                   "label correction file '%s': label 'a': value 1000.5 asks for up to 1001 outputs of each record, "
                   "more than --max_copies 1000 allows (raise --max_copies if you mean it)" % path)


def test_correction_above_1000_is_accepted_with_a_higher_copy_limit(tmp_path):
    """Accepted with max_copies=2000: each of 4 records is output 1001 or 1002 times (1001 + a coin
    with p=0.5); with seed 3 the four coins give exactly 4006 records."""
    path = write_json(tmp_path / "corr.json", {"a": 1001.5})
    out = run_pipeline(ic_records(["a"] * 4), [BalanceLabels(label_correction=path, seed=3, max_copies=2000)])
    per_original = [sum(1 for r in out if r.image_name.split("~")[0].replace(".jpg", "") == "img%07d" % i)
                    for i in range(4)]
    assert all(n in (1001, 1002) for n in per_original)
    assert len(out) == 4006
    assert len(set(names_of(out))) == len(out)


# =====================================================================================================================
# 4. nothing silent: warnings at finalize
# =====================================================================================================================

NFD_CAFE = unicodedata.normalize("NFD", "café")
NFC_CAFE = unicodedata.normalize("NFC", "café")
NEAR_MATCHES = [
    ("case", "Cat", "cat", "but 'cat' differs from it only by case"),
    ("whitespace", " cat", "cat", "but 'cat' differs from it only by surrounding whitespace"),
    ("ligature", "\ufb01sh", "fish", "but 'fish' differs from it only by Unicode normalisation"),
    ("nfd-vs-nfc", NFD_CAFE, NFC_CAFE, "but %r differs from it only by Unicode normalisation" % NFC_CAFE),
    ("all-three", " CA\ufb01 ", "cafi", "but 'cafi' differs from it only by case, surrounding whitespace or Unicode "
                                        "normalisation"),
    ("no-near-match", "zebra", "cat", None),
]


@pytest.mark.parametrize("file_label,stream_label,hint", [c[1:] for c in NEAR_MATCHES], ids=[c[0] for c in NEAR_MATCHES])
def test_correction_label_never_in_stream_is_named_with_near_match(tmp_path, caplog, file_label, stream_label, hint):
    """Accepted (labels are compared exactly: the stream label keeps the default probability 1),
    with WARNINGs at finalize naming the unused label and its near match, and the stream label
    that the file lacks with the same near match seen from the other side."""
    path = write_json(tmp_path / "corr.json", {file_label: 0.0})
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(ic_records([stream_label] * 3), [BalanceLabels(label_correction=path, seed=1)])
    assert labels_of(out) == [stream_label] * 3
    line = "%r: no record has this label" % file_label
    reverse = "%r: not in the file" % stream_label
    if hint is not None:
        line += ", " + hint + " (labels are compared exactly)"
        reverse += ", " + hint.replace(repr(stream_label), repr(file_label)) + " (labels are compared exactly)"
    assert warnings(caplog, "balance-labels-ic") == [
        "label correction file '%s': 1 label(s) never occurred in the stream:\n%s" % (path, line),
        "1 label(s) of the stream are not in label correction file '%s' and were decided with the default "
        "probability 1.0 (-p):\n%s" % (path, reverse)]


def test_exact_mode_counts_label_never_in_stream_is_warned(tmp_path, caplog):
    """Accepted: 'ghost' of the counts file never occurs; WARNINGs name it and the mismatch."""
    path = write_json(tmp_path / "counts.json", {"a": 2, "ghost": 3})
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(ic_records(["a", "a"]), [BalanceLabels(mode="exact", label_counts=path, seed=1)])
    assert labels_of(out) == ["a", "a"]  # target min = 2
    assert warnings(caplog, "balance-labels-ic") == [
        "label counts file '%s': 1 label(s) never occurred in the stream:\n'ghost': no record has this label" % path,
        "The stream did not match the label counts file '%s':\n"
        "ghost: 3 record(s) fewer than counted (its target may not have been reached)" % path]


def split_records(splits):
    records = ic_records(["a"] * len(splits))
    for record, split in zip(records, splits):
        if split is not None:
            record.set_metadata({"split": split})
    return records


def test_split_names_that_select_nothing_are_warned_balance(tmp_path, caplog):
    """Accepted: 'tset' (typo) selects nothing, every record passes through untouched; WARNINGs name
    the unused correction label, the split, the values seen and that nothing was balanced."""
    path = write_json(tmp_path / "corr.json", {"a": 0.0})
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(split_records(["train", "test", None]),
                           [BalanceLabels(label_correction=path, seed=1, split_names="tset")])
    assert len(out) == 3
    assert warnings(caplog, "balance-labels-ic") == [
        "label correction file '%s': 1 label(s) never occurred in the stream:\n'a': no record has this label" % path,
        "option --split_names: 'tset' selected no record (split field 'split'; other values seen: 'train', 'test'; "
        "records without the field: 1)",
        "No record was balanced: none of the 3 record(s) that reached this filter had a label and a selected split"]


def test_split_names_that_select_nothing_are_warned_label_dist(tmp_path, caplog):
    """Accepted: label-dist counts nothing for split 'tset' and warns about the split and the empty count."""
    out_file = tmp_path / "counts.json"
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(split_records(["train", "test"]),
                           [LabelDistribution(split_names=["tset"], output_format="json", output_file=str(out_file))])
    assert len(out) == 2
    assert json.loads(out_file.read_text()) == {}
    assert warnings(caplog, "label-dist") == [
        "option --split_names: 'tset' selected no record (split field 'split'; other values seen: 'train', 'test'; "
        "records without the field: 0)",
        "No label was counted: 2 record(s) reached this filter, none had a label and a selected split"]


def test_run_that_balanced_zero_records_is_warned(tmp_path, caplog):
    """Accepted: unlabeled records ('' and None) pass through; the run warns that nothing was balanced."""
    path = write_json(tmp_path / "corr.json", {"a": 0.5})
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(ic_records(["", None]), [BalanceLabels(label_correction=path, seed=1)])
    assert labels_of(out) == ["", None]
    assert warnings(caplog, "balance-labels-ic") == [
        "label correction file '%s': 1 label(s) never occurred in the stream:\n'a': no record has this label" % path,
        "No record was balanced: none of the 2 record(s) that reached this filter had a label"]


def test_label_dist_that_counted_nothing_is_warned(tmp_path, caplog, capsys):
    """Accepted: label-dist prints an empty distribution and warns that it counted nothing."""
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(ic_records([None, "", None]), [LabelDistribution()])
    assert len(out) == 3
    assert capsys.readouterr().out == ""
    assert warnings(caplog, "label-dist") == ["No label was counted: 3 record(s) reached this filter, none had a label"]


# =====================================================================================================================
# 7. stream oddities
# =====================================================================================================================

def test_empty_and_missing_labels_pass_through_and_count_as_unlabeled(tmp_path, caplog):
    """Accepted: '' and None are not labels: never dropped, never copied, counted as unlabeled by both plugins."""
    path = write_json(tmp_path / "corr.json", {"a": 0.0, "": 3.0})
    out_file = tmp_path / "counts.json"
    records = ic_records(["a", "", None, "b"])
    with caplog.at_level(logging.INFO):
        out = run_pipeline(records, [BalanceLabels(label_correction=path, seed=1, logging_level="INFO"),
                                     LabelDistribution(output_format="json", output_file=str(out_file),
                                                       logging_level="INFO")])
    assert labels_of(out) == ["", None, "b"]
    assert json.loads(out_file.read_text()) == {"b": 1}
    messages = [r.getMessage() for r in caplog.records]
    summary = [m for m in messages if m.startswith("Summary")][0]
    assert summary.endswith("records without label (passed through): 2")
    assert "Records without label: 2" in messages
    assert any("'': no record has this label" in m for m in warnings(caplog, "balance-labels-ic"))


ODD_LABELS = {"\U0001F431 cat": 4, "line\nbreak": 3, " spaced label ": 2, "\ufb01sh": 1, NFD_CAFE: 1}


def test_unicode_emoji_space_newline_labels_round_trip(tmp_path, caplog):
    """Accepted end to end in Python: label-dist writes the counts of odd labels to JSON,
    exact mode with target max reads them back and gives every label exactly 4 records;
    no label is mixed up with another (the ligature and NFD labels stay distinct), no warning."""
    records = ic_records([label for label, n in ODD_LABELS.items() for _ in range(n)])
    counts = tmp_path / "counts.json"
    after = tmp_path / "after.json"
    with caplog.at_level(logging.WARNING):
        run_pipeline(records, [LabelDistribution(output_format="json", output_file=counts)])
        assert json.loads(counts.read_text(encoding="utf-8")) == ODD_LABELS
        out = run_pipeline(ic_records([label for label, n in ODD_LABELS.items() for _ in range(n)]),
                           [BalanceLabels(mode="exact", label_counts=counts, target="max", seed=5),
                            LabelDistribution(output_format="json", output_file=after)])
    assert json.loads(after.read_text(encoding="utf-8")) == {label: 4 for label in ODD_LABELS}
    assert len(out) == 20 and len(set(names_of(out))) == 20
    assert warnings(caplog) == [] and errors(caplog) == []


ODD_NAMES = [
    ("no-extension", "noext", ["noext", "noext~1", "noext~2"]),
    ("dot-file", ".hidden", [".hidden", ".hidden~1", ".hidden~2"]),
    ("dot-file-with-extension", ".hidden.png", [".hidden.png", ".hidden~1.png", ".hidden~2.png"]),
    ("several-dots", "a.b.c.jpg", ["a.b.c.jpg", "a.b.c~1.jpg", "a.b.c~2.jpg"]),
    ("marker-at-end", "x~", ["x~~", "x~~~1", "x~~~2"]),
    ("marker-in-extension", "x.j~g", ["x.j~~g", "x~1.j~~g", "x~2.j~~g"]),
    ("only-marker", "~", ["~~", "~~~1", "~~~2"]),
]


@pytest.mark.parametrize("name,expected", [c[1:] for c in ODD_NAMES], ids=[c[0] for c in ODD_NAMES])
def test_odd_record_names_get_sane_copy_names(tmp_path, name, expected):
    """Accepted: correction 3 gives the original (escaped if it holds the marker) and two copies
    named before the extension; names without extension or starting with '.' keep their stem.
    Without copies (correction 1) the name is left as it is."""
    record = ImageClassificationData(image_name=name, data=jpeg_bytes(1), annotation="a")
    out = run_pipeline([record], [BalanceLabels(label_correction=write_json(tmp_path / "c1.json", {"a": 1}), seed=1)])
    assert names_of(out) == [name]
    record = ImageClassificationData(image_name=name, data=jpeg_bytes(1), annotation="a")
    out = run_pipeline([record], [BalanceLabels(label_correction=write_json(tmp_path / "c3.json", {"a": 3}), seed=1)])
    assert names_of(out) == expected
    assert [r.get_metadata() for r in out] == [None, {"balance_copy": 1}, {"balance_copy": 2}]


# =====================================================================================================================
# 3. copy names (Python)
# =====================================================================================================================

def marker_records():
    return [ImageClassificationData(image_name=name, data=jpeg_bytes(i), annotation="a")
            for i, name in enumerate(SRC_NAMES)]


def test_copy_names_and_escaped_originals_exactly(tmp_path, caplog):
    """Accepted with WARNING: x~1.jpg is written as x~~1.jpg, its copies x~~1~1.jpg, x~~1~2.jpg;
    all 15 names distinct and each copy carries its original's bytes."""
    path = write_json(tmp_path / "corr.json", {"a": 3})
    records = marker_records()
    data = {r.image_name: r.data for r in records}
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(records, [BalanceLabels(label_correction=path, seed=1)])
    assert names_of(out) == ["x.jpg", "x~1.jpg", "x~2.jpg", "x-1.jpg", "x-1~1.jpg", "x-1~2.jpg",
                             "x~~1.jpg", "x~~1~1.jpg", "x~~1~2.jpg", "x~~~~1.jpg", "x~~~~1~1.jpg", "x~~~~1~2.jpg",
                             "y.jpg", "y~1.jpg", "y~2.jpg"]
    assert all(r.data == data[ORIGIN_3[r.image_name]] for r in out)
    assert warnings(caplog, "balance-labels-ic") == [ESCAPE_WARNING.split(":", 2)[2]]


@pytest.mark.parametrize("kwargs", [{"correction": {"a": 1.0}}, {"correction": {"a": 0.999, "b": 1.0}},
                                    {"exact_counts": {"a": 5, "b": 9}}],
                         ids=["correction-1", "correction-below-1", "exact-target-min"])
def test_run_without_copies_leaves_marker_names_unchanged(tmp_path, caplog, kwargs):
    """Accepted: a run that cannot make copies (every correction <= 1, or exact targets <= counts)
    writes x~1.jpg as x~1.jpg and does not warn about escaped names. (0.999 drops nothing with
    seed 2: the five draws are all below 0.999.)"""
    if "correction" in kwargs:
        plugin = BalanceLabels(label_correction=write_json(tmp_path / "c.json", kwargs["correction"]), seed=2)
    else:
        plugin = BalanceLabels(mode="exact", label_counts=write_json(tmp_path / "n.json", kwargs["exact_counts"]),
                               seed=2)
    with caplog.at_level(logging.WARNING):
        out = run_pipeline(marker_records(), [plugin])
    assert names_of(out) == SRC_NAMES
    assert not any("copy marker" in w for w in warnings(caplog))


def test_escaped_names_survive_a_filter_that_loads_the_image(tmp_path):
    """Correct behaviour: with idc's discard-invalid-images (which loads every image) between
    balance-labels-ic and to-subdir-ic, the 15 outputs of the 5 file-backed inputs are 15 distinct
    files, each holding its original's bytes."""
    from idc.filter import DiscardInvalidImages
    from idc.reader.imgcls import SubDirReader
    from idc.writer.imgcls import SubDirWriter
    src = make_marker_dataset(tmp_path / "src")
    before = snapshot(src)
    corr = write_json(tmp_path / "corr.json", {"a": 3})
    execute(SubDirReader(source=[str(src)]), [BalanceLabels(label_correction=corr, seed=1), DiscardInvalidImages()],
            SubDirWriter(output_dir=str(tmp_path / "out")), session=new_session())
    assert snapshot(src) == before
    written = sorted(os.listdir(tmp_path / "out" / "a"))
    assert written == COPY_NAMES_3
    for name in written:
        data = (tmp_path / "out" / "a" / name).read_bytes()
        original = before["a/" + ORIGIN_3[name]]
        if name == ORIGIN_3[name]:
            # originals that keep their name are copied from their file, byte for byte
            assert data == original, name
        else:
            # copies and escaped originals carry the bytes in memory; idc re-encodes a record whose image a
            # filter has loaded, so compare pixels: a JPEG re-encode of these flat images moves no pixel by
            # more than a few levels, while any two different inputs differ by at least 40 in the red channel
            with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(original)) as b:
                diff = max(abs(p - q) for p, q in zip(a.convert("RGB").tobytes(), b.convert("RGB").tobytes()))
            assert diff <= 8, name


# =====================================================================================================================
# 6. Python API strictness
# =====================================================================================================================

def test_split_names_string_is_one_split_not_characters(tmp_path):
    """Accepted: split_names="train" balances only split 'train' (not 't', 'r', 'a', 'i', 'n'):
    correction 0 drops the one 'train' record, the 6 others pass; label-dist counts 1."""
    path = write_json(tmp_path / "corr.json", {"a": 0.0})
    splits = ["train", "t", "r", "a", "i", "n", None]
    out = run_pipeline(split_records(splits), [BalanceLabels(label_correction=path, seed=1, split_names="train")])
    assert [(r.get_metadata() or {}).get("split") for r in out] == ["t", "r", "a", "i", "n", None]
    counts = tmp_path / "counts.json"
    run_pipeline(split_records(splits), [LabelDistribution(split_names="train", output_format="json",
                                                           output_file=counts)])
    assert json.loads(counts.read_text()) == {"a": 1}


def test_split_names_list_works(tmp_path):
    """Accepted: a list (or tuple) of splits selects each of them."""
    path = write_json(tmp_path / "corr.json", {"a": 0.0})
    out = run_pipeline(split_records(["train", "val", "test"]),
                       [BalanceLabels(label_correction=path, seed=1, split_names=["train", "test"])])
    assert [r.get_metadata()["split"] for r in out] == ["val"]
    out = run_pipeline(split_records(["train", "val", "test"]),
                       [BalanceLabels(label_correction=path, seed=1, split_names=("val",))])
    assert [r.get_metadata()["split"] for r in out] == ["train", "test"]


@pytest.mark.parametrize("plugin", [BalanceLabels, LabelDistribution])
@pytest.mark.parametrize("value,message", [
    ([], "option --split_names: give at least one name"),
    ([""], "option --split_names: a name must not be empty"),
    ([1], "option --split_names: expected names (str), got int 1"),
    (5, "option --split_names: expected a name or a list of names, got int 5"),
], ids=["empty-list", "empty-name", "int-name", "int"])
def test_bad_split_names_are_refused(plugin, value, message):
    """Refused at construction, naming --split_names."""
    with pytest.raises(BalanceError) as info:
        plugin(split_names=value)
    assert str(info.value) == message


def test_pathlib_paths_are_accepted_everywhere(tmp_path):
    """Accepted: pathlib.Path for label_correction, label_counts, output_file and plot;
    the files are read and written as with str."""
    corr = tmp_path / "corr.json"
    counts = tmp_path / "counts.json"
    write_json(corr, {"a": 0.0})
    write_json(counts, {"a": 2, "b": 1})
    out = run_pipeline(ic_records(["a", "a", "b"]), [BalanceLabels(label_correction=corr, seed=1)])
    assert labels_of(out) == ["b"]
    out = run_pipeline(ic_records(["a", "a", "b"]), [BalanceLabels(mode="exact", label_counts=counts, seed=1),
                                                     LabelDistribution(output_file=tmp_path / "d.json",
                                                                       output_format="json",
                                                                       plot=tmp_path / "d.png")])
    assert sorted(labels_of(out)) == ["a", "b"]
    assert json.loads((tmp_path / "d.json").read_text()) == {"a": 1, "b": 1}
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("plugin,argument,option", [
    (BalanceLabels, "label_correction", "-c/--label_correction"),
    (BalanceLabels, "label_counts", "-C/--label_counts"),
    (LabelDistribution, "output_file", "-o/--output_file"),
    (LabelDistribution, "plot", "--plot"),
])
def test_int_as_path_is_refused(plugin, argument, option):
    """Refused at construction: an int is not a file name (it would be a file descriptor to open())."""
    with pytest.raises(BalanceError) as info:
        plugin(**{argument: 3})
    assert str(info.value) == "option %s: expected a file name (str or os.PathLike), got int 3" % option


@pytest.mark.parametrize("kwargs,message", [
    ({"seed": 1.5}, "option -s/--seed: expected a whole number, got float 1.5"),
    ({"seed": True}, "option -s/--seed: expected a whole number, got bool True"),
    ({"seed": "42"}, "option -s/--seed: expected a whole number, got str '42'"),
    ({"seed": -1}, "option -s/--seed: -1 is negative"),
    ({"default_probability": "0.5"}, "option -p/--default_probability: expected a number, got str '0.5'"),
    ({"default_probability": True}, "option -p/--default_probability: expected a number, got bool True"),
    ({"default_probability": float("nan")}, "option -p/--default_probability: nan is outside [0, 1]"),
    ({"max_copies": -1}, "option --max_copies: -1 is less than 1"),
    ({"max_copies": 0}, "option --max_copies: 0 is less than 1"),
    ({"max_copies": 1.5}, "option --max_copies: expected a whole number, got float 1.5"),
    ({"max_copies": 10 ** 10}, "option --max_copies: 10000000000 is more than 1000000000"),
    ({"mode": "exact", "label_counts": "n.json", "target": True},
     "option --target: expected one of min, max, mean, median or a whole number, got bool True"),
    ({"mode": "exact", "label_counts": "n.json", "target": 0}, "option --target: 0 must be at least 1"),
    ({"mode": "exact", "label_counts": "n.json", "target": 2 ** 60},
     "option --target: 1152921504606846976 is more than 9007199254740992, not a number of records"),
    ({"mode": "exact", "label_counts": "n.json", "target": "1.5"},
     "option --target: '1.5' is not one of min, max, mean, median or a whole number"),
    ({"mode": "Exact"}, "option -m/--mode: 'Exact' is not one of: probabilistic, exact"),
], ids=["seed-1.5", "seed-True", "seed-str", "seed-negative", "p-str", "p-True", "p-nan", "max_copies-negative", "max_copies-0",
        "max_copies-float", "max_copies-1e10", "target-True", "target-0", "target-2**60", "target-1.5-str",
        "mode-case"])
def test_bad_balance_arguments_are_refused(kwargs, message):
    """Refused at construction with the option named as on the command line."""
    with pytest.raises(BalanceError) as info:
        BalanceLabels(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("kwargs,message", [
    ({"target": True}, "option --target: expected one of min, max, mean, median or a whole number, got bool True"),
    ({"target": 0}, "option --target: 0 must be at least 1"),
    ({"target": 2 ** 60}, "option --target: 1152921504606846976 is more than 9007199254740992, not a number of records"),
    ({"by_index": "yes"}, "option --by_index: expected True or False, got str 'yes'"),
    ({"per_split": 1}, "option --per_split: expected True or False, got int 1"),
    ({"labels": ["a", 1]}, "option --labels: expected labels (str), got ['a', 1]"),
    ({"output_file": "a\0b"}, "option -o/--output_file: 'a\\x00b' contains a NUL character"),
], ids=["target-True", "target-0", "target-2**60", "by_index-str", "per_split-int", "labels-int", "output-NUL"])
def test_bad_label_dist_arguments_are_refused(kwargs, message):
    """Refused at construction with the option named."""
    with pytest.raises(BalanceError) as info:
        LabelDistribution(output_type="label-balance-correction", **kwargs)
    assert str(info.value) == message


def test_numpy_seed_is_accepted_and_equals_the_int_seed(tmp_path):
    """Accepted: numpy.int64(7) is the seed 7 (same decisions, record for record)."""
    path = write_json(tmp_path / "corr.json", {"a": 0.5})
    labels = ["a"] * 200
    with_numpy = run_pipeline(ic_records(labels), [BalanceLabels(label_correction=path, seed=np.int64(7))])
    with_int = run_pipeline(ic_records(labels), [BalanceLabels(label_correction=path, seed=7)])
    assert names_of(with_numpy) == names_of(with_int)
    assert 0 < len(with_int) < 200


def test_max_copies_at_its_ceiling_is_accepted():
    """Accepted: --max_copies 10^9 is the ceiling itself."""
    BalanceLabels(max_copies=10 ** 9).initialize()


@pytest.mark.parametrize("plugin", [BalanceLabels, LabelDistribution])
@pytest.mark.parametrize("method", ["process", "process_stream"])
def test_record_before_initialize_is_refused(plugin, method):
    """Refused: a record before initialize() is a BalanceError that says to call initialize()."""
    with pytest.raises(BalanceError) as info:
        getattr(plugin(), method)(ic_records(["a"])[0])
    assert str(info.value) == ("%s: a record arrived before initialize() (call initialize() first, as seppl's "
                               "execute() does)" % plugin().name())


def test_label_dist_labels_as_list_are_accepted(tmp_path):
    """Accepted: labels as a list give the class index order."""
    out_file = tmp_path / "w.json"
    run_pipeline(ic_records(["a", "c", "c"]), [LabelDistribution(output_type="class-weights", by_index=True,
                                                                 labels=["c", "a"], output_format="json",
                                                                 output_file=out_file)])
    result = json.loads(out_file.read_text())
    assert result["labels"] == ["c", "a"]
    assert result["weights"] == [0.75, 1.5]


def test_label_dist_labels_list_with_comma_in_a_label(tmp_path, caplog):
    """Correct behaviour: a list is unambiguous, so the label 'a,b' is one class."""
    out_file = tmp_path / "w.json"
    with caplog.at_level(logging.WARNING):
        run_pipeline(ic_records(["a,b", "c", "c"]), [LabelDistribution(output_type="class-weights", by_index=True,
                                                                       labels=["c", "a,b"], output_format="json",
                                                                       output_file=out_file)])
    assert errors(caplog) == []
    assert json.loads(out_file.read_text())["labels"] == ["c", "a,b"]


# =====================================================================================================================
# 5. output paths (Python): refused at initialize, before any record
# =====================================================================================================================

LONG_NAME = "x" * 251 + ".json"  # 256 bytes


@pytest.mark.parametrize("case", ["trailing-slash", "missing-folder", "directory", "proc-self", "fifo", "dev-null",
                                  "name-too-long", "dangling-symlink", "same-as-plot", "image-extension", "plot-extension",
                                  "plot-proc-self", "plot-trailing-slash"])
def test_bad_output_path_is_refused_before_any_record(tmp_path, caplog, capsys, monkeypatch, case):
    """Refused at initialize with one ERROR naming the path; the writer got no record and no
    file was created anywhere in the folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "res").mkdir()
    kwargs = {}
    if case == "trailing-slash":
        kwargs, part = {"output_file": "res/"}, "option -o/--output_file 'res/': expected a file name, not a folder"
    elif case == "missing-folder":
        kwargs = {"output_file": "nope/x.json"}
        part = "option -o/--output_file 'nope/x.json': directory '%s' does not exist" % (tmp_path / "nope")
    elif case == "directory":
        kwargs, part = {"output_file": "res"}, "option -o/--output_file 'res': is a directory, expected a file name"
    elif case == "proc-self":
        kwargs = {"output_file": "/proc/self/x.json"}
        part = "option -o/--output_file '/proc/self/x.json': cannot create a file in directory '/proc/self'"
    elif case == "fifo":
        os.mkfifo("res/fifo.json")
        kwargs = {"output_file": "res/fifo.json"}
        part = "option -o/--output_file 'res/fifo.json': exists and is not a regular file (a device, pipe or broken link)"
    elif case == "dev-null":
        kwargs = {"output_file": "/dev/null"}
        part = "option -o/--output_file '/dev/null': exists and is not a regular file (a device, pipe or broken link)"
    elif case == "name-too-long":
        kwargs = {"output_file": "res/" + LONG_NAME}
        part = ("option -o/--output_file 'res/%s': the file name is longer than the 255 bytes directory '%s' allows"
                % (LONG_NAME, tmp_path / "res"))
    elif case == "dangling-symlink":
        os.symlink(tmp_path / "gone.json", "res/link.json")
        kwargs = {"output_file": "res/link.json"}
        part = "option -o/--output_file 'res/link.json': exists and is not a regular file"
    elif case == "same-as-plot":
        kwargs, part = {"output_file": "res/d.svg", "plot": "./res/d.svg"}, \
            "options -o/--output_file and --plot: both are 'res/d.svg'"
    elif case == "image-extension":
        # the result is text: an -o with an image extension would overwrite an image (an input, say)
        kwargs, part = {"output_file": "res/cat_0.JPG"}, \
            "option -o/--output_file 'res/cat_0.JPG': an image file name; the distribution is text, CSV or JSON"
    elif case == "plot-extension":
        kwargs, part = {"plot": "res/d.pdf"}, "option --plot 'res/d.pdf': unsupported file extension '.pdf', use one " \
                                              "of: .png, .svg"
    elif case == "plot-proc-self":
        kwargs = {"plot": "/proc/self/d.png"}
        part = "option --plot '/proc/self/d.png': cannot create a file in directory '/proc/self'"
    else:
        kwargs = {"plot": "res.png/"}
        part = "option --plot 'res.png/': unsupported file extension '', use one of: .png, .svg"
    before = snapshot(tmp_path)
    links_before = sorted(os.listdir(tmp_path / "res"))
    assert_pipeline_refused([LabelDistribution(**kwargs)], caplog, capsys, part)
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir(tmp_path / "res")) == links_before
    if case == "fifo":
        assert stat.S_ISFIFO(os.lstat("res/fifo.json").st_mode)


@pytest.mark.parametrize("how", ["folder-removed", "folder-became-file"])
def test_write_error_at_finalize_is_one_error_with_the_result(tmp_path, caplog, how):
    """Refused at finalize: the folder of -o vanishes (or becomes a file) after initialize; one ERROR
    names the file and holds the result text, raised as BalanceError."""
    res = tmp_path / "res"
    res.mkdir()
    path = str(res / "counts.json")
    plugin = LabelDistribution(output_file=path, output_format="json")
    plugin.initialize()
    shutil.rmtree(res)
    if how == "folder-became-file":
        res.write_text("not a folder")
    assert plugin.process(ic_records(["a", "b", "a"])) is not None
    reason = "No such file or directory" if how == "folder-removed" else "Not a directory"
    with caplog.at_level(logging.WARNING):
        with pytest.raises(BalanceError) as info:
            plugin.finalize()
    expected = ("option -o/--output_file '%s': cannot write: %s; the result was:\n{\n  \"a\": 2,\n  \"b\": 1\n}\n"
                % (path, reason))
    assert str(info.value) == expected
    assert errors(caplog) == [expected]


def test_plot_write_error_at_finalize_is_one_error(tmp_path, caplog, capsys):
    """Refused at finalize: the plot's folder vanishes after initialize; the counts still reach
    stdout and one ERROR names the plot file."""
    res = tmp_path / "res"
    res.mkdir()
    path = str(res / "d.svg")
    plugin = LabelDistribution(plot=path)
    plugin.initialize()
    shutil.rmtree(res)
    plugin.process(ic_records(["a", "b", "a"]))
    with caplog.at_level(logging.WARNING):
        with pytest.raises(BalanceError) as info:
            plugin.finalize()
    assert str(info.value) == "option --plot '%s': cannot write: No such file or directory" % path
    assert errors(caplog) == [str(info.value)]
    assert capsys.readouterr().out == "a: 2\nb: 1\n"


def test_label_dist_write_error_does_not_lose_the_writers_output(tmp_path, caplog):
    """Correct behaviour: the -o folder vanishes during the run; label-dist logs one ERROR with the
    result, and the COCO writer after it still writes its annotations for the 3 images."""
    from wai.common.adams.imaging.locateobjects import LocatedObjects, LocatedObject
    from idc.api import ObjectDetectionData
    from idc.writer.objdet import COCOObjectDetectionWriter
    res = tmp_path / "res"
    res.mkdir()

    def records():
        for i in range(3):
            obj = LocatedObject(1, 1, 4, 4)
            obj.metadata["type"] = "cat"
            yield ObjectDetectionData(image_name="im%d.jpg" % i, data=jpeg_bytes(i), annotation=LocatedObjects([obj]))
        shutil.rmtree(res)

    with caplog.at_level(logging.WARNING):
        # inside a pipeline the error is logged, not raised (raising would skip the writer's finalize)
        execute(ListReader(records()), [LabelDistribution(output_file=str(res / "counts.txt"))],
                COCOObjectDetectionWriter(output_dir=str(tmp_path / "coco")), session=new_session())
    assert errors(caplog) == ["option -o/--output_file '%s': cannot write: No such file or directory; the result "
                              "was:\ncat: 3\n" % (res / "counts.txt")]
    annotations = json.loads((tmp_path / "coco" / "annotations.json").read_text())
    assert len(annotations["images"]) == 3


# =====================================================================================================================
# subprocess results: 3. copy names via idc-convert, 5. output paths via idc-convert, 2. memory eaters under RLIMIT_AS
# =====================================================================================================================

def test_cli_copy_names_write_every_file_and_leave_the_inputs_alone(jobs):
    """Accepted with WARNING: from-subdir-ic -> balance-labels-ic -c {a: 3} -> label-dist -> to-subdir-ic
    writes 5 x 3 = 15 distinct files, each with its original's bytes; label-dist counts 15; the
    source folder is byte for byte unchanged."""
    job, work = jobs["copy_names"]
    result = job.result()
    assert not failed_to_initialize(result), result.stderr
    assert error_lines(result.stderr) == []
    assert sorted(os.listdir(work / "out" / "a")) == COPY_NAMES_3
    before = jobs["_marker_before"][1]
    for name in COPY_NAMES_3:
        assert (work / "out" / "a" / name).read_bytes() == before["a/" + ORIGIN_3[name]], name
    assert json.loads((work / "counts.json").read_text()) == {"a": 15}
    assert ESCAPE_WARNING in result.stderr.splitlines()
    assert snapshot(jobs["_marker"][1]) == before


@pytest.mark.parametrize("name,line", [
    ("out_proc", "ERROR:label-dist:option -o/--output_file '/proc/self/x.json': cannot create a file in directory "
                 "'/proc/self'"),
    ("out_fifo", "ERROR:label-dist:option -o/--output_file '{fifo}': exists and is not a regular file (a device, "
                 "pipe or broken link); it would be replaced"),
    ("out_slash", "ERROR:label-dist:option -o/--output_file 'res/': expected a file name, not a folder"),
])
def test_cli_bad_output_path_is_refused_before_any_record(jobs, name, line):
    """Refused at initialize in idc-convert: one ERROR line naming the path, 'Failed to initialize',
    nothing written by to-subdir-ic (its folder is never created), the FIFO is still a FIFO."""
    job, work = jobs[name]
    result = job.result()
    assert failed_to_initialize(result)
    line = line.replace("{fifo}", str(jobs["_fifo"][1]))
    errors_seen = error_lines(result.stderr)
    assert len(errors_seen) == 1 and errors_seen[0].startswith(line), result.stderr
    assert os.listdir(work) == []
    assert stat.S_ISFIFO(os.lstat(jobs["_fifo"][1]).st_mode)


@pytest.mark.parametrize("name,line", [
    ("exact_max_1e308", "ERROR:balance-labels-ic:label counts file '{root}/counts_1e308.json': label 'a': value 1e+308 "
                        "is more than 9007199254740992, not a number of records"),
    ("correction_1e308", "ERROR:balance-labels-ic:label correction file '{root}/corr_1e308.json': label 'a': value "
                         "1e+308 asks for up to about 10^308 outputs of each record, more than --max_copies 1000 allows "
                         "(raise --max_copies if you mean it)"),
    ("exact_target_1e9", "ERROR:balance-labels-ic:label counts file '{root}/counts_small.json': label 'a': 3 "
                         "record(s) with target 1000000000 (option --target 1000000000) need up to 333333334 outputs "
                         "of each record, more than --max_copies 1000 allows (raise --max_copies if you mean it)"),
])
def test_cli_memory_eaters_are_refused_under_rlimit(jobs, name, line):
    """Refused at initialize under RLIMIT_AS 2 GiB, within the timeout: exactly one ERROR line naming the
    file, label and limit; no MemoryError, no record written."""
    job, work = jobs[name]
    result = job.result()
    root = work.parent
    assert failed_to_initialize(result)
    assert "MemoryError" not in result.stderr
    assert error_lines(result.stderr) == [line.replace("{root}", str(root))]
    assert os.listdir(work) == []


def test_a_million_copies_of_one_record_are_made_lazily(jobs):
    """Accepted: correction 1000001 with --max_copies 1000001 through the Python API into a counting
    writer, under RLIMIT_AS 2 GiB: all 1000001 records arrive (original, then copies 1..10^6 with
    their names and numbers), and the peak memory grows by less than RSS_GROWTH_LIMIT_KB (see
    there: holding the copies would cost > 500 MB; made one at a time they cost nothing)."""
    job, _ = jobs["million_copies"]
    result = job.result()
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["written"] == COPIES + 1
    assert report["wrong"] == 0
    assert report["rss_after_kb"] - report["rss_before_kb"] < RSS_GROWTH_LIMIT_KB, report
    assert report["rss_after_kb"] * 1024 < MEMORY_LIMIT / 4, report
