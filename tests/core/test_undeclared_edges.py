"""What prune says it removes: the note under each removal is all a reviewer sees of its reach.

Written from the survivors of `make mutate`: the exact notes of a user, a group and a policy
that prune would delete, for one, many and none of each thing they take along.
"""

from __future__ import annotations

import pytest

from reconciler.core.changes import Change, ChangeKind
from reconciler.core.diff.attachments import entities_in
from reconciler.core.diff.diff import diff
from reconciler.core.state import Entity, State
from tests.factories import ACCOUNT_ID, doc, live_group, live_policy, live_user, state


def removals(live: State, caller_user: str | None = None) -> dict[str, Change]:
    result = diff(state(prune=True), live, caller_user)
    return {f"{change.kind.value} {change.name}": change for change in result.changes}


def test_a_user_removal_lists_everything_it_takes_along() -> None:
    user = live_user(
        "ann",
        console=True,
        keys=2,
        mfa=True,
        groups=frozenset({"devs", "ops"}),
        policies=frozenset({"arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        inline_policies={"a": doc(), "b": doc()},
    )
    assert removals(state(user))["user ann"].note == (
        "removes console password, 2 access keys, 1 MFA device, 2 group memberships, "
        "1 attached policy, 2 inline policies"
    )


def test_counts_of_one_and_many_are_worded_for_each() -> None:
    user = live_user(
        "bob",
        keys=1,
        policies=frozenset({"arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"}),
        inline_policies={"a": doc()},
        groups=frozenset({"devs"}),
    )
    assert removals(state(user))["user bob"].note == (
        "removes 1 access key, 1 group membership, 2 attached policies, 1 inline policy"
    )


def test_removing_a_bare_user_or_group_or_unattached_policy_has_no_note() -> None:
    found = removals(state(live_user("bare"), live_group("empty"), live_policy("unused")))
    assert [(key, change.note) for key, change in found.items()] == [
        ("user bare", ""),
        ("group empty", ""),
        ("policy unused", ""),
    ]


def test_a_group_removal_counts_its_members_and_policies() -> None:
    members = [live_user(name, groups=frozenset({"devs"})) for name in ("a", "b")]
    outsider = live_user("c", groups=frozenset({"ops"}))
    group = live_group(
        "devs",
        policies=frozenset({"arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B"}),
        inline_policies={"x": doc(), "y": doc()},
    )
    one = live_group(
        "solo", policies=frozenset({"arn:aws:iam::aws:policy/A"}), inline_policies={"x": doc()}
    )
    lone_member = live_user("d", groups=frozenset({"solo"}))
    declared = state(*members, outsider, lone_member, prune=True)
    live = state(*members, outsider, lone_member, group, one, live_group("ops"))
    result = {c.name: c.note for c in diff(declared, live).changes if c.kind == ChangeKind.GROUP}
    assert result == {
        "devs": "removes members a, b, 2 attached policies, 2 inline policies",
        "solo": "removes member d, 1 attached policy, 1 inline policy",
        "ops": "removes member c",
    }


@pytest.mark.parametrize(
    ("attached", "note"),
    [
        ((), ""),
        ((Entity("user", "a"),), "detaches it from user a"),
        ((Entity("user", "a"), Entity("group", "g")), "detaches it from user a, group g"),
    ],
)
def test_a_policy_removal_names_every_entity_that_loses_it(
    attached: tuple[Entity, ...], note: str
) -> None:
    policy = live_policy("legacy", attachment_count=len(attached), attached_to=attached)
    live = state(policy, *[live_user(e.name) for e in attached if e.kind == "user"],
                 *[live_group(e.name) for e in attached if e.kind == "group"])
    change = removals(live)["policy legacy"]
    # The ARN is what apply deletes by: the name alone does not identify a managed policy.
    assert change.target == f"arn:aws:iam::{ACCOUNT_ID}:policy/legacy"
    assert change.note == note
    assert sorted(entities_in(change.before), key=str) == sorted(attached, key=str)


def test_without_a_caller_to_keep_nothing_is_said_kept() -> None:
    result = diff(state(prune=True), state(live_user("x")), caller_user=None)
    assert result.kept == ()
    assert diff(state(prune=True), state(live_user("x")), caller_user="other").kept == ()
