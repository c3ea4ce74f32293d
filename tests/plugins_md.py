"""
Generates plugins.md from the plugins' own help with idc-help (markdown), and checks it.

Regenerate after changing a plugin's options or description:

    uv run python tests/plugins_md.py
"""
import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import List

from seppl import Plugin

import idc.balance.filter

REPO = Path(__file__).resolve().parents[1]
PLUGINS_MD = REPO / "plugins.md"
IDC_HELP = str(Path(sys.executable).parent / "idc-help")
# scanning only our own class lister keeps idc's and kasperl's plugins (and their import noise) out
OTHER_CLASS_LISTERS = "idc.class_lister,kasperl.class_lister"
TITLE = "# Plugins of image-dataset-converter-balance\n\nGenerated with `idc-help` from the plugins' own help " \
        "(`uv run python tests/plugins_md.py`); do not edit by hand.\n"


def plugin_names() -> List[str]:
    """
    Returns the names of the plugins this package registers, sorted.
    """
    names = []
    for _, cls in inspect.getmembers(idc.balance.filter, inspect.isclass):
        if issubclass(cls, Plugin) and not inspect.isabstract(cls):
            names.append(cls().name())
    return sorted(names)


def generate() -> str:
    """
    Returns the content of plugins.md: the markdown help of each plugin, by idc-help.
    """
    parts = [TITLE]
    for name in plugin_names():
        result = subprocess.run([IDC_HELP, "-e", OTHER_CLASS_LISTERS, "-p", name, "-f", "markdown", "-L", "2"],
                                capture_output=True, text=True, check=True,
                                env=dict(os.environ, COLUMNS="80"))
        parts.append(result.stdout.strip() + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    PLUGINS_MD.write_text(generate())
    print("written: %s" % PLUGINS_MD)
