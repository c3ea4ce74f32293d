import argparse
import sys
from typing import List, Optional, Union

from seppl import AliasSupporter
from seppl.io import StreamFilter
from seppl.placeholders import PlaceholderSupporter, placeholder_list
from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING
from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData, LABEL_KEY

from idc.balance.core import (LabelCounter, OUTPUT_TYPES, OUTPUT_TYPE_COUNTS, OUTPUT_TYPE_CORRECTION, OUTPUT_FORMATS,
                              OUTPUT_FORMAT_TEXT, TARGET_HELP, BalanceError, check_choice, check_output_dir,
                              distribution_values, format_values, parse_target, write_atomically)
from idc.balance.records import record_labels
from ._stream import process_as_batch


class LabelDistribution(StreamFilter, PlaceholderSupporter, AliasSupporter):
    """
    Passes every record on unchanged, counts the labels on the way and outputs the
    distribution (counts, percentages or a correction for balance-labels-ic) when the
    stream ends.
    """

    def __init__(self, output_file: Optional[str] = None, output_format: str = OUTPUT_FORMAT_TEXT,
                 output_type: str = OUTPUT_TYPE_COUNTS, label_key: str = LABEL_KEY,
                 target: Optional[Union[str, int]] = None, logger_name: str = None, logging_level: str = LOGGING_WARNING):
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
        self._target = None
        self._output_path: Optional[str] = None
        self._counter: Optional[LabelCounter] = None
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
               "outputs the label distribution: counts, percentages or the label correction that " \
               "'balance-labels-ic' uses to balance the labels (target / count per label, the target being " \
               "the rarest label's count by default). " \
               "Image classification: the label; object detection: the label of each object; " \
               "image segmentation: each label layer present in the image."

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
                            help="What to output: the counts per label, their percentages (0-100) or the "
                                 "label correction (probability per label) for 'balance-labels-ic'.")
        parser.add_argument("-k", "--label_key", type=str, default=LABEL_KEY, required=False,
                            help="The key in the (object detection) meta-data that contains the label.")
        parser.add_argument("--target", type=str, default=None, required=False,
                            help="For -t label-balance-correction: the number of records every label should end "
                                 "up with, the correction being target / count: " + TARGET_HELP + "; default: min. "
                                 "Targets above a label's count give values above 1 (copies).")
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

    def initialize(self):
        """
        Initializes the processing: validates the options and checks that the output file
        can be written, before any record is processed.
        """
        super().initialize()
        try:
            check_choice("-f/--output_format", self.output_format, OUTPUT_FORMATS)
            check_choice("-t/--output_type", self.output_type, OUTPUT_TYPES)
            if (self.target is not None) and (self.output_type != OUTPUT_TYPE_CORRECTION):
                raise BalanceError("option --target: only applies to -t/--output_type %s" % OUTPUT_TYPE_CORRECTION)
            self._target = parse_target("--target", self.target)
            if (self.label_key is None) or (self.label_key == ""):
                raise BalanceError("option -k/--label_key: must not be empty")
            if (self.output_file is None) or (self.output_file == ""):
                self._output_path = None
            else:
                self._output_path = expand_variables(self.output_file)
                check_output_dir(self._output_path, "option -o/--output_file")
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        self._counter = LabelCounter()
        self._unlabeled = 0

    def _do_process_stream(self, data):
        """
        Counts the labels of the record(s) and passes them on.

        :param data: the record(s) to process
        """
        add_all = self._counter.add_all
        label_key = self.label_key
        output = self._stream_output
        for item in (data if isinstance(data, list) else (data,)):
            if add_all(record_labels(item, label_key)) == 0:
                self._unlabeled += 1
            output.append(item)

    def _do_process(self, data):
        """
        Batch variant, for callers that use process() instead of the stream.

        :param data: the record(s) to process
        :return: the record(s), unchanged
        """
        return process_as_batch(self, data)

    def finalize(self):
        """
        Finishes the processing: outputs the distribution.
        """
        if self._counter is not None:
            counts = self._counter.counts()
            text = format_values(distribution_values(counts, self.output_type, self._target), self.output_type, self.output_format)
            if self._output_path is None:
                sys.stdout.write(text)
                sys.stdout.flush()
            else:
                write_atomically(self._output_path, text)
                self.logger().info("Wrote %s of %d label(s) to: %s" % (self.output_type, len(counts), self._output_path))
            if self._unlabeled > 0:
                self.logger().info("Records without label: %d" % self._unlabeled)
            self._counter = None
        super().finalize()
