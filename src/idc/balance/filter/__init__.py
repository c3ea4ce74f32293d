from ._balance_labels import BalanceLabels
from ._label_dist import LabelDistribution
from ._balance_labels_od import BalanceLabelsOD
from ._balance_labels_is import BalanceLabelsIS
from ._remove_duplicates import RemoveDuplicates
from ._find_duplicates import FindDuplicates
