"""The progress line: drawn on a terminal only, and only for long runs."""

from __future__ import annotations

import io

from reconciler.engine.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_ends_at_the_total():
    screen = Terminal()
    progress = Progress("applying", 50, screen)
    for _ in range(50):
        progress.advance()
    assert screen.getvalue().endswith("applying [##############################] 50/50")
    progress.clear()
    assert screen.getvalue().endswith("\r\x1b[K")


def test_progress_is_silent_off_a_terminal_and_for_short_runs():
    pipe = io.StringIO()
    for stream, total in ((pipe, 500), (Terminal(), 5)):
        progress = Progress("applying", total, stream)
        for _ in range(total):
            progress.advance()
        progress.clear()
        assert stream.getvalue() == ""
