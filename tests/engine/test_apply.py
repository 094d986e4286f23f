"""apply.py and writers.py against in-process moto.

moto deletes users that still have keys, groups that still have members and policies that are
still attached; AWS refuses. So these tests record the calls made and check their order, and that
nothing is left dangling afterwards.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from reconciler.aws.client import Aws
from reconciler.aws.writers import WriteContext
from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.errors import ApplyError, AwsError, DeleteConflictError
from reconciler.core.payloads import (
    Attachments,
    Members,
    PathSpec,
    PolicySpec,
    ReplacedPolicy,
    UserSpec,
)
from reconciler.core.plan.plan import Plan, order_changes
from reconciler.core.state import Entity
from reconciler.engine.apply import apply_plan
from tests.aws_calls import record_calls

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
DOC = (
    '{"Version":"2012-10-17",'
    '"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
)




def run(aws: Aws, *changes: Change, parallelism: int = 1) -> list[Change]:
    plan = Plan(ACCOUNT, None, order_changes(changes))
    return apply_plan(plan, WriteContext(aws, None, None), parallelism=parallelism)


def loaded_user(iam: Any, name: str = "gone") -> None:
    """A user with everything AWS makes you remove before DeleteUser."""
    iam.create_user(UserName=name)
    iam.create_group(GroupName="team")
    iam.add_user_to_group(GroupName="team", UserName=name)
    iam.create_login_profile(UserName=name, Password="Aa1!aaaaaaaaaaaaaa")
    iam.create_access_key(UserName=name)
    iam.create_access_key(UserName=name)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.attach_user_policy(UserName=name, PolicyArn=ADMIN)
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=DOC)
    iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=SSH_KEY)


SSH_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDAp4vmDZ0n0qjcXu4Cq+RdEOq2ybqXSt6pDo4nh0/3SPsBvJqb"
    "dvkwWWbaycDvyF8ggAbKu0lBO0q1R4m6eoVd0wFpiU2uQPhAd5bPpI2OvCSUXkyfbGMsXUhaGRnVvZHEHyF9SX/w"
    "G4T3Yq86o4mI/GmqzvPzDUzCWrgT0BXrWyKHJIqQDO1A0F2IsSMcNVq3oYwqy6UT8Va6qq0j9aOCu9KejCLP6N3q"
    "J0kCOWUlVmNwkvnFzzjj8D3l/pjI5A1f3QxVTq5/DA4QtjCkfsm2bBGnsmR5VOF7lgdFYKDwnnAoRDE6qtxwGAP3"
    "ehZGaHqkR3cUlcbz8KRmzwcWBvP5 test@example"
)


def test_deleting_a_user_removes_everything_first_and_leaves_nothing_dangling(aws, moto_iam):
    loaded_user(moto_iam)
    calls = record_calls(aws)
    run(aws, Change(Action.DELETE, ChangeKind.USER, "gone"))

    names = [name for name, _ in calls]
    assert names[-1] == "DeleteUser"
    for blocker in (
        "DeleteLoginProfile",
        "DeleteAccessKey",
        "DeactivateMFADevice",
        "DeleteVirtualMFADevice",
        "DeleteSSHPublicKey",
        "RemoveUserFromGroup",
        "DetachUserPolicy",
        "DeleteUserPolicy",
    ):
        assert blocker in names, blocker
        assert names.index(blocker) < names.index("DeleteUser")
    assert names.count("DeleteAccessKey") == 2
    assert names.index("DeactivateMFADevice") < names.index("DeleteVirtualMFADevice")
    assert moto_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert moto_iam.get_group(GroupName="team")["Users"] == []
    assert [u["UserName"] for u in moto_iam.list_users()["Users"]] == []


def test_deleting_a_group_removes_members_and_policies_first(aws, moto_iam):
    moto_iam.create_user(UserName="member")
    moto_iam.create_group(GroupName="old")
    moto_iam.add_user_to_group(GroupName="old", UserName="member")
    moto_iam.attach_group_policy(GroupName="old", PolicyArn=READ_ONLY)
    moto_iam.put_group_policy(GroupName="old", PolicyName="inline", PolicyDocument=DOC)
    calls = record_calls(aws)
    run(aws, Change(Action.DELETE, ChangeKind.GROUP, "old", before=Members((USER_MEMBER,))))
    names = [name for name, _ in calls]
    assert names[-1] == "DeleteGroup"
    for blocker in ("RemoveUserFromGroup", "DetachGroupPolicy", "DeleteGroupPolicy"):
        assert names.index(blocker) < names.index("DeleteGroup")
    assert moto_iam.list_groups_for_user(UserName="member")["Groups"] == []


USER_MEMBER = Entity("user", "member")


def test_deleting_a_group_removes_no_member_the_plan_did_not_name(aws, moto_iam):
    """A user added to the group after the plan (an ignored one, say) is not iamctl's."""
    moto_iam.create_group(GroupName="old")
    for user in ("member", "cdk-late"):
        moto_iam.create_user(UserName=user)
        moto_iam.add_user_to_group(GroupName="old", UserName=user)
    with pytest.raises(ApplyError) as raised:
        run(aws, Change(Action.DELETE, ChangeKind.GROUP, "old", before=Members((USER_MEMBER,))))
    assert "now also has member(s) cdk-late, which the plan did not name" in str(raised.value)
    members = moto_iam.get_group(GroupName="old")["Users"]
    assert sorted(u["UserName"] for u in members) == ["cdk-late", "member"]


