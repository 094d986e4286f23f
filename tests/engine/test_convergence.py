"""Convergence, the core property, for every managed attribute (in-process moto, whole pipeline).

For each case: apply the file to an account, then plan again (no changes) and apply again
(nothing done). Drift cases change the account out of band and check plan catches it and apply
repairs it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.aws.client import Aws
from reconciler.config.desired import load
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import AccountPlan, apply_account, plan_account
from tests.files import write_account

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def plan_file(aws: Aws, path: str) -> AccountPlan:
    (config,) = load([path])
    return plan_account(config, aws)


def apply_file(aws: Aws, path: str, secrets: Path) -> AccountPlan:
    planned = plan_file(aws, path)
    sink = SecretsSink(secrets, planned.plan.sign_in_url)
    apply_account(planned, sink, lambda change: None)
    return planned


def assert_converges(aws: Aws, path: str, secrets: Path) -> AccountPlan:
    first = apply_file(aws, path, secrets)
    assert first.plan.changes, "the case must start with something to do"
    again = plan_file(aws, path)
    assert again.plan.changes == (), [c for c in again.plan.changes]
    done = apply_account(again, None, lambda change: None)
    assert done == []
    return first


CASES = {
    "user with path and tags": """
        users:
          - name: alice
            path: /eng/
            tags: {team: platform, cost-center: "42"}
        """,
    "console and keys": """
        users:
          - name: alice
            console: true
            access_keys: 2
        """,
    "groups, memberships, attachments": """
        groups:
          - name: admins
            path: /ops/
            policies: [AdministratorAccess, job-function/ViewOnlyAccess]
        users:
          - name: alice
            groups: [admins]
            policies: [ReadOnlyAccess]
        """,
    "inline policies on users and groups": """
        groups:
          - name: readers
            inline_policies:
              # Unquoted date and a single statement: the same document once canonical.
              read:
                {Version: 2012-10-17, Statement: {Effect: Allow, Action: s3:Get*, Resource: "*"}}
        users:
          - name: alice
            inline_policies:
              own:
                {Version: "2012-10-17", Statement: [{Effect: Allow, Action: [s3:*], Resource: "*"}]}
        """,
    "customer managed policy with tags, attached": """
        policies:
          - name: BillingRead
            path: /billing/
            description: Read billing data
            tags: {owner: finance}
            document:
              Version: "2012-10-17"
              Statement: [{Effect: Allow, Action: ["aws-portal:ViewBilling"], Resource: "*"}]
        users:
          - name: alice
            policies: [BillingRead]
        """,
    "mfa enforced adds the deny-without-MFA policy": """
        users:
          - name: alice
            mfa: enforced
        """,
    "permissions copied from another user": """
        groups:
          - name: admins
            policies: [AdministratorAccess]
        users:
          - name: admin
            groups: [admins]
            policies: [ReadOnlyAccess]
          - name: deploy-bot
            permissions_from: admin
        """,
    # Account settings: whole files, the settings under `account:`.
    "alias": """
        version: 1
        account:
          id: "123456789012"
          alias: acme-sandbox
        """,
    "password policy": """
        version: 1
        account:
          id: "123456789012"
          password_policy:
            minimum_length: 14
            require_symbols: true
            require_numbers: true
            require_uppercase: true
            require_lowercase: true
            allow_users_to_change: true
            max_age_days: 90
            reuse_prevention: 24
        """,
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_apply_then_plan_is_empty(aws, tmp_path, body):
    assert_converges(aws, write_account(tmp_path, body), tmp_path / "secrets")


def test_permissions_from_gives_the_same_groups_and_policies(aws, moto_iam, tmp_path):
    assert_converges(aws, write_account(tmp_path, CASES["permissions copied from another user"]),
                     tmp_path / "secrets")
    groups = moto_iam.list_groups_for_user(UserName="deploy-bot")["Groups"]
    attached = moto_iam.list_attached_user_policies(UserName="deploy-bot")["AttachedPolicies"]
    assert [g["GroupName"] for g in groups] == ["admins"]
    assert [p["PolicyName"] for p in attached] == ["ReadOnlyAccess"]


Drift = Callable[[Any], None]

DRIFTS: dict[str, tuple[str, Drift]] = {
    "policy attached in the console": (
        CASES["groups, memberships, attachments"],
        lambda iam: iam.attach_user_policy(
            UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
    ),
    "user removed from group": (
        CASES["groups, memberships, attachments"],
        lambda iam: iam.remove_user_from_group(UserName="alice", GroupName="admins"),
    ),
    "tag edited": (
        CASES["user with path and tags"],
        lambda iam: iam.tag_user(UserName="alice", Tags=[{"Key": "team", "Value": "other"}]),
    ),
    "access key deleted": (
        CASES["console and keys"],
        lambda iam: iam.delete_access_key(
            UserName="alice",
            AccessKeyId=iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["AccessKeyId"],
        ),
    ),
    "login profile deleted": (
        CASES["console and keys"],
        lambda iam: iam.delete_login_profile(UserName="alice"),
    ),
    "inline policy edited": (
        CASES["inline policies on users and groups"],
        lambda iam: iam.put_user_policy(
            UserName="alice", PolicyName="own",
            PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'),
    ),
    "customer policy document edited": (
        CASES["customer managed policy with tags, attached"],
        lambda iam: iam.create_policy_version(
            PolicyArn="arn:aws:iam::123456789012:policy/billing/BillingRead",
            PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
            SetAsDefault=True),
    ),
    "extra inline policy on a group": (
        CASES["inline policies on users and groups"],
        lambda iam: iam.put_group_policy(
            GroupName="readers", PolicyName="sneaky",
            PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'),
    ),
}


@pytest.mark.parametrize("case", DRIFTS.values(), ids=DRIFTS.keys())
def test_drift_is_planned_and_repaired(aws, moto_iam, tmp_path, case):
    body, drift = case
    path = write_account(tmp_path, body)
    apply_file(aws, path, tmp_path / "secrets")
    drift(moto_iam)
    drifted = plan_file(aws, path)
    assert drifted.plan.changes, "plan must catch the drift"
    apply_file(aws, path, tmp_path / "secrets")
    assert plan_file(aws, path).plan.changes == ()


def test_second_apply_creates_no_new_key_or_password(aws, moto_iam, tmp_path):
    path = write_account(tmp_path, CASES["console and keys"])
    apply_file(aws, path, tmp_path / "secrets")
    keys = moto_iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    profile = moto_iam.get_login_profile(UserName="alice")["LoginProfile"]["CreateDate"]
    planned = plan_file(aws, path)
    apply_account(planned, None, lambda change: None)
    assert moto_iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == keys
    assert moto_iam.get_login_profile(UserName="alice")["LoginProfile"]["CreateDate"] == profile
