"""Unused credentials (CIS 1.12) for `diff.py`: a declared user's access keys and console
password not used for `account.unused_credentials.disable_after_days`. Pure.

A key is deactivated, not deleted: it stays as the record of what was disabled, and counts
toward the file's `access_keys` so that iamctl does not create a replacement nobody would use
(delete the inactive key to get a new one). A console password is removed, unless the file asks
for it (`console: true`): the file wins there, and `findings.py` warns instead. A credential
never used counts from its creation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..changes import Action, Change, ChangeKind
from ..state import AccessKey, Credentials, User, credentials_of
from .rotation import deactivation


def unused_changes(wanted: User, current: User | None, days: int, now: datetime) -> list[Change]:
    """Deactivations of unused active keys, and the removal of an unused console password."""
    if current is None:
        return []
    creds = credentials_of(current)
    changes = [
        deactivation(wanted.name, key, f"unused: {key_use(key, now)}")
        for key in creds.active_keys
        if is_unused(key, days, now)
    ]
    if wanted.console is None and password_unused(creds, days, now):
        note = f"unused: {password_use(creds, now)}"
        changes.append(Change(Action.DELETE, ChangeKind.LOGIN_PROFILE, wanted.name, note=note))
    return changes


def is_unused(key: AccessKey, days: int, now: datetime) -> bool:
    since = key.last_used or key.created
    return since is not None and now - since >= timedelta(days=days)


def password_unused(creds: Credentials, days: int, now: datetime) -> bool:
    since = creds.password_last_used or creds.password_created
    return creds.login_profile and since is not None and now - since >= timedelta(days=days)


def key_use(key: AccessKey, now: datetime) -> str:
    return _use(key.last_used, key.created, now)


def password_use(creds: Credentials, now: datetime) -> str:
    return _use(creds.password_last_used, creds.password_created, now)


def _use(last_used: datetime | None, created: datetime | None, now: datetime) -> str:
    if last_used is not None:
        return f"last used {last_used.date().isoformat()} ({(now - last_used).days} days ago)"
    if created is not None:
        return f"never used, created {created.date().isoformat()} ({(now - created).days} days ago)"
    return "never used"
