"""
Bar charts of label distributions (matplotlib, which idc already depends on). Building
the chart's data is a pure function, so what a chart shows can be tested without
looking at pixels.
"""
import os
from dataclasses import dataclass
from typing import List, Mapping

from idc.balance.core import BalanceError, atomic_output, check_output_file

PLOT_FORMATS = {".png": "png", ".svg": "svg"}
""" The supported file extensions and their matplotlib formats. """

MAX_PLOT_BARS = 500
""" The most bars (labels x splits) a chart draws: beyond that a bar chart is unreadable,
and its size (and memory) would grow with every label. """


@dataclass
class ChartData:
    """
    What a distribution chart shows: one group of bars per split (or one group for
    the whole stream), one bar per label.
    """
    labels: List[str]
    """ the labels, sorted: the x axis """
    groups: List[str]
    """ the bar groups (splits), sorted; one empty name for the whole stream """
    values: List[List[int]]
    """ per group, the count of each label (0 if the label does not occur in the group) """
    total: int
    """ the number of label occurrences over all groups """
    imbalance_ratio: float
    """ the count of the most common label over that of the rarest, over all groups """
    group_totals: List[int]
    """ per group, the number of label occurrences """
    group_ratios: List[float]
    """ per group, the imbalance ratio (max/min) """
    title: str
    log_scale: bool


def imbalance_ratio(counts: Mapping[str, int]) -> float:
    """
    Returns max / min of the counts of the labels present, 1.0 without labels.

    :param counts: label -> count
    :type counts: dict
    :return: the ratio
    :rtype: float
    """
    present = [c for c in counts.values() if c > 0]
    if len(present) == 0:
        return 1.0
    return max(present) / min(present)


def chart_data(counts_by_group: Mapping[str, Mapping[str, int]], log_scale: bool = False) -> ChartData:
    """
    Builds the data of a distribution bar chart.

    :param counts_by_group: group (split) -> (label -> count); a single group with an empty name for no splits
    :type counts_by_group: dict
    :param log_scale: whether the y axis is logarithmic
    :type log_scale: bool
    :return: the chart data
    :rtype: ChartData
    """
    groups = sorted(counts_by_group)
    labels = sorted({label for counts in counts_by_group.values() for label, c in counts.items() if c > 0})
    values = [[int(counts_by_group[g].get(label, 0)) for label in labels] for g in groups]
    combined = {label: sum(v[i] for v in values) for i, label in enumerate(labels)}
    total = sum(combined.values())
    ratio = imbalance_ratio(combined)
    title = "Label distribution: %d in total, imbalance ratio (max/min) %.2f" % (total, ratio)
    group_totals = [sum(v) for v in values]
    group_ratios = [imbalance_ratio(counts_by_group[g]) for g in groups]
    return ChartData(labels, groups, values, total, ratio, group_totals, group_ratios, title, log_scale)


def check_plot_path(path: str, option: str = "--plot"):
    """
    Checks a plot file name: a supported extension and an existing, writable directory.

    :param path: the file to write
    :type path: str
    :param option: the option, for error messages
    :type option: str
    :raises BalanceError: if the file cannot be written
    """
    ext = os.path.splitext(path)[1].lower()
    if ext not in PLOT_FORMATS:
        raise BalanceError("option %s '%s': unsupported file extension '%s', use one of: %s"
                           % (option, path, ext, ", ".join(sorted(PLOT_FORMATS))))
    check_output_file(path, "option %s" % option)


def check_plot_size(data: ChartData, path: str, option: str = "--plot"):
    """
    Checks that a chart stays within MAX_PLOT_BARS bars.

    :param data: what to draw
    :type data: ChartData
    :param path: the file to write, for the error message
    :type path: str
    :param option: the option, for the error message
    :type option: str
    :raises BalanceError: if there are too many bars
    """
    bars = len(data.labels) * max(1, len(data.groups))
    if bars > MAX_PLOT_BARS:
        raise BalanceError("option %s '%s': %d label(s) x %d group(s) make %d bars, more than the %d a chart can "
                           "show; the plot was not drawn (count fewer labels, e.g. with --split_names)"
                           % (option, path, len(data.labels), max(1, len(data.groups)), bars, MAX_PLOT_BARS))


def draw_chart(data: ChartData, path: str):
    """
    Draws the chart and writes it atomically to a PNG or SVG file (by extension).

    :param data: what to draw
    :type data: ChartData
    :param path: the file to write
    :type path: str
    """
    import matplotlib

    # labels are data: '$x^2$' must be drawn as written, and '$\\frac{$' must not fail to parse as math
    with matplotlib.rc_context({"text.parse_math": False}):
        _draw(data, path)


def _draw(data: ChartData, path: str):
    """
    Draws the chart (see :func:`draw_chart`).
    """
    from matplotlib.figure import Figure

    n_groups = max(1, len(data.groups))
    width = 0.8 / n_groups
    figure = Figure(figsize=(max(6.0, 0.9 * len(data.labels) * max(1, n_groups * 0.6) + 2), 4.5), dpi=100)
    axes = figure.add_subplot(1, 1, 1)
    for g, group in enumerate(data.groups):
        positions = [i - 0.4 + width * (g + 0.5) for i in range(len(data.labels))]
        legend = "%s: %d, ratio %.2f" % (group, data.group_totals[g], data.group_ratios[g]) if group else None
        bars = axes.bar(positions, data.values[g], width=width, label=legend)
        axes.bar_label(bars, labels=[str(v) for v in data.values[g]], fontsize=8, padding=2)
    axes.set_xticks(range(len(data.labels)))
    axes.set_xticklabels(data.labels, rotation=45 if len(data.labels) > 8 else 0,
                         ha="right" if len(data.labels) > 8 else "center")
    axes.set_ylabel("count")
    if data.log_scale:
        axes.set_yscale("log")
    axes.set_title(data.title, fontsize=10)
    if any(data.groups):
        axes.legend(title="split")
    axes.margins(y=0.15)
    figure.tight_layout()
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format=PLOT_FORMATS[os.path.splitext(path)[1].lower()])
