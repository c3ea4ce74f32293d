"""
Primes the framework's plugin cache, so that idc-convert, idc-registry and idc-help start
without scanning the plugins, and reports the plugin modules that cannot be imported in one
line each.

Every idc-convert, idc-registry and idc-help run scans the plugins of all installed idc
packages by importing their modules, unless ``IDC_CLASS_CACHE=on`` and the framework's
class cache holds the list. Here idc's PFM depth modules cannot be imported (they need
pypfm, which cannot be installed from the package registry; see the README), so each scan
prints two tracebacks. This command runs the scan once, exactly as
``IDC_CLASS_CACHE=reset idc-registry -l plugins`` does, and writes the cache; it prints
one line per module that failed (the module and the error) instead of the tracebacks, and
everything else the scan printed as it was. With ``--verbose`` it prints the scan's output
unchanged.

The cache is the framework's (``~/.cache/image-dataset-converter/``, one file per plugin
type) and, like the framework, knows nothing of the environment it was made in: this
command records the environment beside it (the Python prefix, every installed package
that registers plugins, with its version, and the IDC_CLASS_LISTERS* variables) and scans
again only when that changed, so it
can run before every pipeline at little cost (``--force`` scans anyway).

    idc-balance-plugin-cache && export IDC_CLASS_CACHE=on
"""
import argparse
import contextlib
import io
import json
import os
import sys
from importlib.metadata import entry_points
from typing import Dict, List, Optional, Tuple

APP_NAME = "image-dataset-converter"
""" the framework's name for its class cache (idc.registry) """

PLUGIN_TYPES = ["seppl.io.Reader", "seppl.io.Filter", "seppl.io.Writer", "kasperl.api.Generator"]
""" the plugin types the framework caches (idc.registry.available_plugins) """

CLASS_LISTER_GROUP = "class_lister"
""" the entry point group of the packages that register plugins """

FAILED_IMPORT = "Failed to import module: "
""" how seppl's scan announces a module that cannot be imported, before the traceback """

CHAINED = ("During handling of the above exception", "The above exception was the direct cause")
""" the lines between chained tracebacks """

LISTER_VARIABLES = ["IDC_CLASS_LISTERS", "IDC_CLASS_LISTERS_EXCL", "IDC_CLASS_LISTERS_IGNORED"]
""" the framework's variables that change which plugins a scan finds (idc.registry) """

ENVIRONMENT_FILE = "idc-balance-plugin-cache.json"
""" beside the cache: the environment the cache was made in """


def environment() -> Dict:
    """
    Returns what the plugin list depends on: the Python prefix, the packages that register plugins, with
    their versions, and the framework's variables that add or remove class listers.

    :return: the description
    :rtype: dict
    """
    listers = []
    for point in entry_points(group=CLASS_LISTER_GROUP):
        dist = getattr(point, "dist", None)
        listers.append([point.name, point.value, None if dist is None else dist.name,
                        None if dist is None else dist.version])
    return {"prefix": sys.prefix, "class_listers": sorted(listers, key=lambda x: [str(v) for v in x]),
            "variables": {name: os.environ.get(name) for name in LISTER_VARIABLES}}


def cache_files() -> List[str]:
    """
    Returns the framework's cache files, one per plugin type.

    :return: the paths
    :rtype: list
    """
    from seppl import ClassCache
    return [ClassCache(APP_NAME, plugin_type).cache_file for plugin_type in PLUGIN_TYPES]


def environment_file() -> str:
    """
    Returns the file that records the environment beside the cache.

    :return: the path
    :rtype: str
    """
    return os.path.join(os.path.dirname(cache_files()[0]), ENVIRONMENT_FILE)


def is_current() -> bool:
    """
    Whether the cache exists and was made in this environment.

    :return: True if current
    :rtype: bool
    """
    if not all(os.path.exists(path) for path in cache_files()):
        return False
    try:
        with open(environment_file()) as fp:
            return json.load(fp).get("environment") == environment()
    except (OSError, ValueError):
        return False


