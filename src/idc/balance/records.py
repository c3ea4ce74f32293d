"""
The framework side of the records: which labels a record carries, and how a copy made
for oversampling is named and marked. This is the only place that knows how idc
stores labels and names in its data types.
"""
import copy
import io
import os
from typing import Dict, List, Optional

import numpy as np

from idc.balance.core import BalanceError, COPY_MARKER, check_names, check_text, copy_name_parts, escape_name, needs_escape
from PIL import Image
from idc.api import jpeg_quality, ImageData, ImageClassificationData, ObjectDetectionData, ImageSegmentationData


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
        return object_labels(item, label_key)
    if isinstance(item, ImageSegmentationData):
        return layer_labels(item)
    raise TypeError("Unsupported record type: %s" % type(item).__name__)


def object_labels(item: ObjectDetectionData, label_key: str) -> List[str]:
    """
    Returns the labels of the objects of an object detection record that have the label
    key in their metadata, one entry per object.

    :param item: the record
    :type item: ObjectDetectionData
    :param label_key: the metadata key of the objects that holds the label
    :type label_key: str
    :return: the labels, empty if the record has none
    :rtype: list
    """
    if item.annotation is None:
        return []
    result = []
    for obj in item.annotation:
        metadata = obj.metadata
        if (metadata is not None) and (label_key in metadata):
            result.append(str(metadata[label_key]))
    return result


def layer_labels(item: ImageSegmentationData, label_key: Optional[str] = None) -> List[str]:
    """
    Returns the labels of the layers of an image segmentation record that have at least
    one pixel set.

    :param item: the record
    :type item: ImageSegmentationData
    :param label_key: not used (the signature of :func:`object_labels`)
    :type label_key: str
    :return: the labels, empty if the record has none
    :rtype: list
    """
    if item.annotation is None:
        return []
    return [label for label, layer in item.annotation.layers.items() if (layer is not None) and bool(np.any(layer))]


def objects_without_label(item, label_key: str) -> int:
    """
    Returns how many objects of an object detection record lack the label key in their
    metadata (they are not counted by :func:`record_labels`); 0 for other records.

    :param item: the record
    :param label_key: the metadata key of object detection objects that holds the label
    :type label_key: str
    :return: the number of objects without label
    :rtype: int
    """
    if (not isinstance(item, ObjectDetectionData)) or (item.annotation is None):
        return 0
    return sum(1 for obj in item.annotation if (obj.metadata is None) or (label_key not in obj.metadata))


COPY_FIELD = "balance_copy"
""" The metadata field that marks a copy made for oversampling: the copy number (1, 2, ...).
Originals get the field (0) only when marked (see :func:`mark_original`). """
MARK_ORIGINALS_HELP = "Also give every record that is not a copy the metadata field '%s' with value 0, so that " \
                      "copies can be told apart downstream, e.g. augmented alone with sub-process -f '...' " \
                      "--field %s --comparison ge --value 1 (the framework's conditional filters apply their " \
                      "sub-flow to a record without metadata)." % (COPY_FIELD, COPY_FIELD)
""" The help of --mark_originals (balance-labels-ic, -od, -is). """


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


def written_bytes(item: ImageData) -> Optional[bytes]:
    """
    Returns the bytes that idc's writers would write for the record (ImageData.save_image):
    its source file's when it has no bytes of its own and the file exists (even if an
    earlier filter decoded the image), else its decoded image encoded as save_image
    encodes it (the format of the name's extension, idc's JPEG quality only for JPEG
    images), else its bytes. None if there are none, or the name's extension has no format.

    :raises BalanceError: if the source cannot be read or the image cannot be encoded
    """
    # idc keeps the bytes and the decoded image in these attributes; reading the image property would load
    # the image and reset the record's name to its source file's name
    if (item._data is None) and (item.source is not None) and os.path.exists(item.source):
        return _read_source(item)
    if item._image is not None:
        image_format = Image.registered_extensions().get(os.path.splitext(item.image_name or "")[1].lower())
        if image_format is None:
            return None
        buffer = io.BytesIO()
        try:
            if item._image.format == "JPEG":
                item._image.save(buffer, format=image_format, quality=jpeg_quality())
            else:
                item._image.save(buffer, format=image_format)
        except (OSError, ValueError, KeyError) as e:
            raise BalanceError("image '%s': cannot encode as %s: %s" % (item.image_name, image_format, e)) from e
        return buffer.getvalue()
    if item._data is not None:
        return item._data
    if item.source is not None:
        return _read_source(item)
    return None


