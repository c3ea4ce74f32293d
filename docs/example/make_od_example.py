#!/usr/bin/env python3
"""Generate the small, long-tailed object-detection example dataset in od/.

The dataset uses idc's OPEX format: one PNG image plus one JSON file with the
same stem per image. Read it with:

    idc-convert from-opex-od -i 'docs/example/od/*.json' ...

Layout:

    od/od_0001.png, od/od_0001.json ... od/od_0200.png, od/od_0200.json

Every image is a 32x32 RGB PNG drawn with Pillow: a plain background colour
plus one filled rectangle per object, in a fixed colour per class. Each JSON
file holds the objects of its image (label, bounding box, the box as a
4-point polygon, score 1.0, empty meta). Nothing is downloaded; the images
are synthetic.

How the labels are chosen (per image, images 1 to 190):

- person, car, dog and bicycle: one independent Bernoulli draw each, with
  the probabilities in CLASS_PROBS.
- bus, horse, boat and kite (RARE_CLASSES): one independent Bernoulli draw
  each as well; if the image got at least one of them, whether it also holds
  a person is decided by a new draw with probability P_PERSON_WITH_RARE
  (instead of the person draw above). So most images of the rare classes
  also show a person.
- If the draws give no class at all, one class is drawn with probability
  proportional to CLASS_PROBS, so that every one of these images holds at
  least one object.
- An image holds at most MAX_OBJECTS objects. If more classes were drawn,
  the most frequent ones are dropped. If there is room, each class present
  gets a second object with probability P_SECOND_OBJECT.

Images 191 to 200 (the last N_NEGATIVES) have no objects (negatives).

The output is deterministic: a fixed seed (SEED) drives a single
numpy.random.default_rng, and the images are made in order. SEED was
picked so that the counts come close to the target shares (see SEED). The
script checks that every class occurs in at least MIN_IMAGES_PER_CLASS
images and that exactly N_NEGATIVES images have no objects, and stops with
an error otherwise.

Requirements: numpy and Pillow (both in the project's development venv).

Usage, from the repository root:

    .venv/bin/python docs/example/make_od_example.py

This (re)creates docs/example/od/ (existing *.png and *.json files in it are
removed first). Use --output DIR to write elsewhere.
"""

import argparse
import json
import os
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image, ImageDraw

SEED = 268
"""Seed of the random number generator.

Picked once, by hand, among the seeds 0 to 999: with it, the per-class image
counts come closest to the target shares in CLASS_PROBS (relative to all
N_IMAGES images), the classes stay in the order of CLASS_PROBS and 80-85% of
the images with a rare class also hold a person.
"""

N_IMAGES = 200
"""Total number of images, negatives included."""

N_NEGATIVES = 10
"""Number of images without objects; these are the last images."""

SIZE = 32
"""Width and height (pixels) of the images."""

MAX_OBJECTS = 4
"""Maximum number of objects in one image."""

P_PERSON_WITH_RARE = 0.85
"""Probability that an image with a rare class also holds a person."""

P_SECOND_OBJECT = 0.2
"""Probability that a class present in an image gets a second object."""

MIN_IMAGES_PER_CLASS = 4
"""Every class must occur in at least this many images."""

MIN_BOX = 5
"""Minimum width and height (pixels) of an object's rectangle."""

MAX_BOX = 14
"""Maximum width and height (pixels) of an object's rectangle."""

SCORE = 1.0
"""Score written for every object (ground truth annotations)."""

TIMESTAMP = "20250101_000000.000000"
"""Fixed timestamp written to every JSON file (idc's OPEX timestamp format)."""

FILE_PREFIX = "od_"
"""Prefix of the file names: od_0001.png, od_0001.json, ..."""

JSON_INDENT = 2
"""Indentation of the JSON files."""

BACKGROUND_RANGE = (150, 236)
"""Range (low, high exclusive) of each channel of the background colour."""

CLASS_PROBS: Dict[str, float] = {
    "person": 0.65,
    "car": 0.35,
    "dog": 0.15,
    "bicycle": 0.10,
    "bus": 0.06,
    "horse": 0.04,
    "boat": 0.03,
    "kite": 0.025,
}
"""Per-image probability of each class, most frequent class first."""

RARE_CLASSES: Tuple[str, ...] = ("bus", "horse", "boat", "kite")
"""Classes whose images usually also show a person."""

PERSON = "person"
"""The label of the class that co-occurs with the rare classes."""

CLASS_COLORS: Dict[str, Tuple[int, int, int]] = {
    "person": (220, 20, 60),
    "car": (0, 0, 142),
    "dog": (160, 82, 45),
    "bicycle": (0, 128, 0),
    "bus": (255, 140, 0),
    "horse": (75, 0, 130),
    "boat": (0, 139, 139),
    "kite": (255, 20, 147),
}
"""Fill colour (RGB) of the rectangles of each class."""


