"""What prune keeps and why, told in full; what it deletes gets nothing back. Plain data."""

from __future__ import annotations

from reconciler.core.diff.attachments import entities_in
from reconciler.core.diff.diff import diff
from reconciler.core.plan.plan import make_plan, plan_to_dict
from reconciler.core.state import Entity, Group, Ignore, ManagedPolicy, User
from tests.factories import ACCOUNT_ID, doc, live_group, live_policy, live_user, state

CUSTOMER = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
OLD = frozenset({"old"})


def test_an_ignored_user_listed_after_a_declared_one_is_kept() -> None:
    desired = state(User("alice"), prune=True, ignore=Ignore(users=("svc-*",)))
    live = state(live_user("alice"), live_user("svc-backup"))
    result = diff(desired, live)
    assert result.changes == ()


def test_a_group_kept_for_its_members_names_each_and_why() -> None:
    desired = state(User("alice"), prune=True, ignore=Ignore(users=("svc-*",)))
    live = state(live_user("alice"), live_user("runner", groups=OLD),
                 live_user("svc-backup", groups=OLD), live_group("old"))
    result = diff(desired, live, caller_user="runner")
    assert "group old is not deleted: its members include user runner (its credentials are "\
        "running iamctl), user svc-backup (matches ignore.users)" in result.kept


def test_a_policy_kept_by_prune_gives_every_reason() -> None:
    arn = CUSTOMER + "legacy"
    desired = state(User("alice", policies=frozenset({arn})),
                    Group("ops", policies=frozenset({arn})), prune=True,
                    ignore=Ignore(users=("svc-*",), groups=("keep-*",)))
    live = state(
        live_user("alice"), live_user("svc-backup"), live_group("ops"), live_group("keep-me"),
        live_policy("legacy", doc(), boundary_count=1, attachment_count=2,
                    attached_to=(Entity("group", "keep-me"), Entity("user", "svc-backup"))),
    )
    assert diff(desired, live).kept[-1] == (
        "policy legacy is not deleted: attached to group keep-me (matches ignore.groups), "
        "user svc-backup (matches ignore.users); the file attaches it to group ops, user alice; "
        "it is the permissions boundary of 1 user or role"
    )


def test_a_replaced_policy_is_not_re_attached_to_a_group_prune_deletes() -> None:
    arn = CUSTOMER + "Billing"
    desired = state(ManagedPolicy("Billing", doc("s3:*"), description="new"), prune=True)
    live = state(
        live_group("old", policies=frozenset({arn})),
        live_policy("Billing", doc(), description="before", attachment_count=2,
                    attached_to=(Entity("group", "old"), Entity("role", "ci"))),
    )
    [replacement] = [c for c in diff(desired, live).changes if c.name == "Billing"]
    assert [e.name for e in entities_in(replacement.after)] == ["ci"]


def test_with_prune_the_json_plan_lists_nothing_unmanaged() -> None:
    desired = state(prune=True)
    live = state(live_user("eve"))
    plan = make_plan(desired, live, diff(desired, live))
    assert plan_to_dict(plan)["unmanaged"] == {}