IMAGE_SIGNATURES = [
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"BM", "BMP"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
]
""" The leading bytes of the image formats idc writes, and their Pillow names. """


def _image_format(data: bytes) -> Optional[str]:
    """
    Returns the format of encoded image bytes from their first bytes (what idc checks
    too; a full header parse would cost more than making the copies), None if unknown.
    """
    for signature, name in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return name
    if (data[:4] == b"RIFF") and (data[8:12] == b"WEBP"):
        return "WEBP"
    return None


class RecordSnapshot:
    """
    What the copies of a record (and its renamed stand-in) are made from, taken once,
    when the record is decided: the bytes a writer would write for it, their format (and
    size, where idc can tell it), and its metadata and annotation. Copies made later from the snapshot are the
    record as it was then, whatever later filters do to the original in place, and all
    of them share the same bytes (never a decoded image each). A copy's source is the
    file of its own name in the original's folder: idc's writers refuse to write a
    record over its source file, so writing the output into the input folder cannot
    overwrite an input image that has that name. With bytes of its own, a copy keeps its
    name when a later filter loads the image (idc resets the name of a record whose image
    it loads from the source file).
    """
    __slots__ = ("item", "data", "image_format", "image_size", "metadata", "annotation", "folder")

    def __init__(self, item: ImageData):
        """
        :param item: the record
        :type item: ImageData
        :raises BalanceError: if the image cannot be read or encoded
        """
        self.item = item
        self.data = written_bytes(item)
        self.image_format = None if self.data is None else _image_format(self.data)
        self.image_size = item._image_size
        if (self.image_size is None) and (item._data is None) and (item.source is not None):
            # idc reads the size from the file's header (from bytes it cannot: imagesize.get(bytes) gives -1, -1)
            self.image_size = item.image_size
        self.metadata = copy.deepcopy(item.get_metadata())
        self.annotation = copy.deepcopy(item.annotation)
        self.folder = None if item.source is None else os.path.dirname(item.source)

    def record(self, name: Optional[str], number: Optional[int] = None, last: bool = True) -> ImageData:
        """
        Makes a new record from the snapshot.

        :param name: its image name, None to keep the original's
        :type name: str
        :param number: the copy number (stored in the metadata field COPY_FIELD), None for a renamed stand-in
        :type number: int
        :param last: whether no more records are made from the snapshot (the last one gets the snapshot's own
                     metadata and annotation instead of copies of them)
        :type last: bool
        :return: the record
        :rtype: ImageData
        """
        metadata = self.metadata if last else copy.deepcopy(self.metadata)
        annotation = self.annotation if last else copy.deepcopy(self.annotation)
        if number is not None:
            if metadata is None:
                metadata = dict()
            metadata[COPY_FIELD] = number
        if self.data is None:
            # nothing to share (no image, or a decoded image whose name has no format): idc's own copy
            return self.item.duplicate(name=name, metadata=metadata, annotation=annotation)
        source = None
        if (self.folder is not None) and (name is not None) and (self.image_format is not None):
            source = os.path.join(self.folder, name)
        return type(self.item)(source=source, image_name=name, data=self.data, image=None,
                               image_format=self.image_format, image_size=self.image_size, metadata=metadata,
                               annotation=annotation)


ORIGINAL_NUMBER = 0
""" The copy number (metadata field COPY_FIELD) an original gets when originals are marked (--mark_originals). """


