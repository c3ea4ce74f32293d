"""
Signatures of multi-label images (object detection, image segmentation): the set of
distinct labels an image carries. Images with the same signature are interchangeable
for counting images per label, so a whole dataset is summarised by how many images
carry each signature (and, per signature, how many objects of each label they hold).
This module counts signatures and reads and writes the signatures file, a versioned
JSON format of its own:

    {"format": "idc-balance/signatures", "version": 1, "images": 130,
     "signatures": [{"labels": ["car", "person"], "images": 120, "objects": {"car": 300, "person": 150}},
                    {"labels": [], "images": 10, "objects": {}}]}

Labels within a signature are sorted and distinct; signatures are sorted by their
labels; "images" at the top is the sum over the signatures.
"""
import json
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

from ._counts import MAX_COUNT
from ._errors import BalanceError
from ._label_files import read_json_file

FORMAT_SIGNATURES = "idc-balance/signatures"
""" The format name of signatures files. """

SIGNATURES_VERSION = 1
""" The version of the signatures format written and read. """

SIGNATURES_FILE = "signatures file"
""" How signatures files are named in error messages. """

MAX_SIGNATURES = 1000000
""" The most signatures a signatures file may hold. """

MAX_SIGNATURES_FILE_BYTES = 256 * 1024 * 1024
""" The largest signatures file read (a COCO-sized set of 150,000 images has about 140,000 signatures, 30 MB). """

INDENTED_SIGNATURES = 10000
""" Signatures files with up to this many signatures are written indented; larger ones compact (half the size). """

Signature = Tuple[str, ...]
""" The sorted, distinct labels of an image. """


def signature_of(labels: Iterable[str]) -> Signature:
    """
    Returns the signature of an image: its distinct labels, sorted.

    :param labels: the labels of the image's objects (or layers), with repeats
    :type labels: iterable
    :return: the signature
    :rtype: tuple
    """
    return tuple(sorted(set(labels)))


class SignatureCounter:
    """
    Counts images per signature and objects per label within each signature. Memory
    grows with the number of distinct signatures, not the number of images.
    """

    def __init__(self):
        self._images: Dict[Signature, int] = dict()
        self._objects: Dict[Signature, Dict[str, int]] = dict()

    def add(self, labels: List[str]) -> Signature:
        """
        Counts one image.

        :param labels: the labels of its objects (or layers), one entry per object
        :type labels: list
        :return: the image's signature
        :rtype: tuple
        """
        signature = signature_of(labels)
        self._images[signature] = self._images.get(signature, 0) + 1
        objects = self._objects.get(signature)
        if objects is None:
            objects = self._objects[signature] = dict()
        for label in labels:
            objects[label] = objects.get(label, 0) + 1
        return signature

    def images(self) -> Dict[Signature, int]:
        """
        Returns the number of images per signature, sorted by signature.

        :return: signature -> images
        :rtype: dict
        """
        return {signature: self._images[signature] for signature in sorted(self._images)}

    def objects(self) -> Dict[Signature, Dict[str, int]]:
        """
        Returns the number of objects per label per signature, sorted.

        :return: signature -> (label -> objects)
        :rtype: dict
        """
        return {signature: {label: self._objects[signature][label] for label in sorted(self._objects[signature])}
                for signature in sorted(self._objects)}


def signatures_json(images: Mapping[Signature, int], objects: Mapping[Signature, Mapping[str, int]]) -> str:
    """
    Formats signature counts as a signatures file.

    :param images: signature -> images
    :type images: dict
    :param objects: signature -> (label -> objects)
    :type objects: dict
    :return: the JSON text, ending with a newline
    :rtype: str
    """
    entries = [{"labels": list(signature), "images": images[signature],
                "objects": dict(sorted(objects.get(signature, dict()).items()))}
               for signature in sorted(images)]
    indent = 2 if len(entries) <= INDENTED_SIGNATURES else None
    return json.dumps({"format": FORMAT_SIGNATURES, "version": SIGNATURES_VERSION,
                       "images": sum(images.values()), "signatures": entries}, indent=indent) + "\n"


