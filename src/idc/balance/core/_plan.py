"""
The multi-label plan: how many images of each signature to emit (copies included) so
that the number of images containing each class comes as close to a common target as
the data allows. Images with the same signature are interchangeable for these counts,
so the plan is a small integer program over the signature counts, solved exactly with
HiGHS (scipy.optimize.milp):

    choose integer y_s in [lower_s, K n_s] for each signature s with n_s images
    minimise  sum over classes c of |N_c - T|,  N_c = sum of y_s over the signatures containing c
    then, among the optimal plans, minimise the copies and drops: sum over s of |y_s - n_s|

lower_s is n_s when s holds a rare class (images containing it at or below the target)
and rare images are kept, else 0. Background classes are left out of the objective and
the target; images without any other class (negatives) are not part of the program: how
many of them to emit is given (the plan's negatives), chosen uniformly among them.
The LP relaxation of the first stage bounds the error any selection could reach.
"""
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np

from ._errors import BalanceError
from ._report import shown
from ._signatures import Signature
from ._targets import Target, DEFAULT_TARGET, target_value, round_half_up

ERROR_SLACK = 0.5
""" Added to the optimal error when the second stage keeps it: errors are whole numbers, so
any plan within half of the optimum is optimal, and the solver's tolerance cannot cut it off. """


@dataclass
class Plan:
    """
    A plan and what it achieves.
    """
    emit: Dict[Signature, int]
    """ signature -> images to emit (copies included); 0 for negatives """
    target: int
    """ the target T: images containing each class """
    images_in: Dict[str, int]
    """ class -> images containing it, before """
    planned: Dict[str, int]
    """ class -> images containing it, after """
    error: int
    """ sum over classes of |planned - target| """
    bound: float
    """ the LP relaxation's error: no selection can do better """
    copies: int
    """ images emitted beyond their count, over all signatures """
    dropped: int
    """ images not emitted, over all (non-negative) signatures """
    notes: List[str] = field(default_factory=list)
    """ why the target cannot be met, per class """
    negatives_in: int = 0
    """ images without any non-background class """
    negatives: int = 0
    """ how many of them to emit (copies included), chosen uniformly among them """

    def normalise(self, error: float) -> float:
        """
        Divides an error (of this plan, its bound, or what a stream emitted) by (classes x
        target), 0 without classes or target.

        :param error: the error
        :type error: float
        :return: the normalised error
        :rtype: float
        """
        if (len(self.planned) == 0) or (self.target == 0):
            return 0.0
        return error / (len(self.planned) * self.target)

    @property
    def normalised_error(self) -> float:
        """
        The plan's error divided by (classes x target), 0 without classes or target.
        """
        return self.normalise(self.error)


def images_per_class(images: Mapping[Signature, int], background: Iterable[str] = ()) -> Dict[str, int]:
    """
    Counts the images that contain each class (background classes left out).

    :param images: signature -> images
    :type images: dict
    :param background: the background classes
    :type background: iterable
    :return: class -> images containing it, sorted by class
    :rtype: dict
    """
    skip = set(background)
    result: Dict[str, int] = dict()
    for signature, count in images.items():
        for label in signature:
            if label not in skip:
                result[label] = result.get(label, 0) + count
    return dict(sorted(result.items()))


INTEGRAL_TOLERANCE = 1e-6
""" How far from a whole number an LP value may be and still count as whole. """

EXACT_SIGNATURES = 5000
""" Up to this many signatures the plan is proven optimal (least error, then fewest copies and drops); beyond,
a stage whose solution near the LP's plan is not proven optimal keeps it and says so in a note, as HiGHS may
take minutes to prove the optimum among 10^5 signatures (the LP bound still says how far off it can be). """

CHANGES_NOTE = "copies and drops"
""" How the note on the copies and drops of a plan that is not proven to have the fewest begins. """

