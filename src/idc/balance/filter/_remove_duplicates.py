import argparse
import copy
from typing import Dict, List, Optional

import numpy as np

from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING
from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData, LABEL_KEY

from idc.balance.core import (BalanceError, DuplicateFinder, HASH_TYPES, DEFAULT_HASH, DEFAULT_THRESHOLD,
                              MAX_RADIUS, check_choice, check_text, check_hash_threshold, check_path, check_seed,
                              check_whole_number, read_groups, ImageLocator, GroupsFile, select_images, check_num_cut,
                              OVER_SAMPLE_METHODS, DEFAULT_OVER_SAMPLE, UNDER_SAMPLE_METHODS, DEFAULT_UNDER_SAMPLE,
                              resolve_seed, create_rng)
from idc.balance.records import written_bytes, record_labels
from ._run_guards import OUTPUT_CLAIMS
from ._stream import LazyOutputFilter, process_as_batch, not_initialized

ACTION_DROP = "drop"
ACTION_TAG = "tag"
ACTIONS = [ACTION_DROP, ACTION_TAG]

DUPLICATE_OF_FIELD = "duplicate_of"
""" The metadata field that --action tag sets on a duplicate: the file of the image it duplicates (its name for
records without a file). """

DUPLICATE_DISTANCE_FIELD = "duplicate_distance"
""" The metadata field that --action tag sets on a duplicate: its hash distance to that image. """

MAX_SKIPPED_LISTED = 20
""" How many images that could not be hashed the summary names. """

NO_LABEL = "(no label)"

MAX_UNLISTED_LOGGED = 20
""" How many records that the groups file does not list get a warning of their own (the summary counts all). """

GROUPS_ONLY_OPTIONS = ["--num_cut", "--over_sample", "--under_sample", "-s/--seed"]


