"""IAM Identity Center's users (`identity_center.users`): the kind declared in a module of its
own, tested in one place: the file's checks, the diff and plan lines, what a plan says of
access, and plan and apply against moto in process. moto lacks `UpdateUser`: that writer is
tested with Stubber at the AWS boundary.
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
from reconciler.core.kinds.declared.identity_store_users import (
    IDENTITY_STORE_USER,
    IDENTITY_STORE_USER_FIELDS,
    StoreUser,
    diff,
)
from reconciler.core.render.text import change_lines
from reconciler.engine.run import plan_account
from tests.files import write_account
from tests.kinds.test_identity_store_groups import apply, members, plan

ALICE = ("    - user_name: alice@example.com\n      display_name: Alice Doe\n"
         "      given_name: Alice\n      family_name: Doe\n")


def users_file(directory: Path, body: str, more: str = "") -> str:
    return write_account(directory, "identity_center:\n  users:\n" + body + more)


# The file.


@pytest.mark.parametrize(("entry", "message"), [
    ("    - {user_name: Administrator, display_name: A, given_name: A, family_name: B}\n",
     "users[0].user_name: Administrator is a name the identity store reserves"),
    ("    - {user_name: alice doe, display_name: A, given_name: A, family_name: B}\n",
     "users[0].user_name: character ' ' is not allowed (no spaces"),
    ("    - {user_name: alice, display_name: \"A\\u0007\", given_name: A, family_name: B}\n",
     "users[0].display_name: character '\\x07' is not allowed"),
    ("    - {user_name: alice, display_name: A, family_name: B}\n",
     "users[0]: missing required field 'given_name'"),
    ("    - {user_name: " + "a" * 129 + ", display_name: A, given_name: A, family_name: B}\n",
     "users[0].user_name"),
])
def test_validate_checks_the_identity_stores_rules_offline(run_iamctl, tmp_path, entry,
                                                           message):
    result = run_iamctl("validate", users_file(tmp_path, entry))
    assert result.code == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_validate_refuses_user_names_that_differ_only_in_case(run_iamctl, tmp_path):
    path = users_file(tmp_path, ALICE, ALICE.replace("alice@", "Alice@"))
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert "identity_center.users[1]: Identity Center user Alice@example.com is already " \
           "declared at" in result.stderr


# The diff and what a plan says.


HELD = StoreUser("alice", "Alice Doe", "Alice", "Doe", "alice@old.example", "u-1")


def test_fields_are_exact_once_given_and_the_email_unmanaged_when_absent():
    wanted = StoreUser("alice", "Alice D.", "Alice", "Doe", "alice@example.com")
    (change,) = diff({"alice": wanted}, {"alice": HELD}, False)
    assert change_lines(change)[0] == (
        "~ Identity Center user alice: display_name Alice Doe -> Alice D., email "
        "alice@old.example -> alice@example.com")
    assert (change.target, change.after) == ("u-1", {"display_name": "Alice D.",
                                                     "email": "alice@example.com"})
    unmanaged_email = StoreUser("alice", "Alice Doe", "Alice", "Doe")
    assert list(diff({"alice": unmanaged_email}, {"alice": HELD}, False)) == []


def test_a_user_created_carries_its_fields():
    (change,) = diff({"bob": StoreUser("bob", "Bob", "Bob", "Roe")}, {}, False)
    assert (change.action, change.kind) == (Action.CREATE, IDENTITY_STORE_USER)
    assert change.after == {"display_name": "Bob", "given_name": "Bob", "family_name": "Roe",
                            "email": ""}


def test_prune_deletes_undeclared_users_but_never_an_idps():
    idp = StoreUser("okta-user", "O", "O", "K", user_id="u-3", external=True)
    found = {"alice": HELD, "okta-user": idp}
    assert [(c.action, c.name, c.target) for c in diff({}, found, True)] == [
        (Action.DELETE, "alice", "u-1")]
    assert list(diff({}, found, False)) == []


@pytest.mark.parametrize(("change", "impact", "reason"), [
    (Change(Action.CREATE, IDENTITY_STORE_USER, "bob"), Impact.NEUTRAL, ""),
    (Change(Action.DELETE, IDENTITY_STORE_USER, "bob", "u-2"), Impact.NARROWS, ""),
    (Change(Action.UPDATE, IDENTITY_STORE_USER_FIELDS, "bob", "u-2",
            before={"given_name": "B"}, after={"given_name": "Bob"}), Impact.NEUTRAL, ""),
    (Change(Action.UPDATE, IDENTITY_STORE_USER_FIELDS, "bob", "u-2",
            before={"email": "a@x"}, after={"email": "b@x"}), Impact.UNKNOWN,
     "email: how the user signs in"),
    (Change(Action.UPDATE, IDENTITY_STORE_USER_FIELDS, "Bob", "u-2",
            before={"user_name": "bob"}, after={"user_name": "Bob"}), Impact.UNKNOWN,
     "user_name: how the user signs in"),
])
def test_access_a_new_user_grants_nothing_its_sign_in_fields_are_not_judged(change, impact,
                                                                            reason):
    judge = access_of(change.kind)
    assert callable(judge)
    found, why = judge(change)
    assert found == impact and reason in why and bool(why) == bool(reason)


# Against moto in process.


@pytest.fixture
def store(moto_iam: Any) -> tuple[Aws, Any, str]:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    sso = boto3.client("sso-admin", region_name="us-east-1")
    store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    return aws, boto3.client("identitystore", region_name="us-east-1"), store_id


def users_of(identity: Any, store_id: str) -> dict[str, dict[str, Any]]:
    return {user["UserName"]: user
            for user in identity.list_users(IdentityStoreId=store_id)["Users"]}


def test_a_user_applies_converges_and_an_undeclared_one_is_pruned(store, tmp_path):
    aws, identity, store_id = store
    identity.create_user(IdentityStoreId=store_id, UserName="carol", DisplayName="Carol",
                         Name={"GivenName": "Carol", "FamilyName": "Poe"})
    path = users_file(tmp_path, ALICE + "      email: alice@example.com\n")
    apply(aws, path, tmp_path)
    alice = users_of(identity, store_id)["alice@example.com"]
    assert (alice["DisplayName"], alice["Name"]["GivenName"], alice["Name"]["FamilyName"],
            alice["Emails"][0]["Value"]) == ("Alice Doe", "Alice", "Doe", "alice@example.com")
    assert plan(aws, path) == []  # carol is listed, not deleted
    pruned = write_account(tmp_path, "prune: true\nidentity_center:\n  users:\n" + ALICE,
                           name="pruned.yaml")
    (deletion,) = plan(aws, pruned)
    assert change_lines(deletion)[0] == "- Identity Center user carol"
    apply(aws, pruned, tmp_path)
    assert set(users_of(identity, store_id)) == {"alice@example.com"} and plan(aws, pruned) == []


def test_the_stores_users_are_listed_once_when_groups_and_users_are_declared(store, tmp_path):
    """The users' read and the groups' (members are named by user name) both need ListUsers:
    one listing per client; the client's own writes to users have it listed again."""
    aws, _, _ = store
    groups = "  groups:\n    - {name: platform, members: [alice@example.com]}\n"
    path = users_file(tmp_path, ALICE, groups)
    apply(aws, path, tmp_path)  # alice made, then the group with her as a member
    assert plan(aws, path) == []  # the same client: alice seen
    fresh, counted = aws_counting("ListUsers")
    assert plan(fresh, path) == []
    assert counted == ["ListUsers"]


