import argparse
import copy
from typing import Dict, List, Optional

from wai.logging import LOGGING_WARNING
from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData, LABEL_KEY

from idc.balance.core import (BalanceError, DuplicateFinder, HASH_TYPES, DEFAULT_HASH, DEFAULT_THRESHOLD,
                              MAX_RADIUS, check_choice, check_text, check_threshold_bits)
from idc.balance.records import written_bytes, record_labels
from ._stream import LazyOutputFilter, process_as_batch, not_initialized

ACTION_DROP = "drop"
ACTION_TAG = "tag"
ACTIONS = [ACTION_DROP, ACTION_TAG]

DUPLICATE_OF_FIELD = "duplicate_of"
""" The metadata field that --action tag sets on a duplicate: the name of the image it duplicates. """

DUPLICATE_DISTANCE_FIELD = "duplicate_distance"
""" The metadata field that --action tag sets on a duplicate: its hash distance to that image. """

MAX_SKIPPED_LISTED = 20
""" How many images that could not be hashed the summary names. """

NO_LABEL = "(no label)"


class RemoveDuplicates(LazyOutputFilter):
    """
    Keeps the first image of every group of duplicates and drops (or tags) the later ones,
    in one pass: exact duplicates (identical pixels) or near duplicates (perceptual hashes
    within a threshold).
    """

    def __init__(self, hash_type: str = DEFAULT_HASH, threshold: int = DEFAULT_THRESHOLD,
                 action: str = ACTION_DROP, label_key: str = LABEL_KEY, logger_name: str = None,
                 logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param hash_type: 'exact' (identical decoded pixels) or 'perceptual' (near duplicates)
        :type hash_type: str
        :param threshold: perceptual: the largest hash distance in bits (of 64) that counts as a duplicate
        :type threshold: int
        :param action: 'drop' the duplicates, or 'tag' them in the metadata and keep them
        :type action: str
        :param label_key: the key in the metadata of object detection objects that holds the label
        :type label_key: str
        :param logger_name: the name to use for the logger
        :type logger_name: str
        :param logging_level: the logging level to use
        :type logging_level: str
        """
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.hash_type = hash_type
        self.threshold = threshold
        self.action = action
        self.label_key = label_key
        self._finder: Optional[DuplicateFinder] = None
        self._duplicates: Dict[str, int] = dict()
        self._skipped: List[str] = []
        self._skipped_count = 0
        self._check_arguments()

    def name(self) -> str:
        """
        Returns the name of the handler, used as sub-command.

        :return: the name
        :rtype: str
        """
        return "remove-duplicates"

    def description(self) -> str:
        """
        Returns a description of the filter.

        :return: the description
        :rtype: str
        """
        return "Keeps the first image of every group of duplicates and drops the later ones (or tags them in the " \
               "metadata fields '%s' and '%s'), in one pass: exact duplicates (identical decoded pixels, whatever " \
               "the encoding) or near duplicates (64-bit perceptual hashes at most --threshold bits apart). Images " \
               "that cannot be decoded are passed on unhashed, with a warning." \
               % (DUPLICATE_OF_FIELD, DUPLICATE_DISTANCE_FIELD)

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
        parser.add_argument("-t", "--hash", dest="hash_type", choices=HASH_TYPES, default=DEFAULT_HASH,
                            required=False,
                            help="'exact': identical decoded pixels (byte copies, lossless re-encodings); "
                                 "'perceptual': near duplicates (re-encoded, resized, brightened, blurred) and "
                                 "exact ones.")
        parser.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD, required=False,
                            help="For -t perceptual: the largest hash distance (bits of 64, 0-%d) that counts as "
                                 "a duplicate." % MAX_RADIUS)
        parser.add_argument("--action", choices=ACTIONS, default=ACTION_DROP, required=False,
                            help="'drop' the duplicates, or 'tag' them in the metadata (the image they duplicate "
                                 "and the distance) and keep them.")
        parser.add_argument("-k", "--label_key", type=str, default=LABEL_KEY, required=False,
                            help="The key in the (object detection) meta-data that contains the label, for the "
                                 "summary per label.")
        return parser

    def _apply_args(self, ns: argparse.Namespace):
        """
        Initializes the object with the arguments of the parsed namespace.

        :param ns: the parsed arguments
        :type ns: argparse.Namespace
        """
        super()._apply_args(ns)
        self.hash_type = ns.hash_type
        self.threshold = ns.threshold
        self.action = ns.action
        self.label_key = ns.label_key

    def _check_arguments(self):
        """
        Checks each argument on its own.

        :raises BalanceError: naming the option and the problem
        """
        check_choice("-t/--hash", self.hash_type, HASH_TYPES)
        check_threshold_bits(self.threshold)
        check_choice("--action", self.action, ACTIONS)
        check_text("-k/--label_key", self.label_key)

    def initialize(self):
        """
        Initializes the processing: checks the options, before any record is processed.
        """
        super().initialize()
        try:
            self._check_arguments()
            finder = DuplicateFinder(self.hash_type, self.threshold)
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        self._duplicates = dict()
        self._skipped = []
        self._skipped_count = 0
        self._finder = finder

    def _do_process_stream(self, data):
        """
        Hashes each record and passes on the new ones (and the tagged duplicates).

        :param data: the record(s) to process
        """
        if self._finder is None:
            raise not_initialized(self)
        output = self._stream_output
        for item in (data if isinstance(data, list) else (data,)):
            name = item.image_name or "(unnamed)"
            try:
                encoded = written_bytes(item)
                found = None if encoded is None else self._finder.check(encoded, name)
            except BalanceError as e:
                self._skip(name, str(e))
                output.append(item)
                continue
            if encoded is None:
                self._skip(name, "image '%s': has no image data" % name)
                output.append(item)
                continue
            if found is None:
                output.append(item)
                continue
            for label in (set(record_labels(item, self.label_key)) or {NO_LABEL}):
                self._duplicates[label] = self._duplicates.get(label, 0) + 1
            if self.action == ACTION_TAG:
                metadata = copy.deepcopy(item.get_metadata()) or dict()
                metadata[DUPLICATE_OF_FIELD] = found[0]
                metadata[DUPLICATE_DISTANCE_FIELD] = found[1]
                output.append(item.duplicate(metadata=metadata))

    def _skip(self, name: str, reason: str):
        """
        Notes an image that could not be hashed (it is passed on).
        """
        self.logger().warning("%s: passed on unhashed" % reason)
        self._skipped_count += 1
        if len(self._skipped) < MAX_SKIPPED_LISTED:
            self._skipped.append(name)

    def _do_process(self, data):
        """
        Batch variant, for callers that use process() instead of the stream.

        :param data: the record(s) to process
        :return: the record(s) passed on, None if none
        """
        return process_as_batch(self, data)

    def finalize(self):
        """
        Finishes the processing: reports the duplicates per label and the images that could not be hashed.
        """
        if self._finder is not None:
            what = "dropped" if self.action == ACTION_DROP else "tagged"
            total = sum(self._duplicates.values())
            lines = ["%s: %d" % (label, count) for label, count in sorted(self._duplicates.items())]
            self.logger().info("Duplicates %s per label (an image counts under each of its labels): %s; distinct "
                               "images kept: %d" % (what, ", ".join(lines) if total > 0 else "none",
                                                    self._finder.kept))
            if self._skipped_count > 0:
                self.logger().warning("%d image(s) could not be hashed and were passed on: %s%s"
                                      % (self._skipped_count, ", ".join(self._skipped),
                                         "" if self._skipped_count <= len(self._skipped) else ", ..."))
            self._finder = None
        super().finalize()