EXACT_CHANGES_SIGNATURES = 500
""" Up to this many signatures the fewest copies and drops (among the plans of least error) are proven; beyond,
the best near the LP's plan is kept when it is not proven (HiGHS took 80 s to prove it for 4,919 signatures, where
the search near the LP's plan found the same in 0.3 s). """

MIP_GAP = 1e-9
""" HiGHS's relative gap: about 0, so that a large optimal error is proven exactly, not within 0.01%. """


def _solve(c: np.ndarray, a, lower: np.ndarray, upper: np.ndarray, bounds_lower: np.ndarray,
           bounds_upper: np.ndarray, integrality: np.ndarray, required: bool = True, presolve: bool = True):
    """
    Solves a (mixed-integer) linear program with HiGHS.

    :param presolve: whether HiGHS presolves (the second stage is faster without)
    :type presolve: bool
    :return: scipy's result; None if it failed and is not required
    :raises BalanceError: if it failed and is required
    """
    from scipy.optimize import milp, LinearConstraint, Bounds
    constraints = [LinearConstraint(a, lower, upper)] if a.shape[0] > 0 else []
    result = milp(c=c, constraints=constraints, integrality=integrality, bounds=Bounds(bounds_lower, bounds_upper),
                  options={"mip_rel_gap": MIP_GAP, "presolve": presolve})
    if not result.success:
        if not required:
            return None
        raise BalanceError("the plan could not be solved: %s" % result.message)
    return result


def _solve_whole(c: np.ndarray, a, lower: np.ndarray, upper: np.ndarray, bounds_lower: np.ndarray,
                 bounds_upper: np.ndarray, dependent: np.ndarray, exact: bool,
                 known: Optional[np.ndarray] = None) -> Tuple[np.ndarray, float, float]:
    """
    Solves an integer program whose objective is whole for whole variables: first its LP
    relaxation; then the program over the variables the LP left fractional (and those where
    the LP differs from a known solution), the others fixed at the LP's values. Few are
    fractional (no more than the rows), so that is quick, and if it reaches the LP's value
    rounded up, it is optimal. Otherwise the whole program is solved if exact (HiGHS may
    take seconds, for 10^5 variables minutes, to find what the rounding finds at once), else
    the solution near the LP's is kept.

    :param dependent: True for the variables that follow from the others (the errors): never fixed
    :type dependent: np.ndarray
    :param exact: whether to solve the whole program when the solution near the LP's is not proven optimal
    :type exact: bool
    :param known: a whole solution (searched too, so that the result is never worse), None for none
    :type known: np.ndarray
    :return: the solution, its objective and the LP relaxation's objective (a lower bound)
    :rtype: tuple
    """
    whole = np.ones(len(c))
    relaxed = _solve(c, a, lower, upper, bounds_lower, bounds_upper, np.zeros(len(c)))
    x = relaxed.x
    fractional = np.abs(x - np.round(x)) > INTEGRAL_TOLERANCE
    if not fractional.any():
        return np.round(x), float(np.round(relaxed.fun)), float(relaxed.fun)
    free = fractional | dependent
    if known is not None:
        free |= np.abs(known - np.round(x)) > INTEGRAL_TOLERANCE
    fixed_lower = np.where(free, bounds_lower, np.round(x))
    fixed_upper = np.where(free, bounds_upper, np.round(x))
    near = _solve(c, a, lower, upper, fixed_lower, fixed_upper, whole, required=False)
    proven = (near is not None) and (near.fun <= np.ceil(relaxed.fun - INTEGRAL_TOLERANCE) + ERROR_SLACK)
    if (not proven) and (exact or (near is None)):
        near = _solve(c, a, lower, upper, bounds_lower, bounds_upper, whole)
    return np.round(near.x), float(np.round(near.fun)), float(relaxed.fun)


