"""
The framework side of the records: which labels a record carries, and how a copy made
for oversampling is named and marked. This is the only place that knows how idc
stores labels and names in its data types.
"""
import copy
from typing import Dict, List, Optional

import numpy as np

from idc.balance.core import BalanceError, COPY_MARKER, check_names, check_text, copy_name_parts, escape_name, needs_escape
from idc.api import ImageData, ImageClassificationData, ObjectDetectionData, ImageSegmentationData


def classification_label(item: ImageClassificationData) -> Optional[str]:
    """
    Returns the label of an image classification record.

    :param item: the record
    :type item: ImageClassificationData
    :return: the label, None if the record has no (or an empty) label
    :rtype: str or None
    """
    label = item.annotation
    if (label is None) or (label == ""):
        return None
    return label


def record_labels(item, label_key: str) -> List[str]:
    """
    Returns the labels of a record, one entry per occurrence:
    the label of an image classification record, the label of each object of an
    object detection record (from the object's metadata key), the label of each
    layer of an image segmentation record that has at least one pixel set
    (an all-zero layer is not present in the image).

    :param item: the record
    :param label_key: the metadata key of object detection objects that holds the label
    :type label_key: str
    :return: the labels, empty if the record has none
    :rtype: list
    :raises TypeError: for a record of another type
    """
    if isinstance(item, ImageClassificationData):
        label = classification_label(item)
        return [] if label is None else [label]
    if isinstance(item, ObjectDetectionData):
        if item.annotation is None:
            return []
        result = []
        for obj in item.annotation:
            if (obj.metadata is not None) and (label_key in obj.metadata):
                result.append(str(obj.metadata[label_key]))
        return result
    if isinstance(item, ImageSegmentationData):
        if item.annotation is None:
            return []
        return [label for label, layer in item.annotation.layers.items()
                if (layer is not None) and bool(np.any(layer))]
    raise TypeError("Unsupported record type: %s" % type(item).__name__)


COPY_FIELD = "balance_copy"
""" The metadata field that marks a copy made for oversampling: the copy number (1, 2, ...).
Originals do not get the field. """


def _name_from_source(item: ImageData) -> bool:
    """
    Whether idc would reset the record's name when the image is loaded: idc loads the
    image of a record that has neither bytes nor a decoded image from its source file,
    and then sets the name to the source file's name.
    """
    # idc keeps the bytes and the decoded image in these attributes; reading the image property would load it
    return (item._data is None) and (item._image is None) and (item.source is not None)


def _read_source(item: ImageData) -> bytes:
    """
    Reads the bytes of a record's source file.

    :raises BalanceError: if the file cannot be read
    """
    try:
        with open(item.source, "rb") as fp:
            return fp.read()
    except OSError as e:
        raise BalanceError("image '%s': cannot read: %s" % (item.source, e.strerror or e)) from e


def pin_name(item: ImageData):
    """
    Makes a renamed record's image name survive the filters after this one. idc loads
    the image of a record that only has a source file lazily, and when it does it resets
    the name to the source file's name: an escaped name would be undone by any later
    filter that looks at the image (augmentation, discard-invalid-images), and the
    record would overwrite a copy. With the file's bytes in the record, the image is
    loaded from them and the name stays. The source stays too, so writers still refuse
    to write over the input file.

    :param item: the record
    :type item: ImageData
    :raises BalanceError: if the source file cannot be read
    """
    if _name_from_source(item):
        # idc's data setter would drop the source
        item._data = _read_source(item)


def copy_record(item: ImageData, name: Optional[str], number: int, data: Optional[bytes] = None) -> ImageData:
    """
    Makes a copy of a record for oversampling: a real, independent record (idc's
    duplicate(), which shares the image bytes) with the given image name and the copy
    number in the metadata field COPY_FIELD.

    :param item: the original record
    :type item: ImageData
    :param name: the copy's image name (see :func:`idc.balance.core.copy_name`), None to keep the original's
    :type name: str
    :param number: the copy number, from 1
    :type number: int
    :param data: the image bytes for the copy when the original only has a source file (so that
                 the copy's name survives later filters, see :func:`pin_name`), None to share the original's
    :type data: bytes
    :return: the copy
    :rtype: ImageData
    """
    metadata = item.get_metadata()
    metadata = dict() if metadata is None else copy.deepcopy(metadata)
    metadata[COPY_FIELD] = number
    return item.duplicate(name=name, metadata=metadata, data=data)


