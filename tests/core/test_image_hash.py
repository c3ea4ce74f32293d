"""
Image hashes on real photographs shipped with scikit-learn (china.jpg, flower.jpg): the
exact hash is the same for a lossless re-encoding and differs for a changed pixel; the
perceptual hash is within a few bits for re-encoded, resized, brightened and blurred copies,
and about 32 bits apart between different images and distant crops.
"""
import io

import pytest
from PIL import Image, ImageEnhance, ImageFilter
from sklearn.datasets import load_sample_image

from idc.balance.core import BalanceError, exact_hash, hamming, open_image, perceptual_hash


def encoded(image, fmt, **kwargs):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def phash_of(image, fmt="JPEG", **kwargs):
    return perceptual_hash(open_image(encoded(image, fmt, **kwargs), "x"))


@pytest.fixture(scope="module")
def photos():
    return [Image.fromarray(load_sample_image(name)).crop((0, 0, 400, 400)) for name in ("china.jpg", "flower.jpg")]


def test_exact_hash(photos):
    png = open_image(encoded(photos[0], "PNG"), "a.png")
    bmp = open_image(encoded(photos[0], "BMP"), "a.bmp")
    assert exact_hash(png) == exact_hash(bmp)
    changed = photos[0].copy()
    changed.putpixel((0, 0), (0, 0, 0) if changed.getpixel((0, 0)) != (0, 0, 0) else (1, 1, 1))
    assert exact_hash(open_image(encoded(changed, "PNG"), "b.png")) != exact_hash(png)


def test_perceptual_hash_of_near_duplicates(photos):
    # near duplicates: at most 8 bits apart (below the default threshold, 10)
    for photo in photos:
        original = phash_of(photo, quality=95)
        variants = [phash_of(photo, quality=40), phash_of(photo, "PNG"),
                    phash_of(photo.resize((200, 200)), quality=90),
                    phash_of(ImageEnhance.Brightness(photo).enhance(1.2), quality=90),
                    phash_of(photo.filter(ImageFilter.GaussianBlur(1)), quality=90)]
        for variant in variants:
            assert hamming(original, variant) <= 8


def test_perceptual_hash_of_different_images(photos):
    # different photographs, and crops of one photograph that do not overlap, are far apart
    # (random 64-bit hashes are 32 +- 4 bits apart)
    assert hamming(phash_of(photos[0]), phash_of(photos[1])) >= 16
    china = Image.fromarray(load_sample_image("china.jpg"))
    assert hamming(phash_of(china.crop((0, 0, 200, 200))), phash_of(china.crop((400, 200, 600, 400)))) >= 16


def test_unreadable_bytes_name_the_image():
    with pytest.raises(BalanceError, match="image 'broken.jpg': cannot be read"):
        open_image(b"not an image", "broken.jpg")


def sixteen_bit(image):
    """ A 16-bit grayscale PNG of a photograph, with values well above 255 (as depth maps and medical images). """
    import numpy as np
    pixels = np.asarray(image.convert("L"), dtype=np.uint16) * 200 + 1000
    return encoded(Image.fromarray(pixels), "PNG")


def test_sixteen_bit_images_are_scaled_not_clipped():
    # converting I;16 to 8-bit grayscale clips at 255: every such image would hash alike
    china = Image.fromarray(load_sample_image("china.jpg"))
    crops = [china.crop((x, 0, x + 200, 200)) for x in (0, 220, 440)]
    hashes = [perceptual_hash(open_image(sixteen_bit(c), "c.png")) for c in crops]
    assert hamming(hashes[0], hashes[1]) >= 16 and hamming(hashes[1], hashes[2]) >= 16
    # and a 16-bit image hashes near its 8-bit version
    assert hamming(hashes[0], phash_of(crops[0].convert("L"), "PNG")) <= 8


def bomb_png(width: int, height: int) -> bytes:
    """ A tiny PNG whose header claims a huge size (a decompression bomb). """
    import struct
    import zlib
    data = bytearray(encoded(Image.new("1", (1, 1)), "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4:ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17:ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr:ihdr + 17])))
    return bytes(data)


def test_decompression_bombs_name_the_image():
    with pytest.raises(BalanceError, match="image 'bomb.png': cannot be read: .*decompression bomb"):
        open_image(bomb_png(100000, 100000), "bomb.png")


def test_perceptual_hash_is_phash(photos):
    # the matrix form of the DCT gives the bits of the textbook pHash (scipy's 2D DCT-II, 8x8 lowest
    # frequencies above their median), computed here from the same 32x32 grayscale image
    import numpy as np
    from scipy.fft import dctn
    china = Image.fromarray(load_sample_image("china.jpg"))
    images = photos + [china.crop((x, y, x + 160, y + 120)) for x in (0, 200, 400) for y in (0, 150, 300)]
    for image in images:
        data = encoded(image, "JPEG", quality=90)
        reference = open_image(data, "x")
        reference.draft("L", (32, 32))
        pixels = np.asarray(reference.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
        low = dctn(pixels, type=2, norm="ortho")[:8, :8].flatten()
        expected = int.from_bytes(np.packbits(low > np.median(low)).tobytes(), "big")
        assert perceptual_hash(open_image(data, "x")) == expected
