"""diff.py with plain data: every managed attribute, in both directions, and what is left alone."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.diff import diff
from reconciler.core.payloads import UserSpec
from reconciler.core.state import (
    AccessKey,
    Account,
    Credentials,
    Group,
    Ignore,
    ManagedPolicy,
    MfaMode,
    PasswordPolicy,
    Root,
    User,
)
from tests.factories import (
    ACCOUNT_ID,
    ADMIN,
    READ_ONLY,
    doc,
    live_group,
    live_policy,
    live_user,
    state,
)


def changes_of(desired, live, **kwargs) -> list[tuple[str, str, str, str]]:
    return sorted(
        (c.action.value, c.kind.value, c.name, c.target)
        for c in diff(desired, live, **kwargs).changes
    )


def test_identical_states_have_no_changes():
    live = state(
        live_user("admin", console=True, keys=1, policies=frozenset({ADMIN})),
        live_group("admins", policies=frozenset({READ_ONLY})),
    )
    desired = state(
        User("admin", console=True, access_keys=1, policies=frozenset({ADMIN})),
        Group("admins", policies=frozenset({READ_ONLY})),
    )
    assert diff(desired, live).changes == ()


def test_new_user_gets_every_part_created():
    desired = state(
        User(
            "admin",
            console=True,
            access_keys=1,
            policies=frozenset({ADMIN}),
            groups=frozenset({"admins"}),
            inline_policies={"own": doc()},
            tags={"team": "x"},
        ),
        Group("admins"),
    )
    assert changes_of(desired, state()) == [
        ("create", "access_key", "admin", ""),
        ("create", "group", "admins", ""),
        ("create", "login_profile", "admin", ""),
        ("create", "user", "admin", ""),
        ("create", "user_group", "admin", "admins"),
        ("create", "user_inline_policy", "admin", "own"),
        ("create", "user_policy", "admin", ADMIN),
    ]
    create = next(c for c in diff(desired, state()).changes if c.kind == ChangeKind.USER)
    assert create.after == UserSpec("/", {"team": "x"})


@pytest.mark.parametrize(
    ("wanted", "current", "expected"),
    [
        # Exact permissions: extra live attachments are removed, missing ones added.
        (
            {ADMIN},
            {READ_ONLY},
            [("create", "user_policy", "u", ADMIN), ("delete", "user_policy", "u", READ_ONLY)],
        ),
        (set(), {READ_ONLY}, [("delete", "user_policy", "u", READ_ONLY)]),
        ({ADMIN}, {ADMIN}, []),
    ],
)
def test_user_policies_are_exact(wanted, current, expected):
    desired = state(User("u", policies=frozenset(wanted)))
    live = state(live_user("u", policies=frozenset(current)))
    assert changes_of(desired, live) == expected


def test_group_membership_and_group_policies_are_exact():
    desired = state(
        User("u", groups=frozenset({"a"})), Group("a"), Group("b", policies=frozenset({ADMIN}))
    )
    live = state(
        live_user("u", groups=frozenset({"b"})),
        live_group("a"),
        live_group("b", policies=frozenset({READ_ONLY})),
    )
    assert changes_of(desired, live) == [
        ("create", "group_policy", "b", ADMIN),
        ("create", "user_group", "u", "a"),
        ("delete", "group_policy", "b", READ_ONLY),
        ("delete", "user_group", "u", "b"),
    ]


def test_inline_policies_create_update_delete():
    desired = state(User("u", inline_policies={"keep": doc(), "new": doc(), "edit": doc("s3:*")}))
    live = state(live_user("u", inline_policies={"keep": doc(), "edit": doc(), "old": doc()}))
    assert changes_of(desired, live) == [
        ("create", "user_inline_policy", "u", "new"),
        ("delete", "user_inline_policy", "u", "old"),
        ("update", "user_inline_policy", "u", "edit"),
    ]


@pytest.mark.parametrize(
    ("console", "has_profile", "expected"),
    [
        (True, False, [("create", "login_profile", "u", "")]),
        (False, True, [("delete", "login_profile", "u", "")]),
        (True, True, []),
        (None, True, []),  # absent: not managed
        (None, False, []),
    ],
)
def test_console_login_profile(console, has_profile, expected):
    assert (
        changes_of(state(User("u", console=console)), state(live_user("u", console=has_profile)))
        == expected
    )


@pytest.mark.parametrize(
    ("wanted", "active", "inactive", "expected_creates", "expected_deletes"),
    [
        (1, 0, 0, 1, 0),
        (2, 0, 0, 2, 0),
        (1, 1, 0, 0, 0),
        (0, 2, 0, 0, 2),
        (1, 2, 0, 0, 1),
        (None, 2, 0, 0, 0),  # absent: not managed
        (2, 1, 1, 1, 1),  # the inactive key must go to make room (two keys per user)
        (1, 0, 2, 1, 1),
    ],
)
def test_access_key_counts(wanted, active, inactive, expected_creates, expected_deletes):
    result = diff(
        state(User("u", access_keys=wanted)),
        state(live_user("u", keys=active, inactive_keys=inactive)),
    )
    creates = [c for c in result.changes if c.action == Action.CREATE]
    deletes = [c for c in result.changes if c.action == Action.DELETE]
    assert (len(creates), len(deletes)) == (expected_creates, expected_deletes)
    assert all(c.target for c in deletes), "a key removal names the key"


def test_key_removal_prefers_unused_then_oldest():
    old_used = AccessKey(
        "AKIAOLD",
        True,
        datetime(2020, 1, 1, tzinfo=timezone.utc),
        last_used=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )
    new_unused = AccessKey("AKIANEW", True, datetime(2026, 1, 1, tzinfo=timezone.utc))
    live = state(
        User("u", path="/", tags={}, credentials=Credentials(access_keys=(old_used, new_unused)))
    )
    (change,) = diff(state(User("u", access_keys=1)), live).changes
    assert (change.target, change.note) == ("AKIANEW", "never used")
    used = AccessKey(
        "AKIANEW",
        True,
        datetime(2026, 1, 1, tzinfo=timezone.utc),
        last_used=datetime(2026, 2, 1, tzinfo=timezone.utc),
    )
    live = state(
        User("u", path="/", tags={}, credentials=Credentials(access_keys=(old_used, used)))
    )
    (change,) = diff(state(User("u", access_keys=1)), live).changes
    assert change.target == "AKIAOLD" and change.note.startswith("oldest")


@pytest.mark.parametrize(
    ("wanted", "current", "expected"),
    [
        ({"team": "a"}, {}, [("update", "user_tags", "u", "")]),
        ({}, {"team": "a"}, [("update", "user_tags", "u", "")]),
        ({"team": "a"}, {"team": "a"}, []),
        (None, {"team": "a"}, []),
    ],
)
def test_user_tags(wanted, current, expected):
    assert (
        changes_of(state(User("u", tags=wanted)), state(live_user("u", tags=current))) == expected
    )


def test_paths_of_users_and_groups():
    desired = state(User("u", path="/eng/"), Group("g", path="/eng/"), Group("h"))
    live = state(live_user("u"), live_group("g"), live_group("h", path="/x/"))
    assert changes_of(desired, live) == [
        ("update", "group_path", "g", ""),
        ("update", "user_path", "u", ""),
    ]


def test_alias_and_password_policy():
    policy = PasswordPolicy(minimum_length=14)
    desired = state(account=Account(ACCOUNT_ID, alias="acme", password_policy=policy))
    result = diff(desired, state())
    assert [(c.kind, c.before, c.after) for c in result.changes] == [
        (ChangeKind.ALIAS, None, "acme"),
        (ChangeKind.PASSWORD_POLICY, None, PasswordPolicy(minimum_length=14)),
    ]
    same = state(account=Account(ACCOUNT_ID, alias="acme", password_policy=policy))
    assert diff(desired, same).changes == ()
    unmanaged = state(account=Account(ACCOUNT_ID))
    assert diff(unmanaged, same).changes == ()


def test_customer_policy_document_tags_and_replacement():
    desired = state(
        ManagedPolicy("p", doc("s3:*"), tags={"a": "b"}),
        ManagedPolicy("q", doc(), description="new words"),
        ManagedPolicy("r", doc()),
    )
    live = state(live_policy("p"), live_policy("q", description="old"))
    result = diff(desired, live)
    assert [(c.action, c.kind, c.name) for c in result.changes] == [
        (Action.UPDATE, ChangeKind.POLICY_DOCUMENT, "p"),
        (Action.UPDATE, ChangeKind.POLICY_TAGS, "p"),
        (Action.REPLACE, ChangeKind.POLICY, "q"),
        (Action.CREATE, ChangeKind.POLICY, "r"),
    ]
    assert "cannot change in place" in result.changes[2].note


def test_without_prune_undeclared_entities_are_listed_not_removed():
    live = state(live_user("kept"), live_user("cdk-role"), live_group("old"), live_policy("legacy"))
    desired = state(ignore=Ignore(users=("cdk-*",)))
    result = diff(desired, live)
    assert result.changes == ()
    assert result.unmanaged == {"users": ("kept",), "groups": ("old",), "policies": ("legacy",)}


def test_prune_removes_undeclared_but_never_ignored_or_the_caller():
    live = state(
        live_user("gone", console=True, keys=2, mfa=True, groups=frozenset({"old"})),
        live_user("cdk-x"),
        live_user("runner"),
        live_group("old"),
        live_policy("legacy"),
    )
    desired = state(prune=True, ignore=Ignore(users=("cdk-*",)))
    result = diff(desired, live, caller_user="runner")
    assert [(c.action, c.kind, c.name) for c in result.changes] == [
        (Action.DELETE, ChangeKind.USER, "gone"),
        (Action.DELETE, ChangeKind.GROUP, "old"),
        (Action.DELETE, ChangeKind.POLICY, "legacy"),
    ]
    assert "2 access keys" in result.changes[0].note
    assert "1 MFA device" in result.changes[0].note
    assert result.kept and "runner" in result.kept[0]


@pytest.mark.parametrize(
    ("wanted", "current", "subjects"),
    [
        (
            Root(mfa=True, access_keys=False),
            Root(mfa=False, access_keys=True),
            ["root_mfa", "root_access_keys"],
        ),
        (Root(mfa=True, access_keys=False), Root(mfa=True, access_keys=False), []),
        (Root(), Root(mfa=False, access_keys=True), []),
        (None, Root(mfa=False, access_keys=True), []),
    ],
)
def test_root_human_steps(wanted, current, subjects):
    desired = state(account=Account(ACCOUNT_ID, root=wanted))
    live = state(account=Account(ACCOUNT_ID, root=current))
    assert [step.subject for step in diff(desired, live).human_steps] == subjects


@pytest.mark.parametrize(
    ("mode", "has_device", "steps"),
    [
        (MfaMode.REQUIRED, False, 1),
        (MfaMode.ENFORCED, False, 1),
        (MfaMode.REQUIRED, True, 0),
        (None, False, 0),
    ],
)
def test_user_mfa_human_step(mode, has_device, steps):
    result = diff(state(User("admin", mfa=mode)), state(live_user("admin", mfa=has_device)))
    assert len(result.human_steps) == steps
    if steps:
        assert "iamctl mfa enroll admin" in result.human_steps[0].message


def test_new_user_with_mfa_required_is_a_human_step():
    result = diff(state(User("admin", mfa=MfaMode.REQUIRED)), state())
    assert [(s.subject, s.name) for s in result.human_steps] == [("user_mfa", "admin")]


def test_changes_never_carry_secrets():
    result = diff(state(User("admin", console=True, access_keys=2)), state())
    assert all(c.after is None for c in result.changes if c.kind != ChangeKind.USER)
    assert Change(Action.CREATE, ChangeKind.ACCESS_KEY, "admin") in result.changes
