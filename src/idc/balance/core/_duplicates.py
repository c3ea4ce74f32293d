"""
Finding duplicates in a stream: each image is hashed (exactly or perceptually, see
_image_hash.py) and compared with the images kept so far; the first image of every group
is kept, a later one within the threshold of a kept one is its duplicate. Memory per kept
image: its hash and a reference to its name.
"""
import numbers
from typing import Dict, List, Optional, Tuple

from PIL import Image

from ._errors import BalanceError
from ._hash_index import HammingIndex, MAX_RADIUS
from ._image_hash import exact_hash, open_image, perceptual_hash

HASH_EXACT = "exact"
HASH_PERCEPTUAL = "perceptual"
HASH_TYPES = [HASH_EXACT, HASH_PERCEPTUAL]
DEFAULT_HASH = HASH_PERCEPTUAL

DEFAULT_THRESHOLD = 10
""" The largest Hamming distance (of 64 bits) at which two perceptual hashes count as duplicates: the lowest at which
precision >= 0.99 and recall >= 0.97 on tests/benchmarks/dedup_quality.py's set of 201 crops of 20 photographs x 22 transforms
with 422 hard negatives (precision 0.9995, recall 0.974; imagededup's PHash and imagehash's phash at the same
threshold: 0.999/0.974 and 1.000/0.974). Every hash has 32 bits set, so distances are even: 11 decides as 10. """


def check_threshold_bits(value) -> int:
    """
    Checks a duplicate threshold: a whole number of bits from 0 to MAX_RADIUS.

    :raises BalanceError: naming the option
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not (0 <= value <= MAX_RADIUS):
        raise BalanceError("option --threshold: %r is not a whole number of bits from 0 to %d" % (value, MAX_RADIUS))
    return int(value)


def check_hash_threshold(hash_type: str, threshold: Optional[int]):
    """
    Checks a threshold given with a hash type: refused with -t exact (identical pixels have no distance).

    :param hash_type: HASH_EXACT or HASH_PERCEPTUAL
    :type hash_type: str
    :param threshold: the threshold, None if not given
    :type threshold: int
    :raises BalanceError: naming the option
    """
    if threshold is None:
        return
    check_threshold_bits(threshold)
    if hash_type == HASH_EXACT:
        raise BalanceError("option --threshold: applies only to -t %s (-t %s finds identical pixels)"
                           % (HASH_PERCEPTUAL, HASH_EXACT))


class DuplicateFinder:
    """
    Decides for each image whether it duplicates an image kept earlier (see the module).
    """

    def __init__(self, hash_type: str = DEFAULT_HASH, threshold: int = DEFAULT_THRESHOLD):
        """
        :param hash_type: HASH_EXACT or HASH_PERCEPTUAL
        :type hash_type: str
        :param threshold: perceptual: the largest distance in bits that counts as a duplicate
        :type threshold: int
        """
        if hash_type not in HASH_TYPES:
            raise BalanceError("option -t/--hash: '%s' is not one of %s" % (hash_type, ", ".join(HASH_TYPES)))
        self.hash_type = hash_type
        self.threshold = check_threshold_bits(threshold)
        self._index = HammingIndex(self.threshold) if hash_type == HASH_PERCEPTUAL else None
        self._exact: Dict[bytes, int] = dict()
        self._names: List[str] = []

    def hash(self, data: bytes, name: str):
        """
        Hashes an image.

        :param data: the encoded image
        :type data: bytes
        :param name: its name, for the error message
        :type name: str
        :return: the hash: an int (perceptual) or bytes (exact)
        :raises BalanceError: naming the image if it cannot be decoded
        """
        image = open_image(data, name)
        try:
            if self._index is None:
                return exact_hash(image)
            return perceptual_hash(image)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
            raise BalanceError("image '%s': cannot be decoded: %s" % (name, e)) from e

    def match(self, value) -> Optional[Tuple[int, int]]:
        """
        Finds the kept image a hash duplicates: the nearest within the threshold, the earlier of equally near ones.

        :param value: the hash
        :return: the kept image's number (0, 1, ... in the order of keeping) and the distance, None if none
        :rtype: tuple
        """
        if self._index is None:
            found = self._exact.get(value)
            return None if found is None else (found, 0)
        matches = self._index.search(value)
        if len(matches) == 0:
            return None
        found, distance = min(matches, key=lambda m: (m[1], m[0]))
        return found, distance

    def keep(self, value, name) -> int:
        """
        Keeps an image: later ones are compared with it.

        :param value: its hash
        :param name: its name (or any reference to it, returned by kept_names)
        :return: its number among the kept images
        :rtype: int
        """
        number = len(self._names)
        if self._index is None:
            self._exact[value] = number
        else:
            self._index.add(value)
        self._names.append(name)
        return number

    def check(self, data: bytes, name: str) -> Optional[Tuple[str, int]]:
        """
        Hashes an image and compares it with the images kept so far; a new image is kept.

        :param data: the encoded image
        :type data: bytes
        :param name: its name (how a duplicate refers to it)
        :type name: str
        :return: the name of the kept image it duplicates and their distance (0 for exact), None if it is new
        :rtype: tuple
        :raises BalanceError: naming the image if it cannot be decoded
        """
        value = self.hash(data, name)
        found = self.match(value)
        if found is not None:
            return self._names[found[0]], found[1]
        self.keep(value, name)
        return None

    @property
    def kept_names(self) -> List:
        """
        The names the kept images were kept under, in the order of keeping.
        """
        return self._names

    @property
    def kept(self) -> int:
        """
        How many distinct images were kept.
        """
        return len(self._names)
