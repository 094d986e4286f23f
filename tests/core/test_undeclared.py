"""What the file does not declare, with plain data: members of declared groups, what prune keeps
for the entities it leaves in place, and the entities a policy replacement or deletion names."""

from __future__ import annotations

from reconciler.core.changes import ChangeKind
from reconciler.core.diff.attachments import entities_in
from reconciler.core.diff.diff import diff
from reconciler.core.payloads import Attachments, Members
from reconciler.core.policy.documents import canonical
from reconciler.core.render.text import change_lines
from reconciler.core.state import Entity, Group, Ignore, ManagedPolicy, User
from tests.factories import (
    ACCOUNT_ID,
    ADMIN,
    doc,
    live_group,
    live_policy,
    live_role,
    live_user,
    state,
)

CUSTOMER = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
ADMINS = frozenset({"admins"})


def lines(result) -> list[str]:
    return [change_lines(change)[0] for change in result.changes]


# A declared group's members are exactly the declared users that name it.


def test_an_undeclared_member_of_a_declared_group_is_drift_and_removed_by_name():
    desired = state(User("alice", groups=ADMINS), Group("admins", policies=frozenset({ADMIN})))
    live = state(
        live_user("alice", groups=ADMINS),
        live_user("eve", groups=ADMINS),
        live_group("admins", policies=frozenset({ADMIN})),
    )
    result = diff(desired, live)
    assert lines(result) == ["- group admins: remove member eve"]
    assert result.unmanaged == {"users": ("eve",)}  # eve herself is still not managed


def test_an_ignored_member_of_a_declared_group_is_removed_too_and_the_plan_says_why():
    desired = state(Group("admins"), ignore=Ignore(users=("cdk-*",)))
    live = state(live_user("cdk-deploy", groups=ADMINS), live_group("admins"))
    assert lines(diff(desired, live)) == [
        "- group admins: remove member cdk-deploy (cdk-deploy matches ignore.users; a declared "
        "group's members are exactly the declared users that name it)"
    ]


def test_members_of_undeclared_groups_and_declared_members_are_not_group_member_changes():
    desired = state(User("alice"), Group("admins"))
    live = state(
        live_user("alice", groups=ADMINS),  # the user's own groups: a user_group change
        live_user("bob", groups=frozenset({"ops"})),
        live_group("admins"),
        live_group("ops"),
    )
    assert lines(diff(desired, live)) == ["- user alice: remove from group admins"]


def test_a_member_that_prune_deletes_needs_no_member_removal():
    desired = state(Group("admins"), prune=True)
    live = state(live_user("eve", groups=ADMINS), live_group("admins"))
    assert lines(diff(desired, live)) == ["- user eve (removes 1 group membership)"]


def test_the_caller_kept_by_prune_still_leaves_a_declared_group():
    desired = state(Group("admins"), prune=True)
    live = state(live_user("runner", groups=ADMINS), live_group("admins"))
    result = diff(desired, live, caller_user="runner")
    assert lines(result) == ["- group admins: remove member runner"]
    assert result.kept == ("user runner is not deleted: its credentials are running iamctl",)


# Prune keeps what an entity it leaves in place still uses.


def role_attached(name: str, *roles: str, **fields) -> ManagedPolicy:
    """A live policy whose exact read found it attached to these roles."""
    return live_policy(
        name, attachment_count=len(roles), attached_to=tuple(Entity("role", r) for r in roles),
        **fields,
    )


def test_prune_keeps_a_policy_attached_to_a_role_it_keeps_and_says_why():
    owned = "AWSReservedSSO_Admin_0123"
    live = state(
        role_attached("Deploy", "cdk-deploy", owned),
        live_role("cdk-deploy"),
        live_role(owned, path="/aws-reserved/sso.amazonaws.com/"),
    )
    result = diff(state(prune=True, ignore=Ignore(roles=("cdk-*",))), live)
    assert result.changes == ()
    assert result.kept == (
        "policy Deploy is not deleted: attached to role cdk-deploy (matches ignore.roles), "
        f"role {owned} (belongs to AWS)",
    )


def test_prune_deletes_an_undeclared_role_and_then_the_policy_only_it_used():
    result = diff(state(prune=True), state(role_attached("Deploy", "ci"), live_role("ci")))
    assert lines(result) == [
        "- role ci", "- policy Deploy (detaches it from role ci)",
    ]


def test_prune_keeps_policies_of_ignored_users_and_groups():
    live = state(
        live_user("cdk-bot", policies=frozenset({CUSTOMER + "Bot"})),
        live_group("cdk-g", policies=frozenset({CUSTOMER + "Shared"})),
        live_policy("Bot"),
        live_policy("Shared"),
    )
    desired = state(prune=True, ignore=Ignore(users=("cdk-*",), groups=("cdk-*",)))
    result = diff(desired, live)
    assert result.changes == ()
    assert result.kept == (
        "policy Bot is not deleted: attached to user cdk-bot (matches ignore.users)",
        "policy Shared is not deleted: attached to group cdk-g (matches ignore.groups)",
    )


def test_prune_keeps_a_group_with_an_ignored_member_and_the_policies_it_holds():
    live = state(
        live_user("CDK-Bot", groups=frozenset({"deployers"})),  # ignore globs ignore case
        live_group("deployers", policies=frozenset({CUSTOMER + "Deploy"})),
        live_policy("Deploy"),
    )
    desired = state(prune=True, ignore=Ignore(users=("cdk-*",)))
    result = diff(desired, live)
    assert result.changes == ()
    assert result.kept == (
        "group deployers is not deleted: its members include user CDK-Bot (matches "
        "ignore.users)",
        "policy Deploy is not deleted: attached to group deployers (kept for its members)",
    )


