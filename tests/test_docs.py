"""
The README's Quick start script and Python example work as documented.
"""
import os
import re
import subprocess

from helpers import EXAMPLE_COUNTS, REPO, BIN, count_subdir


def parse_counts(block):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+): (\d+)$", block, re.MULTILINE)}


def test_quickstart_prints_counts_before_and_after(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), PATH=str(BIN) + os.pathsep + os.environ["PATH"])
    result = subprocess.run(["bash", str(REPO / "docs" / "example" / "quickstart.sh"), str(tmp_path / "out")],
                            cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    before = result.stdout.split("-- before --")[1].split("--")[0]
    after = result.stdout.split("-- after --")[1].split("==")[0]
    exact = result.stdout.split("-- exact --")[1]
    assert parse_counts(before) == EXAMPLE_COUNTS
    counts_after = parse_counts(after)
    assert counts_after == count_subdir(tmp_path / "out" / "balanced")
    assert counts_after["rocket"] == 10 and counts_after["cat"] < 120 and counts_after["coffee"] < 40
    # exact mode: every label exactly the rarest label's count, written to disk
    assert parse_counts(exact) == {"cat": 10, "coffee": 10, "rocket": 10}
    assert count_subdir(tmp_path / "out" / "exact") == {"cat": 10, "coffee": 10, "rocket": 10}
    # a clean first run: no traceback; the cache's scan notes the two modules that need pypfm in a line each
    assert "Traceback" not in result.stderr
    assert result.stderr.count("No module named 'pypfm'") == 2
    assert "plugin module idc.reader.depth cannot be imported" in result.stderr
    # the second run finds the cache current: nothing is scanned or noted
    again = subprocess.run(["bash", str(REPO / "docs" / "example" / "quickstart.sh"), str(tmp_path / "out2")],
                           cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "pypfm" not in again.stderr and "Traceback" not in again.stderr


def test_readme_python_example(tmp_path):
    readme = (REPO / "README.md").read_text()
    code = readme.split("```python\n")[1].split("```")[0]
    (tmp_path / "docs").symlink_to(REPO / "docs")
    result = subprocess.run([str(BIN / "python"), "-c", code], cwd=str(tmp_path), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Failed to initialize" not in result.stderr
    assert (tmp_path / "correction.json").exists()
    after = parse_counts(result.stdout)
    assert after == count_subdir(tmp_path / "balanced")
    assert after["rocket"] == 10
    assert "Summary:" in result.stderr


def test_safety_docs_quote_real_messages(tmp_path, monkeypatch):
    # the ERROR and WARNING lines quoted in docs/safety.md are what the plugins print
    import json
    import logging
    import pytest
    from idc.balance.core import BalanceError
    from idc.balance.filter import BalanceLabels
    from helpers import ic_records, run_pipeline
    docs = (REPO / "docs" / "safety.md").read_text()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.json").write_text(json.dumps({"rocket": 5000}))
    (tmp_path / "n.json").write_text(json.dumps({"rocket": 10}))
    messages = []
    for kwargs in [dict(label_correction="c.json"),
                   dict(mode="exact", label_counts="n.json", target=1000000000)]:
        with pytest.raises(BalanceError) as e:
            BalanceLabels(seed=1, **kwargs).initialize()
        messages.append(str(e.value))
    for message in messages:
        assert "    ERROR:balance-labels-ic:%s\n" % message in docs
    (tmp_path / "c.json").write_text(json.dumps({"Cat": 0.5}))
    records = ic_records(["cat"])
    records[0].image_name = "x~1.jpg"
    (tmp_path / "c2.json").write_text(json.dumps({"cat": 2.0}))
    logger = logging.getLogger("balance-labels-ic")
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    try:
        run_pipeline(records, [BalanceLabels(label_correction="c.json", seed=1)])
        run_pipeline(ic_records(["cat"]) + records, [BalanceLabels(label_correction="c2.json", seed=1)])
    finally:
        logger.removeHandler(handler)
    unmatched = [line for line in lines if "never occurred" in line][0]
    assert "      WARNING:balance-labels-ic:" + unmatched.replace("\n", "\n      ") in docs
    escaped = [line for line in lines if "copy marker" in line][0]
    assert "    WARNING:balance-labels-ic:%s\n" % escaped in docs


def test_detection_guide_commands_print_the_quoted_plan(tmp_path):
    # the two passes of docs/balancing-detection-segmentation.md, run on the shipped example,
    # log the plan the guide quotes, line by line
    guide = (REPO / "docs" / "balancing-detection-segmentation.md").read_text()
    commands = guide.split("## Two passes")[1].split("```\n")[1].split("```")[0]
    quoted = guide.split("logged (`-l INFO`):")[1].split("```\n")[1].split("```")[0].strip().splitlines()
    (tmp_path / "docs").symlink_to(REPO / "docs")
    env = dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ["PATH"])
    env.pop("IDC_CLASS_CACHE", None)
    result = subprocess.run(["bash", "-e", "-c", commands], cwd=str(tmp_path), env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plan.json").exists(), result.stderr
    logged = [line.rstrip() for line in result.stderr.splitlines()]
    for line in quoted:
        assert line.rstrip() in logged, line


def test_duplicates_guide_commands(tmp_path):
    # the find, review, remove workflow of docs/duplicates.md on the shipped example: the find command logs
    # the line the guide quotes, and removing by the file and cutting to N write what the guide says
    guide = (REPO / "docs" / "duplicates.md").read_text()
    workflow = guide.split("## Workflow 2: find, review, then remove")[1]
    blocks = [block.split("```")[0] for block in workflow.split("```\n")[1::2]]
    find, remove, cut = blocks[0], blocks[1], blocks[2]
    quoted = workflow.split("this logs:\n\n")[1].splitlines()[0].strip()
    (tmp_path / "docs").symlink_to(REPO / "docs")
    env = dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ["PATH"])
    env.pop("IDC_CLASS_CACHE", None)
    result = subprocess.run(["bash", "-e", "-c", find + remove + cut], cwd=str(tmp_path), env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert quoted in [line.rstrip() for line in result.stderr.splitlines()], result.stderr
    for name in ("groups.json", "conflicts.json", "gallery.html"):
        assert (tmp_path / name).exists()
    clean = sum(len(list(d.iterdir())) for d in (tmp_path / "clean").iterdir())
    cut_to = int(cut.split("--num_cut ")[1].split()[0])
    assert clean == 159
    assert sum(len(list(d.iterdir())) for d in (tmp_path / "cut").iterdir()) == cut_to


def test_readme_dask_block_balances_the_shards_exactly(tmp_path):
    # the first shell block of the README's Dask section, run as written from the repository's root, prints
    # the union's counts: exactly the target (the rarest label's 10) per label; the guide quotes that output
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Many workers: shards and Dask")[1].split("\n## ")[0]
    block = section.split("```\n")[1].split("```")[0]
    # as on a fresh clone: the system's python3 (uv run puts the project's environment first on the PATH)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if os.path.abspath(p) != str(BIN))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PATH=path, TMPDIR=str(tmp_path))
    result = subprocess.run(["bash", "-e", "-c", block], cwd=str(REPO), env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    union = result.stdout.split("per label:")[1]
    assert parse_counts(union) == {"cat": 10, "coffee": 10, "rocket": 10}
    guide = (REPO / "docs" / "sharded-balancing.md").read_text()
    quoted = guide.split("prints the union's counts:")[1].split("```\n")[3].split("```")[0]
    printed = result.stdout.split("written to:")[0]
    assert quoted.strip() == printed.strip()


def test_training_guide_quotes_the_coverage_plot(tmp_path):
    # docs/training.md quotes the coverage after 5, 10 and 20 epochs that docs/example/coverage_plot.py prints
    import sys
    result = subprocess.run([sys.executable, str(REPO / "docs" / "example" / "coverage_plot.py"),
                             str(tmp_path / "coverage.png")], cwd=str(REPO), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    five, ten, twenty = re.search(r"after 5, 10, 20 epochs: ([\d.]+), ([\d.]+), ([\d.]+)", result.stdout).groups()
    guide = (REPO / "docs" / "training.md").read_text()
    assert "that is %d%% after 5 epochs, %d%% after 10 and %d%% after 20" % (
        round(float(five) * 100), round(float(ten) * 100), round(float(twenty) * 100)) in guide
    assert (tmp_path / "coverage.png").stat().st_size > 10_000