def aws_counting(*operations: str) -> tuple[Aws, list[str]]:
    """A client whose identity-store calls among `operations` are noted."""
    aws = Aws(boto3.Session(region_name="us-east-1"))
    counted: list[str] = []
    aws._client("identitystore").meta.events.register(
        "before-parameter-build.identitystore",
        lambda model, **_: counted.append(model.name) if model.name in operations else None)
    return aws, counted


def test_a_user_an_idp_provisions_cannot_be_declared(store, tmp_path):
    aws, _, _ = store
    client = aws._client("identitystore")
    listed = {"Users": [{"UserId": "u-1", "UserName": "alice@example.com",
                         "IdentityStoreId": "d-1",
                         "ExternalIds": [{"Issuer": "okta", "Id": "00u1"}]}]}
    client.meta.events.register("before-call.identitystore.ListUsers",
                                lambda **_: (_Ok(), listed))
    (config,) = load([users_file(tmp_path, ALICE)])
    with pytest.raises(IamctlError, match="user alice@example.com is provisioned by an "
                                          "external IdP"):
        plan_account(config, aws)


class _Ok:
    status_code = 200
    headers: dict[str, str] = {}


def test_the_fields_are_set_with_update_user():
    aws = Aws(boto3.Session(region_name="us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x"))
    user = "90676a2c-5081-70fa-08ad-e0e3b9c6c3a5"
    change = Change(Action.UPDATE, IDENTITY_STORE_USER_FIELDS, "alice", user,
                    before={"email": "a@old", "family_name": "D"},
                    after={"email": "a@new", "family_name": "Doe"})
    with Stubber(aws._client("sso-admin")) as sso, Stubber(aws._client("identitystore")) as ids:
        sso.add_response("list_instances", {"Instances": [{
            "InstanceArn": "arn:aws:sso:::instance/ssoins-1234567890abcdef",
            "IdentityStoreId": "d-1234567890"}]})
        # The emails are replaced whole, keyed as SCIM spells them.
        answer = {"IdentityStoreId": "d-1234567890", "UserId": user, "Revision": "2",
                  "UserArn": f"arn:aws:identitystore::123456789012:user/{user}"}
        ids.add_response("update_user", answer, {
            "IdentityStoreId": "d-1234567890", "UserId": user, "Operations": [
                {"AttributePath": "emails",
                 "AttributeValue": [{"value": "a@new", "type": "work", "primary": True}]},
                {"AttributePath": "name.familyName", "AttributeValue": "Doe"}]})
        WRITERS[(IDENTITY_STORE_USER_FIELDS, Action.UPDATE)](WriteContext(aws, None, None),
                                                             change)
        ids.assert_no_pending_responses()


