"""
The framework side of the records: which labels a record carries, and how a copy made
for oversampling is named and marked. This is the only place that knows how idc
stores labels and names in its data types.
"""
import os
from typing import Iterable, List, Optional

import numpy as np

from idc.balance.core import BalanceError
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


def copy_name(name: str, number: int) -> str:
    """
    Returns the image name of a copy: the copy number inserted before the extension,
    e.g. 'cat_17.jpg' -> 'cat_17-1.jpg', 'cat_17-2.jpg'.

    :param name: the name of the original
    :type name: str
    :param number: the copy number, from 1
    :type number: int
    :return: the name of the copy
    :rtype: str
    """
    stem, ext = os.path.splitext(name)
    return "%s-%d%s" % (stem, number, ext)


def copy_record(item: ImageData, number: int) -> ImageData:
    """
    Makes a copy of a record for oversampling: a real, independent record (idc's
    duplicate()) with a unique, deterministic image name and the copy number in the
    metadata field COPY_FIELD.

    :param item: the original record
    :type item: ImageData
    :param number: the copy number, from 1
    :type number: int
    :return: the copy
    :rtype: ImageData
    """
    result = item.duplicate(name=copy_name(item.image_name, number))
    metadata = result.get_metadata()
    if metadata is None:
        metadata = dict()
    metadata[COPY_FIELD] = number
    result.set_metadata(metadata)
    return result


DEFAULT_SPLIT_FIELD = "split"
""" The metadata field that holds a record's split: the one kasperl's split-records writes. """


class SplitSelector:
    """
    Selects records by the split in their metadata (e.g. 'train'), and counts the
    records it does not select.
    """

    def __init__(self, field: str, names: Optional[Iterable[str]]):
        """
        :param field: the metadata field that holds the split
        :type field: str
        :param names: the splits to select, None for any record that has the field
        :type names: list
        :raises BalanceError: for an empty field or an empty list of names
        """
        if (field is None) or (field == ""):
            raise BalanceError("option --split_field: must not be empty")
        self.field = field
        self.names = None if names is None else frozenset(str(n) for n in names)
        if (self.names is not None) and (len(self.names) == 0):
            raise BalanceError("option --split_names: give at least one split name")
        self.without_field = 0
        """ records that lack the field """
        self.other_splits = 0
        """ records of splits not in the names """

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
            split = None
        return split

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
