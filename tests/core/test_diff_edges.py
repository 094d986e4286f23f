"""Each change carries exactly what the plan shows and apply needs: before, after, target, note.

Written from the survivors of `make mutate`. A saved plan is applied from these fields alone, and
the plan text shows them, so each is stated exactly here, one managed attribute at a time.
"""

from __future__ import annotations

from datetime import datetime, timezone

from reconciler.core.changes import Action, Change
from reconciler.core.changes import ChangeKind as K
from reconciler.core.diff.diff import diff
from reconciler.core.payloads import PathSpec, PolicySpec, ReplacedPolicy, UserSpec
from reconciler.core.state import (
    AccessKey,
    Account,
    Credentials,
    Group,
    ManagedPolicy,
    PasswordPolicy,
    User,
)
from tests.factories import ACCOUNT_ID, doc, live_group, live_policy, live_user, state

READ, WRITE = doc("s3:GetObject"), doc("s3:PutObject")
# Changes carry the text apply sends; documents compare by meaning, their text as written.
READ_TEXT, WRITE_TEXT = READ.text, WRITE.text
ARN = f"arn:aws:iam::{ACCOUNT_ID}:policy/p"


def changes(desired: object, live: object) -> list[Change]:
    return list(diff(desired, live).changes)  # type: ignore[arg-type]


def test_a_new_group_is_created_with_its_path_and_everything_in_it() -> None:
    wanted = Group("g", path="/team/", policies=frozenset({ARN}), inline_policies={"i": READ})
    assert changes(state(wanted), state()) == [
        Change(Action.CREATE, K.GROUP, "g", after=PathSpec("/team/")),
        Change(Action.CREATE, K.GROUP_POLICY, "g", target=ARN),
        Change(Action.CREATE, K.GROUP_INLINE_POLICY, "g", target="i", after=READ_TEXT),
    ]
    assert changes(state(Group("h")), state()) == [
        Change(Action.CREATE, K.GROUP, "h", after=PathSpec("/"))
    ]


def test_a_moved_group_or_user_shows_both_paths() -> None:
    desired = state(Group("g", path="/new/"), User("u", path="/new/"))
    live = state(live_group("g", path="/old/"), live_user("u", path="/old/"))
    assert changes(desired, live) == [
        Change(Action.UPDATE, K.GROUP_PATH, "g", before="/old/", after="/new/"),
        Change(Action.UPDATE, K.USER_PATH, "u", before="/old/", after="/new/"),
    ]


def test_a_new_user_is_created_with_its_path_and_tags_and_not_changed_after() -> None:
    wanted = User("u", path="/people/", tags={"team": "a"})
    assert changes(state(wanted), state()) == [
        Change(Action.CREATE, K.USER, "u", after=UserSpec("/people/", {"team": "a"}))
    ]


def test_tag_changes_show_the_tags_before_and_after() -> None:
    desired = state(User("u", tags={"team": "b"}))
    live = state(live_user("u", tags={"team": "a", "cost": "1"}))
    assert changes(desired, live) == [
        Change(
            Action.UPDATE,
            K.USER_TAGS,
            "u",
            before={"team": "a", "cost": "1"},
            after={"team": "b"},
        )
    ]


def test_inline_policies_carry_their_documents() -> None:
    desired = state(Group("g", inline_policies={"new": READ, "same": READ, "edit": WRITE}))
    live = state(live_group("g", inline_policies={"same": READ, "edit": READ, "old": WRITE}))
    assert changes(desired, live) == [
        Change(
            Action.UPDATE, K.GROUP_INLINE_POLICY, "g", target="edit", before=READ_TEXT,
            after=WRITE_TEXT,
        ),
        Change(Action.CREATE, K.GROUP_INLINE_POLICY, "g", target="new", after=READ_TEXT),
        Change(Action.DELETE, K.GROUP_INLINE_POLICY, "g", target="old", before=WRITE_TEXT),
    ]


def test_a_new_policy_carries_what_apply_creates_it_with() -> None:
    wanted = ManagedPolicy("p", READ, path="/x/", description="d", tags={"a": "1"})
    bare = ManagedPolicy("q", WRITE)
    assert changes(state(wanted, bare), state()) == [
        Change(
            Action.CREATE,
            K.POLICY,
            "p",
            after=PolicySpec("/x/", "d", READ_TEXT, {"a": "1"}, ""),
        ),
        Change(
            Action.CREATE,
            K.POLICY,
            "q",
            after=PolicySpec("/", "", WRITE_TEXT, {}, ""),
        ),
    ]


