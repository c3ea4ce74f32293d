import argparse
import os
from typing import List, Optional

from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING
from idc.api import ImageClassificationData, ObjectDetectionData, ImageSegmentationData, LABEL_KEY

from idc.balance.core import (BalanceError, GroupCollector, HASH_TYPES, DEFAULT_HASH, DEFAULT_THRESHOLD, MAX_RADIUS,
                              atomic_output, check_choice, check_output_file, check_path, check_text,
                              check_hash_threshold, check_whole_number, conflicts_json, write_atomically, write_groups,
                              check_replaceable, FORMAT_GROUPS, FORMAT_CONFLICTS)
from idc.balance.gallery import DEFAULT_GALLERY_GROUPS, MAX_GALLERY_GROUPS, GALLERY_TITLE, gallery_html
from idc.balance.records import written_bytes, record_labels
from ._run_guards import IMAGE_EXTENSIONS, INTERRUPTS, OUTPUT_CLAIMS, stop_watching
from ._stream import LazyOutputFilter, process_as_batch, not_initialized


MAX_SKIPPED_LOGGED = 20
""" How many images that could not be hashed the summary names (the groups file lists them all). """


class FindDuplicates(LazyOutputFilter):
    """
    Hashes every image that streams past (passing every record on unchanged) and, at the end,
    writes the duplicate groups, the label conflicts and an HTML gallery for review.
    """

    def __init__(self, groups_file: Optional[str] = None, conflicts: Optional[str] = None,
                 gallery: Optional[str] = None, gallery_groups: int = DEFAULT_GALLERY_GROUPS,
                 hash_type: str = DEFAULT_HASH, threshold: Optional[int] = None, label_key: str = LABEL_KEY,
                 logger_name: str = None, logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param groups_file: the JSON file to write the groups to (every image, singletons included)
        :type groups_file: str
        :param conflicts: the JSON file to write the label conflicts to
        :type conflicts: str
        :param gallery: the HTML file to write the gallery to
        :type gallery: str
        :param gallery_groups: the most groups the gallery shows (label conflicts first)
        :type gallery_groups: int
        :param hash_type: 'exact' (identical decoded pixels) or 'perceptual' (near duplicates)
        :type hash_type: str
        :param threshold: perceptual: the largest hash distance in bits (of 64) that counts as a duplicate;
                          None for the default
        :type threshold: int
        :param label_key: the key in the metadata of object detection objects that holds the label
        :type label_key: str
        :param logger_name: the name to use for the logger
        :type logger_name: str
        :param logging_level: the logging level to use
        :type logging_level: str
        """
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        # not 'output': the framework's filters have an output() method
        self.groups_file = groups_file
        self.conflicts = conflicts
        self.gallery = gallery
        self.gallery_groups = gallery_groups
        self.hash_type = hash_type
        self.threshold = threshold
        self.label_key = label_key
        self._collector: Optional[GroupCollector] = None
        self._paths = dict()
        self._interrupts_at = None
        self._check_arguments()

    def name(self) -> str:
        """
        Returns the name of the handler, used as sub-command.

        :return: the name
        :rtype: str
        """
        return "find-duplicates"

    def description(self) -> str:
        """
        Returns a description of the filter.

        :return: the description
        :rtype: str
        """
        return "Finds exact or near-duplicate images and passes every record on unchanged; at the end it writes the " \
               "duplicate groups (JSON: every image with its group, the distances, the images that could not be " \
               "hashed), the label conflicts (groups whose images carry different labels) and an HTML gallery of " \
               "the groups to review before removing anything (remove-duplicates -g removes by the groups file). " \
               "A group is an image and the later images within the threshold of it, as remove-duplicates " \
               "decides in one pass. Images are identified by their path relative to the folder they have in " \
               "common, and their labels."

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
        parser.add_argument("-o", "--output", dest="groups_file", type=str, default=None, required=False,
                            help="The JSON file to write the duplicate groups to (format idc-balance/duplicate-groups: "
                                 "every image, singletons included, and the images that could not be hashed); "
                                 "remove-duplicates -g reads it.")
        parser.add_argument("--conflicts", type=str, default=None, required=False,
                            help="The JSON file to write the label conflicts to: the groups whose images carry "
                                 "different labels, with the labels.")
        parser.add_argument("--gallery", type=str, default=None, required=False,
                            help="The HTML file to write a gallery of the groups to (thumbnails, names, labels, "
                                 "distances; label conflicts first and highlighted), to open in a browser.")
        parser.add_argument("--gallery_groups", type=int, default=DEFAULT_GALLERY_GROUPS, required=False,
                            help="The most groups the gallery shows (1-%d)." % MAX_GALLERY_GROUPS)
        parser.add_argument("-t", "--hash", dest="hash_type", choices=HASH_TYPES, default=DEFAULT_HASH,
                            required=False,
                            help="'exact': identical decoded pixels (byte copies, lossless re-encodings); "
                                 "'perceptual': near duplicates (re-encoded, resized, brightened, blurred) and "
                                 "exact ones.")
        parser.add_argument("--threshold", type=int, default=None, required=False,
                            help="For -t perceptual: the largest hash distance (bits of 64, 0-%d) that counts as "
                                 "a duplicate. Default: %d." % (MAX_RADIUS, DEFAULT_THRESHOLD))
        parser.add_argument("-k", "--label_key", type=str, default=LABEL_KEY, required=False,
                            help="The key in the (object detection) meta-data that contains the label.")
        return parser

    def _apply_args(self, ns: argparse.Namespace):
        """
        Initializes the object with the arguments of the parsed namespace.

        :param ns: the parsed arguments
        :type ns: argparse.Namespace
        """
        super()._apply_args(ns)
        self.groups_file = ns.groups_file
        self.conflicts = ns.conflicts
        self.gallery = ns.gallery
        self.gallery_groups = ns.gallery_groups
        self.hash_type = ns.hash_type
        self.threshold = ns.threshold
        self.label_key = ns.label_key

    def _check_arguments(self):
        """
        Checks each argument on its own.

        :raises BalanceError: naming the option and the problem
        """
        check_path("-o/--output", self.groups_file)
        check_path("--conflicts", self.conflicts)
        check_path("--gallery", self.gallery)
        check_whole_number("--gallery_groups", self.gallery_groups, 1, MAX_GALLERY_GROUPS)
        check_choice("-t/--hash", self.hash_type, HASH_TYPES)
        check_hash_threshold(self.hash_type, self.threshold)
        check_text("-k/--label_key", self.label_key)

    def _result_paths(self) -> dict:
        """
        Expands and checks the result files: each writable, none an image, no two the same.

        :return: option -> path, for the options given
        :rtype: dict
        """
        result = dict()
        for option, value, signature in [("-o/--output", self.groups_file, '"format": "%s"' % FORMAT_GROUPS),
                                         ("--conflicts", self.conflicts, '"format": "%s"' % FORMAT_CONFLICTS),
                                         ("--gallery", self.gallery, "<title>%s</title>" % GALLERY_TITLE)]:
            value = check_path(option, value)
            if value is None:
                continue
            path = expand_variables(value)
            if os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS:
                raise BalanceError("option %s '%s': an image file name; the result is JSON or HTML (this would "
                                   "overwrite an image)" % (option, path))
            check_output_file(path, "option " + option)
            check_replaceable(path, "option " + option, signature)
            for other, other_path in result.items():
                if os.path.abspath(other_path) == os.path.abspath(path):
                    raise BalanceError("options %s and %s: both are '%s'" % (other, option, path))
            result[option] = path
        if len(result) == 0:
            self.logger().warning("none of -o/--output, --conflicts, --gallery given: the groups are only counted")
        return result

    def _claim_outputs(self):
        """
        Claims the result files, so that no other filter of the run writes them too.

        :raises BalanceError: if another initialized filter writes one of them
        """
        OUTPUT_CLAIMS.release(self)
        for option, path in self._paths.items():
            if OUTPUT_CLAIMS.claim(path, self) is not None:
                OUTPUT_CLAIMS.release(self)
                raise BalanceError("option %s '%s': another filter of this run reads or writes this file (the "
                                   "result would replace it)" % (option, path))

    def initialize(self):
        """
        Initializes the processing: checks the options and that the result files can be written, before any
        record is processed.
        """
        super().initialize()
        self._collector = None
        try:
            self._check_arguments()
            self._paths = self._result_paths()
            self._claim_outputs()
            collector = GroupCollector(self.hash_type, DEFAULT_THRESHOLD if self.threshold is None else self.threshold)
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        self._interrupts_at = INTERRUPTS.start()
        self._collector = collector

    def _do_process_stream(self, data):
        """
        Hashes each record and passes it on.

        :param data: the record(s) to process
        """
        collector = self._collector
        if collector is None:
            raise not_initialized(self)
        output = self._stream_output
        for item in (data if isinstance(data, list) else (data,)):
            name = item.image_name or "(unnamed)"
            labels = record_labels(item, self.label_key)
            try:
                encoded = written_bytes(item)
                if encoded is None:
                    raise BalanceError("image '%s': has no image data" % name)
                collector.add(encoded, item.source, name, labels)
            except BalanceError as e:
                self.logger().warning("%s: passed on unhashed" % e)
                collector.skip(item.source, name, labels, str(e))
            output.append(item)

    def _do_process(self, data):
        """
        Batch variant, for callers that use process() instead of the stream.

        :param data: the record(s) to process
        :return: the record(s) passed on, None if none
        """
        return process_as_batch(self, data)

    def _stop_watching(self) -> bool:
        """
        Stops watching for interrupts and releases the result files.

        :return: whether the run was interrupted while this filter watched
        :rtype: bool
        """
        interrupted = stop_watching(self, self._interrupts_at)
        self._interrupts_at = None
        return interrupted

    def _write_results(self, collector: GroupCollector):
        """
        Writes the result files, each atomically.

        :raises BalanceError: naming the file that cannot be written
        """
        for option, path in self._paths.items():
            try:
                if option == "-o/--output":
                    with atomic_output(path) as tmp:
                        with open(tmp, "w", encoding="utf-8", newline="") as fp:
                            write_groups(fp, collector)
                            fp.flush()
                            os.fsync(fp.fileno())
                elif option == "--conflicts":
                    write_atomically(path, conflicts_json(collector))
                else:
                    with atomic_output(path) as tmp:
                        # names that are not valid UTF-8 (surrogates) are shown escaped
                        with open(tmp, "w", encoding="utf-8", errors="backslashreplace", newline="") as fp:
                            for piece in gallery_html(collector, self.gallery_groups):
                                fp.write(piece)
                            fp.flush()
                            os.fsync(fp.fileno())
            except OSError as e:
                raise BalanceError("option %s '%s': cannot write: %s" % (option, path, e.strerror or e)) from e
            self.logger().info("Wrote %s to: %s" % (option.split("/")[-1].lstrip("-"), path))

    def finalize(self):
        """
        Finishes the processing: writes the result files and logs the summary. A file that cannot be written is
        one ERROR naming it; raised only outside a pipeline (inside one, the rest of the pipeline still finishes).
        """
        collector = self._collector
        if collector is not None:
            self._collector = None
            interrupted = self._stop_watching()
            try:
                if interrupted:
                    raise BalanceError("a Ctrl-C arrived during the run (%d image(s) had reached this filter): the "
                                       "groups may not cover the data, so no result file was written"
                                       % len(collector))
                self._write_results(collector)
            except BalanceError as e:
                self.logger().error(str(e))
                if self.session is None:
                    raise
            finally:
                self._log_summary(collector)
        super().finalize()

    def _log_summary(self, collector: GroupCollector):
        """
        Logs how many images, groups, duplicates, conflicts and unhashed images the run had.
        """
        groups = collector.listed_group_numbers()
        images = sum(len(numbers) for numbers in groups)
        with_duplicates = [numbers for numbers in groups if len(numbers) > 1]
        conflicts = sum(1 for numbers in with_duplicates if collector.conflict(numbers))
        self.logger().info("Duplicates (%s hash%s): %d images in %d groups; %d groups with duplicates, %d duplicates; "
                           "%d label conflicts"
                           % (collector.hash_type, "" if collector.hash_type == "exact" else
                              ", threshold %d" % collector.threshold, images, len(groups), len(with_duplicates),
                              images - len(groups), conflicts))
        repeats = len(collector) - images
        if repeats > 0:
            self.logger().warning("%d record(s) were images that came before (the same file, or name, and labels): "
                                  "listed once" % repeats)
        skipped = collector.skipped()
        if len(skipped) > 0:
            names = [s.path for s in skipped[:MAX_SKIPPED_LOGGED]]
            self.logger().warning("%d image(s) could not be hashed and were passed on: %s%s"
                                  % (len(skipped), ", ".join(names), "" if len(skipped) <= len(names) else ", ..."))
