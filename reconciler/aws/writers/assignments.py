"""Writers for IAM Identity Center account assignments (`core/kinds/declared/assignments.py`).

Creating and deleting an assignment are asynchronous: apply waits for each one's status until
it SUCCEEDED or FAILED (a failure names the set, the principal and the account). How many run
at once is apply's parallelism (`engine/apply.py`): one set's assignments run one after the
other, different sets side by side, and never more than MAX_IN_FLIGHT at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from ...core.changes import Action, Change
from ...core.errors import IamctlError
from ...core.kinds.declared.assignments import ASSIGNMENT, LABELS, NEW
from ...core.payloads import tags_of
from ..identity_center import principal_id
from .base import WriteContext, writes
from .permission_sets import set_arn, sso

# How often, and for how long, apply asks whether an assignment has been made or removed.
POLL_SECONDS = 1.0
TIMEOUT_SECONDS = 600.0

_CALLS = {  # action -> (operation, its status's key, the status call, its request id's name)
    Action.CREATE: ("create_account_assignment", "AccountAssignmentCreationStatus",
                    "describe_account_assignment_creation_status",
                    "AccountAssignmentCreationRequestId"),
    Action.DELETE: ("delete_account_assignment", "AccountAssignmentDeletionStatus",
                    "describe_account_assignment_deletion_status",
                    "AccountAssignmentDeletionRequestId"),
}


# At most this many assignments are created or deleted at once, each until it has ended: a
# bound on the asynchronous requests Identity Center holds for iamctl, beside the 20 calls a
# second the client keeps to.
MAX_IN_FLIGHT = 10
IN_FLIGHT = threading.BoundedSemaphore(MAX_IN_FLIGHT)


@writes(ASSIGNMENT, Action.CREATE, Action.DELETE)
def assignment(ctx: WriteContext, change: Change) -> None:
    found = tags_of(change.after if change.action == Action.CREATE else change.before)
    operation, key, describe, request = _CALLS[change.action]
    doing = _doing(change, found)
    with IN_FLIGHT:  # whatever --parallelism says
        status = sso(ctx, operation, doing, PermissionSetArn=set_arn(ctx, change),
                     TargetId=found["account"], TargetType="AWS_ACCOUNT",
                     PrincipalType=found["principal_type"],
                     PrincipalId=principal(ctx, found["principal_id"]))[key]
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while status.get("Status") == "IN_PROGRESS" and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            status = sso(ctx, describe, doing, **{request: status["RequestId"]})[key]
    if status.get("Status") != "SUCCEEDED":
        reason = status.get("FailureReason") or f"status {status.get('Status')}"
        raise IamctlError(f"{doing}: did not succeed: {reason}")


# What finds a principal this apply created, by its kind: the call, the attribute that names
# it, the answer's id.
_FIND = {"GROUP": ("get_group_id", "displayName", "GroupId"),
         "USER": ("get_user_id", "userName", "UserId")}


def principal(ctx: WriteContext, planned: str) -> str:
    """The principal's id; a group or user this apply created is found by its name now."""
    kind = next((kind for kind, prefix in NEW.items() if planned.startswith(prefix)), None)
    if kind is None:
        return planned
    return principal_id(ctx.aws, kind, planned.removeprefix(NEW[kind]), just_created=True)


def _doing(change: Change, found: Mapping[str, Any]) -> str:
    verb = "assign" if change.action == Action.CREATE else "unassign"
    account = found["account"] + (f" ({found['account_name']})" if found["account_name"] else "")
    return (f"permission set {change.name}: {verb} {LABELS[found['principal_type']]} "
            f"{found['principal']} in {account}")
