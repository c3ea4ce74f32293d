"""
Repeat factor sampling (LVIS; detectron2's and mmdetection's RepeatFactorTrainingSampler),
for users who know it and for comparison with the plan. Each class c gets the factor
r_c = max(1, sqrt(t / f_c)), f_c being the share of images that contain c; an image is
repeated by the largest factor of its classes (background classes left out), in
expectation: floor(r) times, plus once more with probability r - floor(r) (stochastic
rounding). Images without any non-background class get 1. It only ever copies.

LVIS chose t = 0.001 for 1,203 classes; in a set of 20 classes that repeats nothing, so
the default threshold here is the image share of the target: t = T / images.
"""
import math
from typing import Dict, Iterable, Mapping, Optional, Tuple

from ._errors import BalanceError
from ._report import shown
from ._plan import Plan, images_per_class, negative_images, plan_negatives, plan_signatures
from ._signatures import Signature
from ._targets import Target, DEFAULT_TARGET, target_value, round_half_up

RFS_THRESHOLD_OPTION = "--rfs_threshold"
""" The option of the threshold t. """


def check_threshold(threshold: Optional[float]) -> Optional[float]:
    """
    Checks a repeat factor threshold: a share in (0, 1], or None for the default.

    :param threshold: the threshold
    :type threshold: float
    :return: the threshold
    :rtype: float
    :raises BalanceError: for anything else
    """
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise BalanceError("option %s: expected a number in (0, 1], got %r" % (RFS_THRESHOLD_OPTION, threshold))
    if not (0.0 < threshold <= 1.0):
        raise BalanceError("option %s: %s is not in (0, 1] (a share of the images)" % (RFS_THRESHOLD_OPTION, threshold))
    return float(threshold)


def default_threshold(target: int, images: int) -> float:
    """
    The default threshold: the image share of the target, T / images (1 if there are no images).

    :param target: the target T
    :type target: int
    :param images: the number of images
    :type images: int
    :return: the threshold
    :rtype: float
    """
    if images <= 0:
        return 1.0
    return min(1.0, target / images)


def repeat_factors(images: Mapping[Signature, int], threshold: float, background: Iterable[str] = (),
                   max_copies: Optional[int] = None) -> Dict[Signature, float]:
    """
    Computes each signature's repeat factor (see the module), at most max_copies.

    :param images: signature -> images
    :type images: dict
    :param threshold: t, a share of the images
    :type threshold: float
    :param background: classes left out
    :type background: iterable
    :param max_copies: the most times one image may be emitted, None for no limit
    :type max_copies: int
    :return: signature -> factor, 1.0 for signatures without a non-background class
    :rtype: dict
    """
    skip = set(background)
    factor = class_factors(images, threshold, skip)
    result = dict()
    for signature in images:
        value = max((factor[c] for c in signature if c in factor), default=1.0)
        if max_copies is not None:
            value = min(value, float(max_copies))
        result[signature] = value
    return result


def class_factors(images: Mapping[Signature, int], threshold: float, background: Iterable[str] = ()) -> Dict[str, float]:
    """
    Computes each class's repeat factor max(1, sqrt(t / f_c)).

    :param images: signature -> images
    :type images: dict
    :param threshold: t, a share of the images
    :type threshold: float
    :param background: classes left out
    :type background: iterable
    :return: class -> factor, sorted by class
    :rtype: dict
    """
    total = sum(images.values())
    return {c: max(1.0, math.sqrt(threshold * total / n))
            for c, n in images_per_class(images, set(background)).items() if n > 0}


