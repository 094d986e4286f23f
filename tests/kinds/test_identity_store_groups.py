"""IAM Identity Center's groups (`identity_center.groups`): the kind declared in a module of its
own, tested in one place: the file's checks, the diff and plan lines, and plan and apply
against moto in process. moto lacks `UpdateGroup`: the description's writer is tested with
Stubber at the AWS boundary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.aws.client import Aws
from reconciler.aws.writers import WRITERS
from reconciler.aws.writers.base import WriteContext
from reconciler.config.desired import load
from reconciler.core.changes import Action, Change, Impact
from reconciler.core.errors import IamctlError
from reconciler.core.kinds.changes import access_of
from reconciler.core.kinds.declared.identity_store_groups import (
    IDENTITY_STORE_GROUP,
    IDENTITY_STORE_GROUP_DESCRIPTION,
    IDENTITY_STORE_GROUP_MEMBER,
    StoreGroup,
    diff,
)
from reconciler.core.render.text import change_lines
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import apply_account, plan_account
from tests.files import write_account


def groups_file(directory: Path, body: str, settings: str = "") -> str:
    return write_account(directory, settings + "identity_center:\n  groups:\n" + body)


def test_validate_refuses_a_member_listed_twice(run_iamctl, tmp_path):
    path = groups_file(tmp_path, "    - name: platform\n      members: [alice, bob, alice]\n")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert "identity_center.groups[0].members[2]: user alice is listed twice" in result.stderr


def test_validate_counts_the_groups_apart_from_iam_groups(run_iamctl, tmp_path):
    path = groups_file(tmp_path, "    - name: platform\n", settings="groups: [{name: devs}]\n")
    result = run_iamctl("validate", path)
    assert result.code == 0, result.stderr
    assert "1 group," in result.stdout and "1 Identity Center group" in result.stdout


def test_members_are_exact_and_the_description_is_managed_when_given():
    found = StoreGroup("platform", "old", frozenset({"alice", "carol"}), "g-1",
                       memberships={"alice": "m-1", "carol": "m-3"})
    wanted = StoreGroup("platform", "new", frozenset({"alice", "bob"}))
    changes = list(diff({"platform": wanted}, {"platform": found}, False))
    assert [change_lines(c)[0].split(" [")[0] for c in changes] == [
        "~ Identity Center group platform: description old -> new",
        "+ Identity Center group platform: add bob",
        "- Identity Center group platform: remove carol",
    ]
    assert changes[2].before == "m-3"
    assert list(diff({"platform": StoreGroup("platform", None, found.members)},
                     {"platform": found}, False)) == []


def test_prune_deletes_undeclared_groups_but_never_an_idps():
    own = StoreGroup("old", "", group_id="g-2")
    idp = StoreGroup("okta-admins", "", group_id="g-3", external=True)
    assert [(c.action, c.kind, c.name) for c in diff({}, {"old": own, "okta-admins": idp},
                                                      True)] == [
        (Action.DELETE, IDENTITY_STORE_GROUP, "old")]


def test_a_member_added_is_never_called_harmless():
    judge = access_of(IDENTITY_STORE_GROUP_MEMBER)
    assert callable(judge)
    impact, reason = judge(Change(Action.CREATE, IDENTITY_STORE_GROUP_MEMBER, "platform",
                                  "bob"))
    assert impact == Impact.UNKNOWN and "what the group is assigned" in reason
    # The access model judges assignments and sets (their risks); a member added is not.
    assert reason == "what the group is assigned, and where, is not judged for a member added"


# Against moto in process.


@pytest.fixture
def store(moto_iam: Any) -> tuple[Aws, Any, str]:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    sso = boto3.client("sso-admin", region_name="us-east-1")
    store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    identity = boto3.client("identitystore", region_name="us-east-1")
    for user in ("alice", "bob", "carol"):
        identity.create_user(IdentityStoreId=store_id, UserName=user, DisplayName=user,
                             Name={"GivenName": user, "FamilyName": "Doe"})
    return aws, identity, store_id


def plan(aws: Aws, path: str) -> list[Change]:
    (config,) = load([path])
    return list(plan_account(config, aws).plan.changes)


def apply(aws: Aws, path: str, secrets: Path) -> None:
    (config,) = load([path])
    planned = plan_account(config, aws)
    apply_account(planned, SecretsSink(secrets, planned.plan.sign_in_url), lambda change: None)


def members(identity: Any, store_id: str, name: str) -> set[str]:
    group = identity.get_group_id(IdentityStoreId=store_id, AlternateIdentifier={
        "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}})["GroupId"]
    users = {u["UserId"]: u["UserName"]
             for u in identity.list_users(IdentityStoreId=store_id)["Users"]}
    return {users[m["MemberId"]["UserId"]] for m in identity.list_group_memberships(
        IdentityStoreId=store_id, GroupId=group)["GroupMemberships"]}


def test_a_group_applies_converges_and_drift_is_caught(store, tmp_path):
    aws, identity, store_id = store
    path = groups_file(tmp_path, "    - name: platform\n      members: [alice, bob]\n")
    apply(aws, path, tmp_path)
    assert members(identity, store_id, "platform") == {"alice", "bob"}
    assert plan(aws, path) == []
    # Out of band: carol added in the console.
    group = identity.get_group_id(IdentityStoreId=store_id, AlternateIdentifier={
        "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "platform"}})
    carol = identity.get_user_id(IdentityStoreId=store_id, AlternateIdentifier={
        "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "carol"}})
    identity.create_group_membership(IdentityStoreId=store_id, GroupId=group["GroupId"],
                                     MemberId={"UserId": carol["UserId"]})
    (drift,) = plan(aws, path)
    assert change_lines(drift)[0] == "- Identity Center group platform: remove carol"
    apply(aws, path, tmp_path)
    assert members(identity, store_id, "platform") == {"alice", "bob"} and plan(aws, path) == []


def test_an_unknown_member_is_refused_before_any_change(store, tmp_path):
    aws, _, _ = store
    path = groups_file(tmp_path, "    - name: platform\n      members: [alcie]\n")
    (config,) = load([path])
    with pytest.raises(IamctlError, match="group platform: no user alcie in the identity store "
                                          r"\(did you mean alice\?\)"):
        plan_account(config, aws)


def test_a_group_an_idp_provisions_cannot_be_declared(store, tmp_path):
    aws, _, _ = store
    client = aws._client("identitystore")
    listed = {"Groups": [{"GroupId": "g-1", "DisplayName": "platform", "IdentityStoreId": "d-1",
                          "ExternalIds": [{"Issuer": "okta", "Id": "00g1"}]}]}
    client.meta.events.register("before-call.identitystore.ListGroups",
                                lambda **_: (_Ok(), listed))
    (config,) = load([groups_file(tmp_path, "    - name: platform\n")])
    with pytest.raises(IamctlError, match="provisioned by an external IdP"):
        plan_account(config, aws)


class _Ok:
    status_code = 200
    headers: dict[str, str] = {}


def test_the_description_is_set_with_update_group():
    aws = Aws(boto3.Session(region_name="us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x"))
    change = Change(Action.UPDATE, IDENTITY_STORE_GROUP_DESCRIPTION, "platform",
                    "90676a2c-5081-70fa-08ad-e0e3b9c6c3a5", before="old", after="new")
    with Stubber(aws._client("sso-admin")) as sso, Stubber(aws._client("identitystore")) as ids:
        sso.add_response("list_instances", {"Instances": [{
            "InstanceArn": "arn:aws:sso:::instance/ssoins-1234567890abcdef",
            "IdentityStoreId": "d-1234567890"}]})
        answer = {"IdentityStoreId": "d-1234567890", "GroupId": change.target,
                  "GroupArn": f"arn:aws:identitystore::123456789012:group/{change.target}",
                  "Revision": "2"}
        ids.add_response("update_group", answer, {
            "IdentityStoreId": "d-1234567890", "GroupId": change.target,
            "Operations": [{"AttributePath": "description", "AttributeValue": "new"}]})
        WRITERS[(IDENTITY_STORE_GROUP_DESCRIPTION, Action.UPDATE)](
            WriteContext(aws, None, None), change)
        ids.assert_no_pending_responses()


def test_export_writes_the_groups_and_plans_back_in_sync(store, tmp_path):
    from reconciler.engine.export import export_document, read_for_export

    aws, _, _ = store
    apply(aws, groups_file(tmp_path, "    - name: platform\n      description: Platform team\n"
                                     "      members: [bob, alice]\n"), tmp_path)
    exported = tmp_path / "exported" / "account.yaml"
    exported.parent.mkdir()
    exported.write_text(export_document(read_for_export(aws)))
    assert "  groups:\n  - name: platform\n    description: Platform team\n    members:\n" \
           "    - alice\n    - bob\n" in exported.read_text()
    assert plan(aws, str(exported)) == []


def test_a_group_and_its_assignments_are_made_by_one_apply(moto_iam, tmp_path):
    """The group does not exist when the plan is made: its assignment names it, and finds its
    id once apply has created it."""
    from tests.kinds.test_assignments import World, plan_lines
    from tests.kinds.test_assignments import plan_and_apply as apply_all

    world = World()
    prod = world.account("prod-api")
    world.user("alice")
    path = write_account(tmp_path, "identity_center:\n"
                                   "  groups:\n    - name: platform\n      members: [alice]\n"
                                   "  permission_sets:\n    - name: PlatformAdmin\n"
                                   "  assignments:\n    - permission_set: PlatformAdmin\n"
                                   "      groups: [platform]\n      accounts: [prod-api]\n")
    assert f"+ permission set PlatformAdmin: assign group platform in {prod} (prod-api) " \
           "[broadens]" in plan_lines(world.aws, path)
    apply_all(world.aws, path, tmp_path)
    platform = world.ids.get_group_id(IdentityStoreId=world.store, AlternateIdentifier={
        "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "platform"}})
    assert world.held() == {("GROUP", platform["GroupId"], prod)}
    assert plan_lines(world.aws, path) == []


@pytest.mark.parametrize(("entry", "message"), [
    ("    - name: AWSAdministrators\n",
     "groups[0].name: AWSAdministrators is a name the identity store reserves"),
    ("    - name: \"plat\\u0000form\"\n", "groups[0].name: character '\\x00' is not allowed"),
])
def test_validate_refuses_a_group_name_the_identity_store_refuses(run_iamctl, tmp_path, entry,
                                                                  message):
    result = run_iamctl("validate", groups_file(tmp_path, entry))
    assert result.code == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_removing_the_user_whose_session_runs_iamctl_from_a_group_is_self_lockout():
    from reconciler.core.access.documents import shipped
    from reconciler.core.access.lockout import mark_self_lockout
    from reconciler.core.state import Caller
    from tests.factories import state

    sso = Caller(role="AWSReservedSSO_PlatformAdmin_0123456789abcdef", session="alice")
    removal = Change(Action.DELETE, IDENTITY_STORE_GROUP_MEMBER, "platform", "alice",
                     before="m-1")
    added = Change(Action.CREATE, IDENTITY_STORE_GROUP_MEMBER, "platform", "alice")
    live = state()
    marked = mark_self_lockout([removal, added], live, live, sso, shipped)
    assert "whose session runs iamctl, from group platform" in marked[0].self_lockout
    assert marked[1].self_lockout == ""
