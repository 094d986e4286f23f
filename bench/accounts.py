"""The accounts the bench measures: their shape, the seed sent to the emulator, the YAML files.

User `i` of every account has the same, deterministic make-up, so an account of 2,000 users is
the one of 500 plus 1,500 more, and the file declaring it is generated, never hand-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"  # moto's default account
GROUP_COUNT = 20
CUSTOMER_POLICY_COUNT = 10
GROUP_POLICY = "ReadOnlyAccess"
AWS_POLICIES = (
    "AmazonS3ReadOnlyAccess",
    "AmazonEC2ReadOnlyAccess",
    "CloudWatchReadOnlyAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AWSLambda_ReadOnlyAccess",
)
DRIFTED_TAG_VALUE = "cc-drifted"


@dataclass(frozen=True)
class BenchUser:
    """One seeded user: a group, two managed policies (one customer, one AWS), an access key,
    a console password for every other user, and tags."""

    name: str
    group: str
    customer_policy: str
    aws_policy: str
    console: bool
    tags: dict[str, str]


def user_name(index: int) -> str:
    return f"user-{index:05d}"


def group_name(index: int) -> str:
    return f"team-{index % GROUP_COUNT:02d}"


def customer_policy_name(index: int) -> str:
    return f"bench-policy-{index % CUSTOMER_POLICY_COUNT}"


def bench_user(index: int) -> BenchUser:
    return BenchUser(
        name=user_name(index),
        group=group_name(index),
        customer_policy=customer_policy_name(index),
        aws_policy=AWS_POLICIES[index % len(AWS_POLICIES)],
        console=index % 2 == 0,
        tags={"team": group_name(index), "cost-center": f"cc-{index % 7}"},
    )


def policy_document(index: int) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": f"arn:aws:s3:::bench-bucket-{index}/*",
            }
        ],
    }


def customer_policy_arn(name: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:iam::{account}:policy/{name}"


def aws_policy_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


def seed(first: int, stop: int, account: str = ACCOUNT_ID, aws_policies: bool = True
         ) -> dict[str, Any]:
    """What the emulator must hold for users `first` to `stop - 1` (groups and policies too, which
    the emulator creates only once): the body of its seed request. Without `aws_policies`, users
    and groups have customer managed policies only (an account of the many-accounts run)."""
    users = [bench_user(index) for index in range(first, stop)]
    return {
        "account": account,
        "policies": [
            {"name": customer_policy_name(i), "document": policy_document(i)}
            for i in range(CUSTOMER_POLICY_COUNT)
        ],
        "groups": [
            {"name": group_name(i), "policies": [aws_policy_arn(GROUP_POLICY)] if aws_policies
             else []}
            for i in range(GROUP_COUNT)
        ],
        "users": [
            {
                "name": user.name,
                "groups": [user.group],
                "policies": [customer_policy_arn(user.customer_policy, account)]
                + ([aws_policy_arn(user.aws_policy)] if aws_policies else []),
                "access_keys": 1,
                "console": user.console,
                "tags": user.tags,
            }
            for user in users
        ],
    }


def account_file(user_count: int, account: str = ACCOUNT_ID, aws_policies: bool = True,
                 role_arn: str | None = None) -> str:
    """The file declaring exactly the seeded account of `user_count` users (reached with
    `role_arn` when given)."""
    users = [bench_user(index) for index in range(user_count)]
    return document(
        policies=[
            {"name": customer_policy_name(i), "document": policy_document(i)}
            for i in range(CUSTOMER_POLICY_COUNT)
        ],
        users=[
            {
                "name": user.name,
                "console": user.console,
                "access_keys": 1,
                "groups": [user.group],
                "policies": [user.customer_policy]
                + ([user.aws_policy] if aws_policies else []),
                "tags": user.tags,
            }
            for user in users
        ],
        account={"id": account, **({"role_arn": role_arn} if role_arn else {})},
        group_policies=[GROUP_POLICY] if aws_policies else [],
    )


def new_users_file(user_count: int) -> str:
    """`user_count` users that do not exist yet, each in a group and with a managed policy, and
    no credentials (so apply needs no secrets directory)."""
    return document(
        policies=[],
        users=[
            {
                "name": f"new-{index:05d}",
                "groups": [group_name(index)],
                "policies": [AWS_POLICIES[index % len(AWS_POLICIES)]],
            }
            for index in range(user_count)
        ],
    )


def document(
    policies: Sequence[dict[str, Any]], users: Sequence[dict[str, Any]],
    account: dict[str, str] | None = None, group_policies: Sequence[str] = (GROUP_POLICY,),
) -> str:
    body: dict[str, Any] = {"version": 1, "account": account or {"id": ACCOUNT_ID}}
    if policies:
        body["policies"] = list(policies)
    body["groups"] = [
        {"name": group_name(i), **({"policies": list(group_policies)} if group_policies else {})}
        for i in range(GROUP_COUNT)
    ]
    body["users"] = list(users)
    # safe_dump quotes "2012-10-17" and the account id, so they stay strings when read back.
    return yaml.safe_dump(body, sort_keys=False, default_flow_style=False)


def drifted_users(user_count: int, share: float = 0.01) -> list[int]:
    """The users changed out of band: `share` of them (at least one), spread evenly."""
    count = max(1, round(user_count * share))
    return [int((j + 0.5) * user_count / count) for j in range(count)]