class RemoveDuplicates(LazyOutputFilter):
    """
    Keeps the first image of every group of duplicates and drops (or tags) the later ones,
    in one pass: exact duplicates (identical pixels) or near duplicates (perceptual hashes
    within a threshold). Or, given the groups file of find-duplicates, removes exactly by it,
    optionally cutting the result to a number of images (Datumaro's NDR).
    """

    def __init__(self, hash_type: Optional[str] = None, threshold: Optional[int] = None,
                 action: str = ACTION_DROP, label_key: str = LABEL_KEY, groups: Optional[str] = None,
                 num_cut: Optional[int] = None, over_sample: Optional[str] = None,
                 under_sample: Optional[str] = None, seed: Optional[int] = None, logger_name: str = None,
                 logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param hash_type: 'exact' (identical decoded pixels) or 'perceptual' (near duplicates); None: perceptual,
                          or the groups file's
        :type hash_type: str
        :param threshold: perceptual: the largest hash distance in bits (of 64) that counts as a duplicate;
                          None: the default, or the groups file's
        :type threshold: int
        :param action: 'drop' the duplicates, or 'tag' them in the metadata and keep them
        :type action: str
        :param label_key: the key in the metadata of object detection objects that holds the label
        :type label_key: str
        :param groups: the groups file of find-duplicates to remove by, None to find duplicates in the stream
        :type groups: str
        :param num_cut: with groups: the number of images to output
        :type num_cut: int
        :param over_sample: with num_cut: how removed images are added back ('random' or 'similarity')
        :type over_sample: str
        :param under_sample: with num_cut: how the distinct images are sampled ('uniform' or 'inverse')
        :type under_sample: str
        :param seed: with num_cut: the seed of the random choices, None for fresh entropy (logged)
        :type seed: int
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
        self.groups = groups
        self.num_cut = num_cut
        self.over_sample = over_sample
        self.under_sample = under_sample
        self.seed = seed
        self._finder: Optional[DuplicateFinder] = None
        self._by_file: Optional[_FileRemoval] = None
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
               "that cannot be decoded are passed on unhashed, with a warning. Given the groups file of " \
               "find-duplicates (-g), it removes exactly by that file instead, and can cut the result to " \
               "--num_cut images as Datumaro's NDR does." \
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
        parser.add_argument("-t", "--hash", dest="hash_type", choices=HASH_TYPES, default=None,
                            required=False,
                            help="'exact': identical decoded pixels (byte copies, lossless re-encodings); "
                                 "'perceptual': near duplicates (re-encoded, resized, brightened, blurred) and "
                                 "exact ones. Default: %s (with -g: the groups file's)." % DEFAULT_HASH)
        parser.add_argument("--threshold", type=int, default=None, required=False,
                            help="For -t perceptual: the largest hash distance (bits of 64, 0-%d) that counts as "
                                 "a duplicate. Default: %d (with -g: the groups file's)."
                                 % (MAX_RADIUS, DEFAULT_THRESHOLD))
        parser.add_argument("--action", choices=ACTIONS, default=ACTION_DROP, required=False,
                            help="'drop' the duplicates, or 'tag' them in the metadata (the image they duplicate "
                                 "and the distance) and keep them.")
        parser.add_argument("-k", "--label_key", type=str, default=LABEL_KEY, required=False,
                            help="The key in the (object detection) meta-data that contains the label, for the "
                                 "summary per label.")
        parser.add_argument("-g", "--groups", type=str, default=None, required=False,
                            help="The groups file of find-duplicates (-o): remove exactly by it (the first image of "
                                 "every group is kept) instead of finding duplicates in the stream; records it does "
                                 "not list pass through with a warning.")
        parser.add_argument("--num_cut", type=int, default=None, required=False,
                            help="With -g: output exactly this many of the images the file lists (Datumaro's NDR): "
                                 "removed images are added back if fewer remain, distinct ones sampled if more.")
        parser.add_argument("--over_sample", choices=OVER_SAMPLE_METHODS, default=None, required=False,
                            help="With --num_cut above the distinct images: add removed images back at 'random' or "
                                 "by 'similarity' (least similar to their group's first image first). Default: %s."
                                 % DEFAULT_OVER_SAMPLE)
        parser.add_argument("--under_sample", choices=UNDER_SAMPLE_METHODS, default=None, required=False,
                            help="With --num_cut below the distinct images: sample them 'uniform'ly or 'inverse'ly "
                                 "to their group's size (images without duplicates preferred). Default: %s."
                                 % DEFAULT_UNDER_SAMPLE)
        parser.add_argument("-s", "--seed", type=int, default=None, required=False,
                            help="With --num_cut: the seed of the random choices; randomly seeded (and logged) if "
                                 "not provided.")
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
        self.groups = ns.groups
        self.num_cut = ns.num_cut
        self.over_sample = ns.over_sample
        self.under_sample = ns.under_sample
        self.seed = ns.seed

    def _check_arguments(self):
        """
        Checks each argument on its own.

        :raises BalanceError: naming the option and the problem
        """
        if self.hash_type is not None:
            check_choice("-t/--hash", self.hash_type, HASH_TYPES)
        check_hash_threshold(self.hash_type or DEFAULT_HASH, self.threshold)
        check_choice("--action", self.action, ACTIONS)
        check_text("-k/--label_key", self.label_key)
        check_path("-g/--groups", self.groups)
        if self.num_cut is not None:
            check_whole_number("--num_cut", self.num_cut, 1)
        if self.over_sample is not None:
            check_choice("--over_sample", self.over_sample, OVER_SAMPLE_METHODS)
        if self.under_sample is not None:
            check_choice("--under_sample", self.under_sample, UNDER_SAMPLE_METHODS)
        check_seed("-s/--seed", self.seed)
        if self.groups is None:
            given = [option for option, value in zip(GROUPS_ONLY_OPTIONS, [self.num_cut, self.over_sample,
                                                                            self.under_sample, self.seed])
                     if value is not None]
            if len(given) > 0:
                raise BalanceError("option %s: applies only with -g/--groups (the groups file of find-duplicates)"
                                   % ", ".join(given))
        elif self.num_cut is None:
            given = [option for option, value in zip(GROUPS_ONLY_OPTIONS[1:], [self.over_sample, self.under_sample,
                                                                                self.seed]) if value is not None]
            if len(given) > 0:
                raise BalanceError("option %s: applies only with --num_cut" % ", ".join(given))
        elif self.action == ACTION_TAG:
            raise BalanceError("option --action %s: not with --num_cut, which selects the images to output"
                               % ACTION_TAG)

    def initialize(self):
        """
        Initializes the processing: checks the options, before any record is processed.
        """
        super().initialize()
        self._finder = None
        self._by_file = None
        try:
            self._check_arguments()
            if self.groups is None:
                finder = DuplicateFinder(DEFAULT_HASH if self.hash_type is None else self.hash_type,
                                         DEFAULT_THRESHOLD if self.threshold is None else self.threshold)
            else:
                by_file = self._read_groups()
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        self._duplicates = dict()
        self._skipped = []
        self._skipped_count = 0
        if self.groups is None:
            self._finder = finder
        else:
            self._by_file = by_file

    def _read_groups(self) -> "_FileRemoval":
        """
        Reads the groups file and decides which of its images to keep.

        :raises BalanceError: for an invalid file, or options that contradict it
        """
        path = expand_variables(check_path("-g/--groups", self.groups))
        other = OUTPUT_CLAIMS.claim_read(path, self)
        if other is not None:
            raise BalanceError("option -g/--groups '%s': another filter of this run (%s) writes this file; remove by "
                               "the file in a later run, after reviewing it" % (path, other.name()))
        groups_file = read_groups(path)
        for option, value, found in [("-t/--hash", self.hash_type, groups_file.hash_type),
                                     ("--threshold", self.threshold, groups_file.threshold)]:
            if (value is not None) and (value != found):
                raise BalanceError("option %s: %s, but the groups file '%s' was found with %s (the file decides; "
                                   "leave the option out)" % (option, value, path, found))
        rng = None
        if self.num_cut is not None:
            check_num_cut(groups_file, self.num_cut)
            seed = resolve_seed(self.seed)
            if self.seed is None:
                self.logger().info("No seed given (-s/--seed), using: %d" % seed)
            rng = create_rng(seed)
        keep = select_images(groups_file, self.num_cut, self.over_sample or DEFAULT_OVER_SAMPLE,
                             self.under_sample or DEFAULT_UNDER_SAMPLE, rng)
        return _FileRemoval(groups_file, keep)

    def _do_process_stream(self, data):
        """
        Hashes each record and passes on the new ones (and the tagged duplicates).

        :param data: the record(s) to process
        """
        if self._by_file is not None:
            self._remove_by_file(data)
            return
        if self._finder is None:
            raise not_initialized(self)
        output = self._stream_output
        for item in (data if isinstance(data, list) else (data,)):
            name = item.image_name or "(unnamed)"
            try:
                encoded = written_bytes(item)
                # a duplicate names the image it duplicates by its file (names repeat across label folders)
                found = None if encoded is None else self._finder.check(encoded, item.source or name)
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
            self._count_removed(record_labels(item, self.label_key))
            if self.action == ACTION_TAG:
                output.append(tagged(item, found[0], found[1]))

    def _count_removed(self, labels: List[str]):
        for label in (set(labels) or {NO_LABEL}):
            self._duplicates[label] = self._duplicates.get(label, 0) + 1

    def _remove_by_file(self, data):
        """
        Passes on the records that the groups file keeps (and those it does not list, with a warning).

        :param data: the record(s) to process
        """
        by_file = self._by_file
        output = self._stream_output
        for item in (data if isinstance(data, list) else (data,)):
            labels = record_labels(item, self.label_key)
            if (not by_file.warned_outside) and by_file.locator.outside_root(item.source):
                by_file.warned_outside = True
                self.logger().warning("image '%s' lies outside the folder the groups file '%s' was made from (%s): "
                                      "records are found by the end of their path and their labels; check that the "
                                      "file belongs to this data" % (item.source, self.groups, by_file.locator.root))
            number = by_file.locator.find(item.source, item.image_name or "(unnamed)", labels)
            if number is None:
                by_file.unlisted += 1
                if by_file.unlisted <= MAX_UNLISTED_LOGGED:
                    self.logger().warning("image '%s' (labels: %s): not listed in the groups file '%s': passed on"
                                          % (item.source or item.image_name, ", ".join(labels) or NO_LABEL,
                                             self.groups))
                output.append(item)
                continue
            if by_file.seen[number]:
                by_file.repeated += 1
            by_file.seen[number] = True
            if by_file.keep[number]:
                output.append(item)
                continue
            self._count_removed(labels)
            if self.action == ACTION_TAG:
                first, distance = by_file.first_of(number)
                output.append(tagged(item, first, distance))

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

    def _action_done(self) -> str:
        return "dropped" if self.action == ACTION_DROP else "tagged"

    def _removed_per_label(self) -> str:
        """
        Returns the images dropped (or tagged) per label, as the summary shows them.
        """
        lines = ["%s: %d" % (label, count) for label, count in sorted(self._duplicates.items())]
        return ", ".join(lines) if len(lines) > 0 else "none"

    def finalize(self):
        """
        Finishes the processing: reports the duplicates per label and the images that could not be hashed.
        """
        if self._by_file is not None:
            by_file = self._by_file
            self._by_file = None
            self.logger().info("By the groups file '%s': images %s per label (an image counts under each of its "
                               "labels): %s; images of the file kept: %d of %d%s"
                               % (self.groups, self._action_done(), self._removed_per_label(),
                                  int(by_file.keep.sum()), len(by_file.keep),
                                  "" if self.num_cut is None else " (--num_cut %d)" % self.num_cut))
            if by_file.unlisted > 0:
                self.logger().warning("%d record(s) not listed in the groups file '%s' were passed on"
                                      % (by_file.unlisted, self.groups))
            unseen = int((~by_file.seen).sum())
            if unseen > 0:
                self.logger().warning("%d image(s) of the groups file '%s' did not appear in the stream (of them, "
                                      "%d were to be kept)" % (unseen, self.groups,
                                                               int((by_file.keep & ~by_file.seen).sum())))
            if by_file.repeated > 0:
                self.logger().warning("%d record(s) appeared more than once; each time the file's decision applied"
                                      % by_file.repeated)
        if self._finder is not None:
            self.logger().info("Duplicates %s per label (an image counts under each of its labels): %s; distinct "
                               "images kept: %d" % (self._action_done(), self._removed_per_label(), self._finder.kept))
            if self._skipped_count > 0:
                self.logger().warning("%d image(s) could not be hashed and were passed on: %s%s"
                                      % (self._skipped_count, ", ".join(self._skipped),
                                         "" if self._skipped_count <= len(self._skipped) else ", ..."))
            self._finder = None
        super().finalize()


def tagged(item, first: str, distance: int):
    """
    Returns a copy of a record marked as a duplicate in its metadata.

    :param item: the record
    :param first: the image it duplicates
    :type first: str
    :param distance: their hash distance
    :type distance: int
    """
    metadata = copy.deepcopy(item.get_metadata()) or dict()
    metadata[DUPLICATE_OF_FIELD] = first
    metadata[DUPLICATE_DISTANCE_FIELD] = distance
    return item.duplicate(metadata=metadata)


class _FileRemoval:
    """
    Removal by a groups file: where its images are, which are kept, which the stream brought.
    """

    def __init__(self, groups_file: GroupsFile, keep: np.ndarray):
        self.locator = ImageLocator(groups_file)
        self.keep = keep
        self.seen = np.zeros(len(keep), dtype=bool)
        self.unlisted = 0
        self.repeated = 0
        self.warned_outside = False
        self._firsts = groups_file.firsts()

    def first_of(self, number: int):
        """
        Returns the path of the first image of an image's group, and the image's distance to it.
        """
        return self._firsts[number]