def import_failures(text: str) -> Tuple[List[Tuple[str, str]], str]:
    """
    Splits the output of a plugin scan into the modules that could not be imported (each with the last line
    of its traceback, the error) and the rest of the output.

    :param text: what the scan printed to standard error
    :type text: str
    :return: the (module, error) pairs, and the rest of the text
    :rtype: tuple
    """
    failures = []
    rest = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith(FAILED_IMPORT):
            rest.append(line)
            i += 1
            continue
        module = line[len(FAILED_IMPORT):].strip()
        i += 1
        error = None
        # a traceback: its header, indented lines, then the error line; a chained one follows after a blank line,
        # a 'During handling ...' or 'The above exception ...' line and another blank line
        while (i < len(lines)) and lines[i].startswith("Traceback "):
            i += 1
            while (i < len(lines)) and lines[i].startswith(" "):
                i += 1
            if i < len(lines):
                error = lines[i]
                i += 1
            j = i
            while (j < len(lines)) and ((lines[j] == "") or lines[j].startswith(CHAINED)):
                j += 1
            if (j > i) and (j < len(lines)) and lines[j].startswith("Traceback "):
                i = j
        failures.append((module, error or "(no error line)"))
    return failures, "\n".join(rest).strip()


def check_folder() -> Optional[str]:
    """
    Checks, before the scan, that the cache's folder exists or can be made, and can be written.

    :return: the problem, None if there is none
    :rtype: str
    """
    folder = os.path.dirname(environment_file())
    probe = os.path.join(folder, ENVIRONMENT_FILE + ".probe")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as e:
        return "cannot write the plugin cache's folder '%s': %s (XDG_CACHE_HOME chooses where it lies)" \
               % (folder, e.strerror or e)
    return None


def scan(verbose: bool = False) -> List[Tuple[str, str]]:
    """
    Scans the plugins as ``IDC_CLASS_CACHE=reset idc-registry -l plugins`` does, which writes the cache, and
    records the environment beside it.

    :param verbose: whether to print the scan's own output unchanged
    :type verbose: bool
    :return: the modules that could not be imported, with the error
    :rtype: list
    """
    os.environ["IDC_CLASS_CACHE"] = "reset"
    from idc.registry import available_plugins
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        available_plugins()
    text = captured.getvalue()
    failures, rest = import_failures(text)
    if verbose:
        sys.stderr.write(text)
    elif len(rest) > 0:
        # anything but the import failures reported below: as the framework printed it
        sys.stderr.write(rest + "\n")
    path = environment_file()
    temporary = path + ".tmp"
    with open(temporary, "w") as fp:
        json.dump({"environment": environment(), "import_failures": failures}, fp, indent=2)
    os.replace(temporary, path)
    return failures


def main(args: Optional[List[str]] = None):
    """
    Runs the command.

    :param args: the command-line arguments, None for sys.argv
    :type args: list
    """
    parser = argparse.ArgumentParser(
        prog="idc-balance-plugin-cache",
        description="Primes the framework's plugin cache (as IDC_CLASS_CACHE=reset idc-registry -l plugins does) "
                    "unless it was made in this environment, and reports the plugin modules that cannot be imported "
                    "in one line each instead of the scan's tracebacks. Then run idc-convert, idc-registry and "
                    "idc-help with IDC_CLASS_CACHE=on: they start without scanning. Run it again after installing or "
                    "removing idc plugin packages (it notices and scans again).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--force", action="store_true", help="scan even if the cache is current")
    parser.add_argument("--verbose", action="store_true", help="print the scan's own output unchanged")
    ns = parser.parse_args(args)
    if (not ns.force) and is_current():
        if ns.verbose:
            print("The plugin cache is current: %s" % os.path.dirname(environment_file()))
        return
    problem = check_folder()
    if problem is not None:
        print("idc-balance-plugin-cache: " + problem, file=sys.stderr)
        sys.exit(1)
    failures = scan(verbose=ns.verbose)
    missing = [path for path in cache_files() if not os.path.exists(path)]
    if len(missing) > 0:
        print("idc-balance-plugin-cache: the framework did not write its cache: %s is missing"
              % ", ".join("'%s'" % path for path in missing), file=sys.stderr)
        sys.exit(1)
    for module, error in failures:
        print("idc-balance-plugin-cache: plugin module %s cannot be imported, its plugins are unavailable: %s"
              % (module, error), file=sys.stderr)
    print("Plugin cache written to %s; use it with: export IDC_CLASS_CACHE=on" % os.path.dirname(environment_file()))


if __name__ == "__main__":
    main()
