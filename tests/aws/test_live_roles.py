"""Reading roles: the bulk read, roles that belong to AWS set apart, the settings ListRoles adds."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

import pytest

from reconciler.aws.client import Aws
from reconciler.aws.live import read_live, user_from_detail
from reconciler.aws.live_roles import read_role_settings, role_from_detail
from reconciler.core.policy.documents import canonical
from reconciler.core.state import Role, State
from reconciler.engine.run import with_role_settings
from tests.live_accounts import BOUNDARY, EC2_TRUST, LOGS, READ_ONLY, make_roles
from tests.pagination import paginate

ACCOUNT = "123456789012"




def test_the_bulk_read_sees_every_role_attribute(moto_iam: Any, aws: Aws) -> None:
    make_roles(moto_iam)
    live = read_live(aws, aws.identity(), aws_catalog=False)
    deploy = live.state.roles["deploy"]
    assert deploy == Role(
        name="deploy",
        path="/ci/",
        trust=canonical(EC2_TRUST),
        permissions_boundary=BOUNDARY,
        policies=frozenset({READ_ONLY}),
        inline_policies={"logs": canonical(LOGS)},
        tags={"team": "platform"},
        instance_profile=True,
        arn=f"arn:aws:iam::{ACCOUNT}:role/ci/deploy",
        instance_profiles=("deploy",),
    )
    # Not in the bulk read: unknown until ListRoles is read.
    assert (deploy.description, deploy.max_session_duration) == (None, None)
    bare = live.state.roles["bare"]
    assert (bare.instance_profile, bare.permissions_boundary, bare.policies) == (
        False, None, frozenset())


def test_roles_that_belong_to_aws_are_set_apart_and_counted(moto_iam: Any, aws: Aws) -> None:
    make_roles(moto_iam)
    live = read_live(aws, aws.identity(), aws_catalog=False)
    assert sorted(live.state.roles) == ["bare", "deploy"]
    assert list(live.state.aws_roles) == ["AWSServiceRoleForElasticBeanstalk"]
    assert (live.stats.roles, live.stats.aws_roles) == (3, 1)
    assert ", 3 roles (1 owned by AWS), 0 OIDC providers, " in live.stats.summary()


def test_the_summary_counts_roles_even_without_aws_ones(moto_iam: Any, aws: Aws) -> None:
    moto_iam.create_role(RoleName="one", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    summary = read_live(aws, aws.identity(), aws_catalog=False).stats.summary()
    assert summary.startswith("read 0 users, 0 groups, 0 policies, 1 role, 0 OIDC providers, ")


def test_descriptions_and_session_durations_come_from_list_roles(
    moto_iam: Any, aws: Aws
) -> None:
    make_roles(moto_iam)
    state = read_live(aws, aws.identity(), aws_catalog=False).state
    before = aws.calls
    read = read_role_settings(aws, state)
    assert aws.calls == before + 1
    assert (read.roles["deploy"].description, read.roles["deploy"].max_session_duration) == (
        "Deploys", 7200)
    # No description reads as "" (known to be none), not None (not read).
    assert (read.roles["bare"].description, read.roles["bare"].max_session_duration) == (
        "", 3600)
    assert read.aws_roles == state.aws_roles  # never managed: not even read


def test_list_roles_is_read_a_page_at_a_time(moto_iam: Any, aws: Aws) -> None:
    for number in range(7):
        moto_iam.create_role(
            RoleName=f"r{number}", AssumeRolePolicyDocument=json.dumps(EC2_TRUST),
            Description=f"role {number}",
        )
    state = read_live(aws, aws.identity(), aws_catalog=False).state
    pages = paginate(aws, 3, ("ListRoles",))
    read = read_role_settings(aws, state)
    assert pages.pages["ListRoles"] == math.ceil(7 / 3)
    assert [read.roles[f"r{n}"].description for n in range(7)] == [
        f"role {n}" for n in range(7)]


def test_roles_are_read_across_pages_of_the_bulk_read(moto_iam: Any, aws: Aws) -> None:
    make_roles(moto_iam)
    moto_iam.create_user(UserName="alice")
    unpaged = read_live(Aws(aws._session), aws.identity(), aws_catalog=False).state
    pages = paginate(aws, 2, ("GetAccountAuthorizationDetails",))
    paged = read_live(aws, aws.identity(), aws_catalog=False).state
    assert (paged.roles, paged.aws_roles) == (unpaged.roles, unpaged.aws_roles)
    assert pages.pages["GetAccountAuthorizationDetails"] == math.ceil((1 + 3 + 1) / 2)


# Real AWS answers, as recorded (ids shortened): GetAccountAuthorizationDetails URL-encodes the
# trust policy and inline policies, which moto sends decoded.
RECORDED_ROLE = {
    "Path": "/ci/",
    "RoleName": "deploy",
    "RoleId": "AROAEXAMPLEID",
    "Arn": f"arn:aws:iam::{ACCOUNT}:role/ci/deploy",
    "CreateDate": "2025-01-01T00:00:00Z",
    "AssumeRolePolicyDocument": quote(json.dumps(EC2_TRUST)),
    "InstanceProfileList": [
        {
            "Path": "/ci/",
            "InstanceProfileName": "deploy",
            "InstanceProfileId": "AIPAEXAMPLEID",
            "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/ci/deploy",
            "CreateDate": "2025-01-01T00:00:00Z",
            "Roles": [],
        },
        {
            "Path": "/",
            "InstanceProfileName": "legacy",
            "InstanceProfileId": "AIPAEXAMPLEID2",
            "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/legacy",
            "CreateDate": "2025-01-01T00:00:00Z",
            "Roles": [],
        },
    ],
    "RolePolicyList": [{"PolicyName": "logs", "PolicyDocument": quote(json.dumps(LOGS))}],
    "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}],
    "PermissionsBoundary": {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": BOUNDARY,
    },
    "Tags": [{"Key": "team", "Value": "platform"}],
    "RoleLastUsed": {"LastUsedDate": "2025-06-01T00:00:00Z", "Region": "us-east-1"},
}


def test_a_recorded_role_detail_reads_as_the_role() -> None:
    role = role_from_detail(RECORDED_ROLE)
    assert role.trust == canonical(EC2_TRUST)
    assert role.trust is not None and json.loads(role.trust.text) == EC2_TRUST
    assert role.inline_policies == {"logs": canonical(LOGS)}
    assert role.instance_profiles == ("deploy", "legacy")
    assert role.instance_profile is True
    assert role.permissions_boundary == BOUNDARY


@pytest.mark.parametrize(
    ("boundary", "expected"),
    [
        ({"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
          "PermissionsBoundaryArn": BOUNDARY}, BOUNDARY),
        (None, None),
    ],
)
def test_a_user_boundary_is_read_from_the_user_detail(
    boundary: dict[str, str] | None, expected: str | None
) -> None:
    # moto keeps no user boundary (it lacks PutUserPermissionsBoundary and ignores CreateUser's),
    # so the shape AWS sends is pinned here.
    item: dict[str, Any] = {"UserName": "alice", "Path": "/", "Arn": "arn", "GroupList": []}
    if boundary:
        item["PermissionsBoundary"] = boundary
    assert user_from_detail(item).permissions_boundary == expected


@pytest.mark.parametrize(
    ("declared", "calls"),
    [
        (Role("deploy", trust=canonical(EC2_TRUST)), 0),  # nothing ListRoles alone has
        (Role("deploy", trust=canonical(EC2_TRUST), description="Deploys"), 1),
        (Role("deploy", trust=canonical(EC2_TRUST), max_session_duration=7200), 1),
        (Role("new-role", trust=canonical(EC2_TRUST), description="Not there yet"), 0),
    ],
)
def test_list_roles_is_read_only_when_the_file_manages_what_only_it_has(
    moto_iam: Any, aws: Aws, declared: Role, calls: int
) -> None:
    make_roles(moto_iam)
    live = read_live(aws, aws.identity(), aws_catalog=False).state
    before = aws.calls
    desired = State(account=live.account, roles={declared.name: declared})
    with_role_settings(aws, desired, live)
    assert aws.calls - before == calls


def test_a_policy_that_is_a_role_boundary_is_counted_as_one(moto_iam: Any, aws: Aws) -> None:
    # The emulator reports no PermissionsBoundaryUsageCount; the roles read say it.
    make_roles(moto_iam)
    policy = read_live(aws, aws.identity(), aws_catalog=False).state.policies["Boundary"]
    assert policy.boundary_count == 1
