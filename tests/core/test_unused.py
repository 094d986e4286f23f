"""Unused credentials (CIS 1.12): what is disabled, over simulated dates, from plain data."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from reconciler.core.diff.diff import diff
from reconciler.core.render.text import change_lines
from reconciler.core.state import AccessKey, Account, Credentials, KeyRotation, User
from tests.factories import ACCOUNT_ID, state

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
LIMIT = Account(ACCOUNT_ID, unused_credentials_days=45)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def live(*keys: AccessKey, password: tuple[int | None, int] | None = None) -> User:
    """`password`: (days since last use or None, days since it was set)."""
    creds = Credentials(access_keys=keys, confirmed=True, usage_confirmed=True)
    if password is not None:
        used, made = password
        creds = replace(creds, login_profile=True, password_created=ago(made),
                        password_last_used=ago(used) if used is not None else None)
    return User("bob", path="/", tags={}, credentials=creds)


def lines(wanted: User, current: User, caller: str | None = None) -> list[str]:
    result = diff(state(wanted, account=LIMIT), state(current), caller, now=NOW)
    return [change_lines(change)[0] for change in result.changes]


KEY_USED_50 = AccessKey("AKIA1", True, created=ago(300), last_used=ago(50))


@pytest.mark.parametrize(
    ("wanted", "current", "expected"),
    [
        pytest.param(User("bob"), live(AccessKey("AKIA1", True, ago(300), ago(44))), [],
                     id="key used 44 days ago: kept"),
        pytest.param(User("bob"), live(KEY_USED_50),
                     ["~ user bob: access key AKIA1: Active -> Inactive "
                      "(unused: last used 2026-10-12 (50 days ago))"],
                     id="key used 50 days ago: deactivated"),
        pytest.param(User("bob"), live(AccessKey("AKIA1", True, ago(46))),
                     ["~ user bob: access key AKIA1: Active -> Inactive "
                      "(unused: never used, created 2026-10-16 (46 days ago))"],
                     id="key never used counts from its creation"),
        pytest.param(User("bob"), live(AccessKey("AKIA1", True, ago(10))), [],
                     id="new key never used: kept"),
        pytest.param(User("bob"), live(AccessKey("AKIA1", False, ago(300))), [],
                     id="inactive key: nothing to do"),
        pytest.param(User("bob", access_keys=1), live(AccessKey("AKIA1", False, ago(300))), [],
                     id="key disabled for disuse is not replaced"),
        pytest.param(User("bob", access_keys=1), live(AccessKey("AKIA1", False, ago(3))),
                     ["+ user bob: access key"],
                     id="recently deactivated by hand: the count still applies"),
        pytest.param(User("bob"), live(password=(60, 400)),
                     ["- user bob: console password (login profile) "
                      "(unused: last used 2026-10-02 (60 days ago))"],
                     id="password unused: removed"),
        pytest.param(User("bob"), live(password=(None, 50)),
                     ["- user bob: console password (login profile) "
                      "(unused: never used, created 2026-10-12 (50 days ago))"],
                     id="password never used counts from when it was set"),
        pytest.param(User("bob"), live(password=(3, 400)), [], id="password in use: kept"),
        pytest.param(User("bob", console=True), live(password=(60, 400)), [],
                     id="console: true in the file wins"),
        pytest.param(User("bob", access_keys=1, key_rotation=KeyRotation(90, 7)),
                     live(AccessKey("AKIA1", True, ago(120), ago(60))),
                     ["~ user bob: access key AKIA1: Active -> Inactive "
                      "(unused: last used 2026-10-02 (60 days ago))"],
                     id="unused key due for rotation: disabled, not replaced"),
    ],
)
def test_unused_credentials(wanted: User, current: User, expected: list[str]) -> None:
    assert lines(wanted, current) == expected


def test_nothing_without_the_setting() -> None:
    result = diff(state(User("bob")), state(live(KEY_USED_50, password=(60, 400))), now=NOW)
    assert result.changes == ()


def test_the_identity_running_iamctl_is_never_disabled() -> None:
    assert lines(User("bob"), live(KEY_USED_50, password=(60, 400)), caller="bob") == []
