"""
What one filter cannot see by itself but must not miss: a run interrupted with Ctrl-C
(seppl's execute catches the KeyboardInterrupt and still finalizes every filter, so a
result file would be written from part of the stream and look complete), and two filters
of one run writing the same result file (the second would replace the first's result).
"""
import os
import signal
import threading
import weakref
from typing import Optional


class InterruptWatch:
    """
    Counts the SIGINTs (Ctrl-C) the process receives while at least one filter watches,
    and passes each on to Python's handler, which raises KeyboardInterrupt. Only where
    that handler is installed (not where the caller ignores or handles SIGINT itself), and
    only in the main thread (elsewhere :meth:`start` returns None).
    """

    def __init__(self):
        self.count = 0
        """ SIGINTs received while watched """
        self._users = 0
        self._installed = False
        self._previous = None
        self._lock = threading.Lock()

    def _handle(self, signum, frame):
        self.count += 1
        self._previous(signum, frame)

    def start(self) -> Optional[int]:
        """
        Starts watching for a filter; every start that returns a number needs one :meth:`stop`.

        :return: the count so far (compare it with :attr:`count` at the end), None if signals cannot be watched here
        :rtype: int
        """
        if threading.current_thread() is not threading.main_thread():
            return None
        with self._lock:
            if self._users == 0:
                previous = signal.getsignal(signal.SIGINT)
                # only Python's own handler turns Ctrl-C into a KeyboardInterrupt that stops the run; where
                # interrupts are ignored or handled by the caller, nothing interrupts the run: nothing to watch
                self._installed = previous is signal.default_int_handler
                if self._installed:
                    self._previous = previous
                    signal.signal(signal.SIGINT, self._handle)
            self._users += 1
            return self.count

    def stop(self):
        """
        Stops watching for a filter (the previous handler is back when the last one stops).
        """
        with self._lock:
            if self._users == 0:
                return
            self._users -= 1
            if (self._users == 0) and self._installed:
                self._installed = False
                if signal.getsignal(signal.SIGINT) == self._handle:
                    signal.signal(signal.SIGINT, self._previous)
                self._previous = None


INTERRUPTS = InterruptWatch()
""" The one watch of the process. """


class OutputClaims:
    """
    The result files that initialized filters will write (and the files they read at
    initialize), so that a second filter of the same run cannot silently replace the first's
    result, nor replace a file that another filter of the run read. A claim ends when its
    filter finalizes or is garbage collected.
    """

    def __init__(self):
        self._claims = weakref.WeakValueDictionary()
        self._reads = weakref.WeakValueDictionary()

    @staticmethod
    def _key(path: str) -> str:
        return os.path.normcase(os.path.realpath(path))

    def claim(self, path: str, owner) -> Optional[object]:
        """
        Claims a result file for a filter. A claim of a filter of another session (an
        earlier run that was never finalized, say) gives way.

        :param path: the file
        :type path: str
        :param owner: the filter
        :return: the other filter of the same session that claimed the file, None if the claim succeeded
        """
        key = self._key(path)
        for claims in (self._claims, self._reads):
            other = claims.get(key)
            if (other is not None) and (other is not owner) and (other.session is owner.session):
                return other
        self._claims[key] = owner
        return None

    def claim_read(self, path: str, owner) -> Optional[object]:
        """
        Notes a file that a filter reads at initialize, so that no other filter of the same run writes it
        (the run would then read the old file and replace it with the new).

        :param path: the file
        :type path: str
        :param owner: the filter
        :return: the other filter of the same session that writes the file, None if none
        """
        key = self._key(path)
        other = self._claims.get(key)
        if (other is not None) and (other is not owner) and (other.session is owner.session):
            return other
        self._reads[key] = owner
        return None

    def release(self, owner):
        """
        Ends all claims of a filter.

        :param owner: the filter
        """
        for claims in (self._claims, self._reads):
            for key in [key for key, value in list(claims.items()) if value is owner]:
                del claims[key]


OUTPUT_CLAIMS = OutputClaims()
""" The claims of the process. """

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
""" Extensions that result options refuse: a result is never an image (writing it would overwrite one). """


def stop_watching(owner, interrupts_at: Optional[int]) -> bool:
    """
    Ends a filter's watch: releases its result files and stops watching for interrupts.

    :param owner: the filter
    :param interrupts_at: what INTERRUPTS.start() returned for it, None if it was not watching
    :type interrupts_at: int
    :return: whether the run was interrupted while the filter watched
    :rtype: bool
    """
    OUTPUT_CLAIMS.release(owner)
    if interrupts_at is None:
        return False
    interrupted = INTERRUPTS.count > interrupts_at
    INTERRUPTS.stop()
    return interrupted
