import argparse

from idc.balance.records import DEFAULT_SPLIT_FIELD


def add_split_options(parser: argparse.ArgumentParser, what: str, others: str):
    """
    Adds the options that restrict a filter to some splits: --split_field and --split_names.

    :param parser: the parser to add to
    :type parser: argparse.ArgumentParser
    :param what: what the filter does to the selected records, e.g. "balance"
    :type what: str
    :param others: what happens to the other records, e.g. "pass through untouched"
    :type others: str
    """
    parser.add_argument("--split_field", type=str, default=DEFAULT_SPLIT_FIELD, required=False,
                        help="The meta-data field that holds the split of a record (as written by 'split-records').")
    parser.add_argument("--split_names", type=str, nargs="+", default=None, required=False,
                        help="Only %s the records of these splits (e.g. train); records of other splits or without "
                             "the split field %s. Uses all records if omitted." % (what, others))
