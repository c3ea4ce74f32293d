"""
Measurement (not a test): precision and recall of remove-duplicates' decisions (the core's
DuplicateFinder) per transform and threshold, on a set built from scikit-learn's sample
photographs: distinct 96x96 crops on a grid (originals; plain ones left out), known transforms of each (near and
exact duplicates), and hard negatives (crops overlapping an original by half, which are NOT
duplicates). The stream is: originals, then the transformed copies, then the hard negatives.
Precision: removed images that truly duplicate a kept one; recall: removed / removable.

    uv run python tests/benchmarks/dedup_quality.py [--thresholds 4 6 8 10 12]
"""
import argparse
import io
from typing import Callable, Dict, List, Tuple

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter
from sklearn.datasets import load_sample_image

from idc.balance.core import DuplicateFinder

SIZE = 96
SEED = 11
MIN_STD = 20.0
""" Crops whose pixels vary less (plain background, e.g. flower.jpg's black corners) are left out: they are
duplicates of one another in fact, which would blur what the figures say. """


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def noisy(image: Image.Image, sigma: float, rng) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float64) + rng.normal(0, sigma, (image.height, image.width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def transforms(rng) -> Dict[str, Callable[[Image.Image, bytes], bytes]]:
    return {
        "byte copy": lambda im, data: data,
        "png": lambda im, data: png(Image.open(io.BytesIO(data))),
        "jpeg q30": lambda im, data: jpeg(im, 30),
        "rescale 0.5": lambda im, data: jpeg(im.resize((SIZE // 2, SIZE // 2), Image.Resampling.LANCZOS)),
        "resize 120x80": lambda im, data: jpeg(im.resize((120, 80), Image.Resampling.LANCZOS)),
        "brightness 1.3": lambda im, data: jpeg(ImageEnhance.Brightness(im).enhance(1.3)),
        "contrast 1.3": lambda im, data: jpeg(ImageEnhance.Contrast(im).enhance(1.3)),
        "crop 5%": lambda im, data: jpeg(im.crop((5, 5, SIZE - 5, SIZE - 5))),
        "noise 5": lambda im, data: jpeg(noisy(im, 5.0, rng)),
        "blur 1.5": lambda im, data: jpeg(im.filter(ImageFilter.GaussianBlur(1.5))),
        "resize + q50": lambda im, data: jpeg(im.resize((72, 72), Image.Resampling.LANCZOS), 50),
    }


def build() -> Tuple[List[Tuple[str, bytes]], List[Tuple[str, str, bytes]], List[bytes]]:
    rng = np.random.default_rng(SEED)
    originals, copies, negatives = [], [], []
    funcs = transforms(rng)
    for name in ("china.jpg", "flower.jpg"):
        photo = Image.fromarray(load_sample_image(name))
        for top in range(0, photo.height - SIZE + 1 - SIZE // 2, SIZE):
            for left in range(0, photo.width - SIZE + 1 - SIZE // 2, SIZE):
                crop = photo.crop((left, top, left + SIZE, top + SIZE))
                if np.asarray(crop.convert("L"), dtype=np.float64).std() < MIN_STD:
                    continue
                data = jpeg(crop)
                key = "%s@%d,%d" % (name, left, top)
                originals.append((key, data))
                for transform, f in funcs.items():
                    copies.append((key, transform, f(crop, data)))
                shifted = photo.crop((left + SIZE // 2, top + SIZE // 2, left + SIZE + SIZE // 2, top + SIZE + SIZE // 2))
                negatives.append(jpeg(shifted))
    return originals, copies, negatives


def measure(threshold: int, originals, copies, negatives, hash_type: str = "perceptual") -> Dict[str, Tuple[int, int, int]]:
    finder = DuplicateFinder(hash_type, threshold)
    false_removed = 0
    for key, data in originals:
        if finder.check(data, key) is not None:
            false_removed += 1
    per_transform: Dict[str, List[int]] = dict()
    for key, transform, data in copies:
        found = finder.check(data, "%s %s" % (key, transform))
        counts = per_transform.setdefault(transform, [0, 0, 0])  # removable, removed correctly, removed wrongly
        counts[0] += 1
        if found is not None:
            if found[0] == key:
                counts[1] += 1
            else:
                counts[2] += 1
    negatives_removed = sum(1 for i, data in enumerate(negatives) if finder.check(data, "negative %d" % i) is not None)
    per_transform["(originals)"] = [0, 0, false_removed]
    per_transform["(hard negatives)"] = [0, 0, negatives_removed]
    return per_transform


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--thresholds", type=int, nargs="+", default=[4, 6, 8, 10, 12])
    args = parser.parse_args()
    originals, copies, negatives = build()
    print("%d originals (%dx%d crops), %d transformed copies, %d hard negatives (half-overlapping crops)"
          % (len(originals), SIZE, SIZE, len(copies), len(negatives)))
    for threshold in args.thresholds:
        result = measure(threshold, originals, copies, negatives)
        removable = sum(v[0] for v in result.values())
        right = sum(v[1] for v in result.values())
        wrong = sum(v[2] for v in result.values())
        precision = right / (right + wrong) if right + wrong > 0 else 1.0
        print("threshold %2d: precision %.3f, recall %.3f (removed %d of %d removable; %d wrongly: originals %d, "
              "hard negatives %d)" % (threshold, precision, right / removable, right, removable, wrong,
                                      result["(originals)"][2], result["(hard negatives)"][2]))
        print("    recall per transform: " + ", ".join("%s %.2f" % (t, v[1] / v[0]) for t, v in result.items()
                                                       if v[0] > 0))
    exact = measure(0, originals, copies, negatives, "exact")
    print("exact: removed per transform: " + ", ".join("%s %d/%d%s" % (t, v[1], v[0], "" if v[2] == 0 else
                                                                         " (+%d wrongly)" % v[2])
                                                      for t, v in exact.items() if v[0] > 0))


if __name__ == "__main__":
    main()