def test_deleting_a_policy_detaches_it_and_deletes_old_versions_first(aws, moto_iam):
    arn = moto_iam.create_policy(PolicyName="legacy", PolicyDocument=DOC)["Policy"]["Arn"]
    moto_iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOC, SetAsDefault=True)
    moto_iam.create_user(UserName="u")
    moto_iam.attach_user_policy(UserName="u", PolicyArn=arn)
    calls = record_calls(aws)
    attached = Attachments((Entity("user", "u"),))
    run(aws, Change(Action.DELETE, ChangeKind.POLICY, "legacy", target=arn, before=attached))
    names = [name for name, _ in calls]
    assert names[-1] == "DeletePolicy"
    assert names.index("DetachUserPolicy") < names.index("DeletePolicy")
    assert names.index("DeletePolicyVersion") < names.index("DeletePolicy")
    assert moto_iam.list_attached_user_policies(UserName="u")["AttachedPolicies"] == []


def test_deleting_a_policy_detaches_it_from_nothing_the_plan_did_not_name(aws, moto_iam):
    arn = moto_iam.create_policy(PolicyName="legacy", PolicyDocument=DOC)["Policy"]["Arn"]
    moto_iam.create_user(UserName="u")
    moto_iam.attach_user_policy(UserName="u", PolicyArn=arn)
    moto_iam.create_role(RoleName="ci-deploy", AssumeRolePolicyDocument=TRUST)
    moto_iam.attach_role_policy(RoleName="ci-deploy", PolicyArn=arn)
    attached = Attachments((Entity("user", "u"),))
    with pytest.raises(ApplyError) as raised:
        run(aws, Change(Action.DELETE, ChangeKind.POLICY, "legacy", target=arn, before=attached))
    assert "now also attached to role ci-deploy, which the plan did not name" in str(raised.value)
    assert [p["PolicyArn"] for p in moto_iam.list_attached_user_policies(UserName="u")[
        "AttachedPolicies"]] == [arn]
    assert moto_iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2


TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def test_a_sixth_version_first_deletes_the_oldest_non_default(aws, moto_iam):
    arn = moto_iam.create_policy(PolicyName="p", PolicyDocument=DOC)["Policy"]["Arn"]
    for _ in range(4):
        moto_iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOC, SetAsDefault=False)
    # v1 is the default; v2..v5 are not. The oldest non-default is v2.
    calls = record_calls(aws)
    new_doc = DOC.replace("s3:GetObject", "s3:PutObject")
    run(
        aws, Change(Action.UPDATE, ChangeKind.POLICY_DOCUMENT, "p", target=arn, before=DOC,
                    after=new_doc)
    )
    deleted = [params["VersionId"] for name, params in calls if name == "DeletePolicyVersion"]
    assert deleted == ["v2"]
    versions = moto_iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert len(versions) == 5
    default = next(v for v in versions if v["IsDefaultVersion"])
    document = moto_iam.get_policy_version(PolicyArn=arn, VersionId=default["VersionId"])
    assert "s3:PutObject" in str(document["PolicyVersion"]["Document"])


def test_replacing_a_policy_reattaches_it(aws, moto_iam):
    arn = moto_iam.create_policy(PolicyName="p", PolicyDocument=DOC, Description="old")["Policy"][
        "Arn"
    ]
    moto_iam.create_group(GroupName="g")
    moto_iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    group = (Entity("group", "g"),)
    spec = PolicySpec("/", "new", DOC, {}, "")
    run(
        aws,
        Change(
            Action.REPLACE,
            ChangeKind.POLICY,
            "p",
            before=ReplacedPolicy(replace(spec, description="old", arn=arn), group),
            after=ReplacedPolicy(spec, group),
        ),
    )
    assert moto_iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == "new"
    attached = moto_iam.list_attached_group_policies(GroupName="g")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]


