"""
Checking the values of options and constructor arguments. The command line hands the
plugins strings that argparse has already converted; Python code can hand them anything.
These checks make the Python API as strict as the command line: a wrong type or value
is a :class:`BalanceError` that names the option (whose long name is also the Python
argument, e.g. '-s/--seed' is the argument 'seed'), never a TypeError deep inside.
"""
import numbers
import os
from typing import Any, List, Optional

import numpy as np

from ._errors import BalanceError


def _type_name(value: Any) -> str:
    """
    Returns the name of a value's type, for error messages.
    """
    return type(value).__name__


def check_path(option: str, value: Any) -> Optional[str]:
    """
    Checks a file name argument: a str or an os.PathLike that stands for a str.

    :param option: the option, for the error message, e.g. "-c/--label_correction"
    :type option: str
    :param value: the value to check; None or "" for none
    :return: the file name as str, None for none
    :rtype: str
    :raises BalanceError: for any other type
    """
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise BalanceError("option %s: expected a file name (str or os.PathLike), got %s %r"
                           % (option, _type_name(value), value))
    if value == "":
        return None
    if "\0" in value:
        raise BalanceError("option %s: %r contains a NUL character" % (option, value))
    return value


def check_paths(option: str, value: Any) -> Optional[List[str]]:
    """
    Checks an argument of one or more file names: a file name (see check_path) or a list or tuple of them.

    :param option: the option, for the error message
    :type option: str
    :param value: the value to check; None or an empty list for none
    :return: the file names as str, None for none
    :rtype: list
    :raises BalanceError: for another type, or an empty name in a list
    """
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        single = check_path(option, value)
        return None if single is None else [single]
    result = []
    for item in value:
        path = check_path(option, item)
        if path is None:
            raise BalanceError("option %s: an empty file name in %r" % (option, list(value)))
        if os.path.realpath(path) in [os.path.realpath(p) for p in result]:
            raise BalanceError("option %s: '%s' is given twice (its counts would be added twice)" % (option, path))
        result.append(path)
    return result or None


def check_whole_number(option: str, value: Any, minimum: int, maximum: Optional[int] = None) -> int:
    """
    Checks a whole number argument: an int (or numpy integer), not a bool, a float or
    a string, within bounds. Nothing is rounded or truncated.

    :param option: the option, for the error message
    :type option: str
    :param value: the value to check
    :param minimum: the smallest value allowed
    :type minimum: int
    :param maximum: the largest value allowed, None for no upper bound
    :type maximum: int
    :return: the number
    :rtype: int
    :raises BalanceError: for another type or a value out of bounds
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise BalanceError("option %s: expected a whole number, got %s %r" % (option, _type_name(value), value))
    number = int(value)
    if number < minimum:
        if minimum == 0:
            raise BalanceError("option %s: %d is negative" % (option, number))
        raise BalanceError("option %s: %d is less than %d" % (option, number, minimum))
    if (maximum is not None) and (number > maximum):
        raise BalanceError("option %s: %d is more than %d" % (option, number, maximum))
    return number


def check_seed(option: str, value: Any) -> Optional[int]:
    """
    Checks a seed: None (fresh entropy) or a non-negative whole number.

    :param option: the option, for the error message
    :type option: str
    :param value: the value to check
    :return: the seed, None for fresh entropy
    :rtype: int
    :raises BalanceError: for anything else (including 1.5, True and "42")
    """
    if value is None:
        return None
    return check_whole_number(option, value, 0)


def check_flag(option: str, value: Any) -> bool:
    """
    Checks a flag argument: a bool (or numpy bool).

    :param option: the option, for the error message
    :type option: str
    :param value: the value to check
    :return: the flag
    :rtype: bool
    :raises BalanceError: for anything else (e.g. the string "false", which would be true)
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise BalanceError("option %s: expected True or False, got %s %r" % (option, _type_name(value), value))


def check_text(option: str, value: Any, allow_empty: bool = False) -> str:
    """
    Checks a text argument.

    :param option: the option, for the error message
    :type option: str
    :param value: the value to check
    :param allow_empty: whether "" is allowed
    :type allow_empty: bool
    :return: the text
    :rtype: str
    :raises BalanceError: for another type or an empty text
    """
    if not isinstance(value, str):
        raise BalanceError("option %s: expected a text, got %s %r" % (option, _type_name(value), value))
    if (value == "") and not allow_empty:
        raise BalanceError("option %s: must not be empty" % option)
    return value


def check_names(option: str, value: Any) -> Optional[List[str]]:
    """
    Checks a list of names (e.g. split names): one name (a str) or a list or tuple of
    them. A single str is one name, never a list of its characters.

    :param option: the option, for the error message
    :type option: str
    :param value: the value to check, None for none
    :return: the names, None for none
    :rtype: list
    :raises BalanceError: for an empty list, an empty name or a name that is not a str
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise BalanceError("option %s: expected a name or a list of names, got %s %r"
                           % (option, _type_name(value), value))
    if len(value) == 0:
        raise BalanceError("option %s: give at least one name" % option)
    for name in value:
        if not isinstance(name, str):
            raise BalanceError("option %s: expected names (str), got %s %r" % (option, _type_name(name), name))
        if name == "":
            raise BalanceError("option %s: a name must not be empty" % option)
    return list(value)


def check_real(option: str, value: Any) -> float:
    """
    Checks a real number argument: an int or float (not a bool or a string).

    :param option: the option, for the error message
    :type option: str
    :param value: the value to check
    :return: the number as float
    :rtype: float
    :raises BalanceError: for another type
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BalanceError("option %s: expected a number, got %s %r" % (option, _type_name(value), value))
    try:
        return float(value)
    except OverflowError:
        raise BalanceError("option %s: %s is too large" % (option, value)) from None
