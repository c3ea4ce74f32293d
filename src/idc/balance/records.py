"""
The framework side of the records: which labels a record carries, and how a copy made
for oversampling is named and marked. This is the only place that knows how idc
stores labels and names in its data types.
"""
import os
from typing import List, Optional

import numpy as np

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