def _near_note(what: str, found: float, least: float, signatures: int, limit: int) -> List[str]:
    """
    Says that a stage was solved near the LP's plan and not proven optimal, if so.
    """
    least = float(np.ceil(least - INTEGRAL_TOLERANCE))
    if found <= least + ERROR_SLACK:
        return []
    return ["%s: %d, the best found near the LP's plan (%d signatures, more than the %d searched exhaustively); "
            "no plan can go below %d" % (what, found, signatures, limit, least)]


def negative_images(images: Mapping[Signature, int], background: Iterable[str] = ()) -> int:
    """
    Counts the images without any non-background class (no label at all, or background only).

    :param images: signature -> images
    :type images: dict
    :param background: the background classes
    :type background: iterable
    :return: the number of such images
    :rtype: int
    """
    skip = set(background)
    return sum(count for signature, count in images.items() if all(label in skip for label in signature))


def plan_negatives(negatives_in: int, negatives: int, max_copies: int) -> Tuple[int, List[str]]:
    """
    How many images without a non-background class to emit: the number asked for, at most
    each of them max_copies times.

    :param negatives_in: how many there are
    :type negatives_in: int
    :param negatives: how many are asked for
    :type negatives: int
    :param max_copies: the most times one image may be emitted
    :type max_copies: int
    :return: the number to emit, and a note if that is fewer than asked for
    :rtype: tuple
    """
    most = negatives_in * max_copies
    if negatives <= most:
        return negatives, []
    return most, ["negatives: %d asked for (--negatives), but %d image(s) without a non-background class x "
                  "--max_copies %d = %d" % (negatives, negatives_in, max_copies, most)]