def mark_original(item: ImageData) -> ImageData:
    """
    Returns the original to output in a run that marks originals: a new record like the
    input whose metadata has COPY_FIELD = ORIGINAL_NUMBER (0). The framework's conditional
    filters (sub-process, tee with --field) apply their sub-flow to a record without
    metadata and fail on metadata without the field, so copies can only be told apart
    from originals downstream when both carry it. The input record is never changed
    (other branches of the pipeline may hold it).

    :param item: the original record
    :type item: ImageData
    :return: the marked record
    :rtype: ImageData
    :raises BalanceError: if the image cannot be read or encoded
    """
    return RecordSnapshot(item).record(item.image_name, ORIGINAL_NUMBER)


MAX_NAME_BYTES = 255
""" The longest file name (in bytes) that common file systems allow. """


class PendingCopies:
    """
    The copies of one record that are still to be output. They are made one at a time,
    when the pipeline asks for the next record, so that in a plain pipeline a record
    with a million copies holds one copy in memory at a time. Every copy costs the same
    and holds little (see :class:`RecordSnapshot`), which matters where the framework
    does hold all copies of a record at once (seppl's MultiFilter, which idc-convert uses
    for two or more filters).
    """
    __slots__ = ("snapshot", "prefix", "suffix", "number", "last")

    def __init__(self, item: ImageData, name: Optional[str], copies: int, snapshot: Optional[RecordSnapshot] = None):
        """
        :param item: the original record
        :type item: ImageData
        :param name: the original's image name, before escaping
        :type name: str
        :param copies: how many copies to make, at least 1
        :type copies: int
        :param snapshot: the original's snapshot if already taken (see :func:`marked_outputs`), None to take it
        :type snapshot: RecordSnapshot
        :raises BalanceError: if the image cannot be read or encoded, or the copies' names are too long
        """
        self.prefix, self.suffix = (None, None) if name is None else copy_name_parts(name)
        if name is not None:
            longest = "%s%d%s" % (self.prefix, copies, self.suffix)
            if len(os.fsencode(longest)) > MAX_NAME_BYTES:
                raise BalanceError("image '%s': its copies' names (e.g. '%s') would be longer than the %d bytes file "
                                   "systems allow for a file name" % (name, longest, MAX_NAME_BYTES))
        self.snapshot = RecordSnapshot(item) if snapshot is None else snapshot
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
        return self.snapshot.record(None if self.prefix is None else "%s%d%s" % (self.prefix, number, self.suffix),
                                    number, number >= self.last)

    @property
    def done(self) -> bool:
        """
        Whether all copies have been made.
        """
        return self.number >= self.last


def marked_outputs(item: ImageData, name: Optional[str], emitted: int) -> List:
    """
    Returns what a kept record outputs in a run that marks originals: the marked original
    (see :func:`mark_original`), then its pending copies if it has any, made from one
    snapshot, so that the image is read once.

    :param item: the original record
    :type item: ImageData
    :param name: the original's image name before escaping (for the copies' names)
    :type name: str
    :param emitted: how many times the record is output, itself included (at least 1)
    :type emitted: int
    :return: the marked original, and the pending copies if emitted > 1
    :rtype: list
    :raises BalanceError: if the image cannot be read or encoded, or the copies' names are too long
    """
    snapshot = RecordSnapshot(item)
    result = [snapshot.record(item.image_name, ORIGINAL_NUMBER, last=emitted <= 1)]
    if emitted > 1:
        result.append(PendingCopies(item, name, emitted - 1, snapshot))
    return result


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

    def escape(self, item: ImageData, name: Optional[str] = None) -> ImageData:
        """
        Returns the record to output in place of the input: the input itself if its name
        has no copy marker, else a new record with the escaped name (see
        :class:`RecordSnapshot`); the input record is never changed (other branches of
        the pipeline may hold it).

        :param item: the record
        :type item: ImageData
        :param name: the record's image name if already known, None to look it up
        :type name: str
        :return: the record to output
        :rtype: ImageData
        """
        if name is None:
            name = item.image_name
        if (name is None) or not needs_escape(name):
            return item
        self.escaped += 1
        if self.example is None:
            self.example = name
        return RecordSnapshot(item).record(escape_name(name))

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
