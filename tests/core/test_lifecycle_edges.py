"""Credential lifecycle at its edges, from plain data: rotation and unused credentials name the
right user, never lose another change planned for the same user, and say nothing when nothing
is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from reconciler.core.diff.diff import diff
from reconciler.core.render.text import change_lines
from reconciler.core.state import AccessKey, Account, Credentials, KeyRotation, User
from tests.factories import ACCOUNT_ID, state

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
ROTATION = KeyRotation(rotate_after_days=90, overlap_days=7)
LIMIT = Account(ACCOUNT_ID, unused_credentials_days=45)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def live(name: str, *keys: AccessKey, **credentials: Any) -> User:
    creds = Credentials(access_keys=keys, confirmed=True, usage_confirmed=True)
    return User(name, path="/", tags={}, credentials=replace(creds, **credentials))


def plan_lines(wanted: User, current: User, account: Account | None = None) -> list[str]:
    result = diff(state(wanted, account=account or Account(ACCOUNT_ID)), state(current), now=NOW)
    return [change_lines(change)[0] for change in result.changes]


def test_a_due_rotation_creates_the_new_key_for_that_user() -> None:
    wanted = User("ci-bot", access_keys=1, key_rotation=ROTATION)
    current = live("ci-bot", AccessKey("AKIAOLD", True, ago(91), ago(1)))
    result = diff(state(wanted), state(current), now=NOW)
    [change] = result.changes
    assert (change.action.value, change.kind.value, change.name) == ("create", "access_key",
                                                                       "ci-bot")


def test_a_rotation_waiting_for_its_next_step_is_a_note_naming_the_user() -> None:
    wanted = User("ci-bot", access_keys=1, key_rotation=ROTATION)
    current = live("ci-bot", AccessKey("AKIAOLD", True, ago(95), ago(1)),
                   AccessKey("AKIANEW", True, ago(3), ago(1)))
    result = diff(state(wanted), state(current), now=NOW)
    assert result.changes == ()
    assert len(result.notes) == 1 and result.notes[0].startswith("user ci-bot: ")


def test_a_rotation_with_nothing_due_says_nothing() -> None:
    wanted = User("ci-bot", access_keys=1, key_rotation=ROTATION)
    current = live("ci-bot", AccessKey("AKIAONE", True, ago(10), ago(1)))
    result = diff(state(wanted), state(current), now=NOW)
    assert result.changes == () and result.notes == ()


def test_an_unused_password_is_removed_beside_other_changes_of_the_user() -> None:
    wanted = User("bob", tags={"team": "a"})
    current = live("bob", login_profile=True, password_created=ago(300),
                   password_last_used=ago(100))
    lines = plan_lines(wanted, current, LIMIT)
    assert "~ user bob: tags: (none) -> {\"team\": \"a\"}" in lines
    assert any(line.startswith("- user bob: console password") for line in lines)


def test_a_password_the_file_removes_is_removed_once_even_when_unused() -> None:
    wanted = User("bob", console=False)
    current = live("bob", login_profile=True, password_created=ago(300),
                   password_last_used=ago(100))
    lines = plan_lines(wanted, current, LIMIT)
    assert [line for line in lines if "console password" in line] == [
        "- user bob: console password (login profile)"
    ]


def test_a_key_the_file_removes_is_not_also_deactivated_for_disuse() -> None:
    wanted = User("bob", access_keys=0)
    current = live("bob", AccessKey("AKIA1", True, ago(300), ago(100)))
    result = diff(state(wanted, account=LIMIT), state(current), now=NOW)
    assert [(c.action.value, c.kind.value, c.target) for c in result.changes] == [
        ("delete", "access_key", "AKIA1")
    ]


def test_an_unused_key_and_an_unused_password_are_both_disabled() -> None:
    wanted = User("bob")
    current = live("bob", AccessKey("AKIA1", True, ago(300), ago(100)), login_profile=True,
                   password_created=ago(300), password_last_used=ago(100))
    kinds = sorted(c.kind.value for c in diff(state(wanted, account=LIMIT), state(current),
                                               now=NOW).changes)
    assert kinds == ["access_key_status", "login_profile"]


def test_an_inactive_newer_key_does_not_stop_a_due_rotation() -> None:
    # The newest ACTIVE key decides whether rotation is due; an inactive stray, even unused and
    # newer, is only removed to make room.
    wanted = User("ci-bot", access_keys=1, key_rotation=ROTATION)
    current = live("ci-bot", AccessKey("AKIAOLD", True, ago(91), ago(1)),
                   AccessKey("AKIASTRAY", False, ago(60)))
    result = diff(state(wanted, account=LIMIT), state(current), now=NOW)
    assert [(c.action.value, c.kind.value, c.target) for c in result.changes] == [
        ("delete", "access_key", "AKIASTRAY"), ("create", "access_key", "")
    ]
