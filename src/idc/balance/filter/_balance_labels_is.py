from typing import List

from idc.api import ImageSegmentationData

from idc.balance.records import layer_labels
from ._balance_multi_label import BalanceMultiLabel


class BalanceLabelsIS(BalanceMultiLabel):
    """
    Balances image segmentation records: the images containing each class (a layer with
    any pixels set), by the optimal plan over the signatures or by repeat factor
    sampling. See :class:`BalanceMultiLabel` for the options.
    """

    def name(self) -> str:
        """
        Returns the name of the handler, used as sub-command.

        :return: the name
        :rtype: str
        """
        return "balance-labels-is"

    def accepts(self) -> List:
        """
        Returns the list of classes that are accepted.

        :return: the list of classes
        :rtype: list
        """
        return [ImageSegmentationData]

    def generates(self) -> List:
        """
        Returns the list of classes that get produced.

        :return: the list of classes
        :rtype: list
        """
        return [ImageSegmentationData]

    _labels_of = staticmethod(layer_labels)
    """ the labels of the record's layers that have pixels """