def _whole(path: str, where: str, value, maximum: int = MAX_COUNT) -> int:
    """
    Checks a whole number of a signatures file.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise BalanceError("%s '%s': %s: %s is not a whole number" % (SIGNATURES_FILE, path, where, json.dumps(value)))
    if (value < 0) or (value > maximum):
        raise BalanceError("%s '%s': %s: %d is outside [0, %d]" % (SIGNATURES_FILE, path, where, value, maximum))
    return value


def _signature(path: str, index: int, entry) -> Tuple[Signature, int, Dict[str, int]]:
    """
    Checks one entry of the signatures list.
    """
    where = "signature %d" % index
    if not isinstance(entry, dict):
        raise BalanceError("%s '%s': %s: expected an object" % (SIGNATURES_FILE, path, where))
    missing = [key for key in ("labels", "images", "objects") if key not in entry]
    if len(missing) > 0:
        raise BalanceError("%s '%s': %s: missing %s" % (SIGNATURES_FILE, path, where, ", ".join(missing)))
    labels = entry["labels"]
    if (not isinstance(labels, list)) or not all(isinstance(label, str) for label in labels):
        raise BalanceError("%s '%s': %s: labels must be a list of texts" % (SIGNATURES_FILE, path, where))
    if labels != sorted(set(labels)):
        raise BalanceError("%s '%s': %s: labels %s must be sorted and distinct" % (SIGNATURES_FILE, path, where,
                                                                                 json.dumps(labels)))
    images = _whole(path, where + ": images", entry["images"])
    objects = entry["objects"]
    if not isinstance(objects, dict):
        raise BalanceError("%s '%s': %s: objects must be an object (label -> number)" % (SIGNATURES_FILE, path, where))
    strangers = sorted(label for label in objects if label not in labels)
    if len(strangers) > 0:
        raise BalanceError("%s '%s': %s: objects of labels not in the signature: %s"
                           % (SIGNATURES_FILE, path, where, ", ".join(repr(label) for label in strangers)))
    checked = {label: _whole(path, "%s: objects of '%s'" % (where, label), number)
               for label, number in objects.items()}
    return tuple(labels), images, checked


def read_signatures(path: str) -> Tuple[Dict[Signature, int], Dict[Signature, Dict[str, int]]]:
    """
    Reads and validates a signatures file.

    :param path: the file
    :type path: str
    :return: signature -> images, and signature -> (label -> objects)
    :rtype: tuple
    :raises BalanceError: naming the file and the problem: unreadable, invalid JSON, another
                          format or version, a malformed or repeated signature, counts that do
                          not add up
    """
    data = read_json_file(path, SIGNATURES_FILE, MAX_SIGNATURES_FILE_BYTES)
    if (not isinstance(data, dict)) or (data.get("format") != FORMAT_SIGNATURES):
        found = data.get("format") if isinstance(data, dict) else None
        raise BalanceError("%s '%s': not a signatures file (expected format '%s'%s; write it with: label-dist -t "
                           "signatures)" % (SIGNATURES_FILE, path, FORMAT_SIGNATURES,
                                            "" if found is None else ", found %s" % json.dumps(found)))
    version = data.get("version")
    if (type(version) is not int) or (version != SIGNATURES_VERSION):
        raise BalanceError("%s '%s': version %s is not supported (this version reads %d)"
                           % (SIGNATURES_FILE, path, json.dumps(data.get("version")), SIGNATURES_VERSION))
    entries = data.get("signatures")
    if not isinstance(entries, list):
        raise BalanceError("%s '%s': signatures must be a list" % (SIGNATURES_FILE, path))
    if len(entries) > MAX_SIGNATURES:
        raise BalanceError("%s '%s': %d signatures, more than the %d a signatures file may hold"
                           % (SIGNATURES_FILE, path, len(entries), MAX_SIGNATURES))
    images: Dict[Signature, int] = dict()
    objects: Dict[Signature, Dict[str, int]] = dict()
    for index, entry in enumerate(entries):
        signature, count, counts = _signature(path, index, entry)
        if signature in images:
            raise BalanceError("%s '%s': signature %d: %s appears more than once"
                               % (SIGNATURES_FILE, path, index, json.dumps(list(signature))))
        images[signature] = count
        objects[signature] = counts
    total = _whole(path, "images", data.get("images"), MAX_COUNT)
    if total != sum(images.values()):
        raise BalanceError("%s '%s': images is %d, but the signatures add up to %d"
                           % (SIGNATURES_FILE, path, total, sum(images.values())))
    return images, objects


def sum_signatures(paths: Sequence[str]) -> Tuple[Dict[Signature, int], List[Dict[Signature, int]]]:
    """
    Reads several signatures files (of shards of one dataset, say) and adds up their images per
    signature: signatures files are mergeable, as counts files are.

    :param paths: the files
    :type paths: list
    :return: signature -> images over all files, and each file's signature -> images, in the order of the files
    :rtype: tuple
    :raises BalanceError: naming the file for any invalid file
    """
    each = [read_signatures(path)[0] for path in paths]
    total: Dict[Signature, int] = dict()
    for images in each:
        for signature, count in images.items():
            total[signature] = total.get(signature, 0) + count
    for signature, count in total.items():
        if count > MAX_COUNT:
            raise BalanceError("%ss %s: signature %s: the images add up to %d, more than %d"
                               % (SIGNATURES_FILE, ", ".join("'%s'" % p for p in paths),
                                  json.dumps(list(signature)), count, MAX_COUNT))
    return total, each
