"""
The one exception type of the core: every problem with user input (files, options)
is reported as a :class:`BalanceError` whose message names the file or option,
the label or field if any, and what is wrong.
"""


class BalanceError(ValueError):
    """
    A problem with user-supplied input (a file or an option value).
    """
    pass
