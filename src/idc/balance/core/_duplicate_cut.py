"""
Which images of a groups file to keep: the first image of every group (images that could
not be hashed count as groups of their own), and, given a number to cut to (Datumaro's NDR
num_cut), exactly that many: if fewer remain after removing the duplicates, removed images
are added back (over-sampling: at random, or the least similar to their group's first image
first); if more, the kept ones are sampled (under-sampling: uniformly, or with a chance
inversely proportional to the size of the image's group, so that images without duplicates
are preferred). Every random choice comes from one seeded generator: the same file, options
and seed give the same selection.
"""
from typing import Optional

import numpy as np

from ._groups_file import GroupsFile
from ._errors import BalanceError

OVER_SAMPLE_RANDOM = "random"
OVER_SAMPLE_SIMILARITY = "similarity"
OVER_SAMPLE_METHODS = [OVER_SAMPLE_RANDOM, OVER_SAMPLE_SIMILARITY]
DEFAULT_OVER_SAMPLE = OVER_SAMPLE_RANDOM

UNDER_SAMPLE_UNIFORM = "uniform"
UNDER_SAMPLE_INVERSE = "inverse"
UNDER_SAMPLE_METHODS = [UNDER_SAMPLE_UNIFORM, UNDER_SAMPLE_INVERSE]
DEFAULT_UNDER_SAMPLE = UNDER_SAMPLE_UNIFORM


def _layout(groups_file: GroupsFile):
    """
    Returns, per image of the file (the groups' members in order, then the skipped images): whether it is the
    first of its group, the size of its group and its distance to the group's first image.
    """
    first, sizes, distances = [], [], []
    for members in groups_file.groups:
        for position, member in enumerate(members):
            first.append(position == 0)
            sizes.append(len(members))
            distances.append(member.distance)
    for _ in groups_file.skipped:
        first.append(True)
        sizes.append(1)
        distances.append(0)
    return np.array(first, dtype=bool), np.array(sizes, dtype=np.int64), np.array(distances, dtype=np.int64)


def check_num_cut(groups_file: GroupsFile, num_cut: int):
    """
    Checks a number to cut to against a groups file.

    :raises BalanceError: for a number below 1 or above the images the file lists
    """
    images = sum(len(members) for members in groups_file.groups) + len(groups_file.skipped)
    if isinstance(num_cut, bool) or not isinstance(num_cut, int) or num_cut < 1:
        raise BalanceError("option --num_cut: %r is not a whole number of at least 1" % (num_cut,))
    if num_cut > images:
        raise BalanceError("option --num_cut: %d is more than the %d images that the duplicate groups file '%s' "
                           "lists (images are not copied; balance-labels-* oversample)"
                           % (num_cut, images, groups_file.path))


def select_images(groups_file: GroupsFile, num_cut: Optional[int] = None, over_sample: str = DEFAULT_OVER_SAMPLE,
                  under_sample: str = DEFAULT_UNDER_SAMPLE, rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """
    Selects the images to keep (see the module).

    :param groups_file: the groups
    :type groups_file: GroupsFile
    :param num_cut: the number of images to keep, None for the first of every group
    :type num_cut: int
    :param over_sample: OVER_SAMPLE_RANDOM or OVER_SAMPLE_SIMILARITY
    :type over_sample: str
    :param under_sample: UNDER_SAMPLE_UNIFORM or UNDER_SAMPLE_INVERSE
    :type under_sample: str
    :param rng: the generator for the random choices (needed with num_cut)
    :type rng: np.random.Generator
    :return: per image of the file (the groups' members in order, then the skipped images), whether to keep it
    :rtype: np.ndarray
    """
    if over_sample not in OVER_SAMPLE_METHODS:
        raise BalanceError("option --over_sample: '%s' is not one of %s" % (over_sample, ", ".join(OVER_SAMPLE_METHODS)))
    if under_sample not in UNDER_SAMPLE_METHODS:
        raise BalanceError("option --under_sample: '%s' is not one of %s"
                           % (under_sample, ", ".join(UNDER_SAMPLE_METHODS)))
    first, sizes, distances = _layout(groups_file)
    keep = first.copy()
    if num_cut is None:
        return keep
    check_num_cut(groups_file, num_cut)
    if rng is None:
        raise BalanceError("a generator is needed to cut to a number of images")
    unique = int(first.sum())
    if num_cut > unique:
        removed = np.flatnonzero(~first)
        if over_sample == OVER_SAMPLE_RANDOM:
            chosen = rng.choice(removed, size=num_cut - unique, replace=False)
        else:
            # least similar (largest distance) first, ties in an order drawn from the seed
            order = np.lexsort((rng.random(len(removed)), -distances[removed]))
            chosen = removed[order[:num_cut - unique]]
        keep[chosen] = True
    elif num_cut < unique:
        kept = np.flatnonzero(first)
        if under_sample == UNDER_SAMPLE_UNIFORM:
            chosen = rng.choice(kept, size=num_cut, replace=False)
        else:
            # weighted sampling without replacement (Efraimidis and Spirakis): weight 1 / group size, key u^(1/w);
            # the largest keys win; in logs: log(u) * size
            keys = np.log(rng.random(len(kept))) * sizes[kept]
            chosen = kept[np.argsort(-keys, kind="stable")[:num_cut]]
        keep[:] = False
        keep[chosen] = True
    return keep
