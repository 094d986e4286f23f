"""Stateless access key rotation for `diff.py`: a user's keys, the file's schedule and the time ->
the next step. Pure.

Every step follows from the keys' creation dates and status in the account, so iamctl keeps no
state and any run, from any machine, takes the same next step:
  the newest active key is older than rotate_after_days -> create a new one (delivered as usual);
  the new key is overlap_days old                       -> deactivate the old one;
  the new key is 2 x overlap_days old                   -> delete the old one.
A user never has more than two keys (AWS's limit), and only the old key is ever deactivated or
deleted, while the new one is active: the user always keeps a working key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..changes import Action, Change, ChangeKind
from ..state import AccessKey, KeyRotation

ACTIVE, INACTIVE = "Active", "Inactive"


@dataclass(frozen=True)
class RotationStep:
    changes: tuple[Change, ...] = ()
    note: str = ""  # while no step is due: the next one and when


def next_step(
    user: str, keys: Sequence[AccessKey], rotation: KeyRotation, now: datetime
) -> RotationStep | None:
    """The rotation step due now; None when rotation has nothing to go on (no dated active key,
    or an active key without a date): the file's key count decides then."""
    active = [key for key in keys if key.active and key.created is not None]
    if not active or any(key.active and key.created is None for key in keys):
        return None
    new = max(active, key=lambda key: (key.created, key.id))
    others = [key for key in keys if key is not new]
    if len(others) > 1:  # AWS allows two keys: cannot happen
        return None
    old = others[0] if others else None
    if old is None or old.created is None or old.created > _created(new):
        # No earlier key: only an inactive stray that was created later, or none at all.
        return _rotate_if_due(user, new, old, rotation, now)
    return _retire(user, old, new, rotation, now)


def may_be_rotating(keys: Sequence[AccessKey], rotation: KeyRotation, now: datetime) -> bool:
    """Whether an old key may still be waiting to be deactivated or deleted. The credential
    report can hide an inactive key (it dates only active ones), so these users are confirmed
    with exact reads even when the report shows nothing to do."""
    dated = [key.created for key in keys if key.active and key.created is not None]
    return bool(dated) and now - max(dated) <= _days(2 * rotation.overlap_days + 1)


def _rotate_if_due(
    user: str, current: AccessKey, stray: AccessKey | None, rotation: KeyRotation, now: datetime
) -> RotationStep:
    age = now - _created(current)
    if age < _days(rotation.rotate_after_days):
        return RotationStep()
    changes = []
    if stray is not None:
        changes.append(
            Change(Action.DELETE, ChangeKind.ACCESS_KEY, user, target=stray.id,
                   note="inactive, makes room for the new key")
        )
    deactivate, delete = now + _days(rotation.overlap_days), now + _days(2 * rotation.overlap_days)
    note = (
        f"rotation: {label(current)} is {age.days} days old; it is deactivated from "
        f"{_date(deactivate)}, deleted from {_date(delete)}"
    )
    changes.append(Change(Action.CREATE, ChangeKind.ACCESS_KEY, user, note=note))
    return RotationStep(tuple(changes))


def _retire(
    user: str, old: AccessKey, new: AccessKey, rotation: KeyRotation, now: datetime
) -> RotationStep:
    """Phase two and three: the old key is deactivated, then deleted, as the new one ages."""
    deactivate = _created(new) + _days(rotation.overlap_days)
    delete = _created(new) + _days(2 * rotation.overlap_days)
    since = f"new key {label(new)} is {(now - _created(new)).days} days old"
    if old.active and now >= deactivate:
        note = f"rotation: {since}; {label(old)} is deleted from {_date(delete)}"
        return RotationStep((deactivation(user, old, note),))
    if not old.active and now >= delete:
        note = f"rotation: {since}"
        return RotationStep((Change(Action.DELETE, ChangeKind.ACCESS_KEY, user, target=old.id,
                                    note=note),))
    waiting = (f"deactivated from {_date(deactivate)}, deleted from {_date(delete)}"
               if old.active else f"inactive, deleted from {_date(delete)}")
    return RotationStep(note=f"user {user}: access key rotation: {label(old)} is {waiting}")


def deactivation(user: str, key: AccessKey, note: str) -> Change:
    return Change(Action.UPDATE, ChangeKind.ACCESS_KEY_STATUS, user, target=key.id, before=ACTIVE,
                  after=INACTIVE, note=note)


def label(key: AccessKey) -> str:
    """A key by its id; the credential report has none, so a key known only from it by date."""
    if key.id:
        return key.id
    return f"the key created {_date(key.created)}" if key.created else "a key"


def _created(key: AccessKey) -> datetime:
    assert key.created is not None
    return key.created


def _days(count: int) -> timedelta:
    return timedelta(days=count)


def _date(moment: datetime) -> str:
    return moment.date().isoformat()
