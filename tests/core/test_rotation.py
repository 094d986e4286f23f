"""Stateless key rotation: the next step from the keys in the account and the date alone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from reconciler.core.changes import Action, ChangeKind
from reconciler.core.diff.diff import diff
from reconciler.core.diff.rotation import may_be_rotating, next_step
from reconciler.core.render.text import change_lines
from reconciler.core.state import AccessKey, Credentials, KeyRotation, User
from tests.factories import live_user, state

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
SCHEDULE = KeyRotation(rotate_after_days=90, overlap_days=7)


def key(key_id: str, days_old: int, active: bool = True) -> AccessKey:
    return AccessKey(key_id, active=active, created=NOW - timedelta(days=days_old))


def steps(keys: list[AccessKey]) -> list[tuple[str, str, str]]:
    step = next_step("ci-bot", keys, SCHEDULE, NOW)
    assert step is not None
    return [(c.action.value, c.kind.value, c.target) for c in step.changes]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param([key("AKIAOLD", 89)], [], id="young key: nothing"),
        pytest.param([key("AKIAOLD", 90)], [("create", "access_key", "")], id="due: create"),
        pytest.param([key("AKIAOLD", 400)], [("create", "access_key", "")], id="long overdue"),
        pytest.param([key("AKIAOLD", 96), key("AKIANEW", 6)], [], id="overlap: both active"),
        pytest.param(
            [key("AKIAOLD", 97), key("AKIANEW", 7)],
            [("update", "access_key_status", "AKIAOLD")],
            id="new key overlap old: deactivate the old",
        ),
        pytest.param(
            [key("AKIAOLD", 103, active=False), key("AKIANEW", 13)], [],
            id="old inactive: wait",
        ),
        pytest.param(
            [key("AKIAOLD", 104, active=False), key("AKIANEW", 14)],
            [("delete", "access_key", "AKIAOLD")],
            id="new key twice overlap old: delete the old",
        ),
        pytest.param(
            [key("AKIAOLD", 200), key("AKIANEW", 30)],
            [("update", "access_key_status", "AKIAOLD")],
            id="runs missed: deactivate first, never delete an active key",
        ),
        pytest.param(
            [key("AKIASTRAY", 10, active=False), key("AKIAOLD", 95)],
            [("delete", "access_key", "AKIASTRAY"), ("create", "access_key", "")],
            id="inactive newer stray: makes room",
        ),
        pytest.param(
            [key("AKIASTRAY", 10, active=False), key("AKIAOLD", 20)], [],
            id="inactive newer stray, key young: left alone",
        ),
    ],
)
def test_next_step(keys: list[AccessKey], expected: list[tuple[str, str, str]]) -> None:
    assert steps(keys) == expected


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param([], id="no key"),
        pytest.param([key("AKIAOLD", 100, active=False)], id="only an inactive key"),
        pytest.param([AccessKey("AKIAX", active=True)], id="active key without a date"),
    ],
)
def test_no_rotation_without_a_dated_active_key(keys: list[AccessKey]) -> None:
    assert next_step("ci-bot", keys, SCHEDULE, NOW) is None


def test_simulated_days_never_leave_the_user_without_an_active_key() -> None:
    """Apply every day for a year: every step comes in order, at most two keys, always one
    active key, and each old key gone two overlaps after its successor was made."""
    keys = [key("AKIA0", 0)]
    made = 0
    for day in range(1, 366):
        now = NOW + timedelta(days=day)
        step = next_step("ci-bot", keys, SCHEDULE, now)
        assert step is not None
        for change in step.changes:
            keys = simulate(change.action, change.kind, change.target, keys, now, made + 1)
            made += change.action == Action.CREATE
        assert len(keys) <= 2
        assert any(k.active for k in keys), f"day {day}: no active key"
    assert made == 4  # a new key at about 90, 180, 270 and 360 days


def simulate(
    action: Action, kind: ChangeKind, target: str, keys: list[AccessKey], now: datetime, n: int
) -> list[AccessKey]:
    if action == Action.CREATE:
        return [*keys, AccessKey(f"AKIA{n}", active=True, created=now)]
    if kind == ChangeKind.ACCESS_KEY_STATUS:
        return [AccessKey(k.id, False, k.created) if k.id == target else k for k in keys]
    return [k for k in keys if k.id != target]


def test_plan_line_says_what_is_next_and_when() -> None:
    step = next_step("ci-bot", [key("AKIAOLD", 96)], SCHEDULE, NOW)
    assert step is not None
    assert change_lines(step.changes[0])[0] == (
        "+ user ci-bot: access key (rotation: AKIAOLD is 96 days old; it is deactivated from "
        "2026-12-08, deleted from 2026-12-15)"
    )


def test_waiting_step_is_a_note() -> None:
    step = next_step("ci-bot", [key("AKIAOLD", 96), key("AKIANEW", 2)], SCHEDULE, NOW)
    assert step is not None and not step.changes
    assert step.note == (
        "user ci-bot: access key rotation: AKIAOLD is deactivated from 2026-12-06, "
        "deleted from 2026-12-13"
    )


def test_diff_rotates_instead_of_removing_the_extra_key_at_once() -> None:
    """With rotation, two active keys are an overlap, not one key too many."""
    wanted = User("ci-bot", access_keys=1, key_rotation=SCHEDULE)
    live = live_user("ci-bot")
    live = User(live.name, path="/", tags={}, credentials=Credentials(
        access_keys=(key("AKIAOLD", 96), key("AKIANEW", 2)), confirmed=True))
    result = diff(state(wanted), state(live), now=NOW)
    assert result.changes == ()
    assert result.notes and "AKIAOLD is deactivated from 2026-12-06" in result.notes[0]
    without_clock = diff(state(wanted), state(live))
    assert [(c.action, c.target) for c in without_clock.changes] == [
        (Action.DELETE, "AKIAOLD")  # without rotation, the count removes one at once
    ]


def test_users_in_the_overlap_window_are_confirmed() -> None:
    assert may_be_rotating([key("AKIANEW", 14)], SCHEDULE, NOW)
    assert not may_be_rotating([key("AKIANEW", 16)], SCHEDULE, NOW)
    assert not may_be_rotating([], SCHEDULE, NOW)