def plan_signatures(images: Mapping[Signature, int], target: Target = DEFAULT_TARGET, max_copies: int = 1,
                    background: Iterable[str] = (), keep_rare: bool = True, negatives: int = 0) -> Plan:
    """
    Computes the optimal plan (see the module).

    :param images: signature -> images
    :type images: dict
    :param target: min, max, mean, median (of the images per class) or a whole number
    :param max_copies: K, the most times one image may be emitted (1: undersampling only)
    :type max_copies: int
    :param background: classes left out of the objective and the target
    :type background: iterable
    :param keep_rare: whether every image of a class at or below the target is emitted at least once
    :type keep_rare: bool
    :param negatives: how many images without a non-background class to emit
    :type negatives: int
    :return: the plan
    :rtype: Plan
    """
    if max_copies < 1:
        raise BalanceError("option --max_copies: %d is less than 1" % max_copies)
    skip = set(background)
    counts_in = images_per_class(images, skip)
    classes = list(counts_in)
    t = round_half_up(target_value(counts_in, target))
    signatures = sorted(s for s in images if any(label not in skip for label in s))
    n = np.array([images[s] for s in signatures], dtype=float)
    rare = {c for c in classes if counts_in[c] <= t} if keep_rare else set()
    lower = np.array([images[s] if any(label in rare for label in s) else 0 for s in signatures], dtype=float)
    upper = n * max_copies
    n_s, n_c = len(signatures), len(classes)
    index = {c: i for i, c in enumerate(classes)}
    membership = np.zeros((n_c, n_s))
    for j, s in enumerate(signatures):
        for label in s:
            if label in index:
                membership[index[label], j] = 1.0
    emit = {s: 0 for s in images}
    negatives_in = negative_images(images, skip)
    negatives_out, negative_notes = plan_negatives(negatives_in, negatives, max_copies)
    if (n_s == 0) or (n_c == 0):
        return Plan(emit, t, counts_in, dict(counts_in), 0, 0.0, 0, 0, negative_notes, negatives_in, negatives_out)
    # y_s = n_s + u_s - v_s: u_s copies in [0, (K - 1) n_s], v_s drops in [0, n_s - lower_s]; e_c the error of c.
    # N_c = base_c + M (u - v); N_c - e_c <= T and -N_c - e_c <= -T. Only 2 rows per class: HiGHS solves it fast
    # (rows per signature for |y_s - n_s| made the second stage 10x slower)
    from scipy.sparse import csr_matrix, hstack, vstack, identity
    m = csr_matrix(membership)
    base = membership @ n
    minus_eye = -identity(n_c, format="csr")
    a1 = vstack([hstack([m, -m, minus_eye]), hstack([-m, m, minus_eye])], format="csr")
    lo1 = np.full(2 * n_c, -np.inf)
    hi1 = np.concatenate([t - base, base - t])
    c1 = np.concatenate([np.zeros(2 * n_s), np.ones(n_c)])
    b_lo = np.zeros(2 * n_s + n_c)
    b_hi = np.concatenate([upper - n, n - lower, np.full(n_c, np.inf)])
    # the errors e are whole at the optimum (N_c and T are), so the objective is whole
    errors = np.concatenate([np.zeros(2 * n_s, dtype=bool), np.ones(n_c, dtype=bool)])
    exact = n_s <= EXACT_SIGNATURES
    first, optimum, bound = _solve_whole(c1, a1, lo1, hi1, b_lo, b_hi, errors, exact)
    search_notes = [] if exact else _near_note("error", optimum, bound, n_s, EXACT_SIGNATURES)
    # stage 2: keep sum e within the optimum; minimise the copies and drops, sum (u + v)
    a2 = vstack([a1, csr_matrix(c1)], format="csr")
    hi2 = np.concatenate([hi1, [optimum + ERROR_SLACK]])
    c2 = np.concatenate([np.ones(2 * n_s), np.zeros(n_c)])
    lo2 = np.full(2 * n_c + 1, -np.inf)
    if n_s <= EXACT_CHANGES_SIGNATURES:
        # solved whole at once: its LP relaxation is weak (fractional errors), so rounding seldom proves anything
        x = np.round(_solve(c2, a2, lo2, hi2, b_lo, b_hi, np.ones(len(c2)), presolve=False).x)
    else:
        x, changes, least = _solve_whole(c2, a2, lo2, hi2, b_lo, b_hi, errors, False, first)
        search_notes += _near_note(CHANGES_NOTE, changes, least, n_s, EXACT_CHANGES_SIGNATURES)
    x = x.astype(np.int64)
    y = n.astype(np.int64) + x[:n_s] - x[n_s:2 * n_s]
    for j, s in enumerate(signatures):
        emit[s] = int(y[j])
    planned = {c: int(round(float(membership[index[c]] @ y))) for c in classes}
    error = sum(abs(planned[c] - t) for c in classes)
    copies = int(sum(max(0, int(y[j]) - int(n[j])) for j in range(n_s)))
    dropped = int(sum(max(0, int(n[j]) - int(y[j])) for j in range(n_s)))
    notes = _notes(classes, counts_in, planned, t, max_copies, rare) + negative_notes + search_notes
    return Plan(emit, t, counts_in, planned, error, max(0.0, float(bound)), copies, dropped, notes, negatives_in,
                negatives_out)


def _notes(classes: List[str], counts_in: Mapping[str, int], planned: Mapping[str, int], t: int, max_copies: int,
           rare: set) -> List[str]:
    """
    Says, per class that misses the target, why.
    """
    result = []
    for c in classes:
        if planned[c] == t:
            continue
        label = shown(c)
        if counts_in[c] * max_copies < t:
            result.append("%s: %d image(s) x --max_copies %d = %d, below the target %d"
                          % (label, counts_in[c], max_copies, counts_in[c] * max_copies, t))
        elif planned[c] > t:
            result.append("%s: %d image(s) planned, above the target %d: its images also hold classes that need "
                          "them%s" % (label, planned[c], t, " (rare images are kept)" if len(rare) > 0 else ""))
        else:
            result.append("%s: %d image(s) planned, below the target %d: more would push other classes further "
                          "from it" % (label, planned[c], t))
    return result
