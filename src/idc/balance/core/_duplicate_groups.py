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
import os
from array import array
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from ._duplicates import DuplicateFinder, HASH_PERCEPTUAL
from ._hash_index import hamming

MAX_MATRIX_MEMBERS = 50
""" Groups up to this size list all their pairwise distances; larger ones only each member's distance to the first
(a burst of thousands of frames would otherwise write millions of numbers). """


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
        self._listed: Optional[List[List[int]]] = None
        """ listed_group_numbers(), kept until the next image comes """

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
        self._listed = None
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

    def repeats(self) -> List[int]:
        """
        Returns the images that came before (the same file, or the same name without a file, and the same
        labels), by number.
        """
        seen = set()
        result = []
        for number, identity in enumerate(zip(self._folder_of, self._files, self._labels_of)):
            if identity in seen:
                result.append(number)
            else:
                seen.add(identity)
        return result

    def listed_group_numbers(self) -> List[List[int]]:
        """
        Returns the groups as the groups file lists them: as group_numbers, without the images that came
        before (a group's first image stays).
        """
        if self._listed is None:
            repeats = set(self.repeats())
            groups = self.group_numbers()
            self._listed = groups if len(repeats) == 0 else \
                [numbers[:1] + [n for n in numbers[1:] if n not in repeats] for numbers in groups]
        return self._listed

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
