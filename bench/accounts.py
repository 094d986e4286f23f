"""The accounts the bench measures: their shape, the seed sent to the emulator, the YAML files.

User `i` of every account has the same, deterministic make-up, so an account of 2,000 users is
the one of 500 plus 1,500 more, and the file declaring it is generated, never hand-written. Roles
come with the users, one per `USERS_PER_ROLE` (1,000 roles beside 5,000 users), as
deterministic: role `r` is seeded with the users from `5r` to `5r + 4`.
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
USERS_PER_ROLE = 5
# Who role `r` trusts, by `r % 4`: a service (its instance profile for EC2), or the users of
# another account who signed in with MFA.
ROLE_SERVICES = ("ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com")
TRUSTED_ACCOUNT = "210987654321"
DEFAULT_SESSION_SECONDS = 3600  # what AWS gives a role created without MaxSessionDuration


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


@dataclass(frozen=True)
class BenchRole:
    """One seeded role: a trust policy (a service, or another account with MFA), one managed
    policy (AWS managed, or customer managed in an account without AWS managed policies), tags;
    for some an inline policy, a description and maximum session duration (which only ListRoles
    reads), and an instance profile of the same name."""

    index: int
    name: str
    service: str | None  # the trusted service, or None: the other account
    managed_policy: str  # the AWS managed policy's name
    customer_policy: str  # attached instead of `managed_policy` without AWS managed policies
    inline: bool
    settings: bool  # description and max_session_duration declared
    instance_profile: bool
    tags: dict[str, str]


def role_name(index: int) -> str:
    return f"role-{index:05d}"


def bench_role(index: int) -> BenchRole:
    service = ROLE_SERVICES[index % 4] if index % 4 < len(ROLE_SERVICES) else None
    return BenchRole(
        index=index,
        name=role_name(index),
        service=service,
        managed_policy=AWS_POLICIES[index % len(AWS_POLICIES)],
        customer_policy=customer_policy_name(index),
        inline=index % 3 == 0,
        settings=index % 2 == 0,
        instance_profile=service == ROLE_SERVICES[0],
        tags={"team": group_name(index), "service": f"svc-{index % 11}"},
    )


def role_range(first_user: int, stop_user: int) -> range:
    """The roles seeded with users `first_user` to `stop_user - 1`."""
    return range(first_user // USERS_PER_ROLE, stop_user // USERS_PER_ROLE)


def role_description(role: BenchRole) -> str:
    return f"Bench role {role.index}"


def role_session_seconds(role: BenchRole) -> int:
    return 3600 * (1 + role.index % 4)


def role_trusted_by(role: BenchRole) -> dict[str, Any]:
    """The role's `trusted_by` in the file."""
    if role.service:
        return {"services": [role.service]}
    return {"accounts": [TRUSTED_ACCOUNT], "require_mfa": True}


def trust_document(role: BenchRole) -> dict[str, Any]:
    """The trust policy seeded for the role: what IAM holds after `role_trusted_by` is applied
    (iamctl expands the shorthand to this, an account id as its root ARN)."""
    statement: dict[str, Any] = {"Sid": "Services", "Effect": "Allow",
                                 "Principal": {"Service": role.service},
                                 "Action": "sts:AssumeRole"}
    if not role.service:
        statement.update(Sid="Accounts",
                         Principal={"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
                         Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    return {"Version": "2012-10-17", "Statement": [statement]}


def role_policy_name(role: BenchRole, aws_policies: bool) -> str:
    return role.managed_policy if aws_policies else role.customer_policy


def role_policy_arn(role: BenchRole, account: str, aws_policies: bool) -> str:
    if aws_policies:
        return aws_policy_arn(role.managed_policy)
    return customer_policy_arn(role.customer_policy, account)


def role_count(user_count: int) -> int:
    return len(role_range(0, user_count))


def entity_count(user_count: int) -> int:
    """What GetAccountAuthorizationDetails lists for the account of `user_count` users: its
    users, groups, customer managed policies and roles (instance profiles come inside roles)."""
    return user_count + GROUP_COUNT + CUSTOMER_POLICY_COUNT + role_count(user_count)


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
    """What the emulator must hold for users `first` to `stop - 1` and their roles (groups and
    policies too, which the emulator creates only once): the body of its seed request. Without
    `aws_policies`, users, groups and roles have customer managed policies only (an account of
    the many-accounts run)."""
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
        "roles": [seed_role(bench_role(r), account, aws_policies)
                  for r in role_range(first, stop)],
    }


def seed_role(role: BenchRole, account: str, aws_policies: bool) -> dict[str, Any]:
    return {
        "name": role.name,
        "trust": trust_document(role),
        "policies": [role_policy_arn(role, account, aws_policies)],
        "inline_policies": {"bench-inline": policy_document(role.index)} if role.inline else {},
        "description": role_description(role) if role.settings else "",
        "max_session_duration": role_session_seconds(role) if role.settings
        else DEFAULT_SESSION_SECONDS,
        "instance_profile": role.instance_profile,
        "tags": role.tags,
    }


def declared_role(role: BenchRole, aws_policies: bool) -> dict[str, Any]:
    """The role as the file declares it: the same as `seed_role`, by name and shorthand."""
    body: dict[str, Any] = {"name": role.name}
    if role.settings:
        body.update(description=role_description(role),
                    max_session_duration=role_session_seconds(role))
    body["trusted_by"] = role_trusted_by(role)
    body["policies"] = [role_policy_name(role, aws_policies)]
    if role.inline:
        body["inline_policies"] = {"bench-inline": policy_document(role.index)}
    body["tags"] = role.tags
    if role.instance_profile:
        body["instance_profile"] = True
    return body


def account_file(user_count: int, account: str = ACCOUNT_ID, aws_policies: bool = True,
                 role_arn: str | None = None) -> str:
    """The file declaring exactly the seeded account of `user_count` users and their roles
    (reached with `role_arn` when given)."""
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
        roles=[declared_role(bench_role(r), aws_policies) for r in role_range(0, user_count)],
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
    roles: Sequence[dict[str, Any]] = (),
) -> str:
    body: dict[str, Any] = {"version": 1, "account": account or {"id": ACCOUNT_ID}}
    if policies:
        body["policies"] = list(policies)
    body["groups"] = [
        {"name": group_name(i), **({"policies": list(group_policies)} if group_policies else {})}
        for i in range(GROUP_COUNT)
    ]
    body["users"] = list(users)
    if roles:
        body["roles"] = list(roles)
    # safe_dump quotes "2012-10-17" and the account id, so they stay strings when read back.
    return yaml.safe_dump(body, sort_keys=False, default_flow_style=False)


def drifted_users(user_count: int, share: float = 0.01) -> list[int]:
    """The users changed out of band: `share` of them (at least one), spread evenly."""
    count = max(1, round(user_count * share))
    return [int((j + 0.5) * user_count / count) for j in range(count)]
