"""
The framework-free core of idc.balance: reading and validating correction and counts
files, turning counts into targets and corrections, per-record sampling decisions, and
the summaries. Nothing in here imports idc, seppl or kasperl.
"""
from ._correction import CORRECTION_FILE, MAX_PROBABILITY, read_correction, looks_like_percentages, check_probability, correction_from_counts
from ._copy_limit import (DEFAULT_MAX_COPIES, MAX_COPIES_CEILING, MAX_COPIES_OPTION, MAX_COPIES_HELP, check_max_copies,
                          correction_copies, target_copies, can_make_copies, check_correction_copies,
                          check_target_copies)
from ._copy_names import COPY_MARKER, needs_escape, escape_name, copy_name, copy_name_parts
from ._counts import COUNTS_FILE, MAX_COUNT, LabelCounter, read_counts, sum_counts
from ._distribution import (OUTPUT_TYPE_COUNTS, OUTPUT_TYPE_PERCENTAGES, OUTPUT_TYPE_CORRECTION,
                            OUTPUT_TYPE_CLASS_WEIGHTS, OUTPUT_TYPE_SIGNATURES, OUTPUT_TYPES, OUTPUT_FORMAT_TEXT, OUTPUT_FORMAT_CSV,
                            OUTPUT_FORMAT_JSON, OUTPUT_FORMATS, FORMAT_VERSION, FORMAT_CLASS_WEIGHTS_BY_INDEX,
                            FORMAT_PER_SPLIT, UNIT_OBJECTS, UNIT_IMAGES, UNITS, default_unit, percentages, distribution_values, format_values, format_by_index,
                            format_per_split, check_choice)
from ._errors import BalanceError
from ._label_files import MAX_LABEL_FILE_BYTES, MAX_LABELS, read_json_file, read_label_map, check_number
from ._label_match import ABSENT_FROM_STREAM, ABSENT_FROM_FILE, unmatched_labels, unmatched_lines
from ._options import check_path, check_paths, check_whole_number, check_seed, check_flag, check_text, check_names, check_real
from ._output_files import check_output_file, check_replaceable, write_atomically, atomic_output
from ._report import MAX_LABEL_SHOWN, LabelTally, shown, summary_lines, mismatch_lines
from ._sampling import ProbabilisticSampler, ExactSampler
from ._signatures import (FORMAT_SIGNATURES, SIGNATURES_VERSION, SIGNATURES_FILE, MAX_SIGNATURES, Signature,
                          signature_of, SignatureCounter, signatures_json, read_signatures, sum_signatures)
from ._plan import CHANGES_NOTE, Plan, images_per_class, negative_images, plan_negatives, plan_signatures
from ._plan_report import (FORMAT_PLAN_REPORT, PLAN_REPORT_VERSION, METHOD_PLAN, METHOD_REPEAT_FACTOR, METHODS,
                           normalised, plan_report_json, plan_lines, outcome_lines, signature_lines)
from ._repeat_factor import (RFS_THRESHOLD_OPTION, check_threshold, default_threshold, repeat_factors, repeat_factor_plan,
                             repeat_factor_sampling,                             class_factors, check_repeat_limit)
from ._signature_sampling import NEGATIVES_POOL, ShardOfPlan, SignatureSampler, signature_text, emitted_per_class, makes_copies
from ._seed import resolve_seed, create_rng
from ._image_hash import HASH_SIZE, open_image, perceptual_hash, exact_hash
from ._duplicates import (HASH_EXACT, HASH_PERCEPTUAL, HASH_TYPES, DEFAULT_HASH, DEFAULT_THRESHOLD,
                          check_threshold_bits, check_hash_threshold, DuplicateFinder)
from ._duplicate_groups import MAX_MATRIX_MEMBERS, Member, Group, Skipped, GroupCollector, common_root
from ._groups_file import (FORMAT_GROUPS, GROUPS_VERSION, FORMAT_CONFLICTS, CONFLICTS_VERSION, GROUPS_FILE,
                           MAX_GROUPS_FILE_BYTES, MAX_GROUPS_IMAGES, GroupsFile, ImageLocator, group_json,
                           write_groups, conflicts_json, read_groups)
from ._duplicate_cut import (OVER_SAMPLE_RANDOM, OVER_SAMPLE_SIMILARITY, OVER_SAMPLE_METHODS, DEFAULT_OVER_SAMPLE,
                             UNDER_SAMPLE_UNIFORM, UNDER_SAMPLE_INVERSE, UNDER_SAMPLE_METHODS, DEFAULT_UNDER_SAMPLE,
                             check_num_cut, select_images)
from ._hash_index import HASH_BITS, CHUNK_WIDTHS, SMALL_CHUNK_WIDTHS, REBUILD_AT, MAX_RADIUS, HammingIndex, hamming, chunk_neighbours, chunk_radii
from ._targets import (MAX_TARGET, TARGET_MIN, TARGET_MAX, TARGET_MEAN, TARGET_MEDIAN, TARGET_NAMES, DEFAULT_TARGET, TARGET_HELP,
                       parse_target, target_value, exact_targets, round_half_up)
from ._weights import class_weights, parse_label_list, check_label_list, label_order, weights_by_index
from ._keyed import hash_seed, keyed_uniform_function, keyed_threshold, KeyedDraws
from ._shards import key_entropy, split_quota, shard_targets
from ._epochs import (EPOCH_MODE_EXACT, EPOCH_MODE_PROBABILISTIC, EPOCH_MODES, EpochPlan, epoch_generator,
                      group_keys, replica_part)
