import argparse
from typing import List, Optional

from seppl.placeholders import PlaceholderSupporter
from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING
from seppl import AliasSupporter
from seppl.io import StreamFilter
from idc.api import ImageClassificationData

from idc.balance.core import (read_correction, check_probability, resolve_seed, create_rng, uniform_stream,
                              ProbabilisticSampler, BalanceError, summary_lines)
from idc.balance.records import classification_label
from ._stream import process_as_batch

DEFAULT_PROBABILITY = 1.0


class BalanceLabels(StreamFilter, PlaceholderSupporter, AliasSupporter):
    """
    Keeps each image classification record with the probability of its label
    (from a correction file), dropping the others.
    """

    def __init__(self, label_correction: Optional[str] = None, seed: Optional[int] = None,
                 default_probability: float = DEFAULT_PROBABILITY,
                 logger_name: str = None, logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param label_correction: the JSON file with the keep probability per label (placeholders supported),
                                 None to use the default probability for every label
        :type label_correction: str
        :param seed: the seed for the random number generator, None for fresh entropy (logged)
        :type seed: int
        :param default_probability: the probability [0-1] for labels not in the correction file
        :type default_probability: float
        :param logger_name: the name to use for the logger
        :type logger_name: str
        :param logging_level: the logging level to use
        :type logging_level: str
        """
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.label_correction = label_correction
        self.seed = seed
        self.default_probability = default_probability
        self._sampler: Optional[ProbabilisticSampler] = None
        self._unlabeled = 0

    def name(self) -> str:
        """
        Returns the name of the handler, used as sub-command.

        :return: the name
        :rtype: str
        """
        return "balance-labels-ic"

    def aliases(self) -> List[str]:
        """
        Returns the aliases under which the plugin is known too: a name no other package
        uses, for when another installed package registers a plugin called 'balance-labels-ic'.

        :return: the aliases
        :rtype: list
        """
        return ["bal-balance-labels-ic"]

    def description(self) -> str:
        """
        Returns a description of the filter.

        :return: the description
        :rtype: str
        """
        return "Tries to balance labels in an image stream by dropping images that don't make the threshold. " \
               "Loads the correction from a JSON file, a probability of 0-1 per label. " \
               "Assumes no correction necessary if label not present in correction file. " \
               "Such a correction file for a balanced label distribution can be generated automatically " \
               "using 'label-dist'."

    def accepts(self) -> List:
        """
        Returns the list of classes that are accepted.

        :return: the list of classes
        :rtype: list
        """
        return [ImageClassificationData]

    def generates(self) -> List:
        """
        Returns the list of classes that get produced.

        :return: the list of classes
        :rtype: list
        """
        return [ImageClassificationData]

    def _create_argparser(self) -> argparse.ArgumentParser:
        """
        Creates an argument parser. Derived classes need to fill in the options.

        :return: the parser
        :rtype: argparse.ArgumentParser
        """
        parser = super()._create_argparser()
        parser.add_argument("-c", "--label_correction", type=str, default=None, required=False,
                            help="The JSON file with the probabilities per label.")
        parser.add_argument("-s", "--seed", type=int, default=None, required=False,
                            help="The seed value to use for the random number generator; "
                                 "randomly seeded if not provided")
        parser.add_argument("-p", "--default_probability", type=float, default=DEFAULT_PROBABILITY, required=False,
                            help="The default probability [0-1] to use if a label is not mentioned in the "
                                 "correction file: 0=discard, 1=keep")
        return parser

    def _apply_args(self, ns: argparse.Namespace):
        """
        Initializes the object with the arguments of the parsed namespace.

        :param ns: the parsed arguments
        :type ns: argparse.Namespace
        """
        super()._apply_args(ns)
        self.label_correction = ns.label_correction
        self.seed = ns.seed
        self.default_probability = ns.default_probability

    def initialize(self):
        """
        Initializes the processing: validates the options and reads the correction file,
        so that bad input fails before any record is processed.
        """
        super().initialize()
        try:
            default = check_probability("-p/--default_probability", self.default_probability)
            if (self.seed is not None) and (self.seed < 0):
                raise BalanceError("option -s/--seed: %d is negative" % self.seed)
            if self.label_correction is None:
                correction = dict()
                self.logger().warning("No label correction file given (-c/--label_correction): every label is "
                                      "kept with the default probability %s" % default)
            else:
                path = expand_variables(self.label_correction)
                correction = read_correction(path)
                self.logger().info("Read label correction for %d label(s) from: %s" % (len(correction), path))
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        seed = resolve_seed(self.seed)
        if self.seed is None:
            self.logger().info("No seed given (-s/--seed), using: %d" % seed)
        self._sampler = ProbabilisticSampler(correction, default, uniform_stream(create_rng(seed)))
        self._unlabeled = 0

    def _do_process_stream(self, data):
        """
        Decides for each record whether it is kept; dropped records produce no output.

        :param data: the record(s) to process
        """
        emit_count = self._sampler.emit_count
        output = self._stream_output
        for item in (data if isinstance(data, list) else (data,)):
            label = classification_label(item)
            if label is None:
                self._unlabeled += 1
                output.append(item)
            elif emit_count(label) > 0:
                output.append(item)

    def _do_process(self, data):
        """
        Batch variant of the decision, for callers that use process() instead of the stream.

        :param data: the record(s) to process
        :return: the kept record(s), None if all were dropped
        """
        return process_as_batch(self, data)

    def finalize(self):
        """
        Finishes the processing: logs what was kept and dropped per label.
        """
        if self._sampler is not None:
            self.logger().info("Summary:\n" + "\n".join(summary_lines(self._sampler.tallies(), self._unlabeled)))
        super().finalize()
