import argparse
import sys
from typing import Dict, List, Optional, Union

from seppl import AliasSupporter
from seppl.io import StreamFilter
from seppl.placeholders import PlaceholderSupporter, placeholder_list
from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING
from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData, LABEL_KEY

from idc.balance.core import (LabelCounter, OUTPUT_TYPES, OUTPUT_TYPE_COUNTS, OUTPUT_TYPE_CORRECTION,
                              OUTPUT_TYPE_CLASS_WEIGHTS, OUTPUT_FORMATS, OUTPUT_FORMAT_TEXT, TARGET_HELP, BalanceError,
                              check_choice, check_output_dir, distribution_values, format_values, format_by_index,
                              format_per_split, parse_label_list, parse_target, weights_by_index, write_atomically)
from idc.balance.plot import chart_data, check_plot_path, draw_chart
from idc.balance.records import record_labels, SplitSelector, DEFAULT_SPLIT_FIELD
from ._split_options import add_split_options
from ._stream import process_as_batch

NO_SPLIT = ""
""" The counter key when counting without splits. """


class LabelDistribution(StreamFilter, PlaceholderSupporter, AliasSupporter):
    """
    Passes every record on unchanged, counts the labels on the way and outputs the
    distribution (counts, percentages, a correction for balance-labels-ic or class
    weights), optionally per split and as a bar chart, when the stream ends.
    """

    def __init__(self, output_file: Optional[str] = None, output_format: str = OUTPUT_FORMAT_TEXT,
                 output_type: str = OUTPUT_TYPE_COUNTS, label_key: str = LABEL_KEY,
                 target: Optional[Union[str, int]] = None, by_index: bool = False, labels: Optional[str] = None,
                 split_field: str = DEFAULT_SPLIT_FIELD, split_names: Optional[List[str]] = None,
                 per_split: bool = False, plot: Optional[str] = None, log_scale: bool = False,
                 logger_name: str = None, logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param output_file: the file to write the result to (placeholders supported), None for stdout
        :type output_file: str
        :param output_format: the format of the result, one of OUTPUT_FORMATS
        :type output_format: str
        :param output_type: what to output, one of OUTPUT_TYPES
        :type output_type: str
        :param label_key: the key in the metadata of object detection objects that holds the label
        :type label_key: str
        :param target: the target of the correction: min, max, mean, median or a whole number (default: min)
        :type target: str or int
        :param by_index: class weights: key them by class index instead of label
        :type by_index: bool
        :param labels: class weights: the comma-separated labels in index order (default: sorted)
        :type labels: str
        :param split_field: the metadata field that holds the split
        :type split_field: str
        :param split_names: only count records of these splits, None for all records
        :type split_names: list
        :param per_split: output one distribution per split
        :type per_split: bool
        :param plot: the PNG or SVG file to draw the distribution to (placeholders supported), None for none
        :type plot: str
        :param log_scale: use a logarithmic count axis in the plot
        :type log_scale: bool
        :param logger_name: the name to use for the logger
        :type logger_name: str
        :param logging_level: the logging level to use
        :type logging_level: str
        """
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.output_file = output_file
        self.output_format = output_format
        self.output_type = output_type
        self.label_key = label_key
        self.target = target
        self.by_index = by_index
        self.labels = labels
        self.split_field = split_field
        self.split_names = split_names
        self.per_split = per_split
        self.plot = plot
        self.log_scale = log_scale
        self._target = None
        self._labels: Optional[List[str]] = None
        self._selector: Optional[SplitSelector] = None
        self._output_path: Optional[str] = None
        self._plot_path: Optional[str] = None
        self._counters: Optional[Dict[str, LabelCounter]] = None
        self._unlabeled = 0

    def name(self) -> str:
        """
        Returns the name of the handler, used as sub-command.

        :return: the name
        :rtype: str
        """
        return "label-dist"

    def aliases(self) -> List[str]:
        """
        Returns the aliases under which the plugin is known too: a name no other package
        uses, for when another installed package registers a plugin called 'label-dist'.

        :return: the aliases
        :rtype: list
        """
        return ["bal-label-dist"]

    def description(self) -> str:
        """
        Returns a description of the filter.

        :return: the description
        :rtype: str
        """
        return "Passes every record through unchanged while counting the labels; when the stream ends, " \
               "outputs the label distribution: counts, percentages, the label correction that " \
               "'balance-labels-ic' uses to balance the labels (target / count per label, the target being " \
               "the rarest label's count by default) or class weights for the loss (n_records / " \
               "(n_labels x count), scikit-learn's 'balanced'). " \
               "Image classification: the label; object detection: the label of each object; " \
               "image segmentation: each label layer present in the image. " \
               "Can count only the records of some splits (metadata field written by 'split-records'), " \
               "output one distribution per split, and draw a bar chart."

    def accepts(self) -> List:
        """
        Returns the list of classes that are accepted.

        :return: the list of classes
        :rtype: list
        """
        return [ImageClassificationData, ObjectDetectionData, ImageSegmentationData]

    def generates(self) -> List:
        """
        Returns the list of classes that get produced.

        :return: the list of classes
        :rtype: list
        """
        return [ImageClassificationData, ObjectDetectionData, ImageSegmentationData]

    def _create_argparser(self) -> argparse.ArgumentParser:
        """
        Creates an argument parser. Derived classes need to fill in the options.

        :return: the parser
        :rtype: argparse.ArgumentParser
        """
        parser = super()._create_argparser()
        parser.add_argument("-o", "--output_file", type=str, default=None, required=False,
                            help="The file to write the distribution to; uses stdout if omitted. "
                                 + placeholder_list(obj=self))
        parser.add_argument("-f", "--output_format", choices=OUTPUT_FORMATS, default=OUTPUT_FORMAT_TEXT,
                            required=False, help="The format to use for the output.")
        parser.add_argument("-t", "--output_type", choices=OUTPUT_TYPES, default=OUTPUT_TYPE_COUNTS,
                            required=False,
                            help="What to output: the counts per label, their percentages (0-100), the "
                                 "label correction (probability per label) for 'balance-labels-ic', or class "
                                 "weights for weighting the loss.")
        parser.add_argument("-k", "--label_key", type=str, default=LABEL_KEY, required=False,
                            help="The key in the (object detection) meta-data that contains the label.")
        parser.add_argument("--target", type=str, default=None, required=False,
                            help="For -t label-balance-correction: the number of records every label should end "
                                 "up with, the correction being target / count: " + TARGET_HELP + "; default: min. "
                                 "Targets above a label's count give values above 1 (copies).")
        parser.add_argument("--by_index", action="store_true", required=False,
                            help="For -t class-weights: key the weights by class index (the position in the "
                                 "sorted label list, or in --labels) instead of by label; JSON format "
                                 "'idc-balance/class-weights-by-index'.")
        parser.add_argument("--labels", type=str, default=None, required=False,
                            help="For -t class-weights --by_index: the comma-separated labels in index order; "
                                 "must name exactly the labels that occur.")
        add_split_options(parser, "count", "pass through uncounted")
        parser.add_argument("--per_split", action="store_true", required=False,
                            help="Output one distribution per split value (JSON format "
                                 "'idc-balance/label-dist-per-split'); records without the split field are not "
                                 "counted.")
        parser.add_argument("--plot", type=str, default=None, required=False,
                            help="The PNG or SVG file to draw the distribution to as a bar chart (one bar group "
                                 "per split with --per_split). " + placeholder_list(obj=self))
        parser.add_argument("--log_scale", action="store_true", required=False,
                            help="Use a logarithmic count axis in the plot (for long tails).")
        return parser

    def _apply_args(self, ns: argparse.Namespace):
        """
        Initializes the object with the arguments of the parsed namespace.

        :param ns: the parsed arguments
        :type ns: argparse.Namespace
        """
        super()._apply_args(ns)
        self.output_file = ns.output_file
        self.output_format = ns.output_format
        self.output_type = ns.output_type
        self.label_key = ns.label_key
        self.target = ns.target
        self.by_index = ns.by_index
        self.labels = ns.labels
        self.split_field = ns.split_field
        self.split_names = ns.split_names
        self.per_split = ns.per_split
        self.plot = ns.plot
        self.log_scale = ns.log_scale

    def initialize(self):
        """
        Initializes the processing: validates the options and checks that the output files
        can be written, before any record is processed.
        """
        super().initialize()
        try:
            self._check_options()
            self._output_path = self._output_file_path(self.output_file, "-o/--output_file")
            self._plot_path = None
            if (self.plot is not None) and (self.plot != ""):
                self._plot_path = expand_variables(self.plot)
                check_plot_path(self._plot_path)
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        self._counters = dict()
        if self._selector is None:
            self._counters[NO_SPLIT] = LabelCounter()
        self._unlabeled = 0

    def _check_options(self):
        """
        Checks the option values and their combinations.

        :raises BalanceError: for a bad value or combination
        """
        check_choice("-f/--output_format", self.output_format, OUTPUT_FORMATS)
        check_choice("-t/--output_type", self.output_type, OUTPUT_TYPES)
        if (self.target is not None) and (self.output_type != OUTPUT_TYPE_CORRECTION):
            raise BalanceError("option --target: only applies to -t/--output_type %s" % OUTPUT_TYPE_CORRECTION)
        self._target = parse_target("--target", self.target)
        if self.by_index and (self.output_type != OUTPUT_TYPE_CLASS_WEIGHTS):
            raise BalanceError("option --by_index: only applies to -t/--output_type %s" % OUTPUT_TYPE_CLASS_WEIGHTS)
        self._labels = parse_label_list("--labels", self.labels)
        if (self._labels is not None) and not self.by_index:
            raise BalanceError("option --labels: only applies to -t/--output_type %s --by_index"
                               % OUTPUT_TYPE_CLASS_WEIGHTS)
        if self.by_index and self.per_split:
            raise BalanceError("options --by_index and --per_split: cannot be combined; count one split with "
                               "--split_names instead")
        if (self.label_key is None) or (self.label_key == ""):
            raise BalanceError("option -k/--label_key: must not be empty")
        selector = SplitSelector(self.split_field, self.split_names)
        self._selector = selector if (self.split_names is not None) or self.per_split else None
        if self.log_scale and ((self.plot is None) or (self.plot == "")):
            raise BalanceError("option --log_scale: only applies with --plot")

    @staticmethod
    def _output_file_path(option_value: Optional[str], option: str) -> Optional[str]:
        """
        Expands the placeholders of an output file option and checks its directory.

        :return: the path, None for stdout
        """
        if (option_value is None) or (option_value == ""):
            return None
        path = expand_variables(option_value)
        check_output_dir(path, "option " + option)
        return path

    def _do_process_stream(self, data):
        """
        Counts the labels of the record(s) and passes them on.

        :param data: the record(s) to process
        """
        label_key = self.label_key
        output = self._stream_output
        items = data if isinstance(data, list) else (data,)
        if self._selector is None:
            add_all = self._counters[NO_SPLIT].add_all
            for item in items:
                output.append(item)
                if add_all(record_labels(item, label_key)) == 0:
                    self._unlabeled += 1
            return
        for item in items:
            output.append(item)
            split = self._selector.select(item)
            if split is None:
                continue
            group = split if self.per_split else NO_SPLIT
            counter = self._counters.get(group)
            if counter is None:
                counter = self._counters[group] = LabelCounter()
            if counter.add_all(record_labels(item, label_key)) == 0:
                self._unlabeled += 1

    def _do_process(self, data):
        """
        Batch variant, for callers that use process() instead of the stream.

        :param data: the record(s) to process
        :return: the record(s), unchanged
        """
        return process_as_batch(self, data)

    def _format(self, counts_by_group: Dict[str, Dict[str, int]]) -> str:
        """
        Formats the result.

        :param counts_by_group: split -> counts (one entry NO_SPLIT without per-split counting)
        :return: the text to output
        """
        if self.per_split:
            values = {split: distribution_values(counts_by_group[split], self.output_type, self._target)
                      for split in sorted(counts_by_group)}
            return format_per_split(values, self.output_type, self.output_format)
        counts = counts_by_group.get(NO_SPLIT, dict())
        if self.by_index:
            labels, weights = weights_by_index(counts, self._labels)
            return format_by_index(labels, weights, self.output_format)
        return format_values(distribution_values(counts, self.output_type, self._target), self.output_type,
                             self.output_format)

    def finalize(self):
        """
        Finishes the processing: outputs the distribution (and the plot).
        """
        if self._counters is not None:
            counts_by_group = {group: counter.counts() for group, counter in self._counters.items()}
            self._counters = None
            try:
                text = self._format(counts_by_group)
            except BalanceError as e:
                self.logger().error(str(e))
                raise
            if self._output_path is None:
                sys.stdout.write(text)
                sys.stdout.flush()
            else:
                write_atomically(self._output_path, text)
                self.logger().info("Wrote %s to: %s" % (self.output_type, self._output_path))
            if self._plot_path is not None:
                if len(counts_by_group) == 0:
                    counts_by_group = {NO_SPLIT: dict()}
                draw_chart(chart_data(counts_by_group, self.log_scale), self._plot_path)
                self.logger().info("Wrote plot to: %s" % self._plot_path)
            if self._unlabeled > 0:
                self.logger().info("Records without label: %d" % self._unlabeled)
            if self._selector is not None:
                for line in self._selector.summary_lines("not counted"):
                    self.logger().info(line)
        super().finalize()
