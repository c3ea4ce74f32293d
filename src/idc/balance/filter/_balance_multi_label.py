import argparse
import os
from typing import Dict, List, Optional, Tuple, Union

from seppl.placeholders import PlaceholderSupporter, placeholder_list
from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING

from idc.balance.core import (BalanceError, Plan, Signature, SignatureSampler, SIGNATURES_FILE, METHODS, METHOD_PLAN,
                              METHOD_REPEAT_FACTOR, COPY_MARKER, TARGET_HELP, check_choice, check_flag, check_names,
                              check_output_file, check_path, check_paths, check_seed, check_threshold, check_whole_number,
                              check_max_copies, create_rng, emitted_per_class, outcome_lines,
                              parse_target, plan_lines, plan_report_json, plan_signatures, sum_signatures, ShardOfPlan,
                              repeat_factor_sampling, makes_copies, resolve_seed, signature_lines, signature_of,
                              write_atomically, check_repeat_limit, MAX_COUNT, DEFAULT_MAX_COPIES,
                              CHANGES_NOTE)
from idc.balance.records import record_labels, PendingCopies, NameEscaper, SplitSelector, DEFAULT_SPLIT_FIELD, \
    MARK_ORIGINALS_HELP, mark_original, marked_outputs
from ._run_guards import OUTPUT_CLAIMS
from ._split_options import add_split_options
from ._stream import LazyOutputFilter, process_as_batch, not_initialized

DEFAULT_MULTI_LABEL_MAX_COPIES = 1
""" The plan's default --max_copies: undersampling only. Repeat factor sampling has no limit by default. """

MAX_NOTES_SHOWN = 20
""" How many of the plan's notes the warning at initialize lists. """

MAX_COPIES_MULTI_LABEL_HELP = "The most times one image may be output, the image itself included (1: no copies). " \
                              "Default: 1 with --method plan; with --method repeat-factor the factors are not " \
                              "capped, but a run that would output an image more than %d times is refused." \
                              % DEFAULT_MAX_COPIES


