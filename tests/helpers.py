"""
Shared helpers of the tests: running idc-convert as a subprocess, making real image
datasets with Pillow, and running pipelines through the framework's Python API.
"""
import argparse
import io
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from PIL import Image
from seppl.io import execute
from kasperl.api import Session, Reader, StreamWriter, make_list
from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_DATA = REPO / "docs" / "example" / "data"
EXAMPLE_COUNTS = {"cat": 120, "coffee": 40, "rocket": 10}
BIN = Path(sys.executable).parent
RECORD_TYPES = [ImageClassificationData, ObjectDetectionData, ImageSegmentationData]


def tool(name: str) -> str:
    """
    Returns the path of a console script of the environment the tests run in.
    """
    return str(BIN / name)


def run_idc(args: List[str], cwd: Optional[str] = None, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """
    Runs idc-convert with the given arguments and returns the completed process
    (text stdout/stderr). The class cache is switched off so that every run sees the
    installed plugins.
    """
    full_env = dict(os.environ)
    full_env.pop("IDC_CLASS_CACHE", None)
    if env is not None:
        full_env.update(env)
    return subprocess.run([tool("idc-convert")] + [str(a) for a in args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600)


def failed_to_initialize(result: subprocess.CompletedProcess) -> bool:
    """
    Whether idc-convert reported a plugin that failed to initialize (it exits 0 anyway).
    """
    return "Failed to initialize" in result.stderr


def jpeg_bytes(index: int, size: int = 8) -> bytes:
    """
    Returns the bytes of a small JPEG whose colour depends on the index.
    """
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), ((index * 37) % 256, (index * 91) % 256, (index * 13) % 256)).save(buffer, format="JPEG")
    return buffer.getvalue()


def make_subdir_dataset(root: Path, counts: Dict[str, int]) -> Path:
    """
    Writes a dataset in idc's sub-directory layout (one folder per label) with real
    PNG images made by Pillow.

    :return: the root directory
    """
    index = 0
    for label, count in counts.items():
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            Image.new("RGB", (8, 8), ((index * 37) % 256, (index * 91) % 256, 0)).save(folder / ("%s_%04d.png" % (label, i)))
            index += 1
    return root


def count_subdir(root: Path) -> Dict[str, int]:
    """
    Counts the files per label folder of a sub-directory dataset.
    """
    return {d.name: len(list(d.iterdir())) for d in sorted(Path(root).iterdir()) if d.is_dir()}


def ic_records(labels: List[Optional[str]]) -> List[ImageClassificationData]:
    """
    Creates in-memory image classification records (real JPEG bytes), one per label;
    a label of None makes an unlabeled record.
    """
    return [ImageClassificationData(image_name="img%07d.jpg" % i, data=jpeg_bytes(i), annotation=label)
            for i, label in enumerate(labels)]


class ListReader(Reader):
    """
    A reader that hands a list of in-memory records to the pipeline, one at a time.
    """

    def __init__(self, records: Iterable = None, logger_name: str = None, logging_level: str = "WARNING"):
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.records = records
        self._finished = False

    def name(self) -> str:
        return "list-reader"

    def description(self) -> str:
        return "Hands in-memory records to the pipeline."

    def generates(self) -> List:
        return RECORD_TYPES

    def read(self) -> Iterable:
        for record in self.records:
            yield record
        self._finished = True

    def has_finished(self) -> bool:
        return self._finished


class ListWriter(StreamWriter):
    """
    A writer that collects the records it receives.
    """

    def __init__(self, logger_name: str = None, logging_level: str = "WARNING"):
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.records = []

    def name(self) -> str:
        return "list-writer"

    def description(self) -> str:
        return "Collects the records."

    def accepts(self) -> List:
        return RECORD_TYPES

    def write_stream(self, data):
        for item in make_list(data):
            self.records.append(item)


class CountingWriter(StreamWriter):
    """
    A writer that only counts the records it receives (the benchmarks' writer: the least
    work a writer can do).
    """

    def __init__(self, logger_name: str = None, logging_level: str = "WARNING"):
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.count = 0

    def name(self) -> str:
        return "counting-writer"

    def description(self) -> str:
        return "Counts the records."

    def accepts(self) -> List:
        return RECORD_TYPES

    def write_stream(self, data):
        self.count += len(make_list(data))


def new_session() -> Session:
    """
    Creates the session object that seppl's execute() needs.
    """
    return Session(options=argparse.Namespace(force_batch=False, update_interval=10 ** 9),
                   logger=logging.getLogger("tests"))


def run_pipeline(records: Iterable, filters: list) -> list:
    """
    Runs in-memory records through the given filters with the framework's execute()
    and returns what reaches the writer.
    """
    writer = ListWriter()
    execute(ListReader(records), filters, writer, session=new_session())
    return writer.records
