from typing import Dict, List


def list_classes() -> Dict[str, List[str]]:
    return {
        "seppl.io.Filter": [
            "idc.balance.filter",
        ],
    }
