"""
Turning label counts into what 'label-dist' outputs, and formatting it as text,
CSV or JSON.
"""
import csv
import io
import json
from typing import Dict, List, Mapping, Union

from ._correction import correction_from_counts
from ._errors import BalanceError
from ._targets import Target, DEFAULT_TARGET

OUTPUT_TYPE_COUNTS = "counts"
OUTPUT_TYPE_PERCENTAGES = "percentages"
OUTPUT_TYPE_CORRECTION = "label-balance-correction"
OUTPUT_TYPES = [
    OUTPUT_TYPE_COUNTS,
    OUTPUT_TYPE_PERCENTAGES,
    OUTPUT_TYPE_CORRECTION,
]

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
}
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
    if output_type == OUTPUT_TYPE_COUNTS:
        return {label: int(counts[label]) for label in sorted(counts)}
    if output_type == OUTPUT_TYPE_PERCENTAGES:
        return percentages(counts)
    return correction_from_counts(counts, target)


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
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["label", VALUE_HEADERS[output_type]])
        for label, value in values.items():
            writer.writerow([label, repr(value)])
        return buffer.getvalue()
    return "".join("%s: %r\n" % (label, value) for label, value in values.items())


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
