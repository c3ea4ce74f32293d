"""
Turning label counts into what 'label-dist' outputs, and formatting it as text,
CSV or JSON.
"""
import csv
import io
import json
from typing import Dict, Iterable, List, Mapping, Sequence, Union

from ._correction import correction_from_counts
from ._errors import BalanceError
from ._targets import Target, DEFAULT_TARGET
from ._weights import class_weights

OUTPUT_TYPE_COUNTS = "counts"
OUTPUT_TYPE_PERCENTAGES = "percentages"
OUTPUT_TYPE_CORRECTION = "label-balance-correction"
OUTPUT_TYPE_CLASS_WEIGHTS = "class-weights"
OUTPUT_TYPE_SIGNATURES = "signatures"
""" Images per signature (set of labels), in the JSON format of core/_signatures.py. """
OUTPUT_TYPES = [
    OUTPUT_TYPE_COUNTS,
    OUTPUT_TYPE_PERCENTAGES,
    OUTPUT_TYPE_CORRECTION,
    OUTPUT_TYPE_CLASS_WEIGHTS,
    OUTPUT_TYPE_SIGNATURES,
]

UNIT_OBJECTS = "objects"
""" Count every object of an object detection image (a class twice in one image counts twice). """
UNIT_IMAGES = "images"
""" Count the images that contain a class (once per image, however many of its objects). """
UNITS = [UNIT_OBJECTS, UNIT_IMAGES]


def default_unit(output_type: str) -> str:
    """
    The unit of object detection counts when none is given: images for class weights (the
    inverse frequency of images containing the class), objects for everything else (as
    label-dist counted before units existed).

    :param output_type: one of OUTPUT_TYPES
    :type output_type: str
    :return: UNIT_IMAGES or UNIT_OBJECTS
    :rtype: str
    """
    return UNIT_IMAGES if output_type == OUTPUT_TYPE_CLASS_WEIGHTS else UNIT_OBJECTS


OUTPUT_FORMAT_TEXT = "text"
OUTPUT_FORMAT_CSV = "csv"
OUTPUT_FORMAT_JSON = "json"
OUTPUT_FORMATS = [
    OUTPUT_FORMAT_TEXT,
    OUTPUT_FORMAT_CSV,
    OUTPUT_FORMAT_JSON,
]

VALUE_HEADERS = {
    OUTPUT_TYPE_COUNTS: "count",
    OUTPUT_TYPE_PERCENTAGES: "percentage",
    OUTPUT_TYPE_CORRECTION: "probability",
    OUTPUT_TYPE_CLASS_WEIGHTS: "weight",
}

FORMAT_VERSION = 1
""" The version of the richer JSON formats below; bumped on incompatible changes. """
FORMAT_CLASS_WEIGHTS_BY_INDEX = "idc-balance/class-weights-by-index"
""" JSON: {"format": ..., "version": 1, "labels": [label of index 0, ...], "weights": [weight of index 0, ...]} """
FORMAT_PER_SPLIT = "idc-balance/label-dist-per-split"
""" JSON: {"format": ..., "version": 1, "output_type": ..., "splits": {split: {label: value}}} """
""" The header of the value column in CSV output, per output type. """

Number = Union[int, float]


def percentages(counts: Mapping[str, int]) -> Dict[str, float]:
    """
    Computes the share of each label in percent (0-100), as the imgstats 'label-dist' does.

    :param counts: label -> count
    :type counts: dict
    :return: label -> percentage, sorted by label
    :rtype: dict
    """
    total = sum(counts.values())
    if total == 0:
        return dict()
    return {label: 100.0 * counts[label] / total for label in sorted(counts)}


def distribution_values(counts: Mapping[str, int], output_type: str, target: Target = DEFAULT_TARGET) -> Dict[str, Number]:
    """
    Computes the values that 'label-dist' outputs.

    :param counts: label -> count
    :type counts: dict
    :param output_type: one of OUTPUT_TYPES
    :type output_type: str
    :param target: the target of the correction (see :func:`idc.balance.core.parse_target`)
    :return: label -> value, sorted by label
    :rtype: dict
    """
    check_choice("-t/--output_type", output_type, OUTPUT_TYPES)
    if output_type == OUTPUT_TYPE_SIGNATURES:
        raise BalanceError("-t/--output_type %s: not a value per label (see core/_signatures.py)" % output_type)
    if output_type == OUTPUT_TYPE_COUNTS:
        return {label: int(counts[label]) for label in sorted(counts)}
    if output_type == OUTPUT_TYPE_PERCENTAGES:
        return percentages(counts)
    if output_type == OUTPUT_TYPE_CLASS_WEIGHTS:
        return class_weights(counts)
    return correction_from_counts(counts, target)


