"""Writers for IAM Identity Center permission sets (`core/kinds/declared/permission_sets.py`).

A set created by this apply has no ARN in the plan: its later changes find it by name. After
the changes of a set provisioned to accounts, `ProvisionPermissionSet` sends it to all of them
and apply waits for the provisioning to end (a failure names the set).
"""

from __future__ import annotations

import json
import time
from typing import Any

from ...core.changes import Action, Change
from ...core.errors import IamctlError
from ...core.kinds.declared.permission_sets import (
    PERMISSION_SET,
    PERMISSION_SET_BOUNDARY,
    PERMISSION_SET_CUSTOMER_POLICY,
    PERMISSION_SET_INLINE_POLICY,
    PERMISSION_SET_MANAGED_POLICY,
    PERMISSION_SET_PROVISION,
    PERMISSION_SET_SETTINGS,
    PERMISSION_SET_TAGS,
)
from ...core.payloads import tags_of, text_of
from ..identity_center import instance_arn
from .base import WriteContext, writes

# How often, and for how long, apply asks whether a provisioning has ended.
POLL_SECONDS = 1.0
PROVISION_TIMEOUT_SECONDS = 600.0


def sso(ctx: WriteContext, operation: str, doing: str, **params: Any) -> dict[str, Any]:
    return ctx.aws.call("sso-admin", operation, doing, retry_not_found=True,
                        InstanceArn=instance_arn(ctx.aws), **params)


def set_arn(ctx: WriteContext, change: Change) -> str:
    """The set's ARN: the plan's, or found by name for a set this apply created."""
    if change.target:
        return change.target
    instance = instance_arn(ctx.aws)
    for page in ctx.aws.pages("sso-admin", "list_permission_sets", "list permission sets",
                              InstanceArn=instance):
        for arn in page.get("PermissionSets", []):
            described = sso(ctx, "describe_permission_set", f"read permission set {arn}",
                            PermissionSetArn=arn)["PermissionSet"]
            if described["Name"] == change.name:
                return str(arn)
    raise IamctlError(f"permission set {change.name}: not found after its creation")


@writes(PERMISSION_SET, Action.CREATE)
def create_permission_set(ctx: WriteContext, change: Change) -> None:
    settings = tags_of(change.after)
    sso(ctx, "create_permission_set", f"create permission set {change.name}",
        Name=change.name, **_settings(settings))


@writes(PERMISSION_SET, Action.DELETE)
def delete_permission_set(ctx: WriteContext, change: Change) -> None:
    sso(ctx, "delete_permission_set", f"delete permission set {change.name}",
        PermissionSetArn=set_arn(ctx, change))


@writes(PERMISSION_SET_SETTINGS, Action.UPDATE)
def update_settings(ctx: WriteContext, change: Change) -> None:
    # UpdatePermissionSet resets what it is not sent: the three settings always go together.
    sso(ctx, "update_permission_set", f"update permission set {change.name}",
        PermissionSetArn=set_arn(ctx, change), **_settings(tags_of(change.after)))


def _settings(settings: Any) -> dict[str, str]:
    found = {"Description": settings["description"], "RelayState": settings["relay_state"],
             "SessionDuration": settings["session_duration"]}
    return {key: value for key, value in found.items() if value}  # AWS refuses empty strings


@writes(PERMISSION_SET_MANAGED_POLICY, Action.CREATE, Action.DELETE)
def managed_policy(ctx: WriteContext, change: Change) -> None:
    arn = text_of(change.after if change.action == Action.CREATE else change.before)
    attach = change.action == Action.CREATE
    operation = "attach_managed_policy_to_permission_set" if attach \
        else "detach_managed_policy_from_permission_set"
    sso(ctx, operation, f"{'attach' if attach else 'detach'} {arn} on permission set "
        f"{change.name}", PermissionSetArn=set_arn(ctx, change), ManagedPolicyArn=arn)


