"""The bench server's Identity Center layer, in front of moto (inside the server's process): the
instance's rate limit, enforced as AWS would, and the sso-admin reads moto lacks.

- 20 calls a second for sso-admin and identitystore together (the instance's throttle limit):
  a token bucket refilled at 20 a second holding at most `BURST`; a call that finds it empty is
  answered ThrottlingException, as AWS answers, and botocore backs off and retries. AWS does not
  publish its burst: `BURST` is a small one, so that a client spacing its calls evenly meets no
  throttling from its own scheduling jitter while one that bursts meets it within a second.
- The reads moto answers wrongly or not at all (HTTP 500): a set's permissions boundary and tags
  (kept here, written by the same calls AWS takes), the accounts a set is provisioned to (from
  the assignments moto holds: moto's own listing shows none), a provisioning request's status.
- Organizations' ListTargetsForPolicy in pages of at most 20 (its MaxResults' maximum), as AWS
  answers: moto returns every target at once, which would hide the 7 pages a policy on 125
  targets costs (the full-access policies, on every node of the bench's organisation).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

RATE = 20.0  # calls a second, sso-admin + identitystore
BURST = 10.0  # calls that may come at once: half a second's worth
# The services that share the limit, by the prefix of their X-Amz-Target header.
LIMITED = {"SWBExternalService": "sso-admin", "AWSIdentityStore": "identitystore"}
TARGETS = {**LIMITED, "AWSOrganizationsV20161128": "organizations"}
ACCOUNT, REGION = "123456789012", "us-east-1"  # moto's default account; the bench's region

Answer = tuple[str, dict[str, Any]]  # HTTP status line, JSON body


def service_and_action(target: str) -> tuple[str, str]:
    """`SWBExternalService.ListInstances` -> ("sso-admin", "ListInstances")."""
    prefix, _, action = target.partition(".")
    return TARGETS.get(prefix, prefix), action


class TokenBucket:
    """At most `rate` calls a second on average, `burst` at once; thread-safe."""

    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class IdentityCenterLayer:
    """What the bench server adds to moto for Identity Center."""

    def __init__(self) -> None:
        self.bucket = TokenBucket()
        self.enforce = True  # off while the bench seeds the organisation
        self.throttled: Counter[str] = Counter()
        self.boundaries: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, str]] = {}

    def throttle(self, service: str) -> Answer | None:
        """ThrottlingException when the call would exceed the instance's rate."""
        if not self.enforce or service not in LIMITED.values() or self.bucket.take():
            return None
        self.throttled[service] += 1
        return "400 Bad Request", {"__type": "ThrottlingException", "message": "Rate exceeded"}

    def answer(self, action: str, body: dict[str, Any]) -> Answer | None:
        """The answer to an sso-admin call moto lacks, or None: moto answers it."""
        arn = body.get("PermissionSetArn") or body.get("ResourceArn", "")
        if action == "GetPermissionsBoundaryForPermissionSet":
            if arn not in self.boundaries:
                return "400 Bad Request", {"__type": "ResourceNotFoundException",
                                           "Message": "the set has no permissions boundary"}
            return ok({"PermissionsBoundary": self.boundaries[arn]})
        if action == "PutPermissionsBoundaryToPermissionSet":
            self.boundaries[arn] = body["PermissionsBoundary"]
            return ok({})
        if action == "DeletePermissionsBoundaryFromPermissionSet":
            self.boundaries.pop(arn, None)
            return ok({})
        if action == "ListTagsForResource":
            return ok({"Tags": [{"Key": k, "Value": v} for k, v in self.tags.get(arn, {}).items()]})
        if action == "TagResource":
            self.tags.setdefault(arn, {}).update({t["Key"]: t["Value"] for t in body["Tags"]})
            return ok({})
        if action == "UntagResource":
            for key in body["TagKeys"]:
                self.tags.get(arn, {}).pop(key, None)
            return ok({})
        if action == "ListAccountsForProvisionedPermissionSet":
            return ok({"AccountIds": provisioned_accounts(arn)})
        if action == "DescribePermissionSetProvisioningStatus":
            return ok({"PermissionSetProvisioningStatus": {
                "RequestId": body.get("ProvisionPermissionSetRequestId", ""),
                "Status": "SUCCEEDED"}})
        return None


TARGETS_PAGE = 20  # ListTargetsForPolicy's largest page (and AWS's default)


def organizations_answer(action: str, body: dict[str, Any]) -> Answer | None:
    """The answer to an Organizations call moto does not page as AWS does, or None: moto
    answers it (an unknown policy too, with its error)."""
    if action != "ListTargetsForPolicy":
        return None
    from moto.organizations.models import organizations_backends

    try:
        every = organizations_backends[ACCOUNT]["aws"].list_targets_for_policy(
            PolicyId=body.get("PolicyId", ""))["Targets"]
    except Exception:  # moto's own error, which its handler renders
        return None
    size = min(int(body.get("MaxResults") or TARGETS_PAGE), TARGETS_PAGE)
    start = int(body.get("NextToken") or 0)
    page: dict[str, Any] = {"Targets": every[start:start + size]}
    if start + size < len(every):
        page["NextToken"] = str(start + size)
    return ok(page)


def ok(body: dict[str, Any]) -> Answer:
    return "200 OK", body


def provisioned_accounts(arn: str) -> list[str]:
    """The accounts holding an assignment of the set: where AWS has it provisioned (an
    assignment provisions its set to its account). One page: the bench's sets reach fewer than
    the 100 accounts of AWS's largest page."""
    from moto.ssoadmin.models import ssoadmin_backends

    held = ssoadmin_backends[ACCOUNT][REGION].account_assignments
    return sorted({a.target_id for a in held if a.permission_set_arn == arn})


def encode(answer: Answer) -> tuple[str, list[tuple[str, str]], bytes]:
    status, body = answer
    return status, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(body).encode()
