"""
The plan report: what a multi-label plan (or repeat factor sampling) aims for, as log
lines at initialize, as lines comparing it with what the stream emitted at finalize, and
as a versioned JSON file of its own (--plan_report):

    {"format": "idc-balance/plan-report", "version": 1, "method": "plan", "target": 40,
     "max_copies": 1, "background": ["person"], "keep_rare": true, "threshold": null,
     "error": 12, "normalised_error": 0.015, "bound": 11.5, "normalised_bound": 0.014,
     "copies": 0, "dropped": 480, "negatives": {"images_in": 30, "planned": 0},
     "classes": {"car": {"images_in": 300, "target": 40, "planned": 41}, ...},
     "signatures": [{"labels": ["car", "person"], "images": 120, "planned": 12}, ...],
     "notes": ["bike: 25 image(s) x --max_copies 1 = 25, below the target 40"]}

Under repeat factor sampling, "planned" and the error are expectations (not whole numbers).
"""
import json
from typing import Dict, Iterable, List, Mapping, Optional

from ._plan import Plan
from ._report import shown
from ._signatures import Signature

FORMAT_PLAN_REPORT = "idc-balance/plan-report"
""" The format name of plan reports. """

PLAN_REPORT_VERSION = 1
""" The version of the plan report format written. """

METHOD_PLAN = "plan"
METHOD_REPEAT_FACTOR = "repeat-factor"
METHODS = [METHOD_PLAN, METHOD_REPEAT_FACTOR]


def _number(value: float):
    """
    A whole number as int, others rounded to 4 decimals.
    """
    if float(value).is_integer():
        return int(value)
    return round(float(value), 4)


def normalised(error: float, plan: Plan) -> float:
    """
    Divides an error by (classes x target), 0 without classes or target.

    :param error: the error
    :type error: float
    :param plan: the plan (its classes and target)
    :type plan: Plan
    :return: the normalised error
    :rtype: float
    """
    return plan.normalise(error)


def plan_report_json(plan: Plan, images: Mapping[Signature, int], method: str, max_copies: Optional[int],
                     background: Iterable[str], keep_rare: bool, threshold: Optional[float]) -> str:
    """
    Formats a plan as a plan report (see the module).

    :param plan: the plan
    :type plan: Plan
    :param images: signature -> images, as read
    :type images: dict
    :param method: METHOD_PLAN or METHOD_REPEAT_FACTOR
    :type method: str
    :param max_copies: the most times one image may be emitted, None for no limit
    :type max_copies: int
    :param background: the background classes
    :type background: iterable
    :param keep_rare: whether rare images are kept
    :type keep_rare: bool
    :param threshold: the repeat factor threshold, None for the plan
    :type threshold: float
    :return: the JSON text, ending with a newline
    :rtype: str
    """
    report = {
        "format": FORMAT_PLAN_REPORT, "version": PLAN_REPORT_VERSION, "method": method, "target": plan.target,
        "max_copies": max_copies, "background": sorted(background), "keep_rare": keep_rare, "threshold": threshold,
        "error": _number(plan.error), "normalised_error": _number(plan.normalised_error),
        "bound": _number(plan.bound), "normalised_bound": _number(normalised(plan.bound, plan)),
        "copies": _number(plan.copies), "dropped": _number(plan.dropped),
        "negatives": {"images_in": plan.negatives_in, "planned": plan.negatives},
        "classes": {c: {"images_in": plan.images_in[c], "target": plan.target, "planned": _number(plan.planned[c])}
                    for c in plan.planned},
        "signatures": [{"labels": list(s), "images": images[s], "planned": _number(plan.emit.get(s, 0))}
                       for s in sorted(images)],
        "notes": list(plan.notes),
    }
    return json.dumps(report, indent=2) + "\n"


def plan_lines(plan: Plan, method: str) -> List[str]:
    """
    Describes a plan for the log: per class the images in, the target and the planned
    images, then the error, the bound and the changes, then the notes.

    :param plan: the plan
    :type plan: Plan
    :param method: METHOD_PLAN or METHOD_REPEAT_FACTOR
    :type method: str
    :return: the lines
    :rtype: list
    """
    expected = method == METHOD_REPEAT_FACTOR
    width = max([len("class")] + [len(shown(c)) for c in plan.planned])
    lines = ["%-*s %10s %10s %10s" % (width, "class", "images in", "target", "expected" if expected else "planned")]
    for c in plan.planned:
        lines.append("%-*s %10d %10d %10s" % (width, shown(c), plan.images_in[c], plan.target,
                                              _number(plan.planned[c])))
    lines.append("error: %s (normalised %.4f)%s" % (_number(plan.error), plan.normalised_error,
                                                   "" if expected else "; no selection can go below %s (normalised "
                                                   "%.4f)" % (_number(plan.bound), normalised(plan.bound, plan))))
    lines.append("copies: %s, dropped: %s; negatives: %d of %d image(s) without a non-background class"
                 % (_number(plan.copies), _number(plan.dropped), plan.negatives, plan.negatives_in))
    lines.extend("note: " + note for note in plan.notes)
    return lines


def outcome_lines(plan: Plan, emitted: Mapping[str, int], method: str = METHOD_PLAN) -> List[str]:
    """
    Compares what the stream emitted per class with the plan, for the log at finalize.

    :param plan: the plan
    :type plan: Plan
    :param emitted: class -> images emitted
    :type emitted: dict
    :param method: METHOD_PLAN or METHOD_REPEAT_FACTOR (whose plan is an expectation)
    :type method: str
    :return: the lines
    :rtype: list
    """
    width = max([len("class")] + [len(shown(c)) for c in plan.planned])
    planned = "expected" if method == METHOD_REPEAT_FACTOR else "planned"
    lines = ["%-*s %10s %10s %10s %10s" % (width, "class", "images in", "target", planned, "emitted")]
    for c in plan.planned:
        lines.append("%-*s %10d %10d %10s %10d" % (width, shown(c), plan.images_in[c], plan.target,
                                                    _number(plan.planned[c]), emitted.get(c, 0)))
    error = sum(abs(emitted.get(c, 0) - plan.target) for c in plan.planned)
    lines.append("error emitted: %d (normalised %.4f), %s: %s" % (error, normalised(error, plan), planned,
                                                                 _number(plan.error)))
    return lines


def signature_lines(differences: Mapping[Signature, int], limit: int = 20) -> List[str]:
    """
    Lists signatures with a number each (at most limit of them), for warnings.

    :param differences: signature -> number
    :type differences: dict
    :param limit: the most lines
    :type limit: int
    :return: the lines
    :rtype: list
    """
    lines = ["  %s: %+d" % (json.dumps([shown(label) for label in s]), n) for s, n in list(differences.items())[:limit]]
    if len(differences) > limit:
        lines.append("  ... and %d more" % (len(differences) - limit))
    return lines
