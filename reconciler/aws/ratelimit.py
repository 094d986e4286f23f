"""The client-side rate limit of `client.py`: calls to a service with a `RateLimit`
(`services.py`) wait their turn here, so iamctl keeps under AWS's limit on its own instead of
meeting it as throttling answers and backing off.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Time as the client sees it; tests give a fake one (no test waits for real time)."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class RateLimiter:
    """At most `per_second` calls a second, evenly spaced: each call takes the next free slot
    and sleeps until it comes. Even spacing, not a bucket that allows bursts: AWS does not say
    how large a burst it tolerates, and a burst that it refuses costs a throttled call and
    botocore's backoff, more than the spacing ever does. Thread-safe: the slot is taken under
    the lock, the sleep happens outside it, so threads queue in the order they asked."""

    def __init__(self, per_second: float, clock: Clock) -> None:
        self._interval = 1.0 / per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._next_slot = float("-inf")

    def wait(self) -> float:
        """Wait for this call's slot; returns how long that was (0 when none was needed)."""
        with self._lock:
            now = self._clock.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        delay = slot - now
        if delay > 0:
            self._clock.sleep(delay)
        return delay
