"""
The plugins in idc-convert, run as a subprocess on real image files: registry listing,
usage, the two-pass recipe on the shipped example, and how errors show in the output.
"""
import json
import re
import subprocess
from pathlib import Path

import pytest

from helpers import (EXAMPLE_DATA, EXAMPLE_COUNTS, REPO, count_subdir, failed_to_initialize, make_subdir_dataset,
                     run_idc, tool)
from plugins_md import PLUGINS_MD, generate

# the option help as specified (from the help text this plugin was specified with)
OPTION_HELP = """  -c LABEL_CORRECTION, --label_correction LABEL_CORRECTION
                        The JSON file with the probabilities per label.
                        (default: None)
  -s SEED, --seed SEED  The seed value to use for the random number generator;
                        randomly seeded if not provided (default: None)
  -p DEFAULT_PROBABILITY, --default_probability DEFAULT_PROBABILITY
                        The default probability [0-1] to use if a label is not
                        mentioned in the correction file: 0=discard, 1=keep
                        (default: 1.0)"""
DESCRIPTION = "Tries to balance labels in an image stream by dropping images that don't make the threshold. " \
              "Loads the correction from a JSON file, a probability of 0-1 per label. Assumes no correction " \
              "necessary if label not present in correction file. Such a correction file for a balanced label " \
              "distribution can be generated automatically using 'label-dist'."

USAGE = """usage: balance-labels-ic [-h] [-l {DEBUG,INFO,WARNING,ERROR,CRITICAL,FATAL}]
                         [-N LOGGER_NAME] [--skip] [-c LABEL_CORRECTION]
                         [-s SEED] [-p DEFAULT_PROBABILITY]"""


def parse_text_counts(text):
    return {line.split(": ")[0]: int(line.split(": ")[1]) for line in text.strip().splitlines()}


def test_registry_lists_both_plugins():
    result = subprocess.run([tool("idc-registry"), "-l", "filters"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "balance-labels-ic: idc.balance.filter.BalanceLabels" in result.stdout
    assert "label-dist: idc.balance.filter.LabelDistribution" in result.stdout


def test_convert_help_lists_both_plugins():
    result = run_idc(["--help"])
    filters = result.stdout.split("filters (")[1].split("writers (")[0]
    names = {n.strip().rstrip("*") for n in filters.split(":", 1)[1].replace("\n", " ").split(",")}
    assert {"balance-labels-ic", "label-dist", "bal-balance-labels-ic", "bal-label-dist"} <= names


def test_usage_and_help_as_specified():
    result = run_idc(["--help-plugin", "balance-labels-ic"], env={"COLUMNS": "80"})
    # the framework adds FATAL to the -l choices
    assert USAGE in result.stdout
    assert OPTION_HELP in result.stdout
    assert " ".join(result.stdout.split("\n\n")[2].split()).startswith(DESCRIPTION)


def test_plugins_md_is_up_to_date():
    assert PLUGINS_MD.read_text() == generate(), "plugins.md is stale: run 'uv run python tests/plugins_md.py'"


def test_two_pass_recipe_balances_the_shipped_example(tmp_path):
    correction = tmp_path / "corr.json"
    first = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA,
                     "label-dist",
                     "label-dist", "-t", "label-balance-correction", "-f", "json", "-o", correction])
    assert parse_text_counts(first.stdout) == EXAMPLE_COUNTS
    assert json.loads(correction.read_text()) == {"cat": 10 / 120, "coffee": 10 / 40, "rocket": 1.0}

    out = tmp_path / "balanced"
    second = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA,
                      "balance-labels-ic", "-c", correction, "-s", "42",
                      "label-dist", "-f", "json", "-o", tmp_path / "after.json",
                      "to-subdir-ic", "-o", out])
    assert not failed_to_initialize(second), second.stderr
    after = json.loads((tmp_path / "after.json").read_text())
    # what label-dist counted after balancing is what the writer wrote
    assert count_subdir(out) == after
    assert after["rocket"] == 10
    # expected 10 per label; binomial(120, 1/12) and binomial(40, 1/4) stay within 10 +- 5 sd
    assert 10 - 5 * (120 * (1 / 12) * (11 / 12)) ** 0.5 <= after["cat"] <= 10 + 5 * (120 * (1 / 12) * (11 / 12)) ** 0.5
    assert 10 - 5 * (40 * 0.25 * 0.75) ** 0.5 <= after["coffee"] <= 10 + 5 * (40 * 0.25 * 0.75) ** 0.5

    # same seed, same input: the very same files
    again = tmp_path / "again"
    run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "balance-labels-ic", "-c", correction, "-s", "42",
             "to-subdir-ic", "-o", again])
    assert sorted(p.relative_to(again) for p in again.rglob("*.jpg")) == \
        sorted(p.relative_to(out) for p in out.rglob("*.jpg"))


