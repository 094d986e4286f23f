"""Writers for access key status: deactivation by rotation or for disuse (never a secret)."""

from __future__ import annotations

from ...core.changes import Action, Change, ChangeKind
from ...core.errors import IamctlError
from ...core.payloads import text_of
from .base import WriteContext, call, writes


@writes(ChangeKind.ACCESS_KEY_STATUS, Action.UPDATE)
def update_access_key_status(ctx: WriteContext, change: Change) -> None:
    if not change.target:
        raise IamctlError(f"user {change.name}: access key to deactivate was not identified")
    status = text_of(change.after)
    call(
        ctx,
        "update_access_key",
        f"set access key {change.target} of user {change.name} {status}",
        UserName=change.name,
        AccessKeyId=change.target,
        Status=status,
    )