class PendingCopies:
    """
    The copies of one record that are still to be output. They are made one at a time,
    when the pipeline asks for the next record, so a record with a million copies holds
    one copy in memory at a time, and making each costs the same.
    """
    __slots__ = ("item", "data", "prefix", "suffix", "number", "last")

    def __init__(self, item: ImageData, name: str, copies: int):
        """
        :param item: the original record
        :type item: ImageData
        :param name: the original's image name, before escaping
        :type name: str
        :param copies: how many copies to make, at least 1
        :type copies: int
        """
        self.item = item
        self.data = _read_source(item) if _name_from_source(item) else None
        """ the source file's bytes, shared by all copies (their names would not survive otherwise) """
        self.prefix, self.suffix = (None, None) if name is None else copy_name_parts(name)
        self.number = 0
        self.last = copies

    def next_copy(self) -> ImageData:
        """
        Makes the next copy.

        :return: the copy
        :rtype: ImageData
        """
        self.number += 1
        number = self.number
        return copy_record(self.item, None if self.prefix is None else "%s%d%s" % (self.prefix, number, self.suffix),
                           number, self.data)

    @property
    def done(self) -> bool:
        """
        Whether all copies have been made.
        """
        return self.number >= self.last


class NameEscaper:
    """
    Escapes the copy marker in the image names of the records that pass a filter that
    makes copies (see :mod:`idc.balance.core._copy_names`), and counts them.
    """

    def __init__(self):
        self.escaped = 0
        """ how many names were escaped """
        self.example: Optional[str] = None
        """ the first name that was escaped """

    def escape(self, item: ImageData, name: Optional[str] = None) -> Optional[str]:
        """
        Renames the record if its name contains the copy marker.

        :param item: the record
        :type item: ImageData
        :param name: the record's image name if already known, None to look it up
        :type name: str
        :return: the name before escaping (the one its copies are named after)
        :rtype: str
        """
        if name is None:
            name = item.image_name
        if (name is not None) and needs_escape(name):
            pin_name(item)
            item.image_name = escape_name(name)
            self.escaped += 1
            if self.example is None:
                self.example = name
        return name

    def warning(self) -> Optional[str]:
        """
        Describes the names that were escaped, None if none.

        :return: the warning
        :rtype: str
        """
        if self.escaped == 0:
            return None
        return ("%d input image name(s) contained the copy marker '%s' (e.g. written by an earlier oversampling run) "
                "and were written with it doubled, so that no copy can take their name: %r -> %r"
                % (self.escaped, COPY_MARKER, self.example, escape_name(self.example)))


DEFAULT_SPLIT_FIELD = "split"
""" The metadata field that holds a record's split: the one kasperl's split-records writes. """


MAX_SPLITS_SHOWN = 10
""" How many other split values a warning names at most. """


class SplitSelector:
    """
    Selects records by the split in their metadata (e.g. 'train'), and counts the
    records it does not select.
    """

    def __init__(self, field: str, names):
        """
        :param field: the metadata field that holds the split
        :type field: str
        :param names: the splits to select (one name or a list), None for any record that has the field
        :type names: list
        :raises BalanceError: for an empty field, an empty list of names or a name that is not a str
        """
        self.field = check_text("--split_field", field)
        checked = check_names("--split_names", names)
        self.names = None if checked is None else frozenset(checked)
        self.without_field = 0
        """ records that lack the field """
        self.other_splits = 0
        """ records of splits not in the names """
        self.selected: Dict[str, int] = dict()
        """ split -> records selected """
        self.others_seen: List[str] = []
        """ the first few other split values seen, for the warning about names that selected nothing """

    def select(self, item: ImageData) -> Optional[str]:
        """
        Returns the split of a selected record; None (and counts the record) if it is not selected.

        :param item: the record
        :type item: ImageData
        :return: the split, None if the record is not selected
        :rtype: str or None
        """
        split = record_split(item, self.field)
        if split is None:
            self.without_field += 1
        elif (self.names is not None) and (split not in self.names):
            self.other_splits += 1
            if (len(self.others_seen) < MAX_SPLITS_SHOWN) and (split not in self.others_seen):
                self.others_seen.append(split)
            split = None
        else:
            self.selected[split] = self.selected.get(split, 0) + 1
        return split

    def unused_names_warning(self) -> Optional[str]:
        """
        Describes the split names that selected no record, None if every name selected some.

        :return: the warning
        :rtype: str
        """
        if self.names is None:
            return None
        unused = sorted(name for name in self.names if name not in self.selected)
        if len(unused) == 0:
            return None
        seen = ", ".join(repr(s) for s in self.others_seen) if len(self.others_seen) > 0 else "none"
        return ("option --split_names: %s selected no record (split field '%s'; other values seen: %s; "
                "records without the field: %d)"
                % (", ".join(repr(n) for n in unused), self.field, seen, self.without_field))

    def summary_lines(self, what: str) -> List[str]:
        """
        Describes the records that were not selected.

        :param what: what happened to them, e.g. "passed through"
        :type what: str
        :return: the lines
        :rtype: list
        """
        return ["records of other splits (%s): %d" % (what, self.other_splits),
                "records without split field '%s' (%s): %d" % (self.field, what, self.without_field)]


def record_split(item: ImageData, field: str) -> Optional[str]:
    """
    Returns the split a record belongs to, from its metadata.

    :param item: the record
    :type item: ImageData
    :param field: the metadata field that holds the split
    :type field: str
    :return: the split name, None if the record has no such field
    :rtype: str or None
    """
    metadata = item.get_metadata()
    if (metadata is None) or (field not in metadata):
        return None
    return str(metadata[field])
