"""What every writer shares: the context, and calls that know about retries and lost answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from ...core.changes import Action, Change, ChangeKind
from ...core.errors import (
    AwsError,
    EntityAlreadyExistsError,
    IamctlError,
    MalformedPolicyDocumentError,
    NoSuchEntityError,
)
from ...core.state import PasswordPolicy
from ...delivery.credentials import SecretsSink
from ..client import Aws

# How long a trust policy refused for naming a principal IAM does not know yet is tried again:
# the Terraform provider waits two minutes for a principal created a moment before to propagate.
PRINCIPAL_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class WriteContext:
    aws: Aws
    password_policy: PasswordPolicy | None  # generated passwords must satisfy it
    sink: SecretsSink | None  # where new secrets go; None only when the plan creates none
    principal_wait: float = PRINCIPAL_WAIT_SECONDS  # see `while_principal_propagates`


Writer = Callable[[WriteContext, Change], None]

# The writer of each (kind, action), registered where it is written (`@writes`, or
# `register` for the writers made per owner in `attributes.py`).
WRITERS: dict[tuple[ChangeKind, Action], Writer] = {}


def register(kind: ChangeKind, actions: tuple[Action, ...], writer: Writer) -> Writer:
    for action in actions:
        if (kind, action) in WRITERS:
            raise ValueError(f"two writers for {kind.value} {action.value}")
        WRITERS[(kind, action)] = writer
    return writer


def writes(kind: ChangeKind, *actions: Action) -> Callable[[Writer], Writer]:
    """Registers the decorated function as the writer of `kind` for each of `actions`."""
    return lambda writer: register(kind, actions, writer)


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


_Result = TypeVar("_Result")


def while_principal_propagates(ctx: WriteContext, attempt: Callable[[], _Result]) -> _Result:
    """Runs `attempt` (a call carrying a trust policy) until IAM stops refusing a principal it
    does not know yet, for `ctx.principal_wait` seconds at most; any other error, or the same
    one once the window is over, is raised as it is."""
    deadline = time.monotonic() + ctx.principal_wait
    delay = min(1.0, ctx.principal_wait / 10)  # a second, doubling (a short window: shorter)
    while True:
        try:
            return attempt()
        except AwsError as error:
            left = deadline - time.monotonic()
            if not invalid_principal(error) or left <= 0:
                raise
        time.sleep(min(delay, left))
        delay = min(delay * 2, 10.0)


def invalid_principal(error: AwsError) -> bool:
    # AWS: "MalformedPolicyDocument: Invalid principal in policy: "AWS":"arn:aws:iam::...""
    return isinstance(error, MalformedPolicyDocumentError) and (
        "invalid principal" in error.message.lower()
    )


def listed(ctx: WriteContext, operation: str, key: str, **params: str) -> Iterator[Any]:
    """Every item of a list call about one entity (an entity that is already gone has none)."""
    # `UserName="alice"` -> "user alice"
    owner = " ".join(f"{key.removesuffix('Name').lower()} {value}" for key, value in params.items())
    with suppress(NoSuchEntityError):
        for page in ctx.aws.pages("iam", operation, f"{operation} for {owner}", **params):
            yield from page.get(key, [])


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
