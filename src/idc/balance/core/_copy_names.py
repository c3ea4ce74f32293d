"""
Names of the copies made for oversampling, chosen so that a copy can never take the
name of an input image.

A copy of 'cat_17.jpg' is called 'cat_17~1.jpg', 'cat_17~2.jpg', ...: the copy marker
'~' and the copy number go before the extension. An input may already hold a name like
'cat_17~1.jpg' (a dataset written by an earlier oversampling run, say), and a stream
cannot know that before it has made the copy, so the marker is escaped in the names of
the inputs instead: every '~' in an input name is doubled ('cat_17~1.jpg' is written as
'cat_17~~1.jpg'). Then every run of '~' in an input's name has even length, and every
copy name has exactly one run of odd length (the marker), so no copy name equals an
input name and no two copies share a name, without remembering a single name.
Names without '~' (nearly all) are never changed, and nothing is escaped in a run that
makes no copies.
"""
import os
from typing import Tuple

COPY_MARKER = "~"
""" Separates a copy's number from the name of its original. """

_ESCAPED_MARKER = COPY_MARKER + COPY_MARKER


def needs_escape(name: str) -> bool:
    """
    Whether an input name contains the copy marker (and is written with it doubled).

    :param name: the image name
    :type name: str
    :return: True if the name contains the marker
    :rtype: bool
    """
    return COPY_MARKER in name


def escape_name(name: str) -> str:
    """
    Returns the name an input image is written under when the run can make copies:
    every copy marker doubled ('a~1.jpg' -> 'a~~1.jpg'); names without it unchanged.

    :param name: the input's image name
    :type name: str
    :return: the escaped name
    :rtype: str
    """
    return name.replace(COPY_MARKER, _ESCAPED_MARKER)


def copy_name_parts(name: str) -> Tuple[str, str]:
    """
    Returns what goes before and after the copy number in the names of a record's
    copies: copy k is prefix + str(k) + suffix (computed once per record).

    :param name: the (unescaped) name of the original
    :type name: str
    :return: the prefix (escaped stem and marker) and the suffix (escaped extension)
    :rtype: tuple
    """
    stem, ext = os.path.splitext(name)
    return escape_name(stem) + COPY_MARKER, escape_name(ext)


def copy_name(name: str, number: int) -> str:
    """
    Returns the image name of a copy: the escaped name with the marker and the copy
    number inserted before the extension, e.g. 'cat_17.jpg' -> 'cat_17~1.jpg',
    'a~1.jpg' -> 'a~~1~1.jpg'.

    :param name: the (unescaped) name of the original
    :type name: str
    :param number: the copy number, from 1
    :type number: int
    :return: the name of the copy
    :rtype: str
    """
    prefix, suffix = copy_name_parts(name)
    return "%s%d%s" % (prefix, number, suffix)
