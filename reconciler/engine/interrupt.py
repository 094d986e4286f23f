"""Ctrl-C while apply changes the account: the first stops it cleanly, the second at once.

Part of the command layer (with `cli/` and `progress.py`). While `StopOnCtrlC` is active, the
first SIGINT sets `stop`: apply starts no new change, the calls in flight finish and are
reported as usual. A second SIGINT exits at once, saying that calls may still be in flight.

A signal handler rather than catching KeyboardInterrupt: that exception can surface anywhere in
the main thread, and Python's thread pools wait for every queued task on the way out, so apply
would go on to the end and then claim it had been aborted.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

# 128 + SIGINT: what a shell reports for a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130

FIRST_INTERRUPT = (
    "interrupted: no new change will start; waiting for the calls in flight to finish "
    "(Ctrl-C again to exit at once)"
)
SECOND_INTERRUPT = (
    "interrupted again: exiting now; AWS calls may still be in flight, and what they change "
    "is not reported: run `iamctl plan` to see the account as it is"
)


class StopOnCtrlC:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self._previous: Any = None

    def __enter__(self) -> StopOnCtrlC:
        self._previous = signal.signal(signal.SIGINT, self._interrupted)
        return self

    def __exit__(self, *exc_info: object) -> None:
        signal.signal(signal.SIGINT, self._previous)

    @property
    def interrupted(self) -> bool:
        return self.stop.is_set()

    def _interrupted(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            say(SECOND_INTERRUPT)
            # sys.exit would wait for the worker threads, which is what the user refuses.
            os._exit(EXIT_INTERRUPTED)
        self.stop.set()
        say(FIRST_INTERRUPT)


def say(message: str) -> None:
    """Straight to file descriptor 2: the handler may run while the main thread is itself
    writing to sys.stderr, and Python's buffered streams refuse reentrant writes."""
    erase = "\r\x1b[K" if sys.stderr.isatty() else ""  # a progress line may be drawn there
    os.write(2, f"{erase}{message}\n".encode())
