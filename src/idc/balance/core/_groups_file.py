"""
The files of duplicate groups: the groups file (format FORMAT_GROUPS: every image with its
group, its distance to the group's first image and the pairwise distances, and the images
that could not be hashed), written one group per line so that all groups are never held at
once, and read back with every field validated; the label conflicts file (FORMAT_CONFLICTS);
and the locator that finds a stream's records among the images of a groups file.
"""
import json
import os
from dataclasses import dataclass
from typing import Dict, IO, Iterator, List, Optional, Sequence, Tuple

from ._duplicate_groups import GroupCollector, Group, Member, Skipped
from ._duplicates import HASH_TYPES
from ._errors import BalanceError
from ._hash_index import MAX_RADIUS
from ._label_files import read_json_file

FORMAT_GROUPS = "idc-balance/duplicate-groups"
""" The format name of the groups file. """

GROUPS_VERSION = 1
""" The version of the groups file this package writes and reads. """

FORMAT_CONFLICTS = "idc-balance/label-conflicts"
""" The format name of the label conflicts file. """

CONFLICTS_VERSION = 1

GROUPS_FILE = "duplicate groups file"

MAX_GROUPS_FILE_BYTES = 256 * 1024 * 1024
""" The largest groups file read (about 4.5 million images; reading takes about 17 bytes of memory per byte). """

MAX_GROUPS_IMAGES = 5_000_000
""" The most images a groups file may list. """


def _member_json(member: Member) -> dict:
    return {"path": member.path, "labels": list(member.labels), "distance": member.distance}


def group_json(group: Group) -> dict:
    """
    Returns a group as written to the groups file.
    """
    result = {"members": [_member_json(member) for member in group.members], "conflict": group.conflict}
    if len(group.members) > 1:
        result["distances"] = None if group.distances is None else [list(row) for row in group.distances]
    return result


def write_groups(fp: IO[str], collector: GroupCollector):
    """
    Writes the groups file (format FORMAT_GROUPS), one group per line, without holding all groups in memory;
    an image that came more than once (the same path and labels) is listed once.

    :param fp: the text file to write to
    :param collector: the groups
    :type collector: GroupCollector
    """
    numbers = collector.listed_group_numbers()
    images = sum(len(n) for n in numbers)
    header = {"format": FORMAT_GROUPS, "version": GROUPS_VERSION, "hash": collector.hash_type,
              "threshold": collector.threshold, "root": collector.root, "images": images,
              "groups_with_duplicates": sum(1 for n in numbers if len(n) > 1), "duplicates": images - len(numbers)}
    fp.write(json.dumps(header)[:-1])
    fp.write(', "groups": [')
    root = collector.root
    for index, group_numbers in enumerate(numbers):
        fp.write("\n  " if index == 0 else ",\n  ")
        fp.write(json.dumps(group_json(collector.group(group_numbers, root))))
    fp.write("\n], \"skipped\": [")
    for index, skipped in enumerate(collector.skipped()):
        fp.write("\n  " if index == 0 else ",\n  ")
        fp.write(json.dumps({"path": skipped.path, "labels": list(skipped.labels), "reason": skipped.reason}))
    fp.write("\n]}\n")


def conflicts_json(collector: GroupCollector) -> str:
    """
    Returns the label conflicts file (format FORMAT_CONFLICTS): the groups whose members carry different labels.

    :param collector: the groups
    :type collector: GroupCollector
    :return: the JSON text
    :rtype: str
    """
    conflicts = []
    root = collector.root
    for index, numbers in enumerate(collector.listed_group_numbers()):
        group = collector.group(numbers, root)
        if group.conflict:
            conflicts.append({"group": index, "labels": group.labels,
                              "members": [_member_json(member) for member in group.members]})
    return json.dumps({"format": FORMAT_CONFLICTS, "version": CONFLICTS_VERSION, "hash": collector.hash_type,
                       "threshold": collector.threshold, "root": collector.root, "conflicts": conflicts},
                      indent=2) + "\n"


