"""
Measurement (not a test): precision and recall of remove-duplicates' decisions (the core's
DuplicateFinder, perceptual and exact) per transform and threshold, compared with
imagehash's phash, imagededup's PHash and an experimental "dual" variant of our hash, on
the same images in the same stream with the same keep-first semantics.

The set: real photographs that ship inside installable packages, scikit-learn's two sample
images and, where scikit-image is importable, the photographs in its wheel (skimage.data,
those that load without a download). Each photograph gives distinct SIZE x SIZE crops on a
grid (the originals; plain crops, whose grey levels vary less than MIN_STD, left out; at most
MAX_PER_PHOTO per photograph, evenly spread, so that a large photograph does not dominate),
stored alternately as JPEG (quality 90) and PNG. Each original gets known transforms (near
and exact duplicates: byte copy, lossless PNG re-encoding, JPEG re-encoding and quality,
rescaling, aspect change, brightness, contrast, crops of 2% and 5% per side, noise, blur and
combinations) and three hard negatives: crops of the same photograph shifted by half a side
right, down and diagonally (they overlap the original and its neighbours by half a side,
and are NOT duplicates).

The stream is: the originals, then the transformed copies, then the hard negatives (then the
crop probes, below); the first
image of every group is kept, a later one within the threshold of a kept one is removed
(as the nearest kept one's duplicate, ties to the earliest). A removal is right when the kept
image it duplicates comes from the same original (the original or a kept copy of it).
Precision: right removals / all removals; recall: right removals / copies (all removable:
their original comes first); wrong removals are originals, copies matched to another
original, and hard negatives.

Our hash is measured through DuplicateFinder itself (decoding the bytes as remove-duplicates
does); the other hashes are computed from the same bytes and run through a keep-first stream
that is checked to give DuplicateFinder's decisions on our hash. The "dual" experiment (not in
the core): each image also gets the hash of its central 90% (5% cut per side, then our
perceptual_hash); two images count as duplicates if the least distance over the
combinations full/full, full/centre, centre/full (and centre/centre in the 4-way variant) is
within the threshold. Since the 5% crop cuts as many pixels as the centre region, crop probes
that it does not match pixel for pixel (3% and 8% per side, 5% off two sides, 8% off the other
two) come at the very end of the stream, where they change no other decision, and are
reported apart from the overall figures.

Figures are per threshold; where every hash has the same number of bits set (a median split),
distances are even and an odd threshold decides as the even one below it (the output checks).

Optional packages: without scikit-image only scikit-learn's two photographs are used; without
imagehash or imagededup their comparison is left out; the output says which. imagededup is
used only for its hashing module (its package __init__ imports torch for its CNN method, so
when torch is missing the hashing module is loaded on its own).

Run with the project's venv (scikit-learn's photographs only, no comparisons; about 10 s):

    .venv/bin/python tests/benchmarks/dedup_quality.py [--thresholds 4 6 8 10 12] [--size 128]

Full run in a scratch venv (the project's core needs only numpy, scipy and Pillow, so it runs
from the source tree; imagededup without its dependencies, which pull torch):

    uv venv -p 3.11 /tmp/dedupq/venv
    uv pip install --python /tmp/dedupq/venv/bin/python numpy scipy pillow scikit-learn scikit-image imagehash tqdm
    uv pip install --python /tmp/dedupq/venv/bin/python --no-deps imagededup
    PYTHONPATH=src /tmp/dedupq/venv/bin/python tests/benchmarks/dedup_quality.py   # about 1 minute
"""
import argparse
import importlib.util
import io
import os
import sys
import time
import types
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter
from sklearn.datasets import load_sample_image

from idc.balance.core import DuplicateFinder, perceptual_hash