def test_export_writes_the_users_and_plans_back_in_sync(store, tmp_path):
    from reconciler.engine.export import export_document, read_for_export

    aws, _, _ = store
    apply(aws, users_file(tmp_path, ALICE + "      email: alice@example.com\n"), tmp_path)
    exported = tmp_path / "exported" / "account.yaml"
    exported.parent.mkdir()
    exported.write_text(export_document(read_for_export(aws)))
    assert "  users:\n  - user_name: alice@example.com\n    display_name: Alice Doe\n" \
           "    given_name: Alice\n    family_name: Doe\n    email: alice@example.com\n" \
        in exported.read_text()
    assert plan(aws, str(exported)) == []


def test_a_user_its_membership_and_its_assignment_are_made_by_one_apply(moto_iam, tmp_path):
    """Neither the user nor the group exists when the plan is made: the membership and the
    assignment name them, and find their ids once apply has created them."""
    from tests.kinds.test_assignments import World, plan_lines
    from tests.kinds.test_assignments import plan_and_apply as apply_all

    world = World()
    prod = world.account("prod-api")
    path = write_account(tmp_path, "identity_center:\n  users:\n" + ALICE +
                         "  groups:\n    - name: platform\n      members: [alice@example.com]\n"
                         "  permission_sets:\n    - name: PlatformAdmin\n"
                         "  assignments:\n    - permission_set: PlatformAdmin\n"
                         "      users: [alice@example.com]\n      accounts: [prod-api]\n")
    lines = plan_lines(world.aws, path)
    assert "+ Identity Center user alice@example.com" in lines  # neutral: no mark
    assert f"+ permission set PlatformAdmin: assign user alice@example.com in {prod} " \
           "(prod-api) [broadens]" in lines
    apply_all(world.aws, path, tmp_path)
    alice = users_of(world.ids, world.store)["alice@example.com"]["UserId"]
    assert members(world.ids, world.store, "platform") == {"alice@example.com"}
    assert world.held() == {("USER", alice, prod)}
    assert plan_lines(world.aws, path) == []


def test_deleting_the_user_whose_session_runs_iamctl_is_self_lockout():
    from reconciler.core.access.documents import shipped
    from reconciler.core.access.lockout import mark_self_lockout
    from reconciler.core.changes import Change
    from reconciler.core.kinds.declared.identity_store_users import IDENTITY_STORE_USER
    from reconciler.core.state import Caller
    from tests.factories import state

    sso = Caller(role="AWSReservedSSO_PlatformAdmin_0123456789abcdef",
                 session="Alice@example.com")
    own, other = (Change(Action.DELETE, IDENTITY_STORE_USER, name, "u-1")
                  for name in ("alice@example.com", "bob@example.com"))
    live = state()
    marked = mark_self_lockout([own, other], live, live, sso, shipped)
    assert "the Identity Center user whose session runs iamctl" in marked[0].self_lockout
    assert marked[1].self_lockout == ""
    # A session of any other role is not an Identity Center user's.
    (plain,) = mark_self_lockout([own], live, live,
                                 Caller(role="deploy", session="alice@example.com"), shipped)
    assert plain.self_lockout == ""
