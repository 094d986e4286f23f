"""The baseline: the calls a Terraform-style refresh makes, one resource at a time, per user."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from bench import accounts

# What refreshing one user costs a per-resource tool: the user, its attachments, inline policies,
# group memberships, login profile, access keys, MFA devices and tags. (Groups and policies would
# cost more calls still; they are left out, which only flatters the baseline.)
PER_USER_CALLS = (
    "get_user",
    "list_attached_user_policies",
    "list_user_policies",
    "list_groups_for_user",
    "get_login_profile",
    "list_access_keys",
    "list_mfa_devices",
    "list_user_tags",
)


@dataclass(frozen=True)
class Refresh:
    users: int  # in the account
    refreshed: int  # actually refreshed: all users, or an evenly spread sample
    calls: int  # made
    seconds: float  # taken
    cpu_seconds: float  # of this (client) process

    @property
    def scale(self) -> float:
        return self.users / self.refreshed

    @property
    def total_calls(self) -> int:
        return round(self.calls * self.scale)

    @property
    def total_seconds(self) -> float:
        """Measured seconds for the whole account: per-user cost is flat (each call reads one
        user), so a sample's time scales linearly."""
        return self.seconds * self.scale


def sample(users: int, limit: int) -> list[int]:
    """All user indices, or `limit` of them spread evenly over the account."""
    if limit <= 0 or limit >= users:
        return list(range(users))
    return [int(j * users / limit) for j in range(limit)]


def refresh(iam: Any, users: int, indices: Sequence[int]) -> Refresh:
    """Refresh the given users one call after the other (parallelism 1)."""
    calls = 0
    started, cpu_started = time.monotonic(), time.process_time()
    for index in indices:
        name = accounts.user_name(index)
        for operation in PER_USER_CALLS:
            calls += 1
            try:
                getattr(iam, operation)(UserName=name)
            except ClientError as error:
                # A user without a console password: the answer a refresh gets, not a failure.
                if error.response.get("Error", {}).get("Code") != "NoSuchEntity":
                    raise
    return Refresh(users, len(indices), calls, time.monotonic() - started,
                   time.process_time() - cpu_started)
