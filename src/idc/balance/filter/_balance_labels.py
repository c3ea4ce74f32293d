import argparse
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from seppl.placeholders import PlaceholderSupporter
from seppl.variables import expand_variables
from wai.logging import LOGGING_WARNING
from seppl import AliasSupporter
from idc.api import ImageClassificationData

from idc.balance.core import (read_correction, sum_counts, check_probability, check_choice, resolve_seed, create_rng,
                              ProbabilisticSampler, ExactSampler, BalanceError, summary_lines,
                              mismatch_lines, parse_target, exact_targets, TARGET_HELP, CORRECTION_FILE, COUNTS_FILE,
                              DEFAULT_MAX_COPIES, MAX_COPIES_HELP, check_max_copies, check_correction_copies,
                              check_target_copies, can_make_copies, check_path, check_paths, check_seed,
                              unmatched_labels, unmatched_lines, COPY_MARKER, looks_like_percentages,
                              ABSENT_FROM_FILE, check_flag, check_whole_number, KeyedDraws,
                              shard_targets)
from idc.balance.records import classification_label, PendingCopies, NameEscaper, SplitSelector, DEFAULT_SPLIT_FIELD, \
    MARK_ORIGINALS_HELP, mark_original, marked_outputs
from ._split_options import add_split_options
from ._stream import LazyOutputFilter, process_as_batch, not_initialized

DEFAULT_PROBABILITY = 1.0

MODE_PROBABILISTIC = "probabilistic"
MODE_EXACT = "exact"
MODES = [MODE_PROBABILISTIC, MODE_EXACT]