def check_repeat_limit(images: Mapping[Signature, int], threshold: float, background: Iterable[str], limit: int,
                       source: str):
    """
    Checks that no image would be repeated more than limit times (outputs, itself included).

    :param images: signature -> images
    :type images: dict
    :param threshold: t, a share of the images
    :type threshold: float
    :param background: classes left out
    :type background: iterable
    :param limit: the most outputs of one image
    :type limit: int
    :param source: the signatures file, for the message
    :type source: str
    :raises BalanceError: naming the class with the largest factor
    """
    factors = class_factors(images, threshold, background)
    if len(factors) == 0:
        return
    label = max(factors, key=factors.get)
    if math.ceil(factors[label]) > limit:
        raise BalanceError("%s: repeat factor sampling would output each image of class '%s' up to %d times "
                           "(factor %.2f with --rfs_threshold %g), more than the default limit of %d: give "
                           "--max_copies to cap the factors, or a smaller --rfs_threshold"
                           % (source, shown(label), math.ceil(factors[label]), factors[label], threshold, limit))


def repeat_factor_plan(images: Mapping[Signature, int], target: Target = DEFAULT_TARGET,
                       threshold: Optional[float] = None, max_copies: Optional[int] = None,
                       background: Iterable[str] = (), negatives: int = 0) -> Plan:
    """
    What repeat factor sampling emits in expectation, as a plan: emit holds the expected
    images per signature and planned the expected images per class (not whole numbers), the
    error is that of the expectation against the target. The bound is left at 0 (see
    :func:`repeat_factor_sampling` for it).

    :param images: signature -> images
    :type images: dict
    :param target: min, max, mean, median or a whole number: the target T the error is measured against
    :param threshold: t, None for T / images
    :type threshold: float
    :param max_copies: the most times one image may be emitted, None for no limit
    :type max_copies: int
    :param background: classes left out
    :type background: iterable
    :param negatives: how many images without a non-background class to emit
    :type negatives: int
    :return: the plan
    :rtype: Plan
    """
    return _sampling(images, target, threshold, max_copies, background, negatives)[0]


def repeat_factor_sampling(images: Mapping[Signature, int], target: Target = DEFAULT_TARGET,
                           threshold: Optional[float] = None, max_copies: Optional[int] = None,
                           background: Iterable[str] = (), negatives: int = 0,
                           keep_rare: bool = True) -> Tuple[Plan, Dict[Signature, float], float]:
    """
    Everything a run of repeat factor sampling needs: its expectation as a plan (see
    :func:`repeat_factor_plan`) with the LP bound of the optimal plan at the same copy limit
    (the largest factor rounded up when there is none), the factor of each signature, and
    the threshold used.

    :param keep_rare: whether the bound keeps rare images (as the plan would)
    :type keep_rare: bool
    :return: the plan, signature -> factor, and the threshold
    :rtype: tuple
    """
    plan, factors, threshold = _sampling(images, target, threshold, max_copies, background, negatives)
    most = max_copies if max_copies is not None else max(1, math.ceil(max(factors.values(), default=1.0)))
    plan.bound = plan_signatures(images, target, most, background, keep_rare).bound
    return plan, factors, threshold


def _sampling(images: Mapping[Signature, int], target: Target, threshold: Optional[float], max_copies: Optional[int],
              background: Iterable[str], negatives: int) -> Tuple[Plan, Dict[Signature, float], float]:
    """
    The expectation of repeat factor sampling, its factors and its threshold.
    """
    skip = set(background)
    counts_in = images_per_class(images, skip)
    t = round_half_up(target_value(counts_in, target))
    if threshold is None:
        threshold = default_threshold(t, sum(images.values()))
    factors = repeat_factors(images, threshold, skip, max_copies)
    emit = {s: (images[s] * factors[s] if any(c not in skip for c in s) else 0.0) for s in images}
    planned = {c: sum(emit[s] for s in images if c in s) for c in counts_in}
    error = sum(abs(planned[c] - t) for c in counts_in)
    copies = sum(emit[s] - images[s] for s in images if emit[s] > 0)
    negatives_in = negative_images(images, skip)
    negatives_out, notes = plan_negatives(negatives_in, negatives, max_copies or 1)
    plan = Plan(emit, t, counts_in, planned, error, 0.0, copies, 0, notes, negatives_in, negatives_out)
    return plan, factors, threshold
