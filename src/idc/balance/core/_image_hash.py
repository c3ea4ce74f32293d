"""
Image hashes for finding duplicates: an exact hash of the decoded pixels (identical images,
whatever their encoding: byte copies, lossless re-encodings) and a 64-bit perceptual hash
(pHash: near duplicates, e.g. re-encoded, rescaled, brightened or slightly cropped copies,
are a few bits apart; different images about 32).

The perceptual hash decodes only what it needs: JPEG images are decoded at a reduced scale
(Pillow's draft mode, down to 1/8 of the size, not below the hash's input), then the
image is converted to grayscale, resized to 32x32, transformed with a 2D DCT, and each of the
8x8 lowest frequencies becomes a bit: 1 where it is above their median (as imagehash's phash).
"""
import hashlib
import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from ._errors import BalanceError

HASH_SIZE = 8
""" The perceptual hash has HASH_SIZE x HASH_SIZE bits. """

HASH_INPUT = 32
""" The side of the grayscale image the DCT transforms. """

HIGH_DEPTH_MODES = ("I", "F")
""" The starts of Pillow's modes of more than 8 bits per pixel (I, I;16, I;16B, ..., F). """

EXACT_DIGEST_BYTES = 16
""" The size of the exact hash (BLAKE2b), in bytes. """


def open_image(data: bytes, name: str) -> Image.Image:
    """
    Opens encoded image bytes.

    :param data: the encoded image
    :type data: bytes
    :param name: the image's name, for the error message
    :type name: str
    :return: the (lazily decoded) image
    :raises BalanceError: naming the image if the bytes are not an image Pillow reads
    """
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise BalanceError("image '%s': cannot be read: %s" % (name, e)) from None
    except UnidentifiedImageError:
        raise BalanceError("image '%s': cannot be read: not an image format Pillow knows (%d bytes)"
                           % (name, len(data))) from None
    except (OSError, SyntaxError, ValueError) as e:
        raise BalanceError("image '%s': cannot be read: %s" % (name, e)) from e


def perceptual_hash(image: Image.Image) -> int:
    """
    Computes the 64-bit perceptual hash of an image (see the module).

    :param image: the image (opened, not yet decoded: JPEG images are then decoded at a reduced scale)
    :type image: Image.Image
    :return: the hash, 0 to 2^64 - 1
    :rtype: int
    """
    image.draft("L", (HASH_INPUT, HASH_INPUT))
    # 16-bit and 32-bit images become floats: converting them to 8-bit grayscale would clip them, not scale them,
    # and the hash compares frequencies with their median, so the scale does not matter
    gray = image.convert("F") if image.mode.startswith(HIGH_DEPTH_MODES) else image.convert("L")
    small = gray.resize((HASH_INPUT, HASH_INPUT), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, dtype=np.float64)
    # the 8x8 lowest frequencies of the orthonormal 2D DCT-II, as two small matrix products
    low = (_DCT_ROWS @ pixels @ _DCT_ROWS.T).ravel()
    ordered = np.sort(low)
    median = (ordered[HASH_BITS_HALF - 1] + ordered[HASH_BITS_HALF]) / 2
    return int.from_bytes(np.packbits(low > median).tobytes(), "big")


def _dct_rows(size: int, count: int) -> np.ndarray:
    """
    Returns the first rows of the orthonormal DCT-II matrix (scipy.fft.dct(..., norm="ortho") as a matrix).

    :param size: the length of the transformed signal
    :type size: int
    :param count: how many rows (lowest frequencies)
    :type count: int
    """
    k = np.arange(count)[:, None]
    n = np.arange(size)[None, :]
    rows = np.sqrt(2.0 / size) * np.cos(np.pi * (2 * n + 1) * k / (2 * size))
    rows[0] /= np.sqrt(2.0)
    return rows


_DCT_ROWS = _dct_rows(HASH_INPUT, HASH_SIZE)

HASH_BITS_HALF = HASH_SIZE * HASH_SIZE // 2


def exact_hash(image: Image.Image) -> bytes:
    """
    Computes the exact hash of an image: a digest of its mode, size and decoded pixels, so
    that identical pixels give the same hash whatever the file format.

    :param image: the image
    :type image: Image.Image
    :return: the digest
    :rtype: bytes
    """
    digest = hashlib.blake2b(digest_size=EXACT_DIGEST_BYTES)
    digest.update(("%s %d %d|" % (image.mode, image.width, image.height)).encode("ascii"))
    digest.update(image.tobytes())
    return digest.digest()
