"""The credential lifecycle fields of a declared user (DESIGN section 11), for `desired.py`:
`access_keys` with a rotation schedule, and `deliver_to` (an age recipient). Each problem points
at the user's file, at validate time."""

from __future__ import annotations

from pyrage import x25519

from ..core.state import KeyRotation
from .validation import Declared

DEFAULT_OVERLAP_DAYS = 7


def access_keys(user: Declared) -> tuple[int | None, KeyRotation | None]:
    """The wanted number of active keys and the rotation schedule, if any."""
    value = user.data.get("access_keys")
    if value is None or isinstance(value, int):
        return value, None
    count = int(value["count"])
    if "rotate_after_days" not in value:
        if "overlap_days" in value:
            message = "overlap_days needs rotate_after_days"
            raise user.error(("access_keys", "overlap_days"), message)
        return count, None
    rotation = KeyRotation(
        rotate_after_days=int(value["rotate_after_days"]),
        overlap_days=int(value.get("overlap_days", DEFAULT_OVERLAP_DAYS)),
    )
    if count != 1:
        message = (
            f"rotation needs count: 1, got {count} (AWS allows two keys per user, and rotation "
            "needs the second for the overlap)"
        )
        raise user.error(("access_keys", "count"), message)
    if 2 * rotation.overlap_days >= rotation.rotate_after_days:
        message = (
            f"twice overlap_days ({2 * rotation.overlap_days}) must be less than "
            f"rotate_after_days ({rotation.rotate_after_days}): the old key must be gone before "
            "the new one is due"
        )
        raise user.error(("access_keys", "overlap_days"), message)
    return count, rotation


def deliver_to(user: Declared) -> str | None:
    """An age recipient, checked by the age library itself (the schema checks only its shape)."""
    value = user.data.get("deliver_to")
    if value is None:
        return None
    try:
        x25519.Recipient.from_str(value)
    except Exception:  # pyrage raises its own RecipientError, not exported in a typed way
        message = "not a valid age public key (age1..., as `age-keygen -y` prints it)"
        raise user.error(("deliver_to",), message) from None
    return str(value)