@writes(PERMISSION_SET_CUSTOMER_POLICY, Action.CREATE, Action.DELETE)
def customer_policy(ctx: WriteContext, change: Change) -> None:
    attach = change.action == Action.CREATE
    reference = _reference(text_of(change.after if attach else change.before))
    operation = "attach_customer_managed_policy_reference_to_permission_set" if attach \
        else "detach_customer_managed_policy_reference_from_permission_set"
    sso(ctx, operation, f"{'attach' if attach else 'detach'} customer managed policy "
        f"{reference['Name']} on permission set {change.name}",
        PermissionSetArn=set_arn(ctx, change), CustomerManagedPolicyReference=reference)


def _reference(path_and_name: str) -> dict[str, str]:
    path, name = path_and_name.rsplit("/", 1)
    return {"Name": name, "Path": path + "/"}


@writes(PERMISSION_SET_INLINE_POLICY, Action.CREATE, Action.UPDATE, Action.DELETE)
def inline_policy(ctx: WriteContext, change: Change) -> None:
    arn = set_arn(ctx, change)
    if change.action == Action.DELETE:
        sso(ctx, "delete_inline_policy_from_permission_set",
            f"delete the inline policy of permission set {change.name}", PermissionSetArn=arn)
        return
    sso(ctx, "put_inline_policy_to_permission_set",
        f"put the inline policy of permission set {change.name}", PermissionSetArn=arn,
        InlinePolicy=text_of(change.after))


@writes(PERMISSION_SET_BOUNDARY, Action.CREATE, Action.UPDATE, Action.DELETE)
def boundary(ctx: WriteContext, change: Change) -> None:
    arn = set_arn(ctx, change)
    if change.action == Action.DELETE:
        sso(ctx, "delete_permissions_boundary_from_permission_set",
            f"delete the permissions boundary of permission set {change.name}",
            PermissionSetArn=arn)
        return
    wanted = text_of(change.after)
    given = {"ManagedPolicyArn": wanted} if wanted.startswith("arn:") \
        else {"CustomerManagedPolicyReference": _reference(wanted)}
    sso(ctx, "put_permissions_boundary_to_permission_set",
        f"put the permissions boundary of permission set {change.name}", PermissionSetArn=arn,
        PermissionsBoundary=given)


@writes(PERMISSION_SET_TAGS, Action.UPDATE)
def tags(ctx: WriteContext, change: Change) -> None:
    arn = set_arn(ctx, change)
    before, after = tags_of(change.before), tags_of(change.after)
    gone = sorted(key for key in before if key not in after)
    if gone:
        sso(ctx, "untag_resource", f"untag permission set {change.name}", ResourceArn=arn,
            TagKeys=gone)
    changed = [{"Key": key, "Value": value} for key, value in sorted(after.items())
               if before.get(key) != value]
    if changed:
        sso(ctx, "tag_resource", f"tag permission set {change.name}", ResourceArn=arn,
            Tags=changed)


@writes(PERMISSION_SET_PROVISION, Action.UPDATE)
def provision(ctx: WriteContext, change: Change) -> None:
    doing = f"provision permission set {change.name} to its accounts"
    status = sso(ctx, "provision_permission_set", doing, PermissionSetArn=set_arn(ctx, change),
                 TargetType="ALL_PROVISIONED_ACCOUNTS")["PermissionSetProvisioningStatus"]
    deadline = time.monotonic() + PROVISION_TIMEOUT_SECONDS
    while status.get("Status") == "IN_PROGRESS" and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        status = sso(ctx, "describe_permission_set_provisioning_status", doing,
                     ProvisionPermissionSetRequestId=status["RequestId"],
                     )["PermissionSetProvisioningStatus"]
    if status.get("Status") != "SUCCEEDED":
        reason = status.get("FailureReason") or json.dumps(status.get("Status"))
        raise IamctlError(f"permission set {change.name}: provisioning did not succeed: {reason}")
