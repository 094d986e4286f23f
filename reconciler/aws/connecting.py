"""Connection failures of the AWS client (`client.py`): said at once, and given up on soon.

botocore's standard retry mode retries a connection that cannot be made as it retries
throttling: ten times, backing off up to 20 s, in silence. An endpoint nobody answers on (a
mistyped `--endpoint-url`, an emulator not started, a proxy down) then looks like a hung
command for about 20 s before one error. Throttling and 5xx answers are still botocore's
(`retries.py`); a connection error, where no request reached AWS, is taken over here: each
retry is announced on the `reconciler.notices` log (the command prints it on stderr) before it
is made, and after `RETRY_DELAYS` runs out the error goes to the user.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

# A TCP connection to AWS takes milliseconds: an endpoint silent for a second is said at once
# (and tried again), rather than after botocore's 60 s. Only the connection: an answer to a
# slow call (a credential report, a big page) may take longer, and does.
CONNECT_TIMEOUT_SECONDS = 1.0
# The waits before each retry of a connection that could not be made: a blip (a restarting
# proxy, a dropped Wi-Fi) passes within seconds; anything longer is for the person to fix.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0)

notices = logging.getLogger("reconciler.notices")


def worst_case_seconds() -> float:
    """The longest one call spends on a connection that cannot be made: every attempt's
    connect timeout and every wait between them."""
    return (len(RETRY_DELAYS) + 1) * CONNECT_TIMEOUT_SECONDS + sum(RETRY_DELAYS)


def watch_connections(client: Any) -> None:
    """Make `client` retry its connection failures with `RETRY_DELAYS`, saying so each time.

    Registered first on the service's own `needs-retry` event, where botocore registers its
    retry rules (botocore calls the handlers of `needs-retry.SERVICE` before those of
    `needs-retry`, whatever was registered first): the first delay returned is the one botocore
    sleeps, so after a connection failure it is ours."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"needs-retry.{service}", _connection_retry)


def _connection_retry(
    attempts: int, caught_exception: Exception | None = None, endpoint: Any = None, **_: Any
) -> float | None:
    """The wait before the next attempt after a connection failure; None for anything else
    (botocore decides). Raises the failure once the retries are spent."""
    if not isinstance(caught_exception, (EndpointConnectionError, ConnectTimeoutError)):
        return None
    if attempts > len(RETRY_DELAYS):
        raise caught_exception
    delay = RETRY_DELAYS[attempts - 1]
    where = getattr(endpoint, "host", None) or caught_exception.kwargs.get("endpoint_url", "")
    notices.warning(
        "waiting for %s: %s, retrying in %g s (%d of %d)",
        where, reason(caught_exception), delay, attempts, len(RETRY_DELAYS),
    )
    return delay


def reason(error: Exception) -> str:
    """A connection failure in a few words: `connection refused`, `name or service not known`."""
    if isinstance(error, ConnectTimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_SECONDS:g} s"
    cause = str(getattr(error, "kwargs", {}).get("error", ""))
    # urllib3 says "...: Failed to establish a new connection: [Errno 111] Connection refused".
    found = re.search(r"\[Errno [^\]]*\]\s*([^'\")]+)", cause)
    return found.group(1).strip().lower() if found else "cannot connect"