def draw_classes(rng: np.random.Generator) -> List[str]:
    """Draw the set of classes of one non-negative image.

    Returns the classes, in the order of CLASS_PROBS, each at most once.
    """
    names = list(CLASS_PROBS)
    probs = np.array([CLASS_PROBS[name] for name in names])
    present = dict(zip(names, rng.random(len(names)) < probs))
    if any(present[name] for name in RARE_CLASSES):
        present[PERSON] = bool(rng.random() < P_PERSON_WITH_RARE)
    classes = [name for name in names if present[name]]
    if len(classes) == 0:
        classes = [str(rng.choice(names, p=probs / probs.sum()))]
    # too many classes: drop the most frequent ones (CLASS_PROBS is sorted)
    return classes[len(classes) - MAX_OBJECTS:] if len(classes) > MAX_OBJECTS else classes


def add_second_objects(classes: List[str], rng: np.random.Generator) -> List[str]:
    """Return the object labels of an image: the classes, some of them twice.

    A class gets a second object with probability P_SECOND_OBJECT as long as
    the image holds fewer than MAX_OBJECTS objects.
    """
    labels = list(classes)
    for name in classes:
        if rng.random() < P_SECOND_OBJECT and len(labels) < MAX_OBJECTS:
            labels.append(name)
    return labels


def random_box(rng: np.random.Generator) -> Tuple[int, int, int, int]:
    """Return a random rectangle (left, top, right, bottom), corners inclusive."""
    width = int(rng.integers(MIN_BOX, MAX_BOX + 1))
    height = int(rng.integers(MIN_BOX, MAX_BOX + 1))
    left = int(rng.integers(0, SIZE - width + 1))
    top = int(rng.integers(0, SIZE - height + 1))
    return left, top, left + width - 1, top + height - 1


def make_object(label: str, box: Tuple[int, int, int, int]) -> Dict:
    """Return the OPEX dictionary of one object."""
    left, top, right, bottom = box
    return {
        "score": SCORE,
        "label": label,
        "bbox": {"left": left, "top": top, "right": right, "bottom": bottom},
        "polygon": {"points": [[left, top], [right, top], [right, bottom], [left, bottom]]},
        "meta": {},
    }


def make_image(labels: List[str], rng: np.random.Generator) -> Tuple[Image.Image, List[Dict]]:
    """Draw one image and return it together with its OPEX objects."""
    low, high = BACKGROUND_RANGE
    background = tuple(int(v) for v in rng.integers(low, high, size=3))
    img = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(img)
    objects = []
    for label in labels:
        box = random_box(rng)
        draw.rectangle(box, fill=CLASS_COLORS[label])
        objects.append(make_object(label, box))
    return img, objects


def clear_output(out_dir: str) -> None:
    """Create out_dir if needed and remove the *.png and *.json files in it."""
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if name.endswith(".png") or name.endswith(".json"):
            os.remove(os.path.join(out_dir, name))


def check_counts(image_counts: Dict[str, int], n_negatives: int) -> None:
    """Raise a RuntimeError if a class is too rare or the negatives are wrong."""
    rare = [name for name, count in image_counts.items() if count < MIN_IMAGES_PER_CLASS]
    if rare:
        raise RuntimeError("classes in fewer than %d images: %s (change SEED)"
                           % (MIN_IMAGES_PER_CLASS, ", ".join(rare)))
    if n_negatives != N_NEGATIVES:
        raise RuntimeError("expected %d negatives, got %d" % (N_NEGATIVES, n_negatives))


def main() -> None:
    """Parse the options and write the dataset."""
    default_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "od")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", metavar="DIR", default=default_out,
                        help="output directory (default: %(default)s)")
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    image_counts = {name: 0 for name in CLASS_PROBS}
    object_counts = {name: 0 for name in CLASS_PROBS}
    n_negatives = 0
    records = []
    for index in range(1, N_IMAGES + 1):
        if index > N_IMAGES - N_NEGATIVES:
            labels = []
        else:
            labels = add_second_objects(draw_classes(rng), rng)
        img, objects = make_image(labels, rng)
        stem = "%s%04d" % (FILE_PREFIX, index)
        records.append((stem, img, objects))
        for name in set(labels):
            image_counts[name] += 1
        for name in labels:
            object_counts[name] += 1
        if len(labels) == 0:
            n_negatives += 1
    check_counts(image_counts, n_negatives)

    clear_output(args.output)
    for stem, img, objects in records:
        img.save(os.path.join(args.output, stem + ".png"), format="PNG", optimize=True)
        preds = {"id": stem, "timestamp": TIMESTAMP, "objects": objects}
        with open(os.path.join(args.output, stem + ".json"), "w") as fp:
            json.dump(preds, fp, indent=JSON_INDENT)
            fp.write("\n")

    print("%d images (%d without objects) in %s" % (N_IMAGES, n_negatives, args.output))
    print("%-8s %6s %7s" % ("class", "images", "objects"))
    for name in CLASS_PROBS:
        print("%-8s %6d %7d" % (name, image_counts[name], object_counts[name]))


if __name__ == "__main__":
    main()
