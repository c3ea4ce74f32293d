"""
Result files (distributions, plots): checked for real before the first record, so that
a long run does not end in a lost result, and written atomically at the end.
"""
import contextlib
import os
import tempfile
from typing import Iterator

from ._errors import BalanceError

TEMP_NAME_CHARS = 64
""" How many characters of the result's name its temporary file's name repeats. """


def check_output_file(path: str, what: str):
    """
    Checks that a result file can be written: a file name (not a folder, no trailing
    separator), not an existing special file, in an existing folder where a file can
    really be created (a temporary file is created and removed there, which catches
    read-only and special file systems that permission bits do not show).

    :param path: the output file
    :type path: str
    :param what: what the file is, for error messages (e.g. "option -o/--output_file")
    :type what: str
    :raises BalanceError: naming the path and the problem
    """
    separators = [os.sep] + ([os.altsep] if os.altsep else [])
    if any(path.endswith(sep) for sep in separators) or os.path.basename(path) in ("", ".", ".."):
        raise BalanceError("%s '%s': expected a file name, not a folder" % (what, path))
    if os.path.isdir(path):
        raise BalanceError("%s '%s': is a directory, expected a file name" % (what, path))
    if os.path.lexists(path) and not os.path.isfile(path):
        raise BalanceError("%s '%s': exists and is not a regular file (a device, pipe or broken link); "
                           "it would be replaced" % (what, path))
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise BalanceError("%s '%s': directory '%s' does not exist" % (what, path, directory))
    name_max = _name_max(directory)
    if (name_max is not None) and (len(os.fsencode(os.path.basename(path))) > name_max):
        raise BalanceError("%s '%s': the file name is longer than the %d bytes directory '%s' allows"
                           % (what, path, name_max, directory))
    try:
        probe = _temp_file(path)
        os.remove(probe)
    except OSError as e:
        raise BalanceError("%s '%s': cannot create a file in directory '%s': %s"
                           % (what, path, directory, e.strerror or e)) from e


REPLACEABLE_PREFIX_BYTES = 4096
""" How much of an existing result file check_replaceable reads to recognise it. """


def check_replaceable(path: str, what: str, signature: str):
    """
    Checks that an existing file may be replaced by a result: only an empty file or one that
    holds the result's signature near its start (an earlier result of the same kind), so
    that a result never replaces an input (an annotation file, say) by mistake.

    :param path: the file
    :type path: str
    :param what: what names the file in the message, e.g. "option -o/--output"
    :type what: str
    :param signature: text that results of this kind hold in their first REPLACEABLE_PREFIX_BYTES bytes
    :type signature: str
    :raises BalanceError: if the file exists and is something else
    """
    if not os.path.isfile(path):
        return
    try:
        with open(path, "rb") as fp:
            start = fp.read(REPLACEABLE_PREFIX_BYTES)
    except OSError as e:
        raise BalanceError("%s '%s': cannot read the existing file: %s" % (what, path, e.strerror or e)) from e
    if (len(start) > 0) and (signature.encode("utf-8") not in start):
        raise BalanceError("%s '%s': the file exists and is not such a result (%s not found at its start); "
                           "refusing to replace it: remove it or choose another name" % (what, path, signature))


def _name_max(directory: str):
    """
    Returns the longest file name (in bytes) a directory allows, None if unknown.
    """
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return None


def _temp_file(path: str) -> str:
    """
    Creates the (empty) temporary file that a result is written to before it replaces
    the result file: in the same directory, hidden, with the result's extension.

    :param path: the result file
    :type path: str
    :return: the temporary file
    :rtype: str
    """
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix="." + name[:TEMP_NAME_CHARS] + ".", suffix=".tmp" + os.path.splitext(name)[1][:16],
                               dir=directory)
    os.close(fd)
    return tmp


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
    tmp = _temp_file(path)
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
