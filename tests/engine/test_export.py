"""`export`: the live account as a file that plans with no changes right away."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from reconciler.aws.client import Aws
from reconciler.aws.live import LiveAccount, read_live
from reconciler.config import desired
from reconciler.core.diff.diff import diff
from reconciler.core.kinds.entities import BUILT_IN
from reconciler.core.policy import documents as policydoc
from reconciler.core.policy.mfa_policy import (
    ENFORCE_MFA_POLICY_DESCRIPTION,
    ENFORCE_MFA_POLICY_NAME,
    enforce_mfa_document,
)
from reconciler.core.state import State
from reconciler.engine.export import SECTIONS, export_document
from tests.live_accounts import AWS_POLICY, document, make_varied_account

ACCOUNT = "123456789012"


def make_tricky_account(iam: Any) -> None:
    """The varied account plus what is easy to write back wrongly: an enforce-MFA user, a
    customer policies with AWS managed policies' names, tag values YAML would read as numbers
    or booleans, a console user without keys."""
    make_varied_account(iam)
    enforce = iam.create_policy(
        PolicyName=ENFORCE_MFA_POLICY_NAME, PolicyDocument=json.dumps(enforce_mfa_document()),
        Description=ENFORCE_MFA_POLICY_DESCRIPTION,  # as apply creates it
    )["Policy"]["Arn"]
    iam.create_user(UserName="henry", Tags=[
        {"Key": "no", "Value": "012345678901"}, {"Key": "since", "Value": "2012-10-17"},
        {"Key": "on-call", "Value": "yes"},
    ])
    iam.attach_user_policy(UserName="henry", PolicyArn=enforce)
    iam.attach_user_policy(UserName="henry", PolicyArn=AWS_POLICY + "job-function/ViewOnlyAccess")
    iam.create_login_profile(UserName="henry", Password="Correct-Horse-Battery-9")
    # Customer policies named like AWS ones: the AWS ones attached must not turn into them.
    for name in ("ReadOnlyAccess", "ViewOnlyAccess"):
        iam.create_policy(PolicyName=name, Path="/custom/",
                          PolicyDocument=json.dumps(document("ec2:Describe*")))


def round_trip(live: LiveAccount, tmp_path: Path) -> State:
    file = tmp_path / "account.yaml"
    file.write_text(export_document(live))
    (config,) = desired.load([str(file)])
    return desired.resolve(config, live.aws_policies, live.identity.partition)


def test_exported_file_plans_no_changes(moto_iam: Any, aws: Aws, tmp_path: Path) -> None:
    make_tricky_account(moto_iam)
    live = read_live(aws, aws.identity())
    wanted = round_trip(live, tmp_path)

    result = diff(wanted, live.state)
    assert result.changes == ()
    # henry is enforced without a device yet: that stays a human step, as it was before export.
    assert [(step.subject, step.name) for step in result.human_steps] == [("user_mfa", "henry")]
    assert not any(result.unmanaged.values())


def test_every_managed_field_survives_the_round_trip(
    moto_iam: Any, aws: Aws, tmp_path: Path
) -> None:
    make_tricky_account(moto_iam)
    live = read_live(aws, aws.identity())
    wanted = round_trip(live, tmp_path)
    state = live.state

    assert wanted.account.id == ACCOUNT
    assert wanted.account.alias == state.account.alias == "acme-sandbox"
    assert wanted.account.password_policy == state.account.password_policy
    assert wanted.policies.keys() == state.policies.keys()
    for name, policy in state.policies.items():
        back = wanted.policies[name]
        assert (back.path or "/", back.description, back.document) == (
            policy.path, policy.description or "", policy.document), name
    assert wanted.groups.keys() == state.groups.keys()
    for name, group in state.groups.items():
        group_back = wanted.groups[name]
        assert (group_back.path or "/", group_back.policies, group_back.inline_policies) == (
            group.path, group.policies, dict(group.inline_policies)), name
    assert wanted.users.keys() == state.users.keys()
    for name, user in state.users.items():
        user_back, creds = wanted.users[name], user.credentials
        assert creds is not None
        assert (user_back.path or "/", user_back.groups, user_back.policies) == (
            user.path, user.groups, user.policies), name
        assert (user_back.inline_policies, user_back.tags) == (
            dict(user.inline_policies), user.tags), name
        assert (user_back.console, user_back.access_keys) == (
            creds.login_profile, len(creds.active_keys)), name
    assert wanted.users["henry"].tags == {
        "no": "012345678901", "since": "2012-10-17", "on-call": "yes"}
    assert [user.mfa.value if user.mfa else None for _, user in sorted(wanted.users.items())] == [
        "required", None, None, "enforced"]  # alice, bob, carol, henry


def test_file_reads_as_a_person_would_write_it(moto_iam: Any, aws: Aws) -> None:
    make_tricky_account(moto_iam)
    text = export_document(read_live(aws, aws.identity()))

    assert text.startswith(f"# Exported by iamctl from account {ACCOUNT}\n")
    assert f'  id: "{ACCOUNT}"\n' in text
    assert 'Version: "2012-10-17"' in text
    data = yaml.safe_load(text)
    assert [p["name"] for p in data["policies"]] == [
        "ReadOnlyAccess", "ViewOnlyAccess", "billing", "s3-read"]
    users = {user["name"]: user for user in data["users"]}
    assert users["henry"]["mfa"] == "enforced"
    # Shadowed by customer policies: the AWS ones by path/name, or (at path /) by ARN.
    assert users["henry"]["policies"] == ["job-function/ViewOnlyAccess"]
    assert users["bob"]["policies"] == [AWS_POLICY + "ReadOnlyAccess"]
    assert users["alice"]["policies"] == ["s3-read"]
    assert "path" not in users["bob"] and users["alice"]["path"] == "/staff/"
    assert users["carol"] == {"name": "carol", "tags": {}, "console": False, "access_keys": 0}
    assert "root" not in data["account"]
    assert "Correct-Horse" not in text  # no password, ever
    s3 = next(p for p in data["policies"] if p["name"] == "s3-read")
    assert policydoc.canonical(s3["document"]) == policydoc.canonical(
        document("s3:GetObject", "s3:ListBucket"))


def test_an_empty_account_exports_only_its_id(moto_iam: Any, aws: Aws, tmp_path: Path) -> None:
    live = read_live(aws, aws.identity())
    text = export_document(live)
    assert yaml.safe_load(text) == {"version": 1, "account": {"id": ACCOUNT}}
    assert diff(round_trip(live, tmp_path), live.state).changes == ()


def test_documents_are_exported_as_aws_holds_them(
    moto_iam: Any, aws: Aws, tmp_path: Path
) -> None:
    # Written in an order and spelling of the user's own: export must not re-spell it.
    written = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Write", "Resource": ["arn:aws:s3:::b/*"], "Effect": "Allow",
         "Action": ["S3:PutObject", "s3:DeleteObject"]},
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:getobject", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIP": "10.0.0.0/8"}}}]}
    moto_iam.create_policy(PolicyName="mine", PolicyDocument=json.dumps(written))
    moto_iam.create_user(UserName="ann")
    moto_iam.put_user_policy(UserName="ann", PolicyName="own", PolicyDocument=json.dumps(written))
    live = read_live(aws, aws.identity())
    data = yaml.safe_load(export_document(live))

    (policy,) = data["policies"]
    assert policy["document"] == written
    assert list(policy["document"]["Statement"][0]) == ["Sid", "Resource", "Effect", "Action"]
    (user,) = data["users"]
    assert user["inline_policies"]["own"] == written
    assert diff(round_trip(live, tmp_path), live.state).changes == ()


def test_lifecycle_settings_are_comments_not_values(moto_iam: Any, aws: Aws) -> None:
    """Nothing in AWS says a key is meant to rotate: export suggests, the file decides."""
    moto_iam.create_user(UserName="ci-bot")
    moto_iam.create_access_key(UserName="ci-bot")
    now = datetime.now(timezone.utc) + timedelta(days=100)
    text = export_document(read_live(aws, aws.identity()), now=now)
    assert "  # unused_credentials: {disable_after_days: 45}" in text
    assert (
        "  access_keys: 1\n"
        "  # access_keys: {count: 1, rotate_after_days: 90, overlap_days: 7}  # CIS 1.14: the "
        "active key is 100 days old: the first apply would rotate it\n"
    ) in text
    data = yaml.safe_load(text)
    assert data["users"] == [{"name": "ci-bot", "tags": {}, "console": False, "access_keys": 1}]
    assert "unused_credentials" not in data["account"]


def test_export_writes_a_section_for_every_built_in_entity_kind():
    assert list(SECTIONS) == [kind.section for kind in BUILT_IN]
