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
    pipeline asks for them (see :class:`idc.balance.records.PendingCopies`). The framework takes
    a stream filter's output one record at a time with has_output() and output(); this
    class hands out the queued records from a read position (the framework's pop(0)
    costs time in the length of the queue, quadratic for many outputs of one input)
    and expands pending copies on the way.
    """

    def __init__(self, logger_name: str = None, logging_level: str = LOGGING_WARNING):
        super().__init__(logger_name=logger_name, logging_level=logging_level)
        self._output_queue = self._stream_output
        self._output_pos = 0

    def has_output(self) -> bool:
        """
        Whether any output is available.

        :return: True if output can be collected
        :rtype: bool
        """
        queue = self._stream_output
        if queue is not self._output_queue:
            # the framework started a new queue (process_stream, initialize, finalize)
            self._output_queue = queue
            self._output_pos = 0
        return self._output_pos < len(queue)

    def output(self) -> Optional[Any]:
        """
        Returns the next record of the output: a queued record or the next pending copy.

        :return: the record, None if there is none
        """
        queue = self._stream_output
        if queue is not self._output_queue:
            self._output_queue = queue
            self._output_pos = 0
        pos = self._output_pos
        if pos >= len(queue):
            return None
        result = queue[pos]
        if type(result) is PendingCopies:
            pending = result
            result = pending.next_copy()
            if not pending.done:
                return result
        pos += 1
        if pos >= len(queue):
            # all handed out: a fresh queue drops the references at once
            queue = self._stream_output = self._output_queue = []
            pos = 0
        else:
            queue[pos - 1] = None
        self._output_pos = pos
        return result