SIZE = 128
""" The side of the crops (originals), in pixels. """
SEED = 11
MIN_STD = 20.0
""" Crops whose pixels vary less (plain background, e.g. flower.jpg's black corners) are left out: they are
duplicates of one another in fact, which would blur what the figures say. """
MAX_PER_PHOTO = 16
""" At most this many originals per photograph, evenly spread over its grid. """
CENTRE_CUT = 0.05
""" The dual experiment's centre region: this fraction cut on each side. """
THRESHOLDS = list(range(4, 15))

SKIMAGE_PHOTOS = ["astronaut", "camera", "chelsea", "coffee", "coins", "rocket", "hubble_deep_field",
                  "immunohistochemistry", "retina", "moon", "clock", "cell", "page", "text", "brick", "grass",
                  "gravel", "stereo_motorcycle"]
""" The photographs in scikit-image's wheel that load without a download (skimage.data.cat is chelsea again, so
it is not listed; stereo_motorcycle: its left image only, the right one is nearly the same picture). """


# ---------------------------------------------------------------------------------------------- optional packages

def load_photos() -> Tuple[Dict[str, np.ndarray], str]:
    photos = {name: load_sample_image(name) for name in ("china.jpg", "flower.jpg")}
    try:
        import skimage
        import skimage.data
    except ImportError as e:
        return photos, "scikit-image not importable (%s): scikit-learn's 2 photographs only" % e
    missing = []
    for name in SKIMAGE_PHOTOS:
        try:
            array = getattr(skimage.data, name)()
        except Exception as e:  # a photograph that needs a download (pooch) or is absent from this version
            missing.append("%s (%s)" % (name, type(e).__name__))
            continue
        if name == "stereo_motorcycle":
            array = array[0]
        photos["skimage." + name] = array
    note = "scikit-learn's 2 photographs and %d of scikit-image %s's" % (len(photos) - 2, skimage.__version__)
    if missing:
        note += "; not loaded: " + ", ".join(missing)
    return photos, note


def load_imagededup_phash():
    """
    Returns imagededup's PHash class and a note, or None and why not. Only imagededup.methods.hashing is loaded:
    when torch is missing, the packages imagededup.methods and imagededup.utils are registered without running their
    __init__ (which import the CNN method, torch and matplotlib).
    """
    if importlib.util.find_spec("imagededup") is None:
        return None, "imagededup not installed"
    try:
        import imagededup
        if importlib.util.find_spec("torch") is None:
            base = os.path.dirname(imagededup.__file__)
            for sub in ("methods", "utils"):
                name = "imagededup." + sub
                if name not in sys.modules:
                    package = types.ModuleType(name)
                    package.__path__ = [os.path.join(base, sub)]
                    sys.modules[name] = package
        from imagededup.methods.hashing import PHash
    except Exception as e:
        return None, "imagededup's hashing module not importable (%s: %s)" % (type(e).__name__, e)
    return PHash, "imagededup %s" % getattr(imagededup, "__version__", "?")


# ---------------------------------------------------------------------------------------------- the set