class BalanceLabels(LazyOutputFilter, PlaceholderSupporter, AliasSupporter):
    """
    Keeps each image classification record with the probability of its label
    (from a correction file), dropping the others; above 1, outputs copies.
    """
    __slots__ = ("_plain_decisions", "_plain_keyed", "_unlabeled", "_sampler")
    """ read for every record (see LazyOutputFilter) """

    def __init__(self, label_correction: Optional[str] = None, seed: Optional[int] = None,
                 default_probability: float = DEFAULT_PROBABILITY, mode: str = MODE_PROBABILISTIC,
                 label_counts: Optional[str] = None, target: Optional[Union[str, int]] = None,
                 split_field: str = DEFAULT_SPLIT_FIELD, split_names: Optional[Union[str, List[str]]] = None,
                 max_copies: int = DEFAULT_MAX_COPIES, keyed: bool = False,
                 shard_counts: Optional[List[str]] = None, shard: Optional[int] = None,
                 mark_originals: bool = False, logger_name: str = None, logging_level: str = LOGGING_WARNING):
        """
        Initializes the filter.

        :param label_correction: the JSON file with the keep probability per label (placeholders supported),
                                 None to use the default probability for every label
        :type label_correction: str or os.PathLike
        :param seed: the seed for the random number generator, None for fresh entropy (logged)
        :type seed: int
        :param default_probability: the probability [0-1] for labels not in the correction file
        :type default_probability: float
        :param mode: 'probabilistic' (a random decision per record) or 'exact' (exactly the target per label)
        :type mode: str
        :param label_counts: exact mode: the JSON file with the count per label (placeholders supported), or a
                             list of them (of shards of the data: their counts are added up)
        :type label_counts: str or os.PathLike or list
        :param target: exact mode without correction: min, max, mean, median or a whole number (default: min)
        :type target: str or int
        :param split_field: the metadata field that holds the split
        :type split_field: str
        :param split_names: only balance records of these splits (others pass through untouched), None for all;
                            one name or a list
        :type split_names: str or list
        :param max_copies: the most times one record may be output, itself included (1: no copies);
                           corrections or targets that need more are refused at initialize
        :type max_copies: int
        :param keyed: probabilistic mode: decide each record by a hash of (seed, label, image name) instead of the
                      stream's random draws, so that the same records survive in any order and any split into shards
        :type keyed: bool
        :param shard_counts: exact mode over shards: the counts file of every shard, in shard order
        :type shard_counts: list
        :param shard: exact mode over shards: which shard this stream is (0-based index into shard_counts)
        :type shard: int
        :param mark_originals: also give every record that is not a copy the metadata field 'balance_copy' (0)
        :type mark_originals: bool
        :param logger_name: the name to use for the logger
        :type logger_name: str
        :param logging_level: the logging level to use
        :type logging_level: str
        """
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self.label_correction = label_correction
        self.seed = seed
        self.default_probability = default_probability
        self.mode = mode
        self.label_counts = label_counts
        self.target = target
        self.split_field = split_field
        self.split_names = split_names
        self.max_copies = max_copies
        self.keyed = keyed
        self.shard_counts = shard_counts
        self.shard = shard
        self.mark_originals = mark_originals
        self._selector: Optional[SplitSelector] = None
        self._plain_decisions = None
        """ the sampler's decisions when the run needs no more than them (see _do_process_stream), else None """
        self._plain_keyed = None
        """ the same for keyed decisions: the sampler's keyed decision """
        self._target = None
        self._max_copies = DEFAULT_MAX_COPIES
        self._correction_path: Optional[str] = None
        self._correction: Optional[Dict[str, float]] = None
        self._counts_paths: Optional[List[str]] = None
        self._counts: Optional[Dict[str, int]] = None
        self._sampler: Optional[Union[ProbabilisticSampler, ExactSampler]] = None
        self._escaper: Optional[NameEscaper] = None
        self._unlabeled = 0
        self._default = DEFAULT_PROBABILITY
        self._check_arguments()

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
               "using 'label-dist'. " \
               "Values above 1 oversample: the expected number of times a record is output, at most --max_copies; " \
               "copies get image names that no input can have (cat_17.jpg -> cat_17~1.jpg; a '~' in an input's " \
               "name is doubled) and the copy number in the metadata field 'balance_copy'. " \
               "Mode 'exact' outputs exactly the target number of records per label in one pass, using the label " \
               "counts from 'label-dist -t counts -f json' (several counts files are added up). Over shards of a " \
               "dataset processed apart: --keyed makes the probabilistic decisions a function of (seed, label, " \
               "image name), the same in any order and any shard; exact mode with --shard_counts and --shard " \
               "splits the global target over the shards so that together they output exactly it."

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
        parser.add_argument("-m", "--mode", choices=MODES, default=MODE_PROBABILISTIC, required=False,
                            help="How to decide: 'probabilistic' decides each record on its own (balanced on "
                                 "average); 'exact' outputs exactly the target number of records per label and "
                                 "needs the label counts (-C).")
        parser.add_argument("-C", "--label_counts", type=str, nargs="+", default=None, required=False,
                            help="Mode exact: the JSON file with the number of records per label, as written by "
                                 "'label-dist -t counts -f json'; several files (of shards of the data) are added up.")
        parser.add_argument("--target", type=str, default=None, required=False,
                            help="Mode exact: the number of records per label to output: " + TARGET_HELP
                                 + "; default: min. With -c instead, the target of each label is "
                                   "round(correction x count).")
        add_split_options(parser, "balance", "pass through untouched")
        parser.add_argument("--max_copies", type=int, default=DEFAULT_MAX_COPIES, required=False,
                            help=MAX_COPIES_HELP)
        parser.add_argument("--keyed", action="store_true",
                            help="Mode probabilistic: decide each record by a hash of (seed, label, image name) "
                                 "instead of the stream's random draws: with the same seed, the same records survive "
                                 "in any order and in any split of the data into shards (still balanced on average, "
                                 "not exactly). Not with mode exact: for exact counts over shards use "
                                 "--shard_counts and --shard.")
        parser.add_argument("--shard_counts", type=str, nargs="+", default=None, required=False,
                            help="Mode exact over shards processed apart: the counts file of every shard "
                                 "('label-dist -t counts -f json' per shard), in shard order; the target is global "
                                 "(over all shards), split over the shards by a seeded draw that every shard "
                                 "computes alike. Needs --shard and -s/--seed (the same in every shard).")
        parser.add_argument("--shard", type=int, default=None, required=False,
                            help="Mode exact over shards: which shard this stream is, 0-based (its counts file is "
                                 "the --shard-th of --shard_counts).")
        parser.add_argument("--mark_originals", action="store_true", help=MARK_ORIGINALS_HELP)
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
        self.mode = ns.mode
        self.label_counts = ns.label_counts
        self.target = ns.target
        self.split_field = ns.split_field
        self.split_names = ns.split_names
        self.max_copies = ns.max_copies
        self.keyed = ns.keyed
        self.shard_counts = ns.shard_counts
        self.shard = ns.shard
        self.mark_originals = ns.mark_originals

    def initialize(self):
        """
        Initializes the processing: validates the options and reads the files, so that
        bad input fails before any record is processed.
        """
        super().initialize()
        self._sampler = None
        self._plain_decisions = None
        self._plain_keyed = None
        try:
            default = self._check_options()
            selector = SplitSelector(self.split_field, self.split_names)
            self._correction = self._read_correction(default)
            seed = resolve_seed(self.seed)
            rng = create_rng(seed)
            fallback = ProbabilisticSampler(self._correction or dict(), default, rng,
                                            KeyedDraws(seed) if self.keyed else None)
            if self.mode == MODE_EXACT:
                sampler = self._exact_sampler(default, rng, fallback, seed)
                can_copy = can_make_copies(self._correction, self._counts, sampler.targets())
            else:
                sampler = fallback
                can_copy = can_make_copies(self._correction)
        except BalanceError as e:
            self.logger().error(str(e))
            raise
        if self.seed is None:
            self.logger().info("No seed given (-s/--seed), using: %d" % seed)
            if self.keyed:
                self.logger().warning("--keyed without -s/--seed: the decisions are reproducible only with seed %d; "
                                      "shards processed apart must all be given the same -s" % seed)
        self._unlabeled = 0
        self._default = default
        self._selector = None if self.split_names is None else selector
        self._escaper = NameEscaper() if can_copy else None
        self._sampler = sampler
        plain = (self._selector is None) and (self._escaper is None) and not self.mark_originals
        self._plain_decisions = sampler.decisions if (plain and not self.keyed) else None
        self._plain_keyed = sampler.emit_count_keyed if (plain and self.keyed) else None

    def _check_arguments(self) -> Tuple[float, Optional[str], Optional[List[str]]]:
        """
        Checks each argument on its own (type and range), as the constructor receives it.

        :return: the default probability, the correction file and the counts files (None for none)
        :rtype: tuple
        :raises BalanceError: naming the option (the argument) and the problem
        """
        label_correction = check_path("-c/--label_correction", self.label_correction)
        label_counts = check_paths("-C/--label_counts", self.label_counts)
        check_paths("--shard_counts", self.shard_counts)
        check_flag("--keyed", self.keyed)
        check_flag("--mark_originals", self.mark_originals)
        if self.shard is not None:
            check_whole_number("--shard", self.shard, 0)
        check_seed("-s/--seed", self.seed)
        default = check_probability("-p/--default_probability", self.default_probability)
        check_choice("-m/--mode", self.mode, MODES)
        parse_target("--target", self.target)
        SplitSelector(self.split_field, self.split_names)
        self._max_copies = check_max_copies(self.max_copies)
        return default, label_correction, label_counts

    def _check_options(self) -> float:
        """
        Checks the option values and their combinations, before any file is read.

        :return: the default probability
        :rtype: float
        :raises BalanceError: for a bad value or combination
        """
        default, label_correction, label_counts = self._check_arguments()
        shard_counts = check_paths("--shard_counts", self.shard_counts)
        if self.mode == MODE_EXACT:
            if self.keyed:
                raise BalanceError("option --keyed: not with -m/--mode exact, whose choice within a label depends on "
                                   "the order of the records; for exact counts over shards use --shard_counts and "
                                   "--shard")
            if (label_counts is None) and (shard_counts is None):
                raise BalanceError("option -C/--label_counts: required with -m/--mode exact "
                                   "(write it with: label-dist -t counts -f json -o FILE)")
            if (label_counts is not None) and (shard_counts is not None):
                raise BalanceError("options -C/--label_counts and --shard_counts: give one of them (over shards, "
                                   "--shard_counts holds every shard's counts)")
            if (label_correction is not None) and (self.target is not None):
                raise BalanceError("options -c/--label_correction and --target: give one of them in exact mode")
            self._check_shard_options(shard_counts)
            self._target = parse_target("--target", self.target)
        elif (label_counts is not None) or (self.target is not None):
            raise BalanceError("options -C/--label_counts and --target only apply to -m/--mode exact")
        elif (shard_counts is not None) or (self.shard is not None):
            raise BalanceError("options --shard_counts and --shard only apply to -m/--mode exact (in probabilistic "
                               "mode, --keyed makes the decisions the same in any shard)")
        self._correction_path = None if label_correction is None else expand_variables(label_correction)
        self._counts_paths = [expand_variables(p) for p in (label_counts or shard_counts or [])] or None
        return default

    def _check_shard_options(self, shard_counts: Optional[List[str]]):
        """
        Checks the options of exact mode over shards.

        :raises BalanceError: for a shard without shard counts, or the reverse, a shard out of range, or no seed
        """
        if (shard_counts is None) != (self.shard is None):
            raise BalanceError("options --shard_counts and --shard: give both (every shard's counts file, and "
                               "which shard this stream is) or neither")
        if shard_counts is None:
            return
        if self.shard >= len(shard_counts):
            raise BalanceError("option --shard: %d is not a shard of the %d counts files of --shard_counts "
                               "(0 to %d)" % (self.shard, len(shard_counts), len(shard_counts) - 1))
        if self.seed is None:
            raise BalanceError("option -s/--seed: required with --shard: every shard must compute the same split "
                               "of the targets, from the same seed")

    def _read_correction(self, default: float) -> Optional[Dict[str, float]]:
        """
        Reads the correction file, if any, and checks the copies it asks for.

        :param default: the default probability, for the log message
        :type default: float
        :return: label -> correction, None without correction file
        :rtype: dict
        """
        if self._correction_path is None:
            if self.mode != MODE_EXACT:
                self.logger().warning("No label correction file given (-c/--label_correction): every label is "
                                      "kept with the default probability %s" % default)
            return None
        path = self._correction_path
        correction = read_correction(path)
        check_correction_copies(correction, self._max_copies, "%s '%s'" % (CORRECTION_FILE, path))
        if looks_like_percentages(correction):
            self.logger().warning("%s '%s': the values add up to 100: is it a percentages file (label-dist -t "
                                  "percentages)? A correction is a keep probability or an expected number of "
                                  "outputs per record (label-dist -t label-balance-correction)" % (CORRECTION_FILE, path))
        self.logger().info("Read label correction for %d label(s) from: %s" % (len(correction), path))
        return correction

    def _exact_sampler(self, default: float, rng: np.random.Generator,
                       fallback: ProbabilisticSampler, seed: int) -> ExactSampler:
        """
        Creates the sampler of exact mode from the counts file(s) and the target or correction,
        and checks the copies the targets ask for. Over shards, the targets are global and this
        shard's share of them is drawn (see idc.balance.core.shard_targets).
        """
        total, each = sum_counts(self._counts_paths)
        targets = exact_targets(total, self._target, self._correction, default)
        if self._correction is None:
            target_source = "option --target %s" % self._target
        else:
            target_source = "%s '%s'" % (CORRECTION_FILE, self._correction_path)
        check_target_copies(total, targets, self._max_copies, "%s %s" % (COUNTS_FILE, self._counts_shown()),
                            target_source)
        if self.shard is None:
            self._counts = total
            self.logger().info("Exact mode, targets per label: %s" % targets)
            return ExactSampler(total, targets, rng, fallback)
        self._counts = each[self.shard]
        # this shard's share of every label its counts file lists (others have no records here)
        shard = {label: target for label, target in shard_targets(each, targets, self.shard, seed).items()
                 if label in self._counts}
        self.logger().info("Exact mode over %d shards, global targets per label: %s; this shard's (%d): %s"
                           % (len(each), targets, self.shard, shard))
        return ExactSampler(self._counts, shard, rng, fallback)

    def _counts_shown(self) -> str:
        """
        Returns the counts file(s) as messages name them: this shard's with --shard.
        """
        if self.shard is not None:
            return "'%s'" % self._counts_paths[self.shard]
        return ", ".join("'%s'" % path for path in self._counts_paths)

    def _do_process_stream(self, data):
        """
        Decides for each record how often it is output: dropped records produce no
        output, kept ones are followed by their copies (if any), which are made when
        the pipeline asks for them. When the run can make copies, a copy marker in any
        record's name is escaped first, so that no copy can take an input's name.

        :param data: the record(s) to process
        """
        decisions = self._plain_decisions
        if decisions is not None:
            # the common case (no split selection, no copies, no keyed decisions), as lean as the least work the
            # decision needs: the label (an image classification label is a non-empty text or None), one
            # look-up, one next()
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                label = item.annotation
                if not label:
                    self._unlabeled += 1
                    output.append(item)
                    continue
                try:
                    emitted = next(decisions[label])
                except KeyError:
                    # the label's first record
                    emitted = next(self._sampler.decisions_of(label))
                if emitted:
                    output.append(item)
            return
        keyed = self._plain_keyed
        if keyed is not None:
            # the same with keyed decisions: the image name in place of the next draw
            output = self._stream_output
            for item in (data if isinstance(data, list) else (data,)):
                label = item.annotation
                if not label:
                    self._unlabeled += 1
                    output.append(item)
                elif keyed(label, item.image_name or "") > 0:
                    output.append(item)
            return
        if self._sampler is None:
            raise not_initialized(self)
        try:
            self._decide(data, self._stream_output)
        except BalanceError as e:
            # seppl's MultiFilter (idc-convert with two or more filters) swallows exceptions: log first
            self.logger().error(str(e))
            raise

    def _decide(self, data, output: list):
        """
        Decides for each record how often it is output (see :meth:`_do_process_stream`),
        with split selection, copies (and name escaping) or keyed decisions.

        :param data: the record(s) to process
        :param output: the output queue to append to
        :type output: list
        """
        sampler = self._sampler
        emit = sampler.emit_count_keyed if self.keyed else None
        decisions_of = sampler.decisions_of
        selector = self._selector
        escaper = self._escaper
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
            label = classification_label(item)
            if label is None:
                self._unlabeled += 1
                output.append(mark_original(item) if mark else item)
                continue
            emitted = next(decisions_of(label)) if emit is None else emit(label, item.image_name or "")
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
        Finishes the processing: logs what was kept and dropped per label, and warns
        about everything that did not match (labels, splits, names).
        """
        if self._sampler is not None:
            tallies = self._sampler.tallies()
            lines = summary_lines(tallies, self._unlabeled)
            if self._selector is not None:
                lines.extend(self._selector.summary_lines("passed through"))
            self.logger().info("Summary:\n" + "\n".join(lines))
            for warning in self._warnings(tallies):
                self.logger().warning(warning)
            self._sampler = None
            self._plain_decisions = None
            self._plain_keyed = None
        super().finalize()

    def _warnings(self, tallies) -> List[str]:
        """
        Collects the warnings of the finished run.

        :param tallies: label -> tally
        :type tallies: dict
        :return: the warnings
        :rtype: list
        """
        result = []
        seen = [label for label, tally in tallies.items() if tally.records_in > 0]
        if self._correction is not None:
            if len(self._correction) == 0:
                result.append("%s '%s' is empty: every label was decided with the default probability"
                              % (CORRECTION_FILE, self._correction_path))
            unmatched = unmatched_labels(self._correction, seen)
            if len(unmatched) > 0:
                result.append("%s '%s': %d label(s) never occurred in the stream:\n%s"
                              % (CORRECTION_FILE, self._correction_path, len(unmatched),
                                 "\n".join(unmatched_lines(unmatched))))
            missing = unmatched_labels(seen, self._correction)
            if (len(self._correction) > 0) and (len(missing) > 0) and not isinstance(self._sampler, ExactSampler):
                result.append("%d label(s) of the stream are not in %s '%s' and were decided with the default "
                              "probability %s (-p):\n%s"
                              % (len(missing), CORRECTION_FILE, self._correction_path, self._default,
                                 "\n".join(unmatched_lines(missing, absent=ABSENT_FROM_FILE))))
        if isinstance(self._sampler, ExactSampler):
            unmatched = unmatched_labels(self._counts, seen)
            if len(unmatched) > 0:
                result.append("%s %s: %d label(s) never occurred in the stream:\n%s"
                              % (COUNTS_FILE, self._counts_shown(), len(unmatched),
                                 "\n".join(unmatched_lines(unmatched))))
            mismatches = self._sampler.mismatches()
            if len(mismatches) > 0:
                result.append("The stream did not match the %s %s:\n%s"
                              % (COUNTS_FILE, self._counts_shown(), "\n".join(mismatch_lines(mismatches))))
        if self._selector is not None:
            unused = self._selector.unused_names_warning()
            if unused is not None:
                result.append(unused)
        if len(seen) == 0:
            result.append("No record was balanced: none of the %d record(s) that reached this filter had a label%s"
                          % (self._unlabeled + (0 if self._selector is None else
                                                self._selector.other_splits + self._selector.without_field),
                             "" if self._selector is None else " and a selected split"))
        if self._escaper is not None:
            escaped = self._escaper.warning()
            if escaped is not None:
                result.append(escaped)
        return result
