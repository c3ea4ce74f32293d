#!/usr/bin/env python3
"""Generate the small, deliberately imbalanced example dataset in ``data/``.

The dataset is an image-classification dataset in idc's "subdir" layout
(one sub-directory per label, the images inside it)::

    data/
      cat/cat_001.jpg ... cat_120.jpg           (120 images)
      coffee/coffee_001.jpg ... coffee_040.jpg  ( 40 images)
      rocket/rocket_001.jpg ... rocket_010.jpg  ( 10 images)

Every image is a random square crop of one of the sample photographs that are
bundled inside the scikit-image wheel (``skimage.data.chelsea``,
``skimage.data.coffee`` and ``skimage.data.rocket``), resized to 48x48 pixels
and saved as RGB JPEG. No image is downloaded: those three photographs ship
with scikit-image itself. See README.md next to this script for the source
and license of each photograph.

The output is deterministic: a fixed seed (``SEED``) drives a
``numpy.random.default_rng`` and labels are processed in a fixed order, so
running the script again reproduces the same crop positions.

Requirements
------------
scikit-image and Pillow. They are NOT dependencies of
image-dataset-converter-balance; install them in a separate, throwaway
virtual environment, e.g.::

    python3 -m venv /tmp/skvenv
    /tmp/skvenv/bin/pip install scikit-image pillow

Usage
-----
From the repository root::

    /tmp/skvenv/bin/python docs/example/make_example.py

This (re)creates ``docs/example/data/`` (existing ``*.jpg`` files in the label
directories are removed first). Use ``--output DIR`` to write elsewhere.
"""

import argparse
import os

import numpy as np
from PIL import Image
from skimage import data as skdata

SEED = 42
"""Seed of the random number generator that picks the crops."""

SIZE = 48
"""Width and height (pixels) of the output images."""

QUALITY = 75
"""JPEG quality of the output images."""

# label -> (skimage.data function name, number of images,
#           (min center y, max center y, min center x, max center x),
#           (min side, max side) of the square crop in source pixels)
# The center ranges keep the crops on the subject of each photograph
# (the cat's face, the cup/saucer, the rocket on its pad).
LABELS = {
    "cat": ("chelsea", 120, (80, 220, 100, 350), (80, 220)),
    "coffee": ("coffee", 40, (80, 300, 180, 420), (120, 300)),
    "rocket": ("rocket", 10, (160, 380, 300, 345), (90, 200)),
}


def random_crop(img, rng, center_box, side_range):
    """Return a random square crop of img (H x W x 3 uint8 array).

    :param img: the source image
    :param rng: the numpy random generator
    :param center_box: (y0, y1, x0, x1) range for the crop center
    :param side_range: (min, max) side length of the crop in pixels
    :return: the crop as array
    """
    h, w = img.shape[:2]
    side = int(rng.integers(side_range[0], side_range[1] + 1))
    side = min(side, h, w)
    cy = int(rng.integers(center_box[0], center_box[1] + 1))
    cx = int(rng.integers(center_box[2], center_box[3] + 1))
    y0 = min(max(cy - side // 2, 0), h - side)
    x0 = min(max(cx - side // 2, 0), w - side)
    return img[y0:y0 + side, x0:x0 + side]


def main():
    default_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=default_out,
                        help="output directory (default: %(default)s)")
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    for label, (source, count, center_box, side_range) in LABELS.items():
        img = getattr(skdata, source)()
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError("expected an RGB image from skimage.data.%s" % source)
        out_dir = os.path.join(args.output, label)
        os.makedirs(out_dir, exist_ok=True)
        for name in os.listdir(out_dir):
            if name.endswith(".jpg"):
                os.remove(os.path.join(out_dir, name))
        for i in range(1, count + 1):
            crop = random_crop(img, rng, center_box, side_range)
            pil = Image.fromarray(crop).convert("RGB").resize((SIZE, SIZE), Image.LANCZOS)
            pil.save(os.path.join(out_dir, "%s_%03d.jpg" % (label, i)),
                     format="JPEG", quality=QUALITY, optimize=True)
        print("%s: %d images from skimage.data.%s" % (label, count, source))


if __name__ == "__main__":
    main()
