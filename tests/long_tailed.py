"""
A generated long-tailed detection set, the one the docs' comparison figures and the
comparison test use: 20 classes, 'person' in about 65% of the images, the others with
shares falling geometrically from 35% to 0.5%; 85% of the images of the rarer classes
(share below 10%) also hold a person; images may hold several objects of a class. Also
the per-label rule the plan is compared with (keep or copy an image by the correction of
its rarest class), as an expectation.
"""
from typing import Dict, List, Mapping

import numpy as np

from idc.balance.core import Signature, images_per_class, round_half_up, target_value

PERSON = "person"
CLASSES = [PERSON] + ["class%02d" % i for i in range(1, 20)]
PERSON_SHARE = 0.58
""" The share of images with a person among those without a rarer class; about 65% hold one over all. """
SHARES = np.geomspace(0.35, 0.005, 19)
""" The shares of the other classes, from the most common to the rarest. """
RARE_SHARE = 0.1
""" Classes below this share bring a person along with probability PERSON_WITH_RARE. """
PERSON_WITH_RARE = 0.85
SECOND_OBJECT = 0.3
""" The probability that a class present in an image has a second object there. """
DEFAULT_SEED = 2026


def long_tailed_labels(images: int = 10000, seed: int = DEFAULT_SEED) -> List[List[str]]:
    """
    Draws the objects' labels of each image.

    :param images: how many images
    :type images: int
    :param seed: the seed
    :type seed: int
    :return: per image, the labels of its objects (empty for a negative)
    :rtype: list
    """
    rng = np.random.default_rng(seed)
    draws = rng.random((images, 19)) < SHARES
    person = rng.random(images) < PERSON_SHARE
    with_rare = rng.random(images) < PERSON_WITH_RARE
    second = rng.random((images, 20)) < SECOND_OBJECT
    result = []
    for i in range(images):
        present = [CLASSES[j + 1] for j in range(19) if draws[i, j]]
        rare = any(SHARES[j] < RARE_SHARE for j in range(19) if draws[i, j])
        if with_rare[i] if rare else person[i]:
            present.insert(0, PERSON)
        labels = []
        for label in present:
            labels.append(label)
            if second[i, CLASSES.index(label)]:
                labels.append(label)
        result.append(labels)
    return result


def signature_counts(labels: List[List[str]]) -> Dict[Signature, int]:
    """
    Counts the images per signature.

    :param labels: per image, its labels
    :type labels: list
    :return: signature -> images
    :rtype: dict
    """
    result: Dict[Signature, int] = dict()
    for image in labels:
        signature = tuple(sorted(set(image)))
        result[signature] = result.get(signature, 0) + 1
    return dict(sorted(result.items()))


def per_label_rule(images: Mapping[Signature, int], target="min", max_copies: int = 1) -> Dict[str, float]:
    """
    The images per class that the per-label rule emits in expectation: each image is
    emitted min(K, T / n_r) times on average, r being its rarest class (fewest images);
    images without a class are dropped.

    :param images: signature -> images
    :type images: dict
    :param target: min, max, mean, median or a whole number
    :param max_copies: K
    :type max_copies: int
    :return: class -> expected images
    :rtype: dict
    """
    counts = images_per_class(images)
    t = round_half_up(target_value(counts, target))
    result = {c: 0.0 for c in counts}
    for signature, n in images.items():
        if len(signature) == 0:
            continue
        rarest = min(signature, key=lambda c: counts[c])
        emitted = n * min(float(max_copies), t / counts[rarest])
        for c in signature:
            result[c] += emitted
    return result


def error_of(planned: Mapping[str, float], target: int) -> float:
    """
    The error sum over classes |N_c - T|.
    """
    return sum(abs(v - target) for v in planned.values())