def _csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """
    Writes a header and rows as CSV text (floats with all their digits).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([repr(v) if isinstance(v, float) else v for v in row])
    return buffer.getvalue()


def format_values(values: Mapping[str, Number], output_type: str, output_format: str) -> str:
    """
    Formats label values: text ("label: value" per line), CSV (with header) or JSON
    (an object, label -> value). Integers stay integers, floats are written with all
    their digits. The result ends with a newline (empty for no labels in text/CSV
    apart from the CSV header).

    :param values: label -> value, in output order
    :type values: dict
    :param output_type: one of OUTPUT_TYPES (for the CSV header)
    :type output_type: str
    :param output_format: one of OUTPUT_FORMATS
    :type output_format: str
    :return: the formatted text
    :rtype: str
    """
    check_choice("-f/--output_format", output_format, OUTPUT_FORMATS)
    if output_format == OUTPUT_FORMAT_JSON:
        return json.dumps(values, indent=2) + "\n"
    if output_format == OUTPUT_FORMAT_CSV:
        return _csv_text(["label", VALUE_HEADERS[output_type]], values.items())
    return "".join("%s: %r\n" % (label, value) for label, value in values.items())


def format_by_index(labels: Sequence[str], weights: Sequence[float], output_format: str) -> str:
    """
    Formats class weights keyed by class index: text ("index label: weight" per line),
    CSV (index, label, weight, with header) or JSON (format FORMAT_CLASS_WEIGHTS_BY_INDEX).

    :param labels: the labels in index order
    :type labels: list
    :param weights: the weights in index order
    :type weights: list
    :param output_format: one of OUTPUT_FORMATS
    :type output_format: str
    :return: the formatted text
    :rtype: str
    """
    check_choice("-f/--output_format", output_format, OUTPUT_FORMATS)
    if output_format == OUTPUT_FORMAT_JSON:
        return json.dumps({"format": FORMAT_CLASS_WEIGHTS_BY_INDEX, "version": FORMAT_VERSION,
                           "labels": list(labels), "weights": list(weights)}, indent=2) + "\n"
    if output_format == OUTPUT_FORMAT_CSV:
        return _csv_text(["index", "label", "weight"],
                         ((index, label, weight) for index, (label, weight) in enumerate(zip(labels, weights))))
    return "".join("%d %s: %r\n" % (index, label, weight) for index, (label, weight) in enumerate(zip(labels, weights)))


def format_per_split(values: Mapping[str, Mapping[str, Number]], output_type: str, output_format: str) -> str:
    """
    Formats one table of label values per split: text (a "[split]" line, then
    "label: value" lines, per split), CSV (split, label, value, with header) or JSON
    (format FORMAT_PER_SPLIT).

    :param values: split -> (label -> value), in output order
    :type values: dict
    :param output_type: one of OUTPUT_TYPES
    :type output_type: str
    :param output_format: one of OUTPUT_FORMATS
    :type output_format: str
    :return: the formatted text
    :rtype: str
    """
    check_choice("-f/--output_format", output_format, OUTPUT_FORMATS)
    if output_format == OUTPUT_FORMAT_JSON:
        return json.dumps({"format": FORMAT_PER_SPLIT, "version": FORMAT_VERSION, "output_type": output_type,
                           "splits": values}, indent=2) + "\n"
    if output_format == OUTPUT_FORMAT_CSV:
        return _csv_text(["split", "label", VALUE_HEADERS[output_type]],
                         ((split, label, value) for split, split_values in values.items()
                          for label, value in split_values.items()))
    return "".join("[%s]\n%s" % (split, format_values(split_values, output_type, output_format))
                   for split, split_values in values.items())


def check_choice(option: str, value: str, choices: List[str]) -> str:
    """
    Checks that an option value is one of the allowed choices.

    :param option: the option, for the error message
    :type option: str
    :param value: the value
    :type value: str
    :param choices: the allowed values
    :type choices: list
    :return: the value
    :rtype: str
    :raises BalanceError: if the value is not one of the choices
    """
    if value not in choices:
        raise BalanceError("option %s: '%s' is not one of: %s" % (option, value, ", ".join(choices)))
    return value
