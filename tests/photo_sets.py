"""
Small test sets of real photographs (crops of scikit-learn's sample images china.jpg and
flower.jpg) with known near and exact duplicates, for the duplicate filters' tests.
"""
import io
from pathlib import Path
from typing import List, Tuple

from PIL import Image
from sklearn.datasets import load_sample_image

CROPS = [(0, 0, 200, 200), (220, 0, 420, 200), (440, 0, 640, 200), (0, 220, 200, 420), (220, 220, 420, 420)]

Entry = Tuple[str, str, bytes]
""" (file name, label, encoded image) """


def encoded(image: Image.Image, fmt: str = "JPEG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def photo_crops() -> List[Image.Image]:
    """ 10 distinct 200x200 crops: 5 of china.jpg, then 5 of flower.jpg. """
    result = []
    for name in ("china.jpg", "flower.jpg"):
        photo = Image.fromarray(load_sample_image(name))
        result.extend(photo.crop(box) for box in CROPS)
    return result


def duplicate_set(crops: List[Image.Image]) -> Tuple[List[Entry], List[Entry], List[Entry]]:
    """
    The 10 distinct crops (labels china, flower), then 4 near duplicates of some of them (one
    under another label: a label conflict) and 2 exact duplicates (a byte copy, a PNG of the
    decoded JPEG).
    """
    originals = [("crop%02d.jpg" % i, "china" if i < 5 else "flower", encoded(c, quality=90))
                 for i, c in enumerate(crops)]
    near = [("near0.jpg", "china", encoded(crops[0], quality=40)),
            ("near1.jpg", "china", encoded(crops[1].resize((120, 120)), quality=90)),
            ("near2.png", "flower", encoded(crops[6], "PNG")),
            ("near3.jpg", "other", encoded(crops[7], quality=60))]
    exact = [("copy2.jpg", "china", originals[2][2]),
             ("copy8.png", "flower", encoded(Image.open(io.BytesIO(originals[8][2])), "PNG"))]
    return originals, near, exact


def write_subdir(root: Path, entries: List[Entry]) -> Path:
    """ Writes entries in idc's sub-directory layout (one folder per label). """
    for name, label, payload in entries:
        (root / label).mkdir(parents=True, exist_ok=True)
        (root / label / name).write_bytes(payload)
    return root