class BalanceMultiLabel(LazyOutputFilter, PlaceholderSupporter):
    """
    The base of the balancers of multi-label records (object detection, image segmentation):
    reads the signatures file (label-dist -t signatures), computes at initialize how many
    images of each signature to output (the optimal plan, or repeat factor sampling) and
    outputs them in one pass, copies included. Derived classes say which records they
    accept and where a record's labels are.
    """
    __slots__ = ("_plain_decisions", "_label_key", "_sampler")
    """ read for every record (see LazyOutputFilter) """

    def __init__(self, signatures: Optional[str] = None, target: Optional[Union[str, int]] = None,
                 max_copies: Optional[int] = None, background: Optional[Union[str, List[str]]] = None,
                 negatives: int = 0, keep_rare: bool = True, method: str = METHOD_PLAN,
                 rfs_threshold: Optional[float] = None, plan_report: Optional[str] = None, seed: Optional[int] = None,
                 split_field: str = DEFAULT_SPLIT_FIELD, split_names: Optional[Union[str, List[str]]] = None,
                 shard: Optional[int] = None, mark_originals: bool = False, logger_name: str = None,
                 logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param signatures: the signatures file written by 'label-dist -t signatures -f json' (placeholders supported)
        :type signatures: str or os.PathLike
        :param target: the number of images containing each class to aim for: min, max, mean, median or a whole
                       number (default: min), over the non-background classes
        :type target: str or int
        :param max_copies: the most times one image may be output, itself included (1: no copies); None: 1 for the
                           plan, no limit for repeat factor sampling
        :type max_copies: int
        :param background: classes left out of the target and the error, never a reason to keep or copy an image
        :type background: str or list
        :param negatives: how many images without any non-background class to output, chosen uniformly
        :type negatives: int
        :param keep_rare: whether every image containing a class at or below the target is output at least once
        :type keep_rare: bool
        :param method: 'plan' (the optimal plan) or 'repeat-factor' (LVIS repeat factor sampling)
        :type method: str
        :param rfs_threshold: the repeat factor threshold t (a share of the images), None for target / images
        :type rfs_threshold: float
        :param plan_report: the JSON file to write the plan to at initialize, None for none (placeholders supported)
        :type plan_report: str or os.PathLike
        :param seed: the seed for the random number generator, None for fresh entropy (logged)
        :type seed: int
        :param split_field: the metadata field that holds the split
        :type split_field: str
        :param split_names: only balance records of these splits (others pass through untouched), None for all
        :type split_names: str or list
        :param shard: which shard this stream is, when signatures lists every shard's file (the plan is made for
                      all shards and this shard emits its share); None: the files are added up, one stream
        :type shard: int
        :param mark_originals: also give every record that is not a copy the metadata field 'balance_copy' (0)
        :type mark_originals: bool
        :param logger_name: the name to use for the logger
        :type logger_name: str
        :param logging_level: the logging level to use
        :type logging_level: str
        """
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.signatures = signatures
        self.target = target
        self.max_copies = max_copies
        self.background = background
        self.negatives = negatives
        self.keep_rare = keep_rare
        self.method = method
        self.rfs_threshold = rfs_threshold
        self.plan_report = plan_report
        self.seed = seed
        self.shard = shard
        self.split_field = split_field
        self.split_names = split_names
        self.mark_originals = mark_originals
        self._sampler: Optional[SignatureSampler] = None
        self._plan: Optional[Plan] = None
        self._selector: Optional[SplitSelector] = None
        self._escaper: Optional[NameEscaper] = None
        self._signatures_path: Optional[str] = None
        self._label_key: Optional[str] = None
        self._check_arguments()

    def description(self) -> str:
        """
        Returns a description of the filter.

        :return: the description
        :rtype: str
        """
        return "Balances the images per class of multi-label records, where one image holds several classes: " \
               "reads the signatures (how many images carry each set of labels, from 'label-dist -t signatures " \
               "-f json'), computes at initialize how many images of each signature to output so that the number " \
               "of images containing each class comes as close to the target as the data allows (an optimal " \
               "integer plan, solved with HiGHS; or LVIS repeat factor sampling), and outputs exactly that in one " \
               "pass, each image of a signature equally likely. Copies get image names that no input can have " \
               "(img_17.jpg -> img_17~1.jpg; a '~' in an input's name is doubled) and the copy number in the " \
               "metadata field 'balance_copy'. Images whose signature is not in the file pass through."

    def _create_argparser(self) -> argparse.ArgumentParser:
        """
        Creates an argument parser. Derived classes need to fill in the options.

        :return: the parser
        :rtype: argparse.ArgumentParser
        """
        parser = super()._create_argparser()
        parser.add_argument("-S", "--signatures", type=str, nargs="+", default=None, required=True,
                            help="The JSON file with the images per signature, as written by 'label-dist -t "
                                 "signatures -f json'; several files (of shards of the data) are added up. "
                                 + placeholder_list(obj=self))
        parser.add_argument("--target", type=str, default=None, required=False,
                            help="The number of images containing each class to aim for: " + TARGET_HELP
                                 + " (over the non-background classes); default: min.")
        parser.add_argument("--max_copies", type=int, default=None, required=False, help=MAX_COPIES_MULTI_LABEL_HELP)
        parser.add_argument("--background", type=str, nargs="+", default=None, required=False,
                            help="Classes left out of the target and the error: never a reason to keep or copy "
                                 "an image (e.g. a class that is in most images).")
        parser.add_argument("--negatives", type=int, default=0, required=False,
                            help="How many images without any non-background class (no label, or background "
                                 "only) to output, chosen uniformly among them.")
        parser.add_argument("--no_keep_rare", action="store_true", required=False,
                            help="Allow dropping images of rare classes (at or below the target); by default every "
                                 "such image is output at least once.")
        parser.add_argument("--method", choices=METHODS, default=METHOD_PLAN, required=False,
                            help="'plan': the optimal compromise (least error against the target, then fewest "
                                 "copies and drops); 'repeat-factor': LVIS repeat factor sampling (an image is "
                                 "repeated max over its classes of max(1, sqrt(t / f_c)) times, stochastically "
                                 "rounded).")
        parser.add_argument("--rfs_threshold", type=float, default=None, required=False,
                            help="For --method repeat-factor: the threshold t, a share of the images in (0, 1]; "
                                 "default: the target's share of the images.")
        parser.add_argument("--plan_report", type=str, default=None, required=False,
                            help="The JSON file to write the plan to, at initialize: per class the images in, the "
                                 "target and the planned images, the error and the best error any selection could "
                                 "reach. " + placeholder_list(obj=self))
        parser.add_argument("-s", "--seed", type=int, default=None, required=False,
                            help="The seed value to use for the random number generator; "
                                 "randomly seeded if not provided")
        add_split_options(parser, "balance", "pass through untouched")
        parser.add_argument("--shard", type=int, default=None, required=False,
                            help="With one signatures file per shard (-S, in shard order): which shard this stream is, "
                                 "0-based. The plan is made for all shards; every shard draws the same split of it "
                                 "(needs -s/--seed, the same in every shard) and emits its share, so that the shards "
                                 "together emit the plan exactly.")
        parser.add_argument("--mark_originals", action="store_true", help=MARK_ORIGINALS_HELP)
        return parser

    def _apply_args(self, ns: argparse.Namespace):
        """
        Initializes the object with the arguments of the parsed namespace.

        :param ns: the parsed arguments
        :type ns: argparse.Namespace
        """
        super()._apply_args(ns)
        self.signatures = ns.signatures
        self.target = ns.target
        self.max_copies = ns.max_copies
        self.background = ns.background
        self.negatives = ns.negatives
        self.keep_rare = not ns.no_keep_rare
        self.method = ns.method
        self.rfs_threshold = ns.rfs_threshold
        self.plan_report = ns.plan_report
        self.seed = ns.seed
        self.split_field = ns.split_field
        self.split_names = ns.split_names
        self.shard = ns.shard
        self.mark_originals = ns.mark_originals

    def _record_label_key(self) -> Optional[str]:
        """
        Returns the metadata key of the label of object detection objects, None for other records.
        """
        return None

    _labels_of = staticmethod(record_labels)
    """ (record, label key) -> the labels of a record, one entry per object (or layer with pixels); subclasses set
    their data type's function (a plain function, not a method: the per-record path calls it) """

    def _check_arguments(self) -> Tuple[List[str], Optional[int], List[str], Optional[str]]:
        """
        Checks each argument on its own (type and range), as the constructor receives it.

        :return: the signatures files, the copy limit (None for the method's default), the background classes and
                 the plan report file (None for none)
        :rtype: tuple
        :raises BalanceError: naming the option (the argument) and the problem
        """
        signatures = check_paths("-S/--signatures", self.signatures)
        if self.shard is not None:
            check_whole_number("--shard", self.shard, 0)
        parse_target("--target", self.target)
        max_copies = None if self.max_copies is None else check_max_copies(self.max_copies)
        background = check_names("--background", self.background) or []
        check_whole_number("--negatives", self.negatives, 0, MAX_COUNT)
        check_flag("keep_rare (--no_keep_rare)", self.keep_rare)
        check_flag("--mark_originals", self.mark_originals)
        check_choice("--method", self.method, METHODS)
        check_threshold(self.rfs_threshold)
        plan_report = check_path("--plan_report", self.plan_report)
        check_seed("-s/--seed", self.seed)
        SplitSelector(self.split_field, self.split_names)
        return signatures, max_copies, background, plan_report

    def _check_options(self) -> Tuple[List[str], Optional[int], List[str], Optional[str]]:
        """
        Checks the option values and their combinations, before any file is read.

        :return: see :meth:`_check_arguments`, the paths expanded
        :rtype: tuple
        :raises BalanceError: for a bad value or combination
        """
        signatures, max_copies, background, plan_report = self._check_arguments()
        if signatures is None:
            raise BalanceError("option -S/--signatures: required (write it with: label-dist -t signatures -f json "
                               "-o FILE)")
        if (self.rfs_threshold is not None) and (self.method != METHOD_REPEAT_FACTOR):
            raise BalanceError("option --rfs_threshold only applies to --method %s" % METHOD_REPEAT_FACTOR)
        if (not self.keep_rare) and (self.method != METHOD_PLAN):
            raise BalanceError("option --no_keep_rare only applies to --method %s (repeat factor sampling never drops "
                               "an image)" % METHOD_PLAN)
        if self.shard is not None:
            if self.shard >= len(signatures):
                raise BalanceError("option --shard: %d is not a shard of the %d signatures files of -S (0 to %d)"
                                   % (self.shard, len(signatures), len(signatures) - 1))
            if self.seed is None:
                raise BalanceError("option -s/--seed: required with --shard: every shard must compute the same split "
                                   "of the plan, from the same seed")
            if self.method != METHOD_PLAN:
                raise BalanceError("option --shard: only with --method %s (repeat factor sampling decides each image "
                                   "on its own, the same in any shard)" % METHOD_PLAN)
        signatures = [expand_variables(path) for path in signatures]
        if plan_report is not None:
            plan_report = expand_variables(plan_report)
            for path in signatures:
                if os.path.exists(path) and os.path.exists(plan_report) and os.path.samefile(path, plan_report):
                    raise BalanceError("option --plan_report '%s': is a signatures file (-S), which it would replace"
                                       % plan_report)
            check_output_file(plan_report, "option --plan_report")
        return signatures, max_copies, background, plan_report

    def initialize(self):
        """
        Initializes the processing: validates the options, reads the signatures file,
        computes the plan and writes its report, before any record is processed.
        """
        super().initialize()
        self._sampler = None
        self._plain_decisions = None
        OUTPUT_CLAIMS.release(self)
        try:
            paths, max_copies, background, report_path = self._check_options()
            # as messages name the file(s): "signatures file 'a.json', 'b.json'"
            path = "', '".join(paths)
            selector = SplitSelector(self.split_field, self.split_names)
            images, each = sum_signatures(paths)
            known = {label for signature in images for label in signature}
            strangers = [label for label in background if label not in known]
            if len(strangers) > 0:
                raise BalanceError("option --background: %s not in %s '%s'"
                                   % (", ".join(repr(label) for label in strangers), SIGNATURES_FILE, path))
            if (len(known) > 0) and known.issubset(background):
                raise BalanceError("option --background: names every class of %s '%s'; no class is left to balance "
                                   "(every image would count as a negative)" % (SIGNATURES_FILE, path))
            if (report_path is not None) and (OUTPUT_CLAIMS.claim(report_path, self) is not None):
                raise BalanceError("option --plan_report '%s': another filter of this run writes this file too"
                                   % report_path)
            plan, factors, threshold = self._compute(images, max_copies, background, path)
            seed = resolve_seed(self.seed)
            shards = None if self.shard is None else ShardOfPlan(each, self.shard, seed)
            sampler = SignatureSampler(images, plan, create_rng(seed), factors, shards)
            if report_path is not None:
                write_report(report_path, plan_report_json(plan, images, self.method, self._limit(max_copies),
                                                           background, self.keep_rare, threshold))
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        if self.seed is None:
            self.logger().info("No seed given (-s/--seed), using: %d" % seed)
        self.logger().info("%s from %s '%s':\n%s" % ("Plan" if self.method == METHOD_PLAN else "Repeat factor sampling",
                                                    SIGNATURES_FILE, path, "\n".join(plan_lines(plan, self.method))))
        # the fewest copies and drops not being proven is worth a line in the plan (INFO), not a warning
        warned = [note for note in plan.notes if not note.startswith(CHANGES_NOTE)]
        if len(warned) > 0:
            notes = ["  " + note for note in warned[:MAX_NOTES_SHOWN]]
            if len(warned) > MAX_NOTES_SHOWN:
                notes.append("  ... and %d more (all of them: -l INFO or --plan_report)"
                             % (len(warned) - MAX_NOTES_SHOWN))
            self.logger().warning("The plan misses the target %d (error %s, normalised %.4f):\n%s"
                                  % (plan.target, round(plan.error, 2), plan.normalised_error, "\n".join(notes)))
        self._signatures_path = path if self.shard is None else paths[self.shard]
        self._plan = plan
        self._selector = None if self.split_names is None else selector
        self._escaper = NameEscaper() if makes_copies(images, plan, factors) else None
        self._label_key = self._record_label_key()
        self._sampler = sampler
        plain = (self._selector is None) and (self._escaper is None) and not self.mark_originals
        self._plain_decisions = sampler.decisions if plain else None

    def _limit(self, max_copies: Optional[int]) -> Optional[int]:
        """
        The copy limit in force: the option's, else the method's default (None: no limit).
        """
        if max_copies is not None:
            return max_copies
        return DEFAULT_MULTI_LABEL_MAX_COPIES if self.method == METHOD_PLAN else None

    def _compute(self, images: Dict[Signature, int], max_copies: Optional[int], background: List[str],
                 path: str) -> Tuple[Plan, Optional[Dict[Signature, float]], Optional[float]]:
        """
        Computes the plan, or the expectation of repeat factor sampling and its factors.

        :param path: the signatures file, for messages
        :type path: str
        :return: the plan, the factors (None for the plan) and the threshold (None for the plan)
        :rtype: tuple
        """
        target = parse_target("--target", self.target)
        limit = self._limit(max_copies)
        if self.method == METHOD_PLAN:
            return plan_signatures(images, target, limit, background, self.keep_rare, self.negatives), None, None
        plan, factors, threshold = repeat_factor_sampling(images, target, self.rfs_threshold, limit, background,
                                                          self.negatives, self.keep_rare)
        if limit is None:
            check_repeat_limit(images, threshold, background, DEFAULT_MAX_COPIES, "%s '%s'" % (SIGNATURES_FILE, path))
        return plan, factors, threshold

    def _do_process_stream(self, data):
        """
        Decides for each record how often it is output, by its signature: dropped records
        produce no output, kept ones are followed by their copies (if any), which are made
        when the pipeline asks for them.

        :param data: the record(s) to process
        """
        decisions = self._plain_decisions
        if decisions is not None:
            # the common case (no split selection, no copies), as lean as the least work the decision needs: the
            # signature, one look-up, one next()
            output = self._stream_output
            label_key = self._label_key
            labels_of = self._labels_of
            for item in (data if isinstance(data, list) else (data,)):
                signature = signature_of(labels_of(item, label_key))
                try:
                    emitted = next(decisions[signature])
                except KeyError:
                    # a signature that is not in the file, on its first image
                    emitted = next(self._sampler.decisions_of(signature))
                if emitted:
                    output.append(item)
            return
        if self._sampler is None:
            raise not_initialized(self)
        try:
            self._decide(data)
        except BalanceError as e:
            # seppl's MultiFilter (idc-convert with two or more filters) swallows exceptions: log first
            self.logger().error(str(e))
            raise

    def _decide(self, data):
        """
        Decides for each record how often it is output (see :meth:`_do_process_stream`),
        with split selection or copies (and name escaping).

        :param data: the record(s) to process
        """
        decisions_of = self._sampler.decisions_of
        output = self._stream_output
        selector = self._selector
        escaper = self._escaper
        label_key = self._label_key
        labels_of = self._labels_of
        mark = self.mark_originals
        for item in (data if isinstance(data, list) else (data,)):
            name = None
            if escaper is not None:
                name = item.image_name
                if (name is not None) and (COPY_MARKER in name):
                    item = escaper.escape(item, name)
            if (selector is not None) and (selector.select(item) is None):
                output.append(mark_original(item) if mark else item)
                continue
            emitted = next(decisions_of(signature_of(labels_of(item, label_key))))
            if emitted > 0:
                if mark:
                    output.extend(marked_outputs(item, item.image_name if escaper is None else name, emitted))
                    continue
                output.append(item)
                if emitted > 1:
                    output.append(PendingCopies(item, item.image_name if escaper is None else name, emitted - 1))

    def _do_process(self, data):
        """
        Batch variant of the decision, for callers that use process() instead of the stream.

        :param data: the record(s) to process
        :return: the kept record(s), None if all were dropped
        """
        return process_as_batch(self, data)

    def finalize(self):
        """
        Finishes the processing: logs the images per class against the plan, and warns
        about everything that did not match (signatures, splits, names).
        """
        if self._sampler is not None:
            sampler = self._sampler
            emitted = emitted_per_class(sampler.tallies(), sampler.unknown(), self._plan.planned)
            lines = outcome_lines(self._plan, emitted, self.method)
            if self._selector is not None:
                lines.extend(self._selector.summary_lines("passed through"))
            self.logger().info("Summary:\n" + "\n".join(lines))
            for warning in self._warnings():
                self.logger().warning(warning)
            self._sampler = None
        self._plain_decisions = None
        OUTPUT_CLAIMS.release(self)
        super().finalize()

    def _warnings(self) -> List[str]:
        """
        Collects the warnings of the finished run.

        :return: the warnings
        :rtype: list
        """
        result = []
        unknown = self._sampler.unknown()
        if len(unknown) > 0:
            result.append("%d image(s) with %d signature(s) not in %s '%s' passed through untouched:\n%s"
                          % (sum(unknown.values()), len(unknown), SIGNATURES_FILE, self._signatures_path,
                             "\n".join(signature_lines(unknown))))
        mismatches = self._sampler.mismatches()
        if len(mismatches) > 0:
            result.append("The stream did not match %s '%s' (images seen minus images in the file, per signature; "
                          "[] stands for all images without a non-background class); the plan was not met:\n%s"
                          % (SIGNATURES_FILE, self._signatures_path, "\n".join(signature_lines(mismatches))))
        if self._selector is not None:
            unused = self._selector.unused_names_warning()
            if unused is not None:
                result.append(unused)
        if self._escaper is not None:
            escaped = self._escaper.warning()
            if escaped is not None:
                result.append(escaped)
        return result


def write_report(path: str, text: str):
    """
    Writes the plan report atomically.

    :raises BalanceError: naming the file if it cannot be written
    """
    try:
        write_atomically(path, text)
    except OSError as e:
        raise BalanceError("option --plan_report '%s': cannot write: %s" % (path, e.strerror or e)) from e