@dataclass(frozen=True)
class GroupsFile:
    """
    A groups file as read: the images, each with its group and its distance to the group's first image.
    """
    path: str
    hash_type: str
    threshold: int
    root: Optional[str]
    groups: Tuple[Tuple[Member, ...], ...]
    skipped: Tuple[Skipped, ...]


    def firsts(self) -> List[Tuple[str, int]]:
        """
        Returns, per image of the file (the groups' members in order, then the skipped images), the first image
        of its group, named as the one-pass removal names it (its file under the root, else its name), and the
        image's distance to it.
        """
        def named(path: str) -> str:
            return path if self.root is None else os.path.join(self.root, *path.split("/"))

        result = []
        for members in self.groups:
            first = named(members[0].path)
            result.extend((first, member.distance) for member in members)
        result.extend((named(skipped.path), 0) for skipped in self.skipped)
        return result


def _fail(path: str, where: str, problem: str) -> BalanceError:
    return BalanceError("%s '%s': %s%s" % (GROUPS_FILE, path, "" if where == "" else where + ": ", problem))


def _labels(path: str, where: str, value) -> Tuple[str, ...]:
    if (not isinstance(value, list)) or not all(isinstance(label, str) for label in value):
        raise _fail(path, where, "labels must be a list of texts")
    return tuple(value)


def _text(path: str, where: str, value) -> str:
    if (not isinstance(value, str)) or (value == ""):
        raise _fail(path, where, "%s is not a non-empty text" % json.dumps(value))
    return value


def _member(path: str, where: str, entry, first: bool, threshold: int) -> Member:
    if not isinstance(entry, dict):
        raise _fail(path, where, "expected an object")
    missing = [key for key in ("path", "labels", "distance") if key not in entry]
    if len(missing) > 0:
        raise _fail(path, where, "missing %s" % ", ".join(missing))
    distance = entry["distance"]
    if isinstance(distance, bool) or not isinstance(distance, int) or not (0 <= distance <= threshold):
        raise _fail(path, where, "distance %s is not a whole number from 0 to the file's threshold %d"
                    % (json.dumps(distance), threshold))
    if first and distance != 0:
        raise _fail(path, where, "the first member's distance must be 0, not %d" % distance)
    return Member(_text(path, where + ": path", entry["path"]), _labels(path, where, entry["labels"]), distance)


def read_groups(path: str) -> GroupsFile:
    """
    Reads and validates a groups file written by find-duplicates.

    :param path: the file
    :type path: str
    :return: the groups
    :rtype: GroupsFile
    :raises BalanceError: naming the file and the problem: unreadable, invalid JSON, another format or
                          version, a malformed group or member, an image listed twice, counts that do not add up
    """
    data = read_json_file(path, GROUPS_FILE, MAX_GROUPS_FILE_BYTES)
    if (not isinstance(data, dict)) or (data.get("format") != FORMAT_GROUPS):
        found = data.get("format") if isinstance(data, dict) else None
        raise _fail(path, "", "not a duplicate groups file (expected format '%s'%s; write it with: find-duplicates "
                              "-o FILE)" % (FORMAT_GROUPS, "" if found is None else ", found %s" % json.dumps(found)))
    version = data.get("version")
    if (type(version) is not int) or (version != GROUPS_VERSION):
        raise _fail(path, "", "version %s is not supported (this version reads %d)"
                    % (json.dumps(version), GROUPS_VERSION))
    hash_type = data.get("hash")
    if hash_type not in HASH_TYPES:
        raise _fail(path, "hash", "%s is not one of %s" % (json.dumps(hash_type), ", ".join(HASH_TYPES)))
    threshold = data.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not (0 <= threshold <= MAX_RADIUS):
        raise _fail(path, "threshold", "%s is not a whole number from 0 to %d" % (json.dumps(threshold), MAX_RADIUS))
    root = data.get("root")
    if (root is not None) and not isinstance(root, str):
        raise _fail(path, "root", "must be a text or null")
    entries = data.get("groups")
    if not isinstance(entries, list):
        raise _fail(path, "", "groups must be a list")
    skipped_entries = data.get("skipped", [])
    if not isinstance(skipped_entries, list):
        raise _fail(path, "", "skipped must be a list")
    groups = []
    seen = set()
    total = 0
    for index, entry in enumerate(entries):
        where = "group %d" % index
        if (not isinstance(entry, dict)) or (not isinstance(entry.get("members"), list)) or len(entry["members"]) == 0:
            raise _fail(path, where, "expected an object with a non-empty list of members")
        total += len(entry["members"])
        if total > MAX_GROUPS_IMAGES:
            raise _fail(path, "", "more than the %d images a groups file may list" % MAX_GROUPS_IMAGES)
        members = tuple(_member(path, "%s: member %d" % (where, m), member, m == 0, threshold)
                        for m, member in enumerate(entry["members"]))
        for member in members:
            key = (member.path, member.labels)
            if key in seen:
                raise _fail(path, where, "image '%s' with labels %s is listed more than once"
                            % (member.path, json.dumps(list(member.labels))))
            seen.add(key)
        groups.append(members)
    skipped = []
    for index, entry in enumerate(skipped_entries):
        where = "skipped %d" % index
        if not isinstance(entry, dict):
            raise _fail(path, where, "expected an object")
        item = Skipped(_text(path, where + ": path", entry.get("path")), _labels(path, where, entry.get("labels")),
                       str(entry.get("reason", "")))
        key = (item.path, item.labels)
        if key in seen:
            raise _fail(path, where, "image '%s' with labels %s is listed more than once"
                        % (item.path, json.dumps(list(item.labels))))
        seen.add(key)
        skipped.append(item)
    images = data.get("images")
    if (type(images) is not int) or (images != total):
        raise _fail(path, "images", "%s, but the groups list %d" % (json.dumps(images), total))
    return GroupsFile(path, hash_type, threshold, root, tuple(groups), tuple(skipped))