def test_prune_keeps_a_policy_the_file_attaches_or_that_is_a_permissions_boundary():
    desired = state(User("bob", policies=frozenset({CUSTOMER + "Wanted"})), prune=True)
    live = state(
        live_user("bob"), live_policy("Wanted"), live_policy("Boundary", boundary_count=2)
    )
    result = diff(desired, live)
    assert lines(result) == ["+ user bob: attach Wanted"]
    assert result.kept == (
        "policy Boundary is not deleted: it is the permissions boundary of 2 users or roles",
        "policy Wanted is not deleted: the file attaches it to user bob",
    )


def test_prune_deletes_a_policy_used_only_by_what_it_changes_and_names_every_entity():
    desired = state(User("bob"), prune=True)
    live = state(
        live_user("bob", policies=frozenset({CUSTOMER + "Old"})),
        live_user("gone", policies=frozenset({CUSTOMER + "Old"})),
        live_group("ops", policies=frozenset({CUSTOMER + "Old"})),
        live_policy("Old", attachment_count=3),
    )
    result = diff(desired, live)
    removal = next(c for c in result.changes if c.kind == ChangeKind.POLICY)
    assert change_lines(removal)[0] == (
        "- policy Old (detaches it from user bob, user gone, group ops)"
    )
    assert removal.before == Attachments(
        (Entity("user", "bob"), Entity("user", "gone"), Entity("group", "ops"))
    )
    group = next(c for c in result.changes if c.kind == ChangeKind.GROUP)
    assert change_lines(group)[0] == "- group ops (removes 1 attached policy)"


def test_a_pruned_group_records_the_members_it_removes():
    desired = state(prune=True)
    old = frozenset({"old"})
    live = state(live_user("a", groups=old), live_user("b", groups=old), live_group("old"))
    group = next(c for c in diff(desired, live).changes if c.kind == ChangeKind.GROUP)
    assert group.note == "removes members a, b"
    assert group.before == Members((Entity("user", "a"), Entity("user", "b")))


# A replaced policy goes back everywhere it was, except declared entities that no longer want it.


def test_a_replacement_names_what_it_detaches_and_re_attaches_what_the_file_does_not_manage():
    old, new = CUSTOMER + "a/Billing", CUSTOMER + "b/Billing"
    desired = state(
        ManagedPolicy("Billing", canonical("{}"), path="/b/"),
        User("bob", policies=frozenset({new})),
        User("carol"),
    )
    live = state(
        live_user("bob", policies=frozenset({old})),
        live_user("carol", policies=frozenset({old})),
        live_user("cdk-x", policies=frozenset({old})),
        live_policy("Billing", "{}", path="/a/", attachment_count=4, attached_to=(
            Entity("role", "ci-deploy"), Entity("user", "bob"), Entity("user", "carol"),
            Entity("user", "cdk-x"),
        )),
        ignore=Ignore(users=("cdk-*",)),
    )
    result = diff(desired, live)
    replacement = result.changes[0]
    assert change_lines(replacement)[0] == (
        "-/+ policy Billing (path /a/ -> /b/ cannot change in place: detach from role ci-deploy, "
        "user bob, user carol, user cdk-x; recreate; re-attach to role ci-deploy, user cdk-x)"
    )
    assert [e.name for e in entities_in(replacement.after)] == ["ci-deploy", "cdk-x"]
    assert lines(result)[1:] == [
        "+ user bob: attach Billing", "- user bob: detach Billing",
        "- user carol: detach Billing",
    ]


def test_a_new_description_re_attaches_declared_entities_that_still_want_the_same_arn():
    arn = CUSTOMER + "Billing"
    desired = state(
        ManagedPolicy("Billing", canonical("{}"), description="new"),
        Group("ops", policies=frozenset({arn})),
        Group("old"),
    )
    live = state(
        live_group("ops", policies=frozenset({arn})),
        live_group("old", policies=frozenset({arn})),
        live_policy("Billing", "{}", description="before", attachment_count=2),
    )
    result = diff(desired, live)
    assert lines(result) == [
        "-/+ policy Billing (description cannot change in place: detach from group old, group "
        "ops; recreate; re-attach to group ops)",
        "- group old: detach Billing",
    ]


def test_a_replacement_of_a_policy_attached_nowhere_says_so():
    desired = state(ManagedPolicy("Billing", canonical("{}"), description="new"))
    live = state(live_policy("Billing", "{}", description="before"))
    assert lines(diff(desired, live)) == [
        "-/+ policy Billing (description cannot change in place: delete and recreate)"
    ]


def test_a_permissions_boundary_is_not_replaced_half_way_but_left_to_a_person():
    """DeletePolicy fails while the policy is a boundary, after every detach: not planned."""
    desired = state(ManagedPolicy("Limit", doc("s3:*"), description="new"))
    live = state(live_policy("Limit", doc(), description="before", boundary_count=1,
                             attachment_count=1, attached_to=(Entity("role", "ci"),)))
    result = diff(desired, live)
    assert lines(result) == ["~ policy Limit: document (new default version)"]
    assert [(s.subject, s.name, s.message) for s in result.human_steps] == [(
        "policy_boundary", "policy Limit",
        "description cannot change while it is the permissions boundary of 1 user or role -> "
        "remove it as their boundary first, or keep its path and description in the file",
    )]
