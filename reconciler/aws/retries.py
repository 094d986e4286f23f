"""Retries of the AWS client (`client.py`): botocore's, as configured per service, and our own
on top for the answers botocore does not retry ("try again shortly", "not there yet").
"""

from __future__ import annotations

from botocore.config import Config as BotoConfig

from ..core.errors import AwsError
from .connecting import CONNECT_TIMEOUT_SECONDS
from .ratelimit import Clock
from .services import Service

# Right after CreateUser (or CreateGroup, CreatePolicy) other IAM calls can briefly answer
# NoSuchEntity while the new entity propagates. Retried for this long when the caller asks.
NOT_FOUND_RETRY_SECONDS = 10.0
# How many times a service's "try again shortly" answers (`Service.transient`) are retried.
TRANSIENT_RETRIES = 5
# Our own retries (the two above) wait this long, doubling up to the maximum.
RETRY_FIRST_DELAY = 0.2
RETRY_MAX_DELAY = 2.0


def boto_config(rules: Service) -> BotoConfig:
    """Throttling (Throttling, ThrottlingException, TooManyRequestsException, ...), 5xx and
    dropped connections are retried by botocore's standard mode: `rules.retries` retries after
    the first attempt (botocore's `max_attempts` counts retries; `total_max_attempts` would
    count the first one too), waiting rand(0,1) * min(2**i, 20) seconds before the i-th retry
    after a throttling answer, and a twentieth of that after a 5xx. Not adaptive mode: its
    client-side rate limiter, once one throttling answer arrives before it has measured a send
    rate, drops to its floor of about one request every two seconds, and one early throttle
    slows a whole plan of a few hundred calls to minutes (services that need a limit get ours,
    `ratelimit.py`, at a rate AWS documents)."""
    return BotoConfig(
        retries={"mode": "standard", "max_attempts": rules.retries},
        # Connection failures are retried by `connecting.py`, briefly and aloud.
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
    )


class Retries:
    """Our own retries of one call, after botocore's: a service's "try again shortly" answers
    a few times, and its "not found" answers right after a create (when the caller asks) for
    a short window; each retry waits, the wait doubling."""

    def __init__(self, rules: Service, clock: Clock, retry_not_found: bool) -> None:
        self._rules = rules
        self._clock = clock
        self._not_found_until = (
            clock.monotonic() + NOT_FOUND_RETRY_SECONDS if retry_not_found else None
        )
        self._transient_left = TRANSIENT_RETRIES
        self._delay = RETRY_FIRST_DELAY

    def again(self, failure: AwsError) -> bool:
        """Whether to try again after `failure`; if so, the wait is over when this returns."""
        if failure.code in self._rules.transient and self._transient_left > 0:
            self._transient_left -= 1
        elif not self._still_not_found(failure):
            return False
        self._clock.sleep(self._delay)
        self._delay = min(self._delay * 2, RETRY_MAX_DELAY)
        return True

    def _still_not_found(self, failure: AwsError) -> bool:
        return (
            failure.code in self._rules.not_found
            and self._not_found_until is not None
            and self._clock.monotonic() < self._not_found_until
        )
