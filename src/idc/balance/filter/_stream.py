from typing import Any, Optional

from kasperl.api import flatten_list
from seppl.io import StreamFilter
from wai.logging import LOGGING_WARNING

from idc.balance.core import BalanceError
from idc.balance.records import PendingCopies


def process_as_batch(stream_filter: StreamFilter, data: Any) -> Optional[Any]:
    """
    Runs a stream filter's per-record logic for a caller that uses the batch interface
    (process() instead of process_stream()): collects what the stream would emit.

    :param stream_filter: the filter
    :type stream_filter: StreamFilter
    :param data: the record(s) to process
    :return: the emitted record, a list of them, or None if nothing was emitted
    """
    stream_filter.process_stream(data)
    result = []
    while stream_filter.has_output():
        result.append(stream_filter.output())
    if len(result) == 0:
        return None
    return flatten_list(result)


def not_initialized(stream_filter: StreamFilter) -> BalanceError:
    """
    Returns the error for records that reach a filter before initialize().

    :param stream_filter: the filter
    :type stream_filter: StreamFilter
    :return: the error to raise
    :rtype: BalanceError
    """
    return BalanceError("%s: a record arrived before initialize() (call initialize() first, as seppl's execute() "
                        "does)" % stream_filter.name())


class LazyOutputFilter(StreamFilter):
    """
    A stream filter whose output queue can hold copies that are made only when the
    pipeline asks for them (see :class:`idc.balance.records.PendingCopies`). The framework
    takes a stream filter's output one record at a time with has_output() and output(), and
    its output() takes the first record with pop(0), whose time grows with the length of
    the queue (quadratic for a long batch). This class's output() expands pending copies on
    the way and takes records from the end of the queue instead: a queue of more than one
    entry is reversed in place once, before its first record is handed out.

    The common case, one record in and one out, costs what the framework's own output()
    costs: has_output() is the framework's, and output() pops the only entry.

    The attributes that every record reads live in slots (``__slots__`` here and in the
    subclasses): a plugin has more attributes than Python's fast attribute access allows
    for an instance dict (keys shared by the class's instances, at most 30 in CPython), and
    beyond that every attribute read per record costs more. Slots are read fast whatever
    the size of the dict, and keep the dict small enough for the rest.
    """
    __slots__ = ("_stream_output", "_reversed_queue")

    def __init__(self, logger_name: str = None, logging_level: str = LOGGING_WARNING):
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self._reversed_queue = None
        """ the queue that output() has reversed (the framework starts a new one for every input) """

    def output(self) -> Optional[Any]:
        """
        Returns the next record of the output: a queued record or the next pending copy.

        :return: the record, None if there is none
        """
        queue = self._stream_output
        if len(queue) > 1:
            if queue is not self._reversed_queue:
                # a new queue of several entries: hand them out from the end, in their order
                queue.reverse()
                self._reversed_queue = queue
        elif not queue:
            return None
        result = queue.pop()
        if type(result) is not PendingCopies:
            return result
        copy = result.next_copy()
        if not result.done:
            queue.append(result)
        return copy
