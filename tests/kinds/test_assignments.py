"""IAM Identity Center account assignments (`identity_center.assignments`): the kind declared in
a module of its own, tested in one place: the file's checks, the diff and its plan lines, the
reader's resolution of names and its calls, and plan and apply against moto in process.

moto's ListAccountsForProvisionedPermissionSet shows no account, and moto accepts assignments
to principals and accounts that do not exist: `Provisioned` answers that listing at the AWS
boundary (a `before-call` hook) from the assignments moto holds, and the tests check the
principal and account ids of what moto holds themselves.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.aws.client import Aws
from reconciler.config.desired import load
from reconciler.core.changes import Action, Change, Impact
from reconciler.core.errors import ConfigError
from reconciler.core.kinds.changes import access_of
from reconciler.core.kinds.declared.assignments import (
    ASSIGNMENT,
    GROUP,
    USER,
    Assignments,
    Grant,
    diff,
    to_file,
)
from reconciler.core.render.text import change_lines
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import apply_account, plan_account
from tests.factories import ACCOUNT_ID
from tests.files import write_account
from tests.kinds.test_permission_sets import MissingCalls

SET_ARN = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"


def assignments_file(directory: Path, body: str, sets: str = "", **kwargs: Any) -> str:
    return write_account(directory, "identity_center:\n" + sets + "  assignments:\n" + body,
                         **kwargs)


# The file.


def test_validate_points_at_an_entry_without_a_principal(run_iamctl, tmp_path):
    path = assignments_file(tmp_path, "    - permission_set: Admin\n      accounts: [root]\n")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert "identity_center.assignments[0]: an assignment names at least one group or user" \
        in result.stderr


def test_validate_points_at_an_empty_account_list(run_iamctl, tmp_path):
    path = assignments_file(tmp_path, "    - permission_set: Admin\n      groups: [ops]\n"
                                      "      accounts: []\n")
    result = run_iamctl("validate", path)
    assert result.code == 1 and "identity_center.assignments[0].accounts" in result.stderr


def test_entries_of_one_set_across_files_are_merged(run_iamctl, tmp_path):
    first = assignments_file(tmp_path, "    - permission_set: Admin\n      groups: [ops]\n"
                                       "      accounts: [root]\n")
    second = assignments_file(tmp_path, "    - permission_set: Admin\n      users: [bob]\n"
                                        "      accounts: [prod]\n", name="more.yaml")
    (config,) = load([first, second])
    merged = config.state.declared["assignments"]["Admin"]
    assert merged.grants == {Grant(GROUP, "ops", "root"), Grant(USER, "bob", "prod")}
    assert not merged.set_declared
    assert run_iamctl("validate", first, second).code == 0


def test_a_set_the_files_declare_is_known_as_declared(tmp_path):
    path = assignments_file(tmp_path, "    - permission_set: admin\n      groups: [ops]\n"
                                      "      accounts: [root]\n",
                            sets="  permission_sets: [{name: Admin}]\n")
    (config,) = load([path])
    assert config.state.declared["assignments"]["admin"].set_declared


# The diff, on what the reader resolved.


def resolved(grants: set[Grant], **fields: Any) -> Assignments:
    found: dict[str, Any] = {
        "arn": SET_ARN, "principal_ids": {(GROUP, "platform"): "g-1", (USER, "alice"): "u-1"},
        "targets": {"prod-api": frozenset({"222222222222"}),
                    "ou:Workloads": frozenset({"222222222222", "333333333333"})},
        "principal_names": {"g-1": "platform", "u-1": "alice", "g-9": "contractors"},
        "account_names": {"222222222222": "prod-api", "333333333333": "dev"}}
    return Assignments("PlatformAdmin", frozenset(grants), **{**found, **fields})


WANTED = Assignments("PlatformAdmin", frozenset({
    Grant(GROUP, "platform", "ou:Workloads"), Grant(USER, "alice", "prod-api")}))


def test_missing_assignments_are_created_and_others_of_the_set_removed():
    live = resolved({Grant(GROUP, "g-1", "222222222222"), Grant(GROUP, "g-9", "222222222222"),
                     Grant(USER, "u-1", "333333333333")})
    changes = list(diff({"PlatformAdmin": WANTED}, {"PlatformAdmin": live}, False))
    assert [change_lines(c)[0].split(" [")[0] for c in changes] == [
        "+ permission set PlatformAdmin: assign group platform in 333333333333 (dev)",
        "+ permission set PlatformAdmin: assign user alice in 222222222222 (prod-api)",
        "- permission set PlatformAdmin: unassign group contractors in 222222222222 "
        "(prod-api)",
        "- permission set PlatformAdmin: unassign user alice in 333333333333 (dev)",
    ]
    assert changes[0].target == SET_ARN
    assert changes[0].after == {"principal_type": GROUP, "principal_id": "g-1",
                                "principal": "platform", "account": "333333333333",
                                "account_name": "dev", "reach": "1"}


def test_an_account_reached_twice_is_one_assignment_and_in_sync_is_empty():
    wanted = Assignments("PlatformAdmin", frozenset({
        Grant(GROUP, "platform", "ou:Workloads"), Grant(GROUP, "platform", "prod-api")}))
    live = resolved({Grant(GROUP, "g-1", "222222222222"), Grant(GROUP, "g-1", "333333333333")})
    assert list(diff({"PlatformAdmin": wanted}, {"PlatformAdmin": live}, True)) == []


def test_a_set_created_by_this_apply_gets_its_assignments_by_name():
    live = resolved(set(), arn="")
    changes = list(diff({"PlatformAdmin": WANTED}, {"PlatformAdmin": live}, False))
    assert len(changes) == 3 and {c.target for c in changes} == {""}


def test_an_assignment_made_broadens_and_one_removed_narrows():
    judge = access_of(ASSIGNMENT)
    assert callable(judge)
    made = Change(Action.CREATE, ASSIGNMENT, "PlatformAdmin", after={})
    removed = Change(Action.DELETE, ASSIGNMENT, "PlatformAdmin", before={})
    assert judge(made)[0] == Impact.BROADENS and judge(removed)[0] == Impact.NARROWS


def test_export_writes_one_entry_per_principal_kind_and_accounts():
    live = resolved({Grant(GROUP, "g-1", "222222222222"), Grant(GROUP, "g-9", "222222222222"),
                     Grant(USER, "u-1", "333333333333"), Grant(USER, "u-1", "222222222222")})
    assert to_file(live) == [
        {"permission_set": "PlatformAdmin", "groups": ["contractors", "platform"],
         "accounts": ["222222222222"]},
        {"permission_set": "PlatformAdmin", "users": ["alice"],
         "accounts": ["222222222222", "333333333333"]},
    ]


# Plan and apply, against moto in process.


class Provisioned:
    """ListAccountsForProvisionedPermissionSet answered at the AWS boundary from the
    assignments moto holds (moto's own shows no account)."""

    def __init__(self, aws: Aws) -> None:
        from moto.ssoadmin.models import ssoadmin_backends

        self.backend = ssoadmin_backends[ACCOUNT_ID]["us-east-1"]
        aws._client("sso-admin").meta.events.register(
            "before-call.sso-admin.ListAccountsForProvisionedPermissionSet", self.answer)

    def answer(self, params: dict[str, Any], **_: Any) -> Any:
        arn = json.loads(params["body"])["PermissionSetArn"]
        return _Http(), {"AccountIds": sorted({a.target_id for a in self.held()
                                               if a.permission_set_arn == arn})}

    def held(self) -> list[Any]:
        return list(self.backend.account_assignments)


class _Http:
    status_code = 200
    headers: dict[str, str] = {}


class World:
    """The organisation, the identity store's groups and users, and the instance, in moto."""

    def __init__(self) -> None:
        self.aws = Aws(boto3.Session(region_name="us-east-1"))
        MissingCalls(self.aws)
        self.provisioned = Provisioned(self.aws)
        self.org = boto3.client("organizations", region_name="us-east-1")
        self.org.create_organization(FeatureSet="ALL")
        self.root = self.org.list_roots()["Roots"][0]["Id"]
        self.sso = boto3.client("sso-admin", region_name="us-east-1")
        instance = self.sso.list_instances()["Instances"][0]
        self.instance, self.store = instance["InstanceArn"], instance["IdentityStoreId"]
        self.ids = boto3.client("identitystore", region_name="us-east-1")

    def unit(self, name: str, parent: str | None = None) -> str:
        made = self.org.create_organizational_unit(ParentId=parent or self.root, Name=name)
        return str(made["OrganizationalUnit"]["Id"])

    def account(self, name: str, parent: str | None = None) -> str:
        made = self.org.create_account(Email=f"{name}@example.com", AccountName=name)
        account = str(made["CreateAccountStatus"]["AccountId"])
        if parent:
            self.org.move_account(AccountId=account, SourceParentId=self.root,
                                  DestinationParentId=parent)
        return account

    def group(self, name: str) -> str:
        return str(self.ids.create_group(IdentityStoreId=self.store, DisplayName=name)["GroupId"])

    def user(self, name: str) -> str:
        return str(self.ids.create_user(
            IdentityStoreId=self.store, UserName=name, DisplayName=name,
            Name={"GivenName": "A", "FamilyName": "B"})["UserId"])

    def held(self) -> set[tuple[str, str, str]]:
        """What moto holds: (principal type, principal id, account id)."""
        return {(a.principal_type, a.principal_id, a.target_id)
                for a in self.provisioned.held()}


@pytest.fixture
def world(moto_iam: Any) -> World:
    return World()


def plan_and_apply(aws: Aws, path: str, secrets: Path) -> list[Change]:
    (config,) = load([path])
    planned = plan_account(config, aws)
    apply_account(planned, SecretsSink(secrets, planned.plan.sign_in_url), lambda change: None)
    return list(planned.plan.changes)


def plan_lines(aws: Aws, path: str) -> list[str]:
    (config,) = load([path])
    return [change_lines(c)[0] for c in plan_account(config, aws).plan.changes]


ENTRY = """\
    - permission_set: PlatformAdmin
      groups: [platform]
      users: [alice@example.com]
      accounts: [prod-api, "ou:Workloads"]
"""
SETS = "  permission_sets:\n    - name: PlatformAdmin\n"


def test_assignments_apply_converge_and_drift_is_removed(world, tmp_path):
    workloads = world.unit("Workloads")
    prod, dev = world.account("prod-api"), world.account("dev", workloads)
    platform, alice = world.group("platform"), world.user("alice@example.com")
    path = assignments_file(tmp_path, ENTRY, sets=SETS)
    lines = plan_lines(world.aws, path)
    assert f"+ permission set PlatformAdmin: assign group platform in {prod} (prod-api) " \
           "[broadens]" in lines
    applied = plan_and_apply(world.aws, path, tmp_path)
    assert len([c for c in applied if c.kind == ASSIGNMENT]) == 4
    # moto accepts any id: check what it holds is the right principals in the right accounts.
    assert world.held() == {(kind, principal, account) for kind, principal in
                            (("GROUP", platform), ("USER", alice)) for account in (prod, dev)}
    assert plan_lines(world.aws, path) == []
    # Out of band: another group given the set in prod-api.
    contractors = world.group("contractors")
    arn = world.sso.list_permission_sets(InstanceArn=world.instance)["PermissionSets"][0]
    world.sso.create_account_assignment(
        InstanceArn=world.instance, TargetId=prod, TargetType="AWS_ACCOUNT",
        PermissionSetArn=arn, PrincipalType="GROUP", PrincipalId=contractors)
    assert plan_lines(world.aws, path) == [
        f"- permission set PlatformAdmin: unassign group contractors in {prod} (prod-api)"]
    plan_and_apply(world.aws, path, tmp_path)
    assert (("GROUP", contractors, prod) not in world.held()) and \
        plan_lines(world.aws, path) == []


def test_a_set_made_by_hand_may_be_assigned_without_declaring_it(world, tmp_path):
    world.sso.create_permission_set(InstanceArn=world.instance, Name="ReadOnly")
    world.account("prod-api")
    world.group("platform")
    path = assignments_file(tmp_path, "    - permission_set: ReadOnly\n      groups: [platform]"
                                      "\n      accounts: [root]\n")
    applied = plan_and_apply(world.aws, path, tmp_path)
    assert len(applied) == 2  # the management account and prod-api
    assert plan_lines(world.aws, path) == []


@pytest.mark.parametrize(("entry", "message"), [
    ("      groups: [platfrom]\n      accounts: [root]\n",
     ":9:16: identity_center.assignments[0].groups[0]: no group 'platfrom' in the identity "
     "store (did you mean 'platform'?)"),
    ("      users: [alice@example.com]\n      accounts: [\"ou:Prod\"]\n",
     ":10:18: identity_center.assignments[0].accounts[0]: 2 OUs are named 'Prod'"),
    ("      groups: [platform]\n      accounts: [prod-apy]\n",
     "no account named 'prod-apy' in the organisation (did you mean 'prod-api'?)"),
])
def test_an_unknown_name_is_refused_before_any_change(world, tmp_path, run_iamctl, entry,
                                                     message):
    world.unit("Prod", world.unit("Workloads"))
    world.unit("Prod", world.unit("Sandbox"))
    world.account("prod-api")
    world.group("platform")
    world.user("alice@example.com")
    path = assignments_file(tmp_path, "    - permission_set: PlatformAdmin\n" + entry,
                            sets=SETS)
    (config,) = load([path])
    with pytest.raises(Exception, match=".") as raised:
        plan_account(config, world.aws)
    assert message in str(raised.value)
    assert world.sso.list_permission_sets(InstanceArn=world.instance)["PermissionSets"] == []


def test_a_set_neither_declared_nor_in_the_instance_is_refused(world, tmp_path):
    world.sso.create_permission_set(InstanceArn=world.instance, Name="ReadOnly")
    path = assignments_file(tmp_path, "    - permission_set: ReadOnyl\n      groups: [ops]\n"
                                      "      accounts: [root]\n")
    (config,) = load([path])
    with pytest.raises(Exception, match=r":6:23: identity_center.assignments\[0\]."
                                        r"permission_set: permission set 'ReadOnyl' is neither "
                                        r"declared nor in the instance \(did you mean "
                                        r"'ReadOnly'\?\)"):
        plan_account(config, world.aws)


def test_a_suspended_account_is_skipped_with_a_note(world, tmp_path, caplog):
    sandbox = world.unit("Sandbox")
    gone, kept = world.account("old", sandbox), world.account("new", sandbox)
    world.org.close_account(AccountId=gone)
    world.group("platform")
    path = assignments_file(tmp_path, "    - permission_set: PlatformAdmin\n      groups: "
                                      "[platform]\n      accounts: [\"ou:Sandbox\"]\n", sets=SETS)
    lines = plan_lines(world.aws, path)
    assert [line for line in lines if "assign" in line] == [
        f"+ permission set PlatformAdmin: assign group platform in {kept} (new) [broadens]"]
    assert f"account {gone} (old) is SUSPENDED: skipped" in caplog.text


def test_the_read_makes_the_floor_of_calls(world, tmp_path):
    """Per set: one ListAccountsForProvisionedPermissionSet, one ListAccountAssignments per
    account it is provisioned to; one GetGroupId/GetUserId per name."""
    workloads = world.unit("Workloads")
    world.account("prod-api"), world.account("dev", workloads)
    world.group("platform"), world.user("alice@example.com")
    path = assignments_file(tmp_path, ENTRY, sets=SETS)
    plan_and_apply(world.aws, path, tmp_path)
    aws = Aws(boto3.Session(region_name="us-east-1"))
    counted: list[str] = []
    for service in ("sso-admin", "identitystore"):  # before the answers below end the chain
        aws._client(service).meta.events.register(
            f"before-parameter-build.{service}", lambda model, **_: counted.append(model.name))
    MissingCalls(aws), Provisioned(aws)
    (config,) = load([path])
    plan_account(config, aws)
    # Once: the assignments' read takes the accounts from the set's own read.
    assert counted.count("ListAccountsForProvisionedPermissionSet") == 1
    assert counted.count("ListAccountAssignments") == 2  # prod-api and dev
    assert (counted.count("GetGroupId"), counted.count("GetUserId")) == (1, 1)
    assert counted.count("DescribeGroup") + counted.count("DescribeUser") == 0


def counting_aws() -> tuple[Aws, list[str]]:
    """A client whose Identity Center calls are noted, before the answers below end them."""
    aws = Aws(boto3.Session(region_name="us-east-1"))
    counted: list[str] = []
    for service in ("sso-admin", "identitystore"):
        aws._client(service).meta.events.register(
            f"before-parameter-build.{service}", lambda model, **_: counted.append(model.name))
    MissingCalls(aws), Provisioned(aws)
    return aws, counted


def test_a_name_several_sets_assign_is_looked_up_once(world, tmp_path):
    world.account("prod-api")
    world.group("platform"), world.user("alice@example.com")
    body = "".join(f"    - permission_set: {name}\n      groups: [platform]\n"
                   f"      users: [alice@example.com]\n      accounts: [prod-api]\n"
                   for name in ("PlatformAdmin", "ReadOnly"))
    path = assignments_file(tmp_path, body, sets=SETS + "    - name: ReadOnly\n")
    plan_and_apply(world.aws, path, tmp_path)
    aws, counted = counting_aws()
    (config,) = load([path])
    assert plan_account(config, aws).plan.changes == ()
    assert (counted.count("GetGroupId"), counted.count("GetUserId")) == (1, 1)


def test_a_declared_groups_id_comes_from_the_groups_read(world, tmp_path):
    """identity_center.groups lists the store's groups: their ids need no GetGroupId."""
    world.account("prod-api")
    world.group("platform"), world.user("alice@example.com")
    groups = "  groups:\n    - name: platform\n      members: [alice@example.com]\n"
    path = assignments_file(tmp_path, ENTRY.replace(', "ou:Workloads"', ""),
                            sets=groups + SETS)
    plan_and_apply(world.aws, path, tmp_path)
    aws, counted = counting_aws()
    (config,) = load([path])
    assert plan_account(config, aws).plan.changes == ()
    assert counted.count("GetGroupId") == 0
    assert counted.count("ListGroups") == 1


@pytest.mark.parametrize("listing", [
    # identity_center.users lists the store's users;
    "  users:\n    - {user_name: alice@example.com, display_name: alice@example.com, "
    "given_name: A, family_name: B}\n",
    # identity_center.groups names its members by user name, so its read lists them too.
    "  groups:\n    - {name: platform, members: []}\n",
], ids=["users declared", "groups declared"])
def test_a_users_id_comes_from_the_users_already_listed(world, tmp_path, listing):
    """An assignment's user, declared or not, needs no GetUserId once a read of this plan has
    listed the store's users."""
    world.account("prod-api")
    world.group("platform"), world.user("alice@example.com")
    path = assignments_file(tmp_path, ENTRY.replace(', "ou:Workloads"', ""),
                            sets=listing + SETS)
    plan_and_apply(world.aws, path, tmp_path)
    aws, counted = counting_aws()
    (config,) = load([path])
    assert plan_account(config, aws).plan.changes == ()
    assert (counted.count("GetUserId"), counted.count("ListUsers")) == (0, 1)


def test_a_misspelt_user_is_suggested_from_the_users_already_listed(world, tmp_path):
    """identity_center.users lists the store's users: the suggestion for a name not found
    lists them no second time."""
    world.account("prod-api")
    world.user("alice@example.com")
    users = ("  users:\n    - {user_name: alice@example.com, display_name: A, given_name: A, "
             "family_name: B}\n")
    path = assignments_file(tmp_path, "    - {permission_set: PlatformAdmin, users: "
                                      "[alice@exampel.com], accounts: [prod-api]}\n",
                            sets=users + SETS)
    aws, counted = counting_aws()
    (config,) = load([path])
    with pytest.raises(ConfigError, match="no user 'alice@exampel.com' in the identity store "
                                          r"\(did you mean 'alice@example.com'\?\)"):
        plan_account(config, aws)
    assert counted.count("ListUsers") == 1


def test_export_writes_the_assignments_and_plans_back_in_sync(world, tmp_path):
    from reconciler.engine.export import export_document, read_for_export

    workloads = world.unit("Workloads")
    world.account("prod-api"), world.account("dev", workloads)
    world.group("platform"), world.user("alice@example.com")
    plan_and_apply(world.aws, assignments_file(tmp_path, ENTRY, sets=SETS), tmp_path)
    exported = tmp_path / "exported" / "account.yaml"
    exported.parent.mkdir()
    exported.write_text(export_document(read_for_export(world.aws)))
    text = exported.read_text()
    assert "  assignments:\n  - permission_set: PlatformAdmin\n    groups:\n    - platform" \
        in text
    assert plan_lines(world.aws, str(exported)) == []


# Apply waits for each assignment.


def test_an_assignment_is_waited_for_and_a_failure_names_it(monkeypatch):
    from reconciler.aws.writers import WRITERS
    from reconciler.aws.writers.base import WriteContext

    monkeypatch.setattr("reconciler.aws.writers.assignments.POLL_SECONDS", 0)
    aws = Aws(boto3.Session(region_name="us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x"))
    instance = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    found = {"principal_type": "GROUP", "principal_id": "g-1", "principal": "platform",
             "account": "222222222222", "account_name": "prod-api"}
    create = Change(Action.CREATE, ASSIGNMENT, "PlatformAdmin", SET_ARN, after=found)
    delete = Change(Action.DELETE, ASSIGNMENT, "PlatformAdmin", SET_ARN, before=found)
    request = "2f3e4d5c-1b2a-4c3d-9e8f-7a6b5c4d3e2f"
    sent = {"InstanceArn": instance, "PermissionSetArn": SET_ARN, "TargetId": "222222222222",
            "TargetType": "AWS_ACCOUNT", "PrincipalType": "GROUP", "PrincipalId": "g-1"}
    with Stubber(aws._client("sso-admin")) as stub:
        stub.add_response("list_instances", {"Instances": [{"InstanceArn": instance}]})
        stub.add_response("create_account_assignment", {"AccountAssignmentCreationStatus": {
            "Status": "IN_PROGRESS", "RequestId": request}}, sent)
        stub.add_response("describe_account_assignment_creation_status",
                          {"AccountAssignmentCreationStatus": {"Status": "SUCCEEDED"}},
                          {"InstanceArn": instance,
                           "AccountAssignmentCreationRequestId": request})
        WRITERS[(ASSIGNMENT, Action.CREATE)](WriteContext(aws, None, None), create)
        stub.add_response("delete_account_assignment", {"AccountAssignmentDeletionStatus": {
            "Status": "IN_PROGRESS", "RequestId": request}}, sent)
        stub.add_response("describe_account_assignment_deletion_status",
                          {"AccountAssignmentDeletionStatus": {
                              "Status": "FAILED", "FailureReason": "principal not found"}},
                          {"InstanceArn": instance,
                           "AccountAssignmentDeletionRequestId": request})
        with pytest.raises(Exception, match="permission set PlatformAdmin: unassign group "
                                            "platform in 222222222222 .prod-api.: did not "
                                            "succeed: principal not found"):
            WRITERS[(ASSIGNMENT, Action.DELETE)](WriteContext(aws, None, None), delete)
        stub.assert_no_pending_responses()


def test_removing_the_callers_set_here_is_self_lockout():
    from reconciler.core.access.documents import shipped
    from reconciler.core.access.lockout import mark_self_lockout
    from reconciler.core.state import Caller
    from tests.factories import ACCOUNT_ID, state

    def removal(account: str) -> Change:
        return Change(Action.DELETE, ASSIGNMENT, "PlatformAdmin", SET_ARN, before={
            "principal_type": "GROUP", "principal_id": "g-1", "principal": "platform",
            "account": account, "account_name": "", "reach": ""})

    caller = Caller(role="AWSReservedSSO_PlatformAdmin_0123456789abcdef")
    here, elsewhere = removal(ACCOUNT_ID), removal("222222222222")
    live = state()
    marked = mark_self_lockout([here, elsewhere], live, live, caller, shipped)
    assert "removes permission set PlatformAdmin from group platform in this account" in \
        marked[0].self_lockout
    assert marked[1].self_lockout == ""


def test_a_set_that_grants_everything_is_admin_for_its_principal_in_n_accounts(world, tmp_path):
    """What a reviewer must see first: `group platform gains full access (permission set
    PlatformAdmin) in 2 accounts`, once, and the escalation gate fails on it."""
    from reconciler.core.render.markdown import render_markdown

    workloads = world.unit("Workloads")
    world.account("prod-api", workloads), world.account("prod-web", workloads)
    world.group("platform")
    path = assignments_file(tmp_path, "    - {permission_set: PlatformAdmin, groups: [platform], "
                                      "accounts: [\"ou:Workloads\"]}\n",
                            sets="  permission_sets:\n    - name: PlatformAdmin\n"
                                 "      managed_policies: [AdministratorAccess]\n")
    (config,) = load([path])
    plan = plan_account(config, world.aws).plan
    made = [c for c in plan.changes if c.kind == ASSIGNMENT]
    assert len(made) == 2
    assert {(r.category, r.principal, r.detail) for c in made for r in c.risks} == {
        ("admin", "group platform", "full access (permission set PlatformAdmin) in 2 accounts")}
    assert all(c in plan.escalating for c in made)
    assert "`group platform` `gains full access (permission set PlatformAdmin) in 2 accounts`" \
        in render_markdown(plan)
    # A set that does not grant everything opens no such risk.
    path = assignments_file(tmp_path / "b", "    - {permission_set: Reader, groups: [platform], "
                                            "accounts: [prod-api]}\n",
                            sets="  permission_sets:\n    - name: Reader\n"
                                 "      managed_policies: [ReadOnlyAccess]\n")
    (config,) = load([path])
    assert all(not c.risks for c in plan_account(config, world.aws).plan.changes)


def test_a_customer_managed_policy_missing_in_an_account_is_refused_before_any_change(
        world, tmp_path, caplog):
    """AWS finds it only when it provisions the set, half-way through apply: iamctl reads each
    account first, where it can (through identity_center.member_role), and says where not."""
    prod = world.account("prod-api")
    world.group("platform")
    sets = ("  permission_sets:\n    - name: Deployer\n"
            "      customer_managed_policies: [{name: Deploy, path: /ci/}]\n")
    entry = "    - {permission_set: Deployer, groups: [platform], accounts: [prod-api]}\n"
    unchecked = assignments_file(tmp_path / "a", entry, sets=sets)
    (config,) = load([unchecked])
    plan_account(config, world.aws)
    assert f"customer managed policies not checked in 1 account(s) ({prod})" in caplog.text
    checked = assignments_file(tmp_path / "b", entry,
                               sets="  member_role: iamctl-read\n" + sets)
    (config,) = load([checked])
    with pytest.raises(ConfigError, match=f"permission set Deployer names the customer managed "
                                          f"policy /ci/Deploy, which account {prod} does not "
                                          "have: create it there first"):
        plan_account(config, world.aws)
    member = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{prod}:role/iamctl-read", RoleSessionName="test")["Credentials"]
    boto3.client("iam", region_name="us-east-1", aws_access_key_id=member["AccessKeyId"],
                 aws_secret_access_key=member["SecretAccessKey"],
                 aws_session_token=member["SessionToken"]).create_policy(
        PolicyName="Deploy", Path="/ci/", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))
    (config,) = load([checked])
    assert any(c.kind == ASSIGNMENT for c in plan_account(config, world.aws).plan.changes)


