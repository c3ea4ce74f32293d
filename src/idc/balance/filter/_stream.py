from typing import Any, Optional

from kasperl.api import flatten_list
from seppl.io import StreamFilter


def process_as_batch(stream_filter: StreamFilter, data: Any) -> Optional[Any]:
    """
    Runs a stream filter's per-record logic for a caller that uses the batch interface
    (process() instead of process_stream()): collects what the stream would emit.

    :param stream_filter: the filter
    :type stream_filter: StreamFilter
    :param data: the record(s) to process
    :return: the emitted record, a list of them, or None if nothing was emitted
    """
    stream_filter._stream_output = []
    stream_filter._do_process_stream(data)
    result = stream_filter._stream_output
    stream_filter._stream_output = []
    if len(result) == 0:
        return None
    return flatten_list(result)