def test_round_trip_on_generated_images(tmp_path):
    data = make_subdir_dataset(tmp_path / "data", {"a": 60, "b": 20, "c": 5})
    run_idc(["from-subdir-ic", "-i", data, "label-dist", "-t", "label-balance-correction", "-f", "json",
             "-o", tmp_path / "c.json"])
    result = run_idc(["-l", "INFO", "from-subdir-ic", "-i", data,
                      "balance-labels-ic", "-l", "INFO", "-c", tmp_path / "c.json", "-s", "1",
                      "label-dist", "-f", "csv"])
    counts = {line.split(",")[0]: int(line.split(",")[1]) for line in result.stdout.strip().splitlines()[1:]}
    assert counts["c"] == 5
    assert sum(counts.values()) < 85
    # the finalize summary agrees with what label-dist counted
    for label, kept in counts.items():
        assert re.search(r"^%s\s+\d+\s+%d\s+0\s+\d+\s" % (label, kept), result.stderr, re.MULTILINE), result.stderr


def test_without_seed_logs_seed_at_info(tmp_path):
    result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "balance-labels-ic", "-l", "INFO"])
    assert re.search(r"INFO:balance-labels-ic:No seed given \(-s/--seed\), using: \d+", result.stderr)
    assert "WARNING:balance-labels-ic:No label correction file given" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["-c", "{CWD}/missing.json"], "label correction file '%s/missing.json': cannot read"),
    (["-c", "bad.json"], "label correction file 'bad.json': invalid JSON at line 1, column 9"),
    (["-p", "1.5"], "option -p/--default_probability: 1.5 is outside [0, 1]"),
])
def test_bad_input_is_unmistakable_and_processes_nothing(tmp_path, args, message):
    (tmp_path / "bad.json").write_text('{"cat": }')
    out = tmp_path / "out"
    result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "balance-labels-ic"] + args + ["to-subdir-ic", "-o", out],
                     cwd=str(tmp_path))
    assert "ERROR:balance-labels-ic:" + (message % tmp_path if "%s" in message else message) in result.stderr
    assert failed_to_initialize(result)
    assert not out.exists()


def test_label_dist_missing_output_directory_is_caught_before_processing(tmp_path):
    out = tmp_path / "out"
    result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, "label-dist", "-o", tmp_path / "nope" / "d.txt",
                      "to-subdir-ic", "-o", out])
    assert "ERROR:label-dist:option -o/--output_file" in result.stderr
    assert "does not exist" in result.stderr
    assert not out.exists()


CLASH_LISTER = '''
def list_classes():
    return {"seppl.io.Filter": ["zzz_other.filter"]}
'''

CLASH_FILTER = '''
from seppl.io import BatchFilter
from idc.api import ImageClassificationData


class DropAll(BatchFilter):
    """Stands in for another package's filter of the same name (it drops every record)."""
    def name(self):
        return "balance-labels-ic"

    def description(self):
        return "Drops everything."

    def accepts(self):
        return [ImageClassificationData]

    def generates(self):
        return [ImageClassificationData]

    def _do_process(self, data):
        return None
'''


def test_name_clash_alias_and_exclusion(tmp_path):
    pkg = tmp_path / "zzz_other"
    (pkg / "filter").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "class_lister.py").write_text(CLASH_LISTER)
    (pkg / "filter" / "__init__.py").write_text("from ._drop import DropAll\n")
    (pkg / "filter" / "_drop.py").write_text(CLASH_FILTER)
    env = {"PYTHONPATH": str(tmp_path), "IDC_CLASS_LISTERS": "zzz_other.class_lister"}

    def kept(name, extra_env):
        result = run_idc(["from-subdir-ic", "-i", EXAMPLE_DATA, name, "label-dist", "-f", "json"], env=extra_env)
        return sum(json.loads(result.stdout or "{}").values())

    # the class whose name sorts last wins, silently: here the other package's
    assert kept("balance-labels-ic", env) == 0
    # our alias always means our filter
    assert kept("bal-balance-labels-ic", env) == 170
    # excluding the other package's class lister brings ours back under the plain name
    assert kept("balance-labels-ic", dict(env, IDC_CLASS_LISTERS_EXCL="zzz_other.class_lister")) == 170