def test_replacing_a_policy_reattaches_exactly_where_the_plan_says(aws, moto_iam):
    """A new path makes a new ARN: the role and the ignored user get it back under it; the
    declared group whose file dropped it does not."""
    old = moto_iam.create_policy(PolicyName="p", Path="/a/", PolicyDocument=DOC)["Policy"]["Arn"]
    moto_iam.create_role(RoleName="ci-deploy", AssumeRolePolicyDocument=TRUST)
    moto_iam.attach_role_policy(RoleName="ci-deploy", PolicyArn=old)
    moto_iam.create_user(UserName="cdk-bot")
    moto_iam.attach_user_policy(UserName="cdk-bot", PolicyArn=old)
    moto_iam.create_group(GroupName="g")
    moto_iam.attach_group_policy(GroupName="g", PolicyArn=old)
    role, user = Entity("role", "ci-deploy"), Entity("user", "cdk-bot")
    spec = PolicySpec("/b/", "", DOC, {}, "")
    run(aws, Change(
        Action.REPLACE, ChangeKind.POLICY, "p",
        before=ReplacedPolicy(
            replace(spec, path="/a/", arn=old), (role, user, Entity("group", "g"))
        ),
        after=ReplacedPolicy(spec, (role, user)),
    ))
    new = old.replace("/a/", "/b/")
    assert moto_iam.get_policy(PolicyArn=new)["Policy"]["Path"] == "/b/"
    on_role = moto_iam.list_attached_role_policies(RoleName="ci-deploy")["AttachedPolicies"]
    on_user = moto_iam.list_attached_user_policies(UserName="cdk-bot")["AttachedPolicies"]
    on_group = moto_iam.list_attached_group_policies(GroupName="g")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in on_role] == [new]
    assert [p["PolicyArn"] for p in on_user] == [new]
    assert on_group == []


def test_parallel_apply_keeps_dependencies_in_order(aws, moto_iam):
    changes = []
    for i in range(12):
        changes += [
            Change(Action.CREATE, ChangeKind.USER, f"user{i:02}", after=UserSpec("/")),
            Change(Action.CREATE, ChangeKind.USER_GROUP, f"user{i:02}", target="team"),
            Change(Action.CREATE, ChangeKind.USER_POLICY, f"user{i:02}", target=READ_ONLY),
        ]
    changes.append(Change(Action.CREATE, ChangeKind.GROUP, "team", after=PathSpec("/")))
    calls = record_calls(aws)
    done = run(aws, *changes, parallelism=8)
    assert len(done) == len(changes)
    order = [(name, params.get("UserName") or params.get("GroupName")) for name, params in calls]
    assert order.index(("CreateGroup", "team")) < min(
        index for index, (name, _) in enumerate(order) if name == "AddUserToGroup"
    )
    for i in range(12):
        user = f"user{i:02}"
        assert order.index(("CreateUser", user)) < order.index(("AddUserToGroup", user))
        assert order.index(("CreateUser", user)) < order.index(("AttachUserPolicy", user))
    assert len(moto_iam.get_group(GroupName="team")["Users"]) == 12


def test_a_failure_stops_apply_and_reports_done_failed_and_not_attempted(
    aws, moto_iam, monkeypatch
):
    moto_iam.create_user(UserName="b")
    original = aws.iam

    def failing(operation: str, doing: str, **params: Any) -> Any:
        if operation == "attach_user_policy":
            raise AwsError(doing, "AttachUserPolicy", "AccessDenied", "not allowed")
        return original(operation, doing, **params)

    monkeypatch.setattr(aws, "iam", failing)
    with pytest.raises(ApplyError) as raised:
        run(
            aws,
            Change(Action.CREATE, ChangeKind.USER, "a", after=UserSpec("/")),
            Change(Action.CREATE, ChangeKind.USER_POLICY, "a", target=ADMIN),
            Change(Action.DELETE, ChangeKind.USER, "b"),
        )
    error = raised.value
    assert error.done == ["+ user a"]
    assert error.failed == "+ user a: attach AdministratorAccess"
    assert "AccessDenied" in str(error.error)
    assert error.not_attempted == ["- user b"]
    assert sorted(user["UserName"] for user in moto_iam.list_users()["Users"]) == ["a", "b"]