def test_the_account_iamctl_runs_in_is_checked_from_its_own_read(world, moto_iam, tmp_path):
    world.group("platform")
    path = assignments_file(
        tmp_path,
        '    - {permission_set: Deployer, groups: [platform], accounts: ["123456789012"]}\n',
        sets="  permission_sets:\n    - name: Deployer\n"
             "      customer_managed_policies: [{name: Deploy}]\n")
    (config,) = load([path])
    with pytest.raises(ConfigError, match="customer managed policy /Deploy, which account "
                                          "123456789012 does not have"):
        plan_account(config, world.aws)
    moto_iam.create_policy(PolicyName="Deploy", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))
    (config,) = load([path])
    assert plan_account(config, world.aws).plan.changes


def test_from_a_delegated_administrator_the_management_account_is_out_of_reach(caplog):
    """AWS does not let a delegated administrator manage the sets of the management account:
    naming it is an error before any change; reaching it through root leaves it out, and what
    the set holds there is never planned for removal."""
    from reconciler.aws.readers.assignments import without_the_management_account
    from reconciler.core.errors import Location
    from reconciler.core.kinds.declaration import Place
    from reconciler.core.organization import OrgAccount, Organization

    accounts = {a: OrgAccount(a, name, "ACTIVE", "r-1") for a, name in (
        ("111111111111", "management"), ("222222222222", "prod-api"))}
    org = Organization("r-1", accounts, {}, management="111111111111")
    place = Place(Location("account.yaml", 9, 5), "identity_center.assignments[0].accounts[0]")
    entries = Assignments("PlatformAdmin", places={"account:root": place,
                                                   "account:management": place})
    held = Grant(GROUP, "g-1", "111111111111")
    found = Assignments("PlatformAdmin", frozenset({held}), targets={
        "root": frozenset({"111111111111", "222222222222"})})
    kept = without_the_management_account("333333333333", org, entries, found)
    assert kept.targets == {"root": frozenset({"222222222222"})} and kept.grants == frozenset()
    assert "root leaves out the management account 111111111111" in caplog.text
    named = replace(found, targets={"management": frozenset({"111111111111"})})
    with pytest.raises(ConfigError, match="account 111111111111 is the organisation's "
                                          "management account: from a delegated administrator"):
        without_the_management_account("333333333333", org, entries, named)
    # From the management account itself, nothing is left out.
    assert without_the_management_account("111111111111", org, entries, found) is found


