"""
Reading the flat JSON files this package exchanges: a JSON object that maps each label
to a number (correction files, counts files). Whatever a file holds, reading it ends in
the values or in a :class:`BalanceError` naming the file: the size read is bounded,
and deep nesting, huge integers, NaN and repeated labels are refused.
"""
import json
import math
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._errors import BalanceError

MAX_LABEL_FILE_BYTES = 32 * 1024 * 1024
""" The largest label file read (32 MiB: a million labels of 20 characters); a bigger
file (or an endless one such as /dev/zero) is refused instead of filling the memory.
Parsing the largest file of the shortest labels (3 million) takes some 400 MB at its peak
before MAX_LABELS refuses it. """

MAX_LABELS = 1000000
""" The most labels a label file may hold. """

READ_CHUNK_BYTES = 1024 * 1024
""" How much of a label file is read at once. """


def _reject_duplicates(path: str, what: str) -> Callable[[List[Tuple[str, Any]]], Dict[str, Any]]:
    """
    Creates an object_pairs_hook for json.load that fails on a repeated key
    (json.load would silently keep the last value).
    """
    def hook(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        if len(pairs) > MAX_LABELS:
            raise BalanceError("%s '%s': %d labels, more than the %d a label file may hold"
                               % (what, path, len(pairs), MAX_LABELS))
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


def read_json_file(path: str, what: str, max_bytes: Optional[int] = None) -> Any:
    """
    Reads a JSON file of this package, bounded in size and number of keys per object,
    with repeated keys, NaN and Infinity refused.

    :param path: the file to read
    :type path: str
    :param what: what the file is, for error messages, e.g. "label correction file"
    :type what: str
    :param max_bytes: the largest file accepted, None for MAX_LABEL_FILE_BYTES
    :type max_bytes: int
    :return: the parsed JSON
    :raises BalanceError: if the file cannot be read or is not valid JSON
    """
    if max_bytes is None:
        max_bytes = MAX_LABEL_FILE_BYTES
    try:
        raw = _read_bounded(path, max_bytes + 1)
    except OSError as e:
        raise BalanceError("%s '%s': cannot read: %s" % (what, path, e)) from e
    if len(raw) > max_bytes:
        raise BalanceError("%s '%s': larger than %d bytes, too large for a %s" % (what, path, max_bytes, what))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BalanceError("%s '%s': not UTF-8 text (byte %d): %s" % (what, path, e.start, e.reason)) from e
    try:
        result = json.loads(text, object_pairs_hook=_reject_duplicates(path, what),
                            parse_constant=_reject_constant(path, what))
    except BalanceError:
        raise
    except json.JSONDecodeError as e:
        raise BalanceError("%s '%s': invalid JSON at line %d, column %d: %s"
                           % (what, path, e.lineno, e.colno, e.msg)) from e
    except RecursionError:
        raise BalanceError("%s '%s': invalid JSON: nested too deeply" % (what, path)) from None
    except MemoryError:
        raise BalanceError("%s '%s': not enough memory to read it" % (what, path)) from None
    except ValueError as e:
        # e.g. an integer with more digits than Python converts
        raise BalanceError("%s '%s': invalid JSON: %s" % (what, path, e)) from e
    return result


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
    result = read_json_file(path, what)
    if not isinstance(result, dict):
        raise BalanceError("%s '%s': expected a JSON object (label -> number), got %s"
                           % (what, path, _json_type(result)))
    return result


def _open_without_waiting(path: str):
    """
    Opens a file for reading in binary mode. Opening a named pipe (FIFO) waits for a writer
    forever; it is opened without waiting (then reads block as usual), so a pipe that
    nobody writes to reads as empty instead of hanging the run.
    """
    if not hasattr(os, "O_NONBLOCK"):
        return open(path, "rb")
    import fcntl
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        raise


def _read_bounded(path: str, limit: int) -> bytes:
    """
    Reads at most limit bytes of a file, in chunks (one read of the whole limit would
    reserve that much memory even for a small file).
    """
    chunks = []
    size = 0
    with _open_without_waiting(path) as fp:
        while size < limit:
            chunk = fp.read(min(READ_CHUNK_BYTES, limit - size))
            if len(chunk) == 0:
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks)


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
    if isinstance(value, float) and not math.isfinite(value):
        raise BalanceError("%s '%s': label '%s': value %s is not a finite number" % (what, path, label, value))
    if value < 0:
        raise BalanceError("%s '%s': label '%s': value %s is negative" % (what, path, label, value))
    try:
        return float(value)
    except OverflowError:
        raise BalanceError("%s '%s': label '%s': value %s is too large" % (what, path, label, value)) from None
