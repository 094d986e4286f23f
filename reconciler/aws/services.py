"""What the AWS client (`client.py`) must know of each service it calls: how its listings page,
which of its error answers mean "try again shortly" or "not there yet", and how fast it may be
called. One row per service; `Aws.call` and `Aws.pages` read it, so a kind that reads or writes a
new service (Identity Center, Organizations) needs a row here at most, never client code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Paging:
    """How a listing asks for its next page: the request parameter that carries the token, the
    answer key that holds it, and (IAM's `IsTruncated`) a flag saying more pages follow."""

    input_token: str
    output_token: str
    more_results: str | None = None  # None: a token in the answer means more pages

    def next_token(self, page: Mapping[str, object]) -> object | None:
        """The token that asks for the page after `page`, or None after the last one."""
        if self.more_results is not None and not page.get(self.more_results):
            return None
        return page.get(self.output_token) or None


# IAM's query-protocol listings: `Marker` while `IsTruncated`.
MARKER = Paging("Marker", "Marker", "IsTruncated")
# The JSON-protocol services: `NextToken`, absent (or null) on the last page.
NEXT_TOKEN = Paging("NextToken", "NextToken")


@dataclass(frozen=True)
class RateLimit:
    """A client-side limit, shared by every service that names the same one (AWS counts their
    requests together)."""

    name: str
    per_second: float


# IAM Identity Center allows about 20 requests a second for the whole instance (its quotas
# page, "Throttle limits"). sso-admin and identitystore reach the same instance: one limiter
# for both keeps their sum under it whichever way AWS counts them.
IDENTITY_CENTER = RateLimit("identity-center", 20.0)


@dataclass(frozen=True)
class Service:
    # How the service's listings page, for an operation botocore has no paginator model for
    # (`client.py` takes the token names from botocore's model where it has one).
    paging: Paging | None = None
    # Error codes that mean "a moment ago another change was in flight, try again": retried a
    # few times with backoff (client.TRANSIENT_RETRIES), beyond botocore's own retries of
    # throttling, 5xx and dropped connections.
    transient: frozenset[str] = frozenset()
    # Error codes that, right after a create, can mean "not visible yet": retried for a short
    # window when the caller asks (`retry_not_found`).
    not_found: frozenset[str] = frozenset()
    # botocore's standard-mode retries after the first attempt (throttling, 5xx, connections).
    retries: int = 10
    rate_limit: RateLimit | None = None


SERVICES: Mapping[str, Service] = {
    # IAM's own limits are generous and botocore's retries absorb its throttling: no limiter.
    "iam": Service(
        paging=MARKER,
        transient=frozenset({"ConcurrentModification", "EntityTemporarilyUnmodifiable"}),
        not_found=frozenset({"NoSuchEntity"}),
    ),
    "sts": Service(),
    # sso-admin's ConflictException is, in AWS's words, "a conflict with a previous successful
    # write [that] did not have time to propagate", to be retried with backoff (one permission
    # set provisioned at a time per account, too). A name that is really taken costs the few
    # seconds of those retries before the same error.
    "sso-admin": Service(
        paging=NEXT_TOKEN,
        transient=frozenset({"ConflictException"}),
        not_found=frozenset({"ResourceNotFoundException"}),
        rate_limit=IDENTITY_CENTER,
    ),
    # identitystore's ConflictException is also its answer to a name already taken (Reason
    # UNIQUENESS_CONSTRAINT_VIOLATION): not retried, by code alone the two cannot be told apart.
    "identitystore": Service(
        paging=NEXT_TOKEN,
        not_found=frozenset({"ResourceNotFoundException"}),
        rate_limit=IDENTITY_CENTER,
    ),
    # Its TooManyRequestsException is throttling, which botocore retries itself.
    "organizations": Service(
        paging=NEXT_TOKEN,
        transient=frozenset(
            {"ConcurrentModificationException", "PolicyChangesInProgressException"}
        ),
        not_found=frozenset({
            "AccountNotFoundException",
            "OrganizationalUnitNotFoundException",
            "ParentNotFoundException",
            "PolicyNotFoundException",
            "RootNotFoundException",
            "TargetNotFoundException",
        }),
    ),
    "secretsmanager": Service(
        paging=NEXT_TOKEN,
        not_found=frozenset({"ResourceNotFoundException"}),
    ),
}


def service_row(name: str) -> Service:
    """The row of a service the client is asked to call; a service without one is a bug."""
    try:
        return SERVICES[name]
    except KeyError:
        raise ValueError(f"AWS service {name!r} has no row in aws/services.py") from None