def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def decoded(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def noisy(image: Image.Image, sigma: float, rng) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float64) + rng.normal(0, sigma, (image.height, image.width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def scaled(image: Image.Image, fx: float, fy: Optional[float] = None) -> Image.Image:
    fy = fx if fy is None else fy
    return image.resize((round(image.width * fx), round(image.height * fy)), Image.Resampling.LANCZOS)


def cropped(image: Image.Image, fraction: float) -> Image.Image:
    cut = max(1, round(image.width * fraction))
    return image.crop((cut, cut, image.width - cut, image.height - cut))


def enhanced(image: Image.Image, kind, factor: float) -> Image.Image:
    return kind(image).enhance(factor)


EXACT_TRANSFORMS = ["byte copy", "png (lossless)"]
""" The transforms that keep the decoded pixels: exact mode must remove all of them. """


def transforms(size: int, rng) -> Dict[str, Callable[[Image.Image, bytes], bytes]]:
    """
    The transforms: each takes the original's pixels (before its encoding) and its encoded bytes.
    """
    c2, c5 = max(1, round(size * 0.02)), max(1, round(size * 0.05))
    return {
        "byte copy": lambda im, data: data,
        "png (lossless)": lambda im, data: png(decoded(data)),
        "jpeg q90 re-encode": lambda im, data: jpeg(decoded(data), 90),
        "jpeg q50": lambda im, data: jpeg(im, 50),
        "jpeg q30": lambda im, data: jpeg(im, 30),
        "rescale 0.5": lambda im, data: jpeg(scaled(im, 0.5)),
        "rescale 1.5": lambda im, data: jpeg(scaled(im, 1.5)),
        "resize 1.25x0.83": lambda im, data: jpeg(scaled(im, 1.25, 5 / 6)),
        "brightness 1.3": lambda im, data: jpeg(enhanced(im, ImageEnhance.Brightness, 1.3)),
        "brightness 0.75": lambda im, data: jpeg(enhanced(im, ImageEnhance.Brightness, 0.75)),
        "contrast 1.3": lambda im, data: jpeg(enhanced(im, ImageEnhance.Contrast, 1.3)),
        "contrast 0.75": lambda im, data: jpeg(enhanced(im, ImageEnhance.Contrast, 0.75)),
        "crop 2%% (%dpx)" % c2: lambda im, data: jpeg(cropped(im, 0.02)),
        "crop 5%% (%dpx)" % c5: lambda im, data: jpeg(cropped(im, 0.05)),
        "noise 5": lambda im, data: jpeg(noisy(im, 5.0, rng)),
        "noise 10": lambda im, data: jpeg(noisy(im, 10.0, rng)),
        "blur 1.5": lambda im, data: jpeg(im.filter(ImageFilter.GaussianBlur(1.5))),
        "blur 3": lambda im, data: jpeg(im.filter(ImageFilter.GaussianBlur(3))),
        "rescale 0.75 + q50": lambda im, data: jpeg(scaled(im, 0.75), 50),
        "crop 2% + bright 1.2 + q75": lambda im, data: jpeg(enhanced(cropped(im, 0.02), ImageEnhance.Brightness, 1.2),
                                                          75),
        "rescale 0.5 + noise 5 + q70": lambda im, data: jpeg(noisy(scaled(im, 0.5), 5.0, rng), 70),
        "blur 1.5 + contrast 1.2 + q60": lambda im, data: jpeg(enhanced(im.filter(ImageFilter.GaussianBlur(1.5)),
                                                                        ImageEnhance.Contrast, 1.2), 60),
    }


PROBE = "probe: "
""" The kinds of the crop probes: copies at the very end of the stream (after the hard negatives, so that they change
none of the other decisions), outside the overall figures. They check the dual experiment on crops that its centre
region does not match pixel for pixel (the 5% crop above cuts as many pixels as the centre region does). """


def probes(size: int) -> Dict[str, Callable[[Image.Image, bytes], bytes]]:
    c3, c5, c8 = (max(1, round(size * f)) for f in (0.03, 0.05, 0.08))
    return {
        PROBE + "crop 3%% (%dpx)" % c3: lambda im, data: jpeg(cropped(im, 0.03)),
        PROBE + "crop 8%% (%dpx)" % c8: lambda im, data: jpeg(cropped(im, 0.08)),
        PROBE + "crop 5%% left+top (%dpx)" % c5: lambda im, data: jpeg(im.crop((c5, c5, im.width, im.height))),
        PROBE + "crop 8%% right+bottom (%dpx)" % c8: lambda im, data: jpeg(im.crop((0, 0, im.width - c8,
                                                                                    im.height - c8))),
    }


NEGATIVE_SHIFTS = {"negative: shifted right": (1, 0), "negative: shifted down": (0, 1),
                   "negative: shifted diagonally": (1, 1)}


class Item:
    """ One image of the stream: its name, the original it comes from (None: a hard negative), its kind (original,
    a transform or a negative kind) and its bytes. """
    __slots__ = ("name", "group", "kind", "data")

    def __init__(self, name: str, group: Optional[str], kind: str, data: bytes):
        self.name, self.group, self.kind, self.data = name, group, kind, data


def plain(image: Image.Image) -> bool:
    return np.asarray(image.convert("L"), dtype=np.float64).std() < MIN_STD


def build(photos: Dict[str, np.ndarray], size: int, max_per_photo: int) -> Tuple[List[Item], List[str]]:
    """
    Returns the stream (originals, copies, hard negatives, crop probes) and the transforms' names (probes last).
    """
    rng = np.random.default_rng(SEED)
    funcs = transforms(size, rng)
    probe_funcs = probes(size)
    originals, copies, negatives, probe_copies = [], [], [], []
    for photo_name, array in photos.items():
        photo = Image.fromarray(array).convert("RGB")
        boxes = [(left, top, left + size, top + size)
                 for top in range(0, photo.height - size + 1, size)
                 for left in range(0, photo.width - size + 1, size)]
        boxes = [box for box in boxes if not plain(photo.crop(box))]
        if len(boxes) > max_per_photo:
            boxes = [boxes[i] for i in np.unique(np.linspace(0, len(boxes) - 1, max_per_photo).round().astype(int))]
        negative_boxes = set()
        for box in boxes:
            crop = photo.crop(box)
            data = jpeg(crop) if len(originals) % 2 == 0 else png(crop)
            key = "%s@%d,%d" % (photo_name, box[0], box[1])
            originals.append(Item(key, key, "original", data))
            for transform, f in funcs.items():
                copies.append(Item("%s %s" % (key, transform), key, transform, f(crop, data)))
            for transform, f in probe_funcs.items():
                probe_copies.append(Item("%s %s" % (key, transform), key, transform, f(crop, data)))
            for kind, (dx, dy) in NEGATIVE_SHIFTS.items():
                # half a side right/down, or left/up where the photograph ends
                left, top = box[0] + dx * size // 2, box[1] + dy * size // 2
                if left + size > photo.width:
                    left = box[0] - dx * size // 2
                if top + size > photo.height:
                    top = box[1] - dy * size // 2
                shifted_box = (left, top, left + size, top + size)
                if shifted_box in negative_boxes:
                    continue
                shifted = photo.crop(shifted_box)
                if plain(shifted):
                    continue
                negative_boxes.add(shifted_box)
                negatives.append(Item("%s@%d,%d" % (photo_name, left, top), None, kind, jpeg(shifted)))
    return originals + copies + negatives + probe_copies, list(funcs) + list(probe_funcs)


# ---------------------------------------------------------------------------------------------- hashes and the stream

def our_hash(data: bytes) -> int:
    return perceptual_hash(Image.open(io.BytesIO(data)))


def centre_hash(data: bytes) -> int:
    image = Image.open(io.BytesIO(data))
    cut_x, cut_y = round(image.width * CENTRE_CUT), round(image.height * CENTRE_CUT)
    return perceptual_hash(image.crop((cut_x, cut_y, image.width - cut_x, image.height - cut_y)))


def imagehash_phash(data: bytes) -> int:
    import imagehash
    return int(str(imagehash.phash(Image.open(io.BytesIO(data)))), 16)


def imagededup_hasher(phash_class) -> Callable[[bytes], int]:
    encoder = phash_class(verbose=False)

    def f(data: bytes) -> int:
        # as its encode_image(image_file=...) loads a file: RGB, then its preprocessing (32x32 LANCZOS, grey)
        return int(encoder.encode_image(image_array=np.asarray(decoded(data))), 16)
    return f


def rows_for(pairs: List[Tuple[np.ndarray, np.ndarray]]) -> List[np.ndarray]:
    """
    Per image i, the least Hamming distance to each image before it over the (query, stored) hash arrays given.
    """
    n = len(pairs[0][0])
    rows = []
    for i in range(n):
        row = None
        for query, stored in pairs:
            d = np.bitwise_count(stored[:i] ^ query[i]).astype(np.uint8)
            row = d if row is None else np.minimum(row, d)
        rows.append(row)
    return rows


def keep_first(rows: List[np.ndarray], threshold: int) -> List[Optional[int]]:
    """
    The keep-first stream on precomputed distances: per image, the index of the kept image it duplicates (the nearest,
    ties to the earliest) or None if it is kept.
    """
    kept = np.zeros(0, dtype=np.int64)
    kept_list = []
    result = []
    for i, row in enumerate(rows):
        if len(kept_list) != len(kept):
            kept = np.array(kept_list, dtype=np.int64)
        if len(kept) > 0:
            d = row[kept]
            j = int(np.argmin(d))
            if d[j] <= threshold:
                result.append(int(kept[j]))
                continue
        kept_list.append(i)
        result.append(None)
    return result


def finder_decisions(items: List[Item], hash_type: str, threshold: int) -> List[Optional[int]]:
    """
    DuplicateFinder's decisions, as indices of the kept image each removed one duplicates.
    """
    finder = DuplicateFinder(hash_type, threshold)
    index = {item.name: i for i, item in enumerate(items)}
    assert len(index) == len(items), "names are not unique"
    result = []
    for item in items:
        found = finder.check(item.data, item.name)
        result.append(None if found is None else index[found[0]])
    return result


class Figures:
    def __init__(self, items: List[Item], decisions: List[Optional[int]]):
        self.per_kind: Dict[str, List[int]] = dict()  # kind: [images, removed right, removed wrongly]
        for item, found in zip(items, decisions):
            counts = self.per_kind.setdefault(item.kind, [0, 0, 0])
            counts[0] += 1
            if found is not None:
                if item.group is not None and items[found].group == item.group:
                    counts[1] += 1
                else:
                    counts[2] += 1
        main = {k: v for k, v in self.per_kind.items() if not k.startswith(PROBE)}
        self.right = sum(v[1] for v in main.values())
        self.wrong = sum(v[2] for v in main.values())
        self.removable = sum(v[0] for k, v in main.items() if k != "original" and not k.startswith("negative"))
        self.probes_wrong = sum(v[2] for k, v in self.per_kind.items() if k.startswith(PROBE))
        self.precision = self.right / (self.right + self.wrong) if self.right + self.wrong > 0 else 1.0
        self.recall = self.right / self.removable
        self.originals_removed = self.per_kind["original"][2]
        self.negatives = sum(v[0] for k, v in self.per_kind.items() if k.startswith("negative"))
        self.negatives_removed = sum(v[2] for k, v in self.per_kind.items() if k.startswith("negative"))
        self.copies_misattributed = self.wrong - self.originals_removed - self.negatives_removed

    def kind_recall(self, kind: str) -> float:
        v = self.per_kind[kind]
        return v[1] / v[0]


# ---------------------------------------------------------------------------------------------- report

def print_table(title: str, figures: Dict[int, Figures], transform_names: List[str]):
    thresholds = sorted(figures)
    width = max(len(t) for t in transform_names + list(NEGATIVE_SHIFTS)) + 2
    print()
    print(title)
    print("  %-*s" % (width, "threshold") + "".join("%7d" % t for t in thresholds))
    print("  %-*s" % (width, "precision") + "".join("%7.3f" % figures[t].precision for t in thresholds))
    print("  %-*s" % (width, "recall") + "".join("%7.3f" % figures[t].recall for t in thresholds))
    print("  %-*s" % (width, "removed right (of %d)" % figures[thresholds[0]].removable) +
          "".join("%7d" % figures[t].right for t in thresholds))
    print("  %-*s" % (width, "removed wrongly:") + "".join("%7d" % figures[t].wrong for t in thresholds))
    print("  %-*s" % (width, "  originals") + "".join("%7d" % figures[t].originals_removed for t in thresholds))
    for kind in NEGATIVE_SHIFTS:
        print("  %-*s" % (width, "  " + kind.replace("negative: ", "neg. ")) +
              "".join("%7d" % figures[t].per_kind.get(kind, [0, 0, 0])[2] for t in thresholds))
    print("  %-*s" % (width, "  copies of another") + "".join("%7d" % figures[t].copies_misattributed
                                                              for t in thresholds))
    print("  recall per transform:")
    for kind in transform_names:
        if kind.startswith(PROBE) and not transform_names[transform_names.index(kind) - 1].startswith(PROBE):
            print("  crop probes (at the stream's end, not in the figures above):")
            print("  %-*s" % (width, "  removed wrongly") +
                  "".join("%7d" % figures[t].probes_wrong for t in thresholds))
        print("  %-*s" % (width, "  " + kind) + "".join("%7.3f" % figures[t].kind_recall(kind) for t in thresholds))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--thresholds", type=int, nargs="+", default=THRESHOLDS)
    parser.add_argument("--size", type=int, default=SIZE, help="the side of the crops (originals)")
    parser.add_argument("--max-per-photo", type=int, default=MAX_PER_PHOTO)
    args = parser.parse_args()
    start = time.perf_counter()

    photos, photos_note = load_photos()
    items, transform_names = build(photos, args.size, args.max_per_photo)
    originals = sum(1 for item in items if item.kind == "original")
    copies = sum(1 for item in items if item.group is not None and item.kind not in ("original",) and
                 not item.kind.startswith(PROBE))
    probe_count = sum(1 for item in items if item.kind.startswith(PROBE))
    negatives = sum(1 for item in items if item.group is None)
    print("photographs: %s" % photos_note)
    print("%d originals (%dx%d crops, %d photographs, at most %d each; alternately JPEG q90 and PNG), "
          "%d transformed copies (%d transforms), %d hard negatives (crops shifted by half a side); then %d crop "
          "probes (%d kinds, outside the overall figures)"
          % (originals, args.size, args.size, len(photos), args.max_per_photo, copies,
             len(transform_names) - len(probes(args.size)), negatives, probe_count, len(probes(args.size))))
    print("per photograph: " + ", ".join("%s %d" % (name, sum(1 for item in items if item.kind == "original" and
                                                               item.name.startswith(name + "@")))
                                         for name in photos))

    # the hashes, once per method
    methods: Dict[str, List[Tuple[np.ndarray, np.ndarray]]] = dict()
    ours = np.array([our_hash(item.data) for item in items], dtype=np.uint64)
    centre = np.array([centre_hash(item.data) for item in items], dtype=np.uint64)
    notes = []
    try:
        import imagehash
        methods["imagehash.phash %s" % getattr(imagehash, "__version__", "")] = \
            [(np.array([imagehash_phash(item.data) for item in items], dtype=np.uint64),) * 2]
    except ImportError as e:
        notes.append("imagehash not importable (%s): its comparison left out" % e)
    phash_class, note = load_imagededup_phash()
    if phash_class is None:
        notes.append(note + ": its comparison left out")
    else:
        f = imagededup_hasher(phash_class)
        methods["%s PHash" % note] = [(np.array([f(item.data) for item in items], dtype=np.uint64),) * 2]
    methods["dual (ours + centre 90%: full/full, full/centre, centre/full)"] = \
        [(ours, ours), (ours, centre), (centre, ours)]
    methods["dual, 4-way (+ centre/centre)"] = [(ours, ours), (ours, centre), (centre, ours), (centre, centre)]
    for n in notes:
        print(n)

    # ours: DuplicateFinder itself, checked against the keep-first stream used for the others
    our_rows = rows_for([(ours, ours)])
    figures: Dict[str, Dict[int, Figures]] = dict()
    ours_name = "ours: DuplicateFinder, perceptual (idc.balance.core)"
    figures[ours_name] = dict()
    for t in args.thresholds:
        decisions = finder_decisions(items, "perceptual", t)
        assert decisions == keep_first(our_rows, t), "the keep-first stream differs from DuplicateFinder at %d" % t
        figures[ours_name][t] = Figures(items, decisions)
    for name, pairs in methods.items():
        rows = rows_for(pairs)
        figures[name] = {t: Figures(items, keep_first(rows, t)) for t in args.thresholds}

    for name, per_threshold in figures.items():
        print_table(name, per_threshold, transform_names)

    print()
    print("bits set per hash (where every hash has the same number of bits set, two hashes are an even distance "
          "apart, so an odd threshold decides as the even one below it):")
    for name, array in [(ours_name, ours), ("ours, centre 90%", centre)] + \
            [(name, pairs[0][0]) for name, pairs in methods.items() if len(pairs) == 1]:
        bits = np.bitwise_count(array)
        print("  %s: 32 bits in %d of %d hashes (min %d, max %d)" % (name, int((bits == 32).sum()), len(bits),
                                                                     int(bits.min()), int(bits.max())))

    crops = [kind for kind in transform_names if kind.startswith("crop ") and "+" not in kind]
    probe_kinds = [kind for kind in transform_names if kind.startswith(PROBE)]
    print()
    print("dual experiment against ours, per threshold: crop 2%%/5%% recall, hard negatives removed wrongly, "
          "all removed wrongly, precision, recall; crop probes' recall (%s)"
          % ", ".join(kind[len(PROBE):] for kind in probe_kinds))
    for name in [ours_name] + [name for name in figures if name.startswith("dual")]:
        print("  " + name)
        for t in args.thresholds:
            fig = figures[name][t]
            print("    %2d: crop %s, negatives %d of %d, wrongly %d, precision %.4f, recall %.4f; probes %s"
                  % (t, "/".join("%.3f" % fig.kind_recall(kind) for kind in crops), fig.negatives_removed,
                     fig.negatives, fig.wrong, fig.precision, fig.recall,
                     "/".join("%.3f" % fig.kind_recall(kind) for kind in probe_kinds)))

    exact = Figures(items, finder_decisions(items, "exact", 0))
    print()
    print("exact (DuplicateFinder, exact): precision %.3f, removed %d (%d wrongly); removed per transform: %s"
          % (exact.precision, exact.right + exact.wrong, exact.wrong,
             ", ".join("%s %d/%d" % (k, v[1], v[0]) for k, v in exact.per_kind.items() if v[1] > 0)))
    complete = all(exact.per_kind[k][1] == exact.per_kind[k][0] for k in EXACT_TRANSFORMS)
    print("exact copies (%s) all removed: %s; precision 1.0: %s"
          % (", ".join(EXACT_TRANSFORMS), "yes" if complete else "NO", "yes" if exact.wrong == 0 else "NO"))

    # summary against the goal
    print()
    print("goal: precision >= 0.99 and recall >= 0.97")
    for name, per_threshold in figures.items():
        met = [t for t, fig in sorted(per_threshold.items()) if fig.precision >= 0.99 and fig.recall >= 0.97]
        best = max(per_threshold.items(), key=lambda kv: (kv[1].precision >= 0.99, kv[1].recall))
        print("  %s: goal met at %s; highest recall with precision >= 0.99: %s"
              % (name, ", ".join(map(str, met)) if met else "no threshold",
                 "threshold %d (precision %.3f, recall %.3f)" % (best[0], best[1].precision, best[1].recall)
                 if best[1].precision >= 0.99 else "none"))
    print("time: %.0f s" % (time.perf_counter() - start))


if __name__ == "__main__":
    main()
