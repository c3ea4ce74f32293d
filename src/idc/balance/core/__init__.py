"""
The framework-free core of idc.balance: reading and validating correction and counts
files, turning counts into corrections, per-record sampling decisions, and the
summaries. Nothing in here imports idc, seppl or kasperl.
"""
from ._correction import CORRECTION_FILE, MAX_PROBABILITY, read_correction, check_probability, correction_from_counts
from ._counts import LabelCounter
from ._distribution import (OUTPUT_TYPE_COUNTS, OUTPUT_TYPE_PERCENTAGES, OUTPUT_TYPE_CORRECTION, OUTPUT_TYPES,
                            OUTPUT_FORMAT_TEXT, OUTPUT_FORMAT_CSV, OUTPUT_FORMAT_JSON, OUTPUT_FORMATS,
                            percentages, distribution_values, format_values, check_choice)
from ._errors import BalanceError
from ._label_files import read_label_map, check_number, check_output_dir, write_atomically
from ._report import LabelTally, summary_lines
from ._sampling import uniform_stream, ProbabilisticSampler
from ._seed import resolve_seed, create_rng
