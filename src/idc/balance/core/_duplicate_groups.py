"""
Duplicate groups of a whole dataset, for review before anything is removed: every image is
hashed as it streams past and compared with the images kept so far, exactly as the one-pass
removal does (see _duplicates.py), so a group is a kept image (the first of its kind in the
stream) and the later images within the threshold of it (of the kept images within the
threshold, the nearest, the earlier of equally near ones). Finding, reviewing and then
removing by the groups file therefore removes what one pass would have removed.

Images are identified by their path relative to the folder all their files have in common
(the input), or by their name when a record has no file, and by their labels; the file lists
every image, singletons included, and the images that could not be hashed.

Memory per image: its path (a folder number and the file name), its labels (shared between
images with the same labels), its group, its distance and, for perceptual hashes, its hash.
"""
import json
import os
from array import array
from dataclasses import dataclass
from typing import Dict, IO, Iterator, List, Optional, Sequence, Tuple

from ._duplicates import DuplicateFinder, HASH_PERCEPTUAL, HASH_TYPES
from ._errors import BalanceError
from ._hash_index import hamming, MAX_RADIUS
from ._label_files import read_json_file

FORMAT_GROUPS = "idc-balance/duplicate-groups"
""" The format name of the groups file. """

GROUPS_VERSION = 1
""" The version of the groups file this package writes and reads. """

FORMAT_CONFLICTS = "idc-balance/label-conflicts"
""" The format name of the label conflicts file. """

CONFLICTS_VERSION = 1

GROUPS_FILE = "duplicate groups file"

MAX_MATRIX_MEMBERS = 50
""" Groups up to this size list all their pairwise distances; larger ones only each member's distance to the first
(a burst of thousands of frames would otherwise write millions of numbers). """

MAX_GROUPS_FILE_BYTES = 1024 * 1024 * 1024
""" The largest groups file read (about 5 million images). """

MAX_GROUPS_IMAGES = 10_000_000
""" The most images a groups file may list. """


@dataclass(frozen=True)
class Member:
    """
    An image of a duplicate group.
    """
    path: str
    labels: Tuple[str, ...]
    distance: int
    """ The hash distance to the group's first image (0 for the first). """


@dataclass(frozen=True)
class Group:
    """
    A duplicate group: the image kept first, then its duplicates in stream order.
    """
    members: Tuple[Member, ...]
    distances: Optional[Tuple[Tuple[int, ...], ...]]
    """ All pairwise distances (row and column per member), None for groups of more than MAX_MATRIX_MEMBERS. """

    @property
    def conflict(self) -> bool:
        """
        Whether the members carry different labels.
        """
        first = self.members[0].labels
        return any(member.labels != first for member in self.members[1:])

    @property
    def labels(self) -> List[str]:
        """
        All labels of the members, sorted.
        """
        return sorted(set(label for member in self.members for label in member.labels))


@dataclass(frozen=True)
class Skipped:
    """
    An image that could not be hashed.
    """
    path: str
    labels: Tuple[str, ...]
    reason: str


def common_root(folders: Sequence[str]) -> Optional[str]:
    """
    Returns the folder that all folders lie in, None for none (or folders on different drives).

    :param folders: absolute folders
    :type folders: list
    :return: the common folder
    :rtype: str
    """
    if len(folders) == 0:
        return None
    try:
        return os.path.commonpath(folders)
    except ValueError:
        return None