def test_at_most_ten_assignments_are_in_flight_whatever_the_parallelism(monkeypatch):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from reconciler.aws.writers import WRITERS
    from reconciler.aws.writers import assignments as writer
    from reconciler.aws.writers.base import WriteContext

    running, most, lock = [0], [0], threading.Lock()

    def sso(ctx: Any, operation: str, doing: str, **params: Any) -> dict[str, Any]:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.02)  # a request AWS holds for a moment
        with lock:
            running[0] -= 1
        return {"AccountAssignmentCreationStatus": {"Status": "SUCCEEDED"}}

    monkeypatch.setattr(writer, "sso", sso)
    monkeypatch.setattr(writer, "set_arn", lambda ctx, change: SET_ARN)
    change = Change(Action.CREATE, ASSIGNMENT, "PlatformAdmin", SET_ARN, after={
        "principal_type": "GROUP", "principal_id": "g-1", "principal": "platform",
        "account": "222222222222", "account_name": "", "reach": "1"})
    write = WRITERS[(ASSIGNMENT, Action.CREATE)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        context = WriteContext(cast(Any, None), None, None)  # the AWS calls are faked above
        list(pool.map(lambda _: write(context, change), range(60)))
    assert 1 < most[0] <= writer.MAX_IN_FLIGHT == 10


def created(permission_set: str, reach: str = "3") -> Change:
    return Change(Action.CREATE, ASSIGNMENT, permission_set, SET_ARN, after={
        "principal_type": "GROUP", "principal_id": "g-1", "principal": "platform",
        "account": "222222222222", "account_name": "", "reach": reach})


def sets_state(*sets: Any) -> Any:
    from tests.factories import state

    return replace(state(), declared={"permission_sets": {s.name: s for s in sets}})


@pytest.mark.parametrize(("policies", "expected"), [
    # IAMFullAccess is no AdministratorAccess, yet reaches full access by the catalog's routes.
    (["IAMFullAccess"], ("admin", "full access (permission set S) in 3 accounts")),
    (["PowerUserAccess"], ("privilege-escalation", "(permission set S) in 3 accounts")),
])
def test_what_an_assignment_gives_is_judged_by_the_access_model_on_the_set(policies, expected):
    from reconciler.core.access.documents import shipped
    from reconciler.core.access.permission_set_powers import set_powers
    from reconciler.core.kinds.declared.assignments import risks
    from reconciler.core.kinds.declared.permission_sets import PermissionSet, managed_arn

    held = PermissionSet("S", managed_policies=frozenset(map(managed_arn, policies)))
    found = risks(created("S"), sets_state(held), sets_state(),
                  lambda *given: set_powers(shipped, *given))
    assert found and {r.category for r in found} == {expected[0]}
    assert all(r.principal == "group platform" and r.detail.endswith(expected[1])
               for r in found)
    read_only = PermissionSet("S", managed_policies=frozenset({managed_arn("ReadOnlyAccess")}))
    assert risks(created("S"), sets_state(read_only), sets_state(),
                 lambda *given: set_powers(shipped, *given)) == ()


def test_a_set_iamctl_cannot_see_is_never_passed_as_harmless():
    """Neither declared nor read, or naming a customer managed policy (each account's own
    document): the escalation gate must fail on it, not let it through as `broadens`."""
    from reconciler.core.kinds.declared.assignments import risks
    from reconciler.core.kinds.declared.permission_sets import PermissionSet

    none: Any = lambda *given: []  # noqa: E731 (the model finds nothing in what it sees)
    (unseen,) = risks(created("ByHand"), sets_state(), sets_state(), none)
    assert unseen.category == "privilege-escalation" and "not read" in unseen.detail
    customer = PermissionSet("S", customer_policies=frozenset({"/ci/Deploy"}))
    (unjudged,) = risks(created("S"), sets_state(customer), sets_state(), none)
    assert "customer managed policy /ci/Deploy" in unjudged.detail
