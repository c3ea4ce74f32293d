from ._balance_labels import BalanceLabels
from ._label_dist import LabelDistribution
