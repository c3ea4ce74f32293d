import argparse
from typing import List, Optional

from idc.api import ObjectDetectionData, LABEL_KEY

from idc.balance.core import check_text
from idc.balance.records import object_labels
from ._balance_multi_label import BalanceMultiLabel


class BalanceLabelsOD(BalanceMultiLabel):
    """
    Balances object detection records: the images containing each class, by the optimal
    plan over the signatures (the distinct labels of an image's objects) or by repeat
    factor sampling. See :class:`BalanceMultiLabel` for the options.
    """

    def __init__(self, *args, label_key: str = LABEL_KEY, **kwargs):
        """
        Initializes the filter (see :class:`BalanceMultiLabel` for the other arguments).

        :param label_key: the key in the metadata of the objects that holds the label
        :type label_key: str
        """
        self.label_key = label_key
        super().__init__(*args, **kwargs)

    def name(self) -> str:
        """
        Returns the name of the handler, used as sub-command.

        :return: the name
        :rtype: str
        """
        return "balance-labels-od"

    def accepts(self) -> List:
        """
        Returns the list of classes that are accepted.

        :return: the list of classes
        :rtype: list
        """
        return [ObjectDetectionData]

    def generates(self) -> List:
        """
        Returns the list of classes that get produced.

        :return: the list of classes
        :rtype: list
        """
        return [ObjectDetectionData]

    def _create_argparser(self) -> argparse.ArgumentParser:
        """
        Creates an argument parser. Derived classes need to fill in the options.

        :return: the parser
        :rtype: argparse.ArgumentParser
        """
        parser = super()._create_argparser()
        parser.add_argument("-k", "--label_key", type=str, default=LABEL_KEY, required=False,
                            help="The key in the meta-data of the objects that contains the label (as for "
                                 "label-dist).")
        return parser

    def _apply_args(self, ns: argparse.Namespace):
        """
        Initializes the object with the arguments of the parsed namespace.

        :param ns: the parsed arguments
        :type ns: argparse.Namespace
        """
        super()._apply_args(ns)
        self.label_key = ns.label_key

    def _check_arguments(self):
        """
        Checks each argument on its own, the label key included.
        """
        check_text("-k/--label_key", self.label_key)
        return super()._check_arguments()

    def _record_label_key(self) -> Optional[str]:
        """
        Returns the metadata key of the label of the objects.
        """
        return self.label_key

    _labels_of = staticmethod(object_labels)
    """ the labels of the record's objects """