def test_a_policy_document_and_tags_change_in_place_by_arn() -> None:
    wanted = ManagedPolicy("p", WRITE, tags={"a": "2"})
    current = live_policy("p", READ, tags={"a": "1"})
    assert changes(state(wanted), state(current)) == [
        Change(
            Action.UPDATE, K.POLICY_DOCUMENT, "p", target=ARN, before=READ_TEXT, after=WRITE_TEXT
        ),
        Change(Action.UPDATE, K.POLICY_TAGS, "p", target=ARN, before={"a": "1"}, after={"a": "2"}),
    ]


def test_a_policy_is_replaced_only_when_path_or_description_differ() -> None:
    current = live_policy("p", READ, path="/a/", description="")
    same_path = ManagedPolicy("p", WRITE, path="/a/", description="")
    assert [c.kind for c in changes(state(same_path), state(current))] == [K.POLICY_DOCUMENT]
    no_description_live = ManagedPolicy("p", READ, path="/", arn=ARN)
    empty = ManagedPolicy("p", READ, description="")
    assert changes(state(empty), state(no_description_live)) == []


def test_a_replacement_says_why_and_carries_both_policies() -> None:
    wanted = ManagedPolicy("p", READ, path="/b/", description="new")
    current = live_policy("p", READ, path="/a/", description="old")
    [change] = changes(state(wanted), state(current))
    assert change == Change(
        Action.REPLACE,
        K.POLICY,
        "p",
        before=ReplacedPolicy(PolicySpec("/a/", "old", READ_TEXT, {}, current.arn), ()),
        after=ReplacedPolicy(PolicySpec("/b/", "new", READ_TEXT, {}, ""), ()),
        note="path /a/ -> /b/ and description cannot change in place: delete and recreate",
    )
    only_description = ManagedPolicy("p", READ, description="new")
    assert changes(state(only_description), state(current))[0].note == (
        "description cannot change in place: delete and recreate"
    )


def test_account_settings_show_what_they_replace() -> None:
    wanted = PasswordPolicy(minimum_length=14)
    current = PasswordPolicy(minimum_length=8)
    desired = state(account=Account(ACCOUNT_ID, alias="new", password_policy=wanted))
    live = state(account=Account(ACCOUNT_ID, alias="old", password_policy=current))
    assert changes(desired, live) == [
        Change(Action.UPDATE, K.ALIAS, ACCOUNT_ID, before="old", after="new"),
        Change(
            Action.UPDATE,
            K.PASSWORD_POLICY,
            ACCOUNT_ID,
            before=current,
            after=wanted,
        ),
    ]
    first = changes(desired, state(account=Account(ACCOUNT_ID)))
    assert [(c.before, c.after) for c in first] == [(None, "new"), (None, wanted)]


def user_with_keys(*keys: AccessKey) -> User:
    return User("u", credentials=Credentials(access_keys=keys, confirmed=True))


JAN, FEB = (datetime(2025, month, 1, tzinfo=timezone.utc) for month in (1, 2))


def test_an_inactive_key_is_kept_when_there_is_room_for_the_new_one() -> None:
    live = state(user_with_keys(AccessKey("AKIAOLD", active=False, created=JAN)))
    assert changes(state(User("u", access_keys=1)), live) == [
        Change(Action.CREATE, K.ACCESS_KEY, "u")
    ]


def test_key_removals_name_the_user_the_key_and_why() -> None:
    inactive = AccessKey("AKIAOLD", active=False, created=JAN)
    live = state(user_with_keys(inactive, AccessKey("AKIAA", active=True, created=JAN)))
    assert changes(state(User("u", access_keys=2)), live) == [
        Change(
            Action.DELETE,
            K.ACCESS_KEY,
            "u",
            target="AKIAOLD",
            note="inactive, makes room for a new key",
        ),
        Change(Action.CREATE, K.ACCESS_KEY, "u"),
    ]
    used = state(
        user_with_keys(
            AccessKey("AKIAB", active=True, created=FEB, last_used=FEB),
            AccessKey("AKIAA", active=True, created=None, last_used=FEB),
        )
    )
    assert changes(state(User("u", access_keys=0)), used) == [
        Change(
            Action.DELETE, K.ACCESS_KEY, "u", target="AKIAA", note="oldest, created unknown date"
        ),
        Change(Action.DELETE, K.ACCESS_KEY, "u", target="AKIAB", note="oldest, created 2025-02-01"),
    ]


def test_the_oldest_used_key_goes_first_whatever_its_id() -> None:
    keys = state(
        user_with_keys(
            AccessKey("AKIAA", active=True, created=FEB, last_used=FEB),
            AccessKey("AKIAB", active=True, created=JAN, last_used=FEB),
        )
    )
    assert changes(state(User("u", access_keys=1)), keys) == [
        Change(Action.DELETE, K.ACCESS_KEY, "u", target="AKIAB", note="oldest, created 2025-01-01")
    ]
