import argparse
import collections
import os
import sys
from typing import Dict, List, Optional, Union

from seppl import AliasSupporter
from seppl.placeholders import PlaceholderSupporter, placeholder_list
from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING
from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData, LABEL_KEY

from idc.balance.core import (LabelCounter, SignatureCounter, signatures_json, OUTPUT_TYPE_SIGNATURES, OUTPUT_FORMAT_JSON,
                              OUTPUT_TYPES, OUTPUT_TYPE_COUNTS, UNITS, UNIT_IMAGES, default_unit, OUTPUT_TYPE_CORRECTION,
                              OUTPUT_TYPE_CLASS_WEIGHTS, OUTPUT_FORMATS, OUTPUT_FORMAT_TEXT, TARGET_HELP, BalanceError,
                              check_choice, check_output_file, distribution_values, format_values, format_by_index,
                              format_per_split, parse_label_list, parse_target, weights_by_index, write_atomically,
                              check_path, check_flag, check_text, check_label_list)
from idc.balance.plot import chart_data, check_plot_path, check_plot_size, draw_chart
from idc.balance.records import record_labels, objects_without_label, SplitSelector, DEFAULT_SPLIT_FIELD
from ._split_options import add_split_options
from ._stream import LazyOutputFilter, process_as_batch, not_initialized
from ._run_guards import IMAGE_EXTENSIONS, INTERRUPTS, OUTPUT_CLAIMS, stop_watching

NO_SPLIT = ""
""" The counter key when counting without splits. """


