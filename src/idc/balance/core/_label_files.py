"""
Reading and writing the flat JSON files this package exchanges: a JSON object
that maps each label to a number (correction files, counts files).
"""
import contextlib
import json
import math
import os
import tempfile
from typing import Any, Callable, Dict, Iterator, List, Tuple

from ._errors import BalanceError


def _reject_duplicates(path: str, what: str) -> Callable[[List[Tuple[str, Any]]], Dict[str, Any]]:
    """
    Creates an object_pairs_hook for json.load that fails on a repeated key
    (json.load would silently keep the last value).
    """
    def hook(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        result = dict()
        for key, value in pairs:
            if key in result:
                raise BalanceError("%s '%s': label '%s' appears more than once" % (what, path, key))
            result[key] = value
        return result
    return hook


def _reject_constant(path: str, what: str) -> Callable[[str], float]:
    """
    Creates a parse_constant hook for json.load that rejects NaN and Infinity,
    which Python's json module would otherwise accept.
    """
    def hook(name: str) -> float:
        raise BalanceError("%s '%s': %s is not a finite number" % (what, path, name))
    return hook


def read_label_map(path: str, what: str) -> Dict[str, Any]:
    """
    Reads a JSON file that must contain a flat object (label -> value).
    The values are not checked here.

    :param path: the file to read
    :type path: str
    :param what: what the file is, for error messages, e.g. "label correction file"
    :type what: str
    :return: the object, in file order
    :rtype: dict
    :raises BalanceError: if the file cannot be read, is not valid JSON or not an object
    """
    try:
        with open(path, "r", encoding="utf-8") as fp:
            text = fp.read()
    except (OSError, UnicodeDecodeError) as e:
        raise BalanceError("%s '%s': cannot read: %s" % (what, path, e)) from e
    try:
        result = json.loads(text, object_pairs_hook=_reject_duplicates(path, what),
                            parse_constant=_reject_constant(path, what))
    except json.JSONDecodeError as e:
        raise BalanceError("%s '%s': invalid JSON at line %d, column %d: %s"
                           % (what, path, e.lineno, e.colno, e.msg)) from e
    if not isinstance(result, dict):
        raise BalanceError("%s '%s': expected a JSON object (label -> number), got %s"
                           % (what, path, _json_type(result)))
    return result


def _json_type(value: Any) -> str:
    """
    Returns the JSON name of the type of a parsed value, for error messages.
    """
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number"


def check_number(path: str, what: str, label: str, value: Any) -> float:
    """
    Checks that a value read from a label file is a finite, non-negative number.

    :param path: the file the value came from
    :type path: str
    :param what: what the file is, for error messages
    :type what: str
    :param label: the label the value belongs to
    :type label: str
    :param value: the value to check
    :return: the value as float
    :rtype: float
    :raises BalanceError: if the value is not a finite number or negative
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BalanceError("%s '%s': label '%s': value %s is %s, not a number"
                           % (what, path, label, json.dumps(value), _json_type(value)))
    if not math.isfinite(value):
        raise BalanceError("%s '%s': label '%s': value %s is not a finite number" % (what, path, label, value))
    if value < 0:
        raise BalanceError("%s '%s': label '%s': value %s is negative" % (what, path, label, value))
    return float(value)


def check_output_dir(path: str, what: str):
    """
    Checks that the directory of an output file exists and is writable, so that a long
    run does not fail at the very end.

    :param path: the output file
    :type path: str
    :param what: what the file is, for error messages (e.g. "option -o/--output_file")
    :type what: str
    :raises BalanceError: if the directory is missing or not writable, or the path is a directory
    """
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise BalanceError("%s '%s': is a directory, expected a file name" % (what, path))
    if not os.path.isdir(directory):
        raise BalanceError("%s '%s': directory '%s' does not exist" % (what, path, directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BalanceError("%s '%s': directory '%s' is not writable" % (what, path, directory))


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[str]:
    """
    Context manager for writing a file atomically: yields the name of a temporary file
    in the same directory (with the same extension) to write to; on success it replaces
    the target, on failure it is removed. Readers never see a half-written file and an
    existing file survives a failed write.

    :param path: the file to write
    :type path: str
    :return: the temporary file to write to
    """
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix="." + name + ".", suffix=".tmp" + os.path.splitext(name)[1], dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_atomically(path: str, content: str):
    """
    Writes text to a file atomically (see :func:`atomic_output`).

    :param path: the file to write
    :type path: str
    :param content: the text to write
    :type content: str
    """
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fp:
            fp.write(content)
            fp.flush()
            os.fsync(fp.fileno())


def _umask() -> int:
    """
    Returns the process umask (mkstemp creates files with mode 0600; the result file
    should get the same mode as any other file the user creates).
    """
    mask = os.umask(0)
    os.umask(mask)
    return mask