class ImageLocator:
    """
    Finds a stream's records among the images of a groups file: by the path relative to the
    file's root when the record's file lies under it, else by the longest end of the record's
    file path (or its name) that the file lists (the dataset may have moved); and by the labels,
    which must be the file's (a record whose labels changed since is not listed: it is not the
    image that was reviewed).
    """

    def __init__(self, groups_file: GroupsFile):
        """
        :param groups_file: the groups
        :type groups_file: GroupsFile
        """
        self.root = groups_file.root
        self._by_path: Dict[str, List[Tuple[Tuple[str, ...], int]]] = dict()
        self._depth = 1
        number = 0
        for members in groups_file.groups:
            for member in members:
                self._register(member.path, member.labels, number)
                number += 1
        for skipped in groups_file.skipped:
            self._register(skipped.path, skipped.labels, number)
            number += 1

    def _register(self, path: str, labels: Tuple[str, ...], number: int):
        self._by_path.setdefault(path, []).append((labels, number))
        self._depth = max(self._depth, path.count("/") + 1)

    def _candidates(self, source: Optional[str], name: str) -> Iterator[str]:
        if source is None:
            yield name
            return
        source = os.path.abspath(source)
        if self.root is not None:
            relative = os.path.relpath(source, self.root)
            if not relative.startswith(os.pardir):
                yield relative.replace(os.sep, "/")
        parts = source.replace(os.sep, "/").split("/")
        for depth in range(min(self._depth, len(parts)), 0, -1):
            yield "/".join(parts[-depth:])

    def find(self, source: Optional[str], name: str, labels: Sequence[str]) -> Optional[int]:
        """
        Finds a record.

        :param source: the record's file, None if it has none
        :type source: str
        :param name: its name
        :type name: str
        :param labels: its labels
        :type labels: list
        :return: its number in the file (the groups' members in order, then the skipped images), None if not listed
        :rtype: int
        """
        key = tuple(sorted(set(labels)))
        for path in self._candidates(source, name):
            for entry_labels, number in self._by_path.get(path, ()):
                if entry_labels == key:
                    return number
        return None

    def outside_root(self, source: Optional[str]) -> bool:
        """
        Whether a record's file lies outside the folder the groups file was made from (it was found, if at all,
        by the end of its path).

        :param source: the record's file, None if it has none
        :type source: str
        """
        if (source is None) or (self.root is None):
            return False
        return os.path.relpath(os.path.abspath(source), self.root).startswith(os.pardir)
