"""A one-line progress display on stderr, shown only when stderr is a terminal.

Long reads and applies (thousands of users) otherwise look hung. Off a terminal (CI logs, pipes)
it prints nothing, so logs stay clean.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

# Below this many steps a progress line is only flicker.
MIN_STEPS = 20
REDRAW_SECONDS = 0.1


class Progress:
    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = total >= MIN_STEPS and self.stream.isatty()
        self._lock = threading.Lock()
        self._drawn_at = 0.0

    def advance(self) -> None:
        with self._lock:
            self.done += 1
            now = time.monotonic()
            if self.enabled and (now - self._drawn_at >= REDRAW_SECONDS or self.done == self.total):
                self._draw()
                self._drawn_at = now

    def clear(self) -> None:
        """Erase the line, so that ordinary output can be printed over it."""
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r\x1b[K{self.label} [{bar}] {self.done}/{self.total}")
        self.stream.flush()