class GroupCollector:
    """
    Hashes every image of a stream and collects the duplicate groups (see the module).
    """

    def __init__(self, hash_type: str, threshold: int):
        """
        :param hash_type: HASH_EXACT or HASH_PERCEPTUAL
        :type hash_type: str
        :param threshold: perceptual: the largest distance in bits that counts as a duplicate
        :type threshold: int
        """
        self._finder = DuplicateFinder(hash_type, threshold)
        self.hash_type = hash_type
        self.threshold = self._finder.threshold
        self._folders: Dict[str, int] = dict()
        self._folder_names: List[str] = []
        self._label_sets: Dict[Tuple[str, ...], int] = dict()
        self._label_set_list: List[Tuple[str, ...]] = []
        self._files: List[str] = []
        self._folder_of = array("i")
        self._labels_of = array("i")
        self._group_of = array("i")
        self._distance_of = array("b")
        self._hashes = array("Q") if hash_type == HASH_PERCEPTUAL else None
        self._skipped: List[Tuple[str, int, int, str]] = []

    def __len__(self) -> int:
        return len(self._files)

    def _intern(self, source: Optional[str], name: str, labels: Sequence[str]) -> Tuple[str, int, int]:
        """
        Returns the file name, the folder number (-1: no file) and the number of the label set.
        """
        folder = -1
        if source is not None:
            directory, name = os.path.split(os.path.abspath(source))
            folder = self._folders.get(directory, -1)
            if folder < 0:
                folder = len(self._folder_names)
                self._folders[directory] = folder
                self._folder_names.append(directory)
        key = tuple(sorted(set(labels)))
        label_set = self._label_sets.get(key)
        if label_set is None:
            label_set = len(self._label_set_list)
            self._label_sets[key] = label_set
            self._label_set_list.append(key)
        return name, folder, label_set

    def add(self, data: bytes, source: Optional[str], name: str, labels: Sequence[str]) -> Optional[Tuple[int, int]]:
        """
        Hashes an image and assigns it to a group.

        :param data: the encoded image
        :type data: bytes
        :param source: the image's file, None if it has none
        :type source: str
        :param name: the image's name (its identity when it has no file)
        :type name: str
        :param labels: its labels
        :type labels: list
        :return: for a duplicate, the number of the image it duplicates (in the order of adding) and the
                 distance; None for an image kept
        :rtype: tuple
        :raises BalanceError: naming the image if it cannot be decoded (it is then not added: see skip)
        """
        value = self._finder.hash(data, name)
        found = self._finder.match(value)
        number = len(self._files)
        file_name, folder, label_set = self._intern(source, name, labels)
        if found is None:
            self._finder.keep(value, number)
            group, distance = number, 0
        else:
            group, distance = self._finder.kept_names[found[0]], found[1]
        self._files.append(file_name)
        self._folder_of.append(folder)
        self._labels_of.append(label_set)
        self._group_of.append(group)
        self._distance_of.append(distance)
        if self._hashes is not None:
            self._hashes.append(value)
        return None if found is None else (group, distance)

    def skip(self, source: Optional[str], name: str, labels: Sequence[str], reason: str):
        """
        Notes an image that could not be hashed.

        :param source: the image's file, None if it has none
        :type source: str
        :param name: the image's name
        :type name: str
        :param labels: its labels
        :type labels: list
        :param reason: why
        :type reason: str
        """
        file_name, folder, label_set = self._intern(source, name, labels)
        self._skipped.append((file_name, folder, label_set, reason))

    @property
    def root(self) -> Optional[str]:
        """
        The folder all image files lie in, None if no image had a file.
        """
        return common_root(self._folder_names)

    def _path(self, root: Optional[str], file_name: str, folder: int) -> str:
        if folder < 0 or root is None:
            return file_name
        return os.path.relpath(os.path.join(self._folder_names[folder], file_name), root).replace(os.sep, "/")

    def source(self, number: int) -> Optional[str]:
        """
        Returns the file of an image, None if it had none.

        :param number: the image's number (in the order of adding)
        :type number: int
        """
        folder = self._folder_of[number]
        return None if folder < 0 else os.path.join(self._folder_names[folder], self._files[number])

    def group_numbers(self) -> List[List[int]]:
        """
        Returns the groups as lists of image numbers, in the order of their first image; each group's first
        image first, then its duplicates in stream order.
        """
        members: Dict[int, List[int]] = dict()
        for number, group in enumerate(self._group_of):
            members.setdefault(group, []).append(number)
        return list(members.values())

    def group(self, numbers: Sequence[int], root: Optional[str]) -> Group:
        """
        Returns a group of images given by their numbers.
        """
        result = tuple(Member(self._path(root, self._files[n], self._folder_of[n]),
                              self._label_set_list[self._labels_of[n]], self._distance_of[n]) for n in numbers)
        matrix = None
        if len(numbers) <= MAX_MATRIX_MEMBERS:
            if self._hashes is None:
                matrix = tuple(tuple(0 for _ in numbers) for _ in numbers)
            else:
                hashes = [self._hashes[n] for n in numbers]
                matrix = tuple(tuple(hamming(a, b) for b in hashes) for a in hashes)
        return Group(result, matrix)

    def conflict(self, numbers: Sequence[int]) -> bool:
        """
        Whether the images given by their numbers carry different labels.
        """
        return len(set(self._labels_of[n] for n in numbers)) > 1

    def groups(self) -> Iterator[Group]:
        """
        Yields every group, singletons included, in the order of their first image.
        """
        root = self.root
        for numbers in self.group_numbers():
            yield self.group(numbers, root)

    def skipped(self) -> List[Skipped]:
        """
        Returns the images that could not be hashed, in stream order.
        """
        root = self.root
        return [Skipped(self._path(root, file_name, folder), self._label_set_list[label_set], reason)
                for file_name, folder, label_set, reason in self._skipped]

    @property
    def duplicates(self) -> int:
        """
        How many images duplicate an earlier one.
        """
        return len(self._files) - self._finder.kept


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
    Writes the groups file (format FORMAT_GROUPS), one group per line, without holding all groups in memory.

    :param fp: the text file to write to
    :param collector: the groups
    :type collector: GroupCollector
    """
    numbers = collector.group_numbers()
    header = {"format": FORMAT_GROUPS, "version": GROUPS_VERSION, "hash": collector.hash_type,
              "threshold": collector.threshold, "root": collector.root, "images": len(collector),
              "groups_with_duplicates": sum(1 for n in numbers if len(n) > 1), "duplicates": collector.duplicates}
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
    for index, group in enumerate(collector.groups()):
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


def _member(path: str, where: str, entry, first: bool) -> Member:
    if not isinstance(entry, dict):
        raise _fail(path, where, "expected an object")
    missing = [key for key in ("path", "labels", "distance") if key not in entry]
    if len(missing) > 0:
        raise _fail(path, where, "missing %s" % ", ".join(missing))
    distance = entry["distance"]
    if isinstance(distance, bool) or not isinstance(distance, int) or not (0 <= distance <= MAX_RADIUS):
        raise _fail(path, where, "distance %s is not a whole number from 0 to %d" % (json.dumps(distance), MAX_RADIUS))
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
        members = tuple(_member(path, "%s: member %d" % (where, m), member, m == 0)
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
    if images != total:
        raise _fail(path, "images", "%s, but the groups list %d" % (json.dumps(images), total))
    return GroupsFile(path, hash_type, threshold, root, tuple(groups), tuple(skipped))


class ImageLocator:
    """
    Finds a stream's records among the images of a groups file: by the path relative to the
    file's root when the record's file lies under it, else by the longest end of the record's
    file path (or its name) that the file lists (the dataset may have moved); among images with
    the same path, by the labels.
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
            entries = self._by_path.get(path)
            if entries is None:
                continue
            for entry_labels, number in entries:
                if entry_labels == key:
                    return number
            if len(entries) == 1:
                return entries[0][1]
            return None
        return None
