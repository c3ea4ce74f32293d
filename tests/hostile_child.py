"""
Child process of tests/test_hostile_inputs.py: runs one pipeline through the real
framework (seppl's execute) in a process of its own, so that the parent can run it
under a memory limit (RLIMIT_AS, set by the parent before exec) and a timeout.

    python hostile_child.py million CORRECTION_FILE OUTPUTS

runs ONE in-memory image classification record through balance-labels-ic with the
given correction file and --max_copies OUTPUTS into a writer that only counts (it keeps
no record), and prints one JSON line: the records written, how many of them did not
have the expected name and copy number, the peak resident memory (KB) before and after
the run, and the seconds the run took.
"""
import json
import resource
import sys
import time
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kasperl.api import StreamWriter, make_list  # noqa: E402
from seppl.io import execute  # noqa: E402

from helpers import ListReader, RECORD_TYPES, ic_records, new_session  # noqa: E402
from idc.balance.filter import BalanceLabels  # noqa: E402


class CheckingCounter(StreamWriter):
    """
    Counts the records it receives and checks, without keeping any, that the n-th
    record is the original (n = 0) or its copy number n with the copy name for n.
    """

    def __init__(self, original_name: str):
        super().__init__()
        self.original_name = original_name
        self.stem, self.ext = original_name.rsplit(".", 1)
        self.written = 0
        self.wrong = 0

    def name(self) -> str:
        return "checking-counter"

    def description(self) -> str:
        return "Counts and checks the records."

    def accepts(self) -> List:
        return RECORD_TYPES

    def write_stream(self, data):
        for item in make_list(data):
            number = self.written
            self.written += 1
            if number == 0:
                ok = (item.image_name == self.original_name) and (item.get_metadata() is None)
            else:
                ok = (item.image_name == "%s~%d.%s" % (self.stem, number, self.ext)) \
                     and (item.get_metadata() == {"balance_copy": number})
            if not ok:
                self.wrong += 1


def million(correction: str, max_copies: int):
    records = ic_records(["a"])
    writer = CheckingCounter(records[0].image_name)
    balance = BalanceLabels(label_correction=correction, seed=1, max_copies=max_copies)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    execute(ListReader(records), [balance], writer, session=new_session())
    seconds = time.monotonic() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"written": writer.written, "wrong": writer.wrong, "rss_before_kb": rss_before,
                      "rss_after_kb": rss_after, "seconds": seconds}))


if __name__ == "__main__":
    if sys.argv[1] == "million":
        million(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit("unknown mode: %s" % sys.argv[1])