class LabelDistribution(LazyOutputFilter, PlaceholderSupporter, AliasSupporter):
    """
    Passes every record on unchanged, counts the labels on the way and outputs the
    distribution (counts, percentages, a correction for balance-labels-ic or class
    weights), optionally per split and as a bar chart, when the stream ends.
    """
    __slots__ = ("_plain_counts", "_counters", "_records", "_unlabeled", "_objects_without_label", "_selector",
                 "_signatures")
    """ read for every record (see LazyOutputFilter) """

    def __init__(self, output_file: Optional[str] = None, output_format: str = OUTPUT_FORMAT_TEXT,
                 output_type: str = OUTPUT_TYPE_COUNTS, label_key: str = LABEL_KEY,
                 target: Optional[Union[str, int]] = None, by_index: bool = False,
                 labels: Optional[Union[str, List[str]]] = None,
                 split_field: str = DEFAULT_SPLIT_FIELD, split_names: Optional[Union[str, List[str]]] = None,
                 per_split: bool = False, plot: Optional[str] = None, log_scale: bool = False,
                 unit: Optional[str] = None, logger_name: str = None, logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param output_file: the file to write the result to (placeholders supported), None for stdout
        :type output_file: str or os.PathLike
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
        :param labels: class weights: the labels in index order, comma-separated or a list (default: sorted)
        :type labels: str or list
        :param split_field: the metadata field that holds the split
        :type split_field: str
        :param split_names: only count records of these splits (one name or a list), None for all records
        :type split_names: str or list
        :param per_split: output one distribution per split
        :type per_split: bool
        :param plot: the PNG or SVG file to draw the distribution to (placeholders supported), None for none
        :type plot: str or os.PathLike
        :param log_scale: use a logarithmic count axis in the plot
        :type log_scale: bool
        :param unit: what object detection records count: 'objects' or 'images' (containing the class);
                     None: images for class weights, objects otherwise
        :type unit: str
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
        self.unit = unit
        self._per_image = False
        self._target = None
        self._labels: Optional[List[str]] = None
        self._selector: Optional[SplitSelector] = None
        self._output_path: Optional[str] = None
        self._plot_path: Optional[str] = None
        self._counters: Optional[Dict[str, LabelCounter]] = None
        self._unlabeled = 0
        self._records = 0
        self._objects_without_label = 0
        self._plain_counts: Optional[Dict[str, int]] = None
        """ the common case's counts (see _do_process_stream): labeled image classification records per label, added
        to the counter at finalize; None when the run needs more than them """
        self._signatures: Optional[SignatureCounter] = None
        self._interrupts_at: Optional[int] = None
        self._check_arguments()

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
                                 "label correction (probability per label) for 'balance-labels-ic', class "
                                 "weights for weighting the loss, or (with -f json) the signatures: how many images "
                                 "carry each distinct set of labels, and their objects per label (JSON format "
                                 "'idc-balance/signatures', for multi-label balancing).")
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
        parser.add_argument("--unit", choices=UNITS, default=None, required=False,
                            help="What object detection records count: 'objects' (every object) or 'images' (the "
                                 "images that contain the class, once each); default: images for -t class-weights, "
                                 "objects otherwise. Segmentation records count the images that contain the class "
                                 "(a layer with pixels) either way.")
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
        self.unit = ns.unit

    def initialize(self):
        """
        Initializes the processing: validates the options and checks that the output files
        can be written, before any record is processed.
        """
        super().initialize()
        self._counters = None
        self._plain_counts = None
        self._stop_watching()
        try:
            self._check_options()
            self._output_path = self._output_file_path(self.output_file, "-o/--output_file")
            self._plot_path = None
            plot = check_path("--plot", self.plot)
            if plot is not None:
                self._plot_path = expand_variables(plot)
                check_plot_path(self._plot_path)
            if (self._plot_path is not None) and (self._output_path is not None) \
                    and (os.path.abspath(self._plot_path) == os.path.abspath(self._output_path)):
                raise BalanceError("options -o/--output_file and --plot: both are '%s'" % self._output_path)
            self._claim_outputs()
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        self._interrupts_at = INTERRUPTS.start()
        self._counters = dict()
        if self._selector is None:
            self._counters[NO_SPLIT] = LabelCounter()
        self._signatures = SignatureCounter() if self.output_type == OUTPUT_TYPE_SIGNATURES else None
        self._unlabeled = 0
        self._records = 0
        self._objects_without_label = 0
        plain = (self._selector is None) and (self._signatures is None)
        self._plain_counts = collections.defaultdict(int) if plain else None

    def _claim_outputs(self):
        """
        Claims the result files for this filter, so that no other filter of the run writes them too.

        :raises BalanceError: if another initialized filter writes one of them
        """
        OUTPUT_CLAIMS.release(self)
        for option, path in [("-o/--output_file", self._output_path), ("--plot", self._plot_path)]:
            if (path is not None) and (OUTPUT_CLAIMS.claim(path, self) is not None):
                OUTPUT_CLAIMS.release(self)
                raise BalanceError("option %s '%s': another filter of this run writes this file too (the later "
                                   "result would replace the earlier)" % (option, path))

    def _check_arguments(self):
        """
        Checks each argument on its own (type and range), as the constructor receives it.

        :raises BalanceError: naming the option (the argument) and the problem
        """
        check_path("-o/--output_file", self.output_file)
        check_path("--plot", self.plot)
        check_choice("-f/--output_format", self.output_format, OUTPUT_FORMATS)
        check_choice("-t/--output_type", self.output_type, OUTPUT_TYPES)
        check_text("-k/--label_key", self.label_key)
        parse_target("--target", self.target)
        check_flag("--by_index", self.by_index)
        self._label_list()
        SplitSelector(self.split_field, self.split_names)
        check_flag("--per_split", self.per_split)
        check_flag("--log_scale", self.log_scale)
        if self.unit is not None:
            check_choice("--unit", self.unit, UNITS)

    def _label_list(self) -> Optional[List[str]]:
        """
        Parses the --labels option: a comma-separated text or a list of labels.

        :return: the labels, None for none
        :rtype: list
        """
        if isinstance(self.labels, (list, tuple)):
            if not all(isinstance(label, str) for label in self.labels):
                raise BalanceError("option --labels: expected labels (str), got %r" % (self.labels,))
            return check_label_list("--labels", self.labels) if len(self.labels) > 0 else None
        if (self.labels is not None) and not isinstance(self.labels, str):
            raise BalanceError("option --labels: expected comma-separated labels or a list, got %s %r"
                               % (type(self.labels).__name__, self.labels))
        return parse_label_list("--labels", self.labels)

    def _check_options(self):
        """
        Checks the option values and their combinations.

        :raises BalanceError: for a bad value or combination
        """
        self._check_arguments()
        if (self.target is not None) and (self.output_type != OUTPUT_TYPE_CORRECTION):
            raise BalanceError("option --target: only applies to -t/--output_type %s" % OUTPUT_TYPE_CORRECTION)
        self._target = parse_target("--target", self.target)
        if self.by_index and (self.output_type != OUTPUT_TYPE_CLASS_WEIGHTS):
            raise BalanceError("option --by_index: only applies to -t/--output_type %s" % OUTPUT_TYPE_CLASS_WEIGHTS)
        self._labels = self._label_list()
        if (self._labels is not None) and not self.by_index:
            raise BalanceError("option --labels: only applies to -t/--output_type %s --by_index"
                               % OUTPUT_TYPE_CLASS_WEIGHTS)
        if self.output_type == OUTPUT_TYPE_SIGNATURES:
            if self.output_format != OUTPUT_FORMAT_JSON:
                raise BalanceError("option -t/--output_type %s: writes its own JSON format, give -f/--output_format %s"
                                   % (OUTPUT_TYPE_SIGNATURES, OUTPUT_FORMAT_JSON))
            if self.per_split:
                raise BalanceError("options -t/--output_type %s and --per_split: cannot be combined; count one split "
                                   "with --split_names instead" % OUTPUT_TYPE_SIGNATURES)
        if self.by_index and self.per_split:
            raise BalanceError("options --by_index and --per_split: cannot be combined; count one split with "
                               "--split_names instead")
        selector = SplitSelector(self.split_field, self.split_names)
        self._selector = selector if (self.split_names is not None) or self.per_split else None
        if self.log_scale and (check_path("--plot", self.plot) is None):
            raise BalanceError("option --log_scale: only applies with --plot")
        if (self.unit is not None) and (self.output_type == OUTPUT_TYPE_SIGNATURES):
            raise BalanceError("option --unit: does not apply to -t/--output_type %s (it holds images and objects)"
                               % OUTPUT_TYPE_SIGNATURES)
        self._per_image = (self.unit or default_unit(self.output_type)) == UNIT_IMAGES

    @staticmethod
    def _output_file_path(option_value, option: str) -> Optional[str]:
        """
        Expands the placeholders of an output file option and checks that a file can be written there.

        :return: the path, None for stdout
        """
        path = check_path(option, option_value)
        if path is None:
            return None
        path = expand_variables(path)
        if os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS:
            raise BalanceError("option %s '%s': an image file name; the distribution is text, CSV or JSON "
                               "(this would overwrite an image)" % (option, path))
        check_output_file(path, "option " + option)
        return path

    def _do_process_stream(self, data):
        """
        Counts the labels of the record(s) and passes them on.

        :param data: the record(s) to process
        """
        counts = self._plain_counts
        if counts is not None:
            # the common case (no split selection, no signatures), as lean as the least work counting needs: a
            # labeled image classification record (its label is a non-empty text) is one dict increment; other
            # records take the general path
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                output.append(item)
                if type(item) is ImageClassificationData:
                    label = item.annotation
                    if label:
                        counts[label] += 1
                        continue
                self._count(item, self._counters[NO_SPLIT])
            return
        if self._counters is None:
            raise not_initialized(self)
        output = self._stream_output
        for item in (data if isinstance(data, list) else (data,)):
            output.append(item)
            if self._selector is None:
                self._count(item, self._counters[NO_SPLIT])
                continue
            split = self._selector.select(item)
            if split is None:
                self._records += 1
                continue
            group = split if self.per_split else NO_SPLIT
            counter = self._counters.get(group)
            if counter is None:
                counter = self._counters[group] = LabelCounter()
            self._count(item, counter)

    def _count(self, item, counter: LabelCounter):
        """
        Counts the labels of one record (and its signature, if asked for).

        :param item: the record
        :param counter: the counter of the record's group
        :type counter: LabelCounter
        """
        self._records += 1
        labels = record_labels(item, self.label_key)
        if self._signatures is not None:
            self._signatures.add(labels)
        if type(item) is ObjectDetectionData:
            self._objects_without_label += objects_without_label(item, self.label_key)
            if self._per_image:
                labels = set(labels)
        if counter.add_all(labels) == 0:
            self._unlabeled += 1

    def _records_seen(self) -> int:
        """
        Returns how many records reached the filter so far.
        """
        return self._records + (0 if self._plain_counts is None else sum(self._plain_counts.values()))

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
        if self._signatures is not None:
            return signatures_json(self._signatures.images(), self._signatures.objects())
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
        Finishes the processing: outputs the distribution (and the plot), and warns about
        splits that selected nothing and a run that counted nothing. A file that cannot
        be written is one ERROR naming it; a result that could not be written is logged
        with the error, so that it is not lost. The error is raised as a BalanceError only
        outside a pipeline (no session): inside one, the rest of the pipeline still finishes.
        """
        if self._counters is not None:
            if self._plain_counts is not None:
                self._counters[NO_SPLIT].add_counts(self._plain_counts)
            counts_by_group = {group: counter.counts() for group, counter in self._counters.items()}
            self._counters = None
            interrupted = self._stop_watching()
            try:
                text = self._format(counts_by_group)
                if interrupted:
                    raise BalanceError("a Ctrl-C arrived during the run (%d record(s) had reached this filter): the run "
                                       "stopped early, or, with two or more filters (seppl's MultiFilter), went on after "
                                       "dropping the record in progress; the distribution may not describe the data, so "
                                       "it was not output; it was:\n%s" % (self._records_seen(), text))
                self._write(text)
                if self._plot_path is not None:
                    self._draw(counts_by_group)
            except BalanceError as e:
                self.logger().error(str(e))
                if self.session is None:
                    raise
                # in a pipeline, raising here would stop seppl's execute() from finalizing the filters and the
                # writer after this one (and lose their output): the ERROR line is the report
            finally:
                self._log_summary(counts_by_group)
                self._plain_counts = None
        super().finalize()

    def _stop_watching(self) -> bool:
        """
        Stops watching for interrupts and releases the result files.

        :return: whether the run was interrupted while this filter watched
        :rtype: bool
        """
        interrupted = stop_watching(self, self._interrupts_at)
        self._interrupts_at = None
        return interrupted

    def _write(self, text: str):
        """
        Writes the result to the output file or stdout.

        :param text: the result
        :type text: str
        :raises BalanceError: if the file cannot be written (the message holds the result)
        """
        if self._output_path is None:
            try:
                sys.stdout.write(text)
                sys.stdout.flush()
            except OSError as e:
                raise BalanceError("standard output: cannot write: %s; the result was:\n%s"
                                   % (e.strerror or e, text)) from e
            return
        try:
            write_atomically(self._output_path, text)
        except OSError as e:
            raise BalanceError("option -o/--output_file '%s': cannot write: %s; the result was:\n%s"
                               % (self._output_path, e.strerror or e, text)) from e
        self.logger().info("Wrote %s to: %s" % (self.output_type, self._output_path))

    def _draw(self, counts_by_group: Dict[str, Dict[str, int]]):
        """
        Draws the plot.

        :param counts_by_group: split -> counts
        :type counts_by_group: dict
        :raises BalanceError: if the plot cannot be drawn or written
        """
        if len(counts_by_group) == 0:
            counts_by_group = {NO_SPLIT: dict()}
        data = chart_data(counts_by_group, self.log_scale)
        check_plot_size(data, self._plot_path)
        try:
            draw_chart(data, self._plot_path)
        except OSError as e:
            raise BalanceError("option --plot '%s': cannot write: %s" % (self._plot_path, e.strerror or e)) from e
        except Exception as e:
            # matplotlib is third-party code: whatever fails in it is reported as this file's error
            raise BalanceError("option --plot '%s': cannot draw: %s: %s" % (self._plot_path, type(e).__name__, e)) from e
        self.logger().info("Wrote plot to: %s" % self._plot_path)

    def _log_summary(self, counts_by_group: Dict[str, Dict[str, int]]):
        """
        Logs what was not counted, and warns about splits that selected nothing and an empty count.

        :param counts_by_group: split -> counts
        :type counts_by_group: dict
        """
        if self._unlabeled > 0:
            self.logger().info("Records without label: %d" % self._unlabeled)
        if self._objects_without_label > 0:
            self.logger().warning("%d object(s) had no '%s' in their metadata and were not counted (see "
                                  "-k/--label_key)" % (self._objects_without_label, self.label_key))
        if self._selector is not None:
            for line in self._selector.summary_lines("not counted"):
                self.logger().info(line)
            unused = self._selector.unused_names_warning()
            if unused is not None:
                self.logger().warning(unused)
        if sum(sum(counts.values()) for counts in counts_by_group.values()) == 0:
            self.logger().warning("No label was counted: %d record(s) reached this filter, none had a label%s"
                                  % (self._records_seen(), "" if self._selector is None else " and a selected split"))
