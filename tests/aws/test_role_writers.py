"""Writers for roles, instance profiles and permissions boundaries.

moto serves what it implements (roles, instance profiles, role boundaries); what it lacks
(PutUserPermissionsBoundary, DeleteUserPermissionsBoundary) and what it never does (refuse a
principal IAM has not propagated yet) are tested with botocore's Stubber at the AWS boundary.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.aws.client import Aws
from reconciler.aws.writers import WRITERS, WriteContext
from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.roles import role_spec
from reconciler.core.errors import ApplyError, AwsError
from reconciler.core.payloads import PathSpec, RoleSettings
from reconciler.core.plan.plan import Plan, order_changes
from reconciler.core.policy.documents import canonical
from reconciler.core.state import Role
from reconciler.engine.apply import apply_plan
from tests.aws_calls import record_calls

ACCOUNT = "123456789012"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"
OTHER_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/OtherBoundary"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/just-created"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
    separators=(",", ":"),  # the text a Document keeps (and apply sends)
)
LOGS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
    }
)
INVALID_PRINCIPAL = f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT}:role/just-created"'


def run(aws: Aws, *changes: Change, principal_wait: float = 0.0) -> None:
    plan = Plan(ACCOUNT, None, order_changes(changes))
    apply_plan(plan, WriteContext(aws, None, None, principal_wait), parallelism=1)


def full_role() -> Role:
    return Role(
        "deploy", path="/ci/", description="Deploys", trust=canonical(TRUST),
        max_session_duration=7200, permissions_boundary=BOUNDARY, tags={"team": "platform"},
    )


def make_boundaries(iam: Any) -> None:
    for name in ("Boundary", "OtherBoundary"):
        iam.create_policy(PolicyName=name, PolicyDocument=LOGS)


# Creating a role, and what it holds.


def test_a_role_is_created_with_everything_in_one_call(aws: Aws, moto_iam: Any) -> None:
    make_boundaries(moto_iam)
    calls = record_calls(aws)
    run(aws, Change(Action.CREATE, ChangeKind.ROLE, "deploy", after=role_spec(full_role())))
    assert [name for name, _ in calls] == ["CreateRole"]
    assert calls[0][1] == {
        "RoleName": "deploy",
        "Path": "/ci/",
        "AssumeRolePolicyDocument": TRUST,
        "Description": "Deploys",
        "MaxSessionDuration": 7200,
        "PermissionsBoundary": BOUNDARY,
        "Tags": [{"Key": "team", "Value": "platform"}],
    }
    role = moto_iam.get_role(RoleName="deploy")["Role"]
    settings = (role["Path"], role["Description"], role["MaxSessionDuration"])
    assert settings == ("/ci/", "Deploys", 7200)
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY


def test_a_role_without_optional_settings_sends_none_of_them(aws: Aws, moto_iam: Any) -> None:
    calls = record_calls(aws)
    role = Role("bare", trust=canonical(TRUST))
    run(aws, Change(Action.CREATE, ChangeKind.ROLE, "bare", after=role_spec(role)))
    assert calls == [("CreateRole", {"RoleName": "bare", "Path": "/",
                                     "AssumeRolePolicyDocument": TRUST})]


def test_settings_trust_boundary_and_profile_are_written(aws: Aws, moto_iam: Any) -> None:
    make_boundaries(moto_iam)
    moto_iam.create_role(RoleName="r", Path="/ci/", AssumeRolePolicyDocument=LOGS,
                         PermissionsBoundary=BOUNDARY)
    settings = RoleSettings("now described", 10800)
    run(
        aws,
        Change(Action.UPDATE, ChangeKind.ROLE_SETTINGS, "r", before=RoleSettings(), after=settings),
        Change(Action.UPDATE, ChangeKind.ROLE_TRUST, "r", before=LOGS, after=TRUST),
        Change(Action.UPDATE, ChangeKind.ROLE_BOUNDARY, "r", before=BOUNDARY, after=OTHER_BOUNDARY),
        Change(Action.CREATE, ChangeKind.INSTANCE_PROFILE, "r", after=PathSpec("/ci/")),
    )
    role = moto_iam.get_role(RoleName="r")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("now described", 10800)
    assert canonical(role["AssumeRolePolicyDocument"]) == canonical(TRUST)
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == OTHER_BOUNDARY
    profile = moto_iam.get_instance_profile(InstanceProfileName="r")["InstanceProfile"]
    assert profile["Path"] == "/ci/" and [r["RoleName"] for r in profile["Roles"]] == ["r"]

    run(aws, Change(Action.DELETE, ChangeKind.ROLE_BOUNDARY, "r", before=OTHER_BOUNDARY),
        Change(Action.DELETE, ChangeKind.INSTANCE_PROFILE, "r"))
    assert "PermissionsBoundary" not in moto_iam.get_role(RoleName="r")["Role"]
    assert moto_iam.list_instance_profiles()["InstanceProfiles"] == []


def test_update_role_is_sent_both_settings(aws: Aws, moto_iam: Any) -> None:
    """The emulator resets a setting UpdateRole leaves out; AWS keeps it. Sending both, the one
    not changing at its value read, is right either way."""
    moto_iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST, Description="kept",
                         MaxSessionDuration=7200)
    calls = record_calls(aws)
    after = RoleSettings("kept", 3600)
    run(aws, Change(Action.UPDATE, ChangeKind.ROLE_SETTINGS, "r", after=after))
    assert calls == [("UpdateRole", {"RoleName": "r", "Description": "kept",
                                     "MaxSessionDuration": 3600})]
    assert moto_iam.get_role(RoleName="r")["Role"]["Description"] == "kept"


def test_an_empty_profile_of_the_role_name_and_path_is_taken_over(aws: Aws, moto_iam: Any) -> None:
    moto_iam.create_role(RoleName="r", Path="/ci/", AssumeRolePolicyDocument=TRUST)
    moto_iam.create_instance_profile(InstanceProfileName="r", Path="/ci/")  # left behind
    run(aws, Change(Action.CREATE, ChangeKind.INSTANCE_PROFILE, "r", after=PathSpec("/ci/")))
    profile = moto_iam.get_instance_profile(InstanceProfileName="r")["InstanceProfile"]
    assert [role["RoleName"] for role in profile["Roles"]] == ["r"]


def test_a_profile_of_the_role_name_on_another_path_is_not_taken(aws: Aws, moto_iam: Any) -> None:
    moto_iam.create_role(RoleName="r", Path="/ci/", AssumeRolePolicyDocument=TRUST)
    moto_iam.create_instance_profile(InstanceProfileName="r", Path="/other/")
    with pytest.raises(ApplyError) as caught:
        run(aws, Change(Action.CREATE, ChangeKind.INSTANCE_PROFILE, "r", after=PathSpec("/ci/")))
    assert "one of that name exists already, with path /other/" in str(caught.value.error)
    profile = moto_iam.get_instance_profile(InstanceProfileName="r")["InstanceProfile"]
    assert profile["Roles"] == []


# Deleting a role.


def loaded_role(iam: Any) -> None:
    """A role with everything AWS makes you remove before DeleteRole."""
    iam.create_role(RoleName="gone", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="gone")
    iam.add_role_to_instance_profile(InstanceProfileName="gone", RoleName="gone")
    iam.create_instance_profile(InstanceProfileName="shared-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="shared-profile", RoleName="gone")
    iam.attach_role_policy(RoleName="gone", PolicyArn=READ_ONLY)
    iam.put_role_policy(RoleName="gone", PolicyName="logs", PolicyDocument=LOGS)


def test_deleting_a_role_removes_everything_first(aws: Aws, moto_iam: Any) -> None:
    loaded_role(moto_iam)
    calls = record_calls(aws)
    run(aws, Change(Action.DELETE, ChangeKind.ROLE, "gone"))
    writes = [(name, params) for name, params in calls if not name.startswith("List")]
    assert writes == [
        ("RemoveRoleFromInstanceProfile", {"InstanceProfileName": "gone", "RoleName": "gone"}),
        ("DeleteInstanceProfile", {"InstanceProfileName": "gone"}),
        ("RemoveRoleFromInstanceProfile",
         {"InstanceProfileName": "shared-profile", "RoleName": "gone"}),
        ("DetachRolePolicy", {"RoleName": "gone", "PolicyArn": READ_ONLY}),
        ("DeleteRolePolicy", {"RoleName": "gone", "PolicyName": "logs"}),
        ("DeleteRole", {"RoleName": "gone"}),
    ]
    assert moto_iam.list_roles()["Roles"] == []
    # Only the profile of the role's own name goes; another one stays, empty.
    [kept] = moto_iam.list_instance_profiles()["InstanceProfiles"]
    assert (kept["InstanceProfileName"], kept["Roles"]) == ("shared-profile", [])


def test_deleting_a_role_that_is_already_gone_is_done(aws: Aws, moto_iam: Any) -> None:
    run(aws, Change(Action.DELETE, ChangeKind.ROLE, "never-was"))


# What the emulator cannot show: Stubber at the AWS boundary.


def stubbed() -> tuple[Aws, Stubber]:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    stubber = Stubber(aws._iam)
    stubber.activate()
    return aws, stubber


CREATED_ROLE = {
    "Role": {
        "Path": "/",
        "RoleName": "deploy",
        "RoleId": "AROAEXAMPLEEXAMPLE01",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/deploy",
        "CreateDate": datetime(2025, 1, 1, tzinfo=timezone.utc),
    }
}
CREATE_PARAMS = {"RoleName": "deploy", "Path": "/", "AssumeRolePolicyDocument": TRUST}


def refuse_principal(stubber: Stubber, operation: str, params: dict[str, Any]) -> None:
    stubber.add_client_error(
        operation, service_error_code="MalformedPolicyDocument",
        service_message=INVALID_PRINCIPAL, http_status_code=400, expected_params=params,
    )


def test_create_role_is_retried_while_a_new_principal_propagates() -> None:
    aws, stubber = stubbed()
    refuse_principal(stubber, "create_role", CREATE_PARAMS)
    stubber.add_response("create_role", CREATED_ROLE, CREATE_PARAMS)
    role = Role("deploy", trust=canonical(TRUST))
    run(aws, Change(Action.CREATE, ChangeKind.ROLE, "deploy", after=role_spec(role)),
        principal_wait=1.0)
    stubber.assert_no_pending_responses()


def test_a_trust_update_is_retried_while_a_new_principal_propagates() -> None:
    aws, stubber = stubbed()
    params = {"RoleName": "deploy", "PolicyDocument": TRUST}
    refuse_principal(stubber, "update_assume_role_policy", params)
    refuse_principal(stubber, "update_assume_role_policy", params)
    stubber.add_response("update_assume_role_policy", {}, params)
    started = time.monotonic()
    run(aws, Change(Action.UPDATE, ChangeKind.ROLE_TRUST, "deploy", before=LOGS, after=TRUST),
        principal_wait=2.0)
    stubber.assert_no_pending_responses()
    assert 0.6 <= time.monotonic() - started < 2  # waited 0.2 s, then 0.4 s


def test_when_the_window_runs_out_the_aws_error_is_one_line() -> None:
    aws, stubber = stubbed()
    for _ in range(50):  # as many refusals as the window has room for attempts
        refuse_principal(stubber, "create_role", CREATE_PARAMS)
    role = Role("deploy", trust=canonical(TRUST))
    with pytest.raises(ApplyError) as caught:
        run(aws, Change(Action.CREATE, ChangeKind.ROLE, "deploy", after=role_spec(role)),
            principal_wait=0.05)
    error = caught.value.error
    assert isinstance(error, AwsError)
    assert str(error) == (
        f"create role deploy: CreateRole: MalformedPolicyDocument: {INVALID_PRINCIPAL}")
    assert "\n" not in str(caught.value)


def test_other_malformed_documents_are_not_retried() -> None:
    aws, stubber = stubbed()
    stubber.add_client_error(
        "create_role", service_error_code="MalformedPolicyDocument",
        service_message="Has prohibited field Resource", http_status_code=400,
        expected_params=CREATE_PARAMS,
    )
    role = Role("deploy", trust=canonical(TRUST))
    with pytest.raises(ApplyError, match="Has prohibited field Resource"):
        run(aws, Change(Action.CREATE, ChangeKind.ROLE, "deploy", after=role_spec(role)),
            principal_wait=60.0)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("action", "operation", "params"),
    [
        (Action.CREATE, "put_user_permissions_boundary",
         {"UserName": "alice", "PermissionsBoundary": BOUNDARY}),
        (Action.UPDATE, "put_user_permissions_boundary",
         {"UserName": "alice", "PermissionsBoundary": BOUNDARY}),
        (Action.DELETE, "delete_user_permissions_boundary", {"UserName": "alice"}),
    ],
)
def test_user_boundaries_are_written_with_the_user_calls(
    action: Action, operation: str, params: dict[str, str]
) -> None:
    """The emulator lacks both calls: their names and parameters are checked against botocore's
    model of IAM by the Stubber."""
    aws, stubber = stubbed()
    stubber.add_response(operation, {}, params)
    after = BOUNDARY if action != Action.DELETE else None
    before = OTHER_BOUNDARY if action != Action.CREATE else None
    change = Change(action, ChangeKind.USER_BOUNDARY, "alice", before=before, after=after)
    WRITERS[(ChangeKind.USER_BOUNDARY, action)](WriteContext(aws, None, None), change)
    stubber.assert_no_pending_responses()


def test_a_boundary_already_removed_counts_as_removed() -> None:
    aws, stubber = stubbed()
    stubber.add_client_error(
        "delete_user_permissions_boundary", service_error_code="NoSuchEntity",
        service_message="The user with name alice cannot be found.", http_status_code=404,
        expected_params={"UserName": "alice"},
    )
    change = Change(Action.DELETE, ChangeKind.USER_BOUNDARY, "alice", before=BOUNDARY)
    WRITERS[(ChangeKind.USER_BOUNDARY, Action.DELETE)](WriteContext(aws, None, None), change)
    stubber.assert_no_pending_responses()