def test_once_stop_is_set_no_new_change_starts_and_the_report_says_so(aws, moto_iam):
    changes = [
        Change(Action.CREATE, ChangeKind.USER, f"user{i:02}", after=UserSpec("/"))
        for i in range(10)
    ]
    changes.append(Change(Action.DELETE, ChangeKind.GROUP, "old"))  # a later phase
    stop = threading.Event()

    def stop_after_three(change: Change) -> None:
        if len(moto_iam.list_users()["Users"]) == 3:
            stop.set()  # as Ctrl-C does, from another thread, while apply runs

    calls = record_calls(aws)
    plan = Plan(ACCOUNT, None, order_changes(changes))
    with pytest.raises(ApplyError) as raised:
        apply_plan(plan, WriteContext(aws, None, None), stop_after_three, 1, stop)
    error = raised.value
    assert error.interrupted and error.failed is None and error.error is None
    assert error.done == ["+ user user00", "+ user user01", "+ user user02"]
    assert error.not_attempted == [f"+ user user{i:02}" for i in range(3, 10)] + ["- group old"]
    assert [name for name, _ in calls] == ["CreateUser"] * 3


def test_a_stop_after_the_last_change_is_a_complete_apply(aws, moto_iam):
    stop = threading.Event()
    plan = Plan(ACCOUNT, None, (Change(Action.UPDATE, ChangeKind.ALIAS, ACCOUNT, after="acme"),))
    done = apply_plan(plan, WriteContext(aws, None, None), lambda change: stop.set(), 1, stop)
    assert len(done) == 1


def test_a_new_secret_without_a_sink_fails_before_calling_aws(aws, moto_iam):
    moto_iam.create_user(UserName="a")
    with pytest.raises(ApplyError) as raised:
        run(aws, Change(Action.CREATE, ChangeKind.ACCESS_KEY, "a"))
    assert "--secrets-dir" in str(raised.value)
    assert moto_iam.list_access_keys(UserName="a")["AccessKeyMetadata"] == []


def test_removals_of_what_is_already_gone_succeed(aws, moto_iam):
    """A second apply after a partial failure meets removals that already happened: each is
    reported done, and nothing else in the account changes."""
    moto_iam.create_user(UserName="a")
    moto_iam.attach_user_policy(UserName="a", PolicyArn=READ_ONLY)
    moto_iam.create_group(GroupName="team")
    arn = moto_iam.create_policy(PolicyName="gone", PolicyDocument=DOC)["Policy"]["Arn"]
    moto_iam.delete_policy(PolicyArn=arn)
    changes = (
        Change(Action.DELETE, ChangeKind.USER_POLICY, "a", target=ADMIN),
        Change(Action.DELETE, ChangeKind.LOGIN_PROFILE, "a"),
        Change(Action.DELETE, ChangeKind.USER_INLINE_POLICY, "a", target="never-there"),
        Change(Action.DELETE, ChangeKind.USER_GROUP, "a", target="team"),
        Change(Action.DELETE, ChangeKind.GROUP_MEMBER, "team", target="a"),
        Change(Action.DELETE, ChangeKind.USER, "ghost"),
        Change(Action.DELETE, ChangeKind.GROUP, "ghosts", before=Members()),
        Change(Action.DELETE, ChangeKind.POLICY, "gone", target=arn, before=Attachments()),
    )
    done = run(aws, *changes)
    assert sorted(done, key=repr) == sorted(changes, key=repr)
    assert [u["UserName"] for u in moto_iam.list_users()["Users"]] == ["a"]
    attached = moto_iam.list_attached_user_policies(UserName="a")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READ_ONLY]
    assert [g["GroupName"] for g in moto_iam.list_groups()["Groups"]] == ["team"]


def test_a_delete_conflict_removes_service_specific_credentials_then_retries(
    aws, moto_iam, monkeypatch
):
    """Rare blockers are listed only when AWS says one remains (moto has no such API)."""
    moto_iam.create_user(UserName="gone")
    real_call = aws.call
    calls: list[str] = []
    conflict_left = [1]

    def call(service: str, operation: str, doing: str, *args: Any, **params: Any) -> Any:
        calls.append(operation)
        if operation == "delete_user" and conflict_left[0]:
            conflict_left[0] -= 1
            raise DeleteConflictError(
                doing, "DeleteUser", "DeleteConflict", "must delete credentials first"
            )
        if operation == "list_service_specific_credentials":
            return {"ServiceSpecificCredentials": [{"ServiceSpecificCredentialId": "ACCA1"}]}
        if operation == "delete_service_specific_credential":
            return {}
        return real_call(service, operation, doing, *args, **params)

    monkeypatch.setattr(aws, "call", call)  # `iam` and `pages` go through it
    run(aws, Change(Action.DELETE, ChangeKind.USER, "gone"))
    tail = calls[calls.index("delete_user") :]
    assert tail == [
        "delete_user",
        "list_service_specific_credentials",
        "delete_service_specific_credential",
        "delete_user",
    ]
    assert moto_iam.list_users()["Users"] == []
