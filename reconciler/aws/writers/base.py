"""What every writer shares: the context, and calls that know about retries and lost answers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from ...core.errors import (
    EntityAlreadyExistsError,
    IamctlError,
    NoSuchEntityError,
)
from ...core.model import Change, PasswordPolicy
from ...delivery.credentials import SecretsSink
from ..client import Aws


@dataclass(frozen=True)
class WriteContext:
    aws: Aws
    password_policy: PasswordPolicy | None  # generated passwords must satisfy it
    sink: SecretsSink | None  # where new secrets go; None only when the plan creates none


Writer = Callable[[WriteContext, Change], None]


def call(ctx: WriteContext, operation: str, doing: str, **params: Any) -> dict[str, Any]:
    # Right after CreateUser/CreateGroup/CreatePolicy, IAM may briefly answer NoSuchEntity.
    return ctx.aws.iam(operation, doing, retry_not_found=True, **params)


def remove(ctx: WriteContext, operation: str, doing: str, **params: Any) -> None:
    """A removal: if the thing is already gone, the wanted state is reached."""
    with suppress(NoSuchEntityError):
        ctx.aws.iam(operation, doing, **params)


# A create whose answer was lost (a 5xx or a dropped connection after IAM had acted) is retried
# by botocore, and the retry answers EntityAlreadyExists. That answer, to a retry, is taken as
# success once `differs` finds the entity is what was asked for; the same answer to a first
# attempt means someone else took the name since the plan was made, and stays an error.
# AddUserToGroup, Attach*Policy and Put*Policy need none of this: AWS accepts them twice.
Differs = Callable[[], str | None]


def create(
    ctx: WriteContext,
    operation: str,
    doing: str,
    differs: Differs,
    retry_not_found: bool = False,
    **params: Any,
) -> dict[str, Any] | None:
    """A create call; None when a lost earlier attempt is found to have created it already."""
    try:
        return ctx.aws.iam(operation, doing, retry_not_found=retry_not_found, **params)
    except EntityAlreadyExistsError as error:
        if not error.maybe_landed:
            raise
        difference = differs()
        if difference:
            raise error.reworded(f"{difference} (run plan to see it)") from None
        return None


def require_sink(ctx: WriteContext) -> SecretsSink:
    if ctx.sink is None:
        raise IamctlError("a new secret needs --secrets-dir")
    return ctx.sink


def leave_group(ctx: WriteContext, user: str, group: str) -> None:
    """A user leaves a group, whichever side the plan named the change on (the user's groups, or
    the members of a declared group); already out of it counts as done."""
    remove(
        ctx,
        "remove_user_from_group",
        f"remove user {user} from group {group}",
        UserName=user,
        GroupName=group,
    )
