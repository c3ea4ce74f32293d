"""
idc-balance-plugin-cache primes the framework's plugin cache (issue 14's clean first run):
idc-convert then starts without the plugin scan and its tracebacks, modules that cannot be
imported are reported in one line each (the module and the error, not hidden), anything
else the scan prints comes through, and the cache is made again when the environment
changes. Every test uses a cache folder of its own (XDG_CACHE_HOME).
"""
import os
import subprocess

from helpers import BIN, REPO
from idc.balance.plugin_cache import import_failures

BAD_LISTER = '''
def list_classes():
    return {"seppl.io.Filter": ["bad_plugins"]}
'''


def run_tool(name, args, env):
    return subprocess.run([str(BIN / name)] + args, env=env, capture_output=True, text=True, timeout=300,
                          cwd=str(REPO))


def fresh_env(tmp_path, **extra):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    for name in ["IDC_CLASS_CACHE", "IDC_CLASS_LISTERS", "IDC_CLASS_LISTERS_EXCL", "IDC_CLASS_LISTERS_IGNORED"]:
        env.pop(name, None)
    env.update(extra)
    return env


def test_first_run_reports_in_one_line_and_idc_convert_starts_clean(tmp_path):
    env = fresh_env(tmp_path)
    first = run_tool("idc-balance-plugin-cache", [], env)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    lines = [line for line in first.stderr.splitlines() if line.strip()]
    assert lines == ["idc-balance-plugin-cache: plugin module idc.reader.depth cannot be imported, its plugins are "
                     "unavailable: ModuleNotFoundError: No module named 'pypfm'",
                     "idc-balance-plugin-cache: plugin module idc.writer.depth cannot be imported, its plugins are "
                     "unavailable: ModuleNotFoundError: No module named 'pypfm'"]
    cached = tmp_path / "cache" / "image-dataset-converter"
    assert (cached / "seppl.io.Filter.json").exists()
    # the framework itself, with the cache: our plugins are listed, no scan, no traceback
    env_on = dict(env, IDC_CLASS_CACHE="on")
    convert = run_tool("idc-convert", ["from-subdir-ic", "-i", "docs/example/data", "label-dist"], env_on)
    assert convert.returncode == 0
    assert convert.stderr == "", convert.stderr
    assert "cat: 120" in convert.stdout
    listed = run_tool("idc-registry", ["-l", "filters"], env_on)
    assert "balance-labels-ic" in listed.stdout and "Traceback" not in listed.stderr
    # without the cache the framework scans and prints the tracebacks (what the cache spares)
    scan = run_tool("idc-convert", ["from-subdir-ic", "-i", "docs/example/data", "label-dist"], env)
    assert scan.stderr.count("Traceback") == 2


def test_current_cache_is_not_scanned_again_but_a_changed_environment_is(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad_lister.py").write_text(BAD_LISTER)
    (tmp_path / "pkg" / "bad_plugins.py").write_text("raise RuntimeError('boom: a broken plugin module')\n")
    env = fresh_env(tmp_path)
    assert "cannot be imported" in run_tool("idc-balance-plugin-cache", [], env).stderr
    again = run_tool("idc-balance-plugin-cache", [], env)
    assert again.returncode == 0 and again.stderr == "" and again.stdout == ""
    # another class lister (the framework's variable): the environment changed, so it scans again, and a module that
    # fails for another reason is reported with its own error
    changed = dict(env, IDC_CLASS_LISTERS="bad_lister", PYTHONPATH=str(tmp_path / "pkg"))
    result = run_tool("idc-balance-plugin-cache", [], changed)
    assert "plugin module bad_plugins cannot be imported, its plugins are unavailable: RuntimeError: boom: a broken " \
           "plugin module" in result.stderr
    assert "Traceback" not in result.stderr
    # --verbose prints the framework's own output of the scan, tracebacks included
    verbose = run_tool("idc-balance-plugin-cache", ["--force", "--verbose"], changed)
    assert verbose.stderr.count("Traceback") == 3


def test_import_failures_parses_plain_and_chained_tracebacks():
    text = ("Failed to import module: a.b\n"
            "Traceback (most recent call last):\n"
            "  File \"x.py\", line 1, in <module>\n"
            "    import pypfm\n"
            "ModuleNotFoundError: No module named 'pypfm'\n"
            "Problem encountered instantiating: c.D\n"
            "Failed to import module: e\n"
            "Traceback (most recent call last):\n"
            "  File \"e.py\", line 2, in <module>\n"
            "KeyError: 'k'\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "Traceback (most recent call last):\n"
            "  File \"e.py\", line 4, in <module>\n"
            "ValueError: bad\n"
            "something else\n")
    failures, rest = import_failures(text)
    assert failures == [("a.b", "ModuleNotFoundError: No module named 'pypfm'"), ("e", "ValueError: bad")]
    # what is not an import failure is kept, to be printed as the framework printed it
    assert rest == "Problem encountered instantiating: c.D\nsomething else"


def test_a_cache_folder_that_cannot_be_written_fails_before_the_scan(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    env = fresh_env(tmp_path, XDG_CACHE_HOME=str(tmp_path / "file"))
    result = run_tool("idc-balance-plugin-cache", [], env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot write the plugin cache's folder '%s'" % (tmp_path / "file" / "image-dataset-converter") \
        in result.stderr
    # refused before the scan: no note on the modules
    assert "cannot be imported" not in result.stderr
