"""Writers for users: the user, its settings, credentials and memberships, and its deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core.arns import tag_list, tag_map
from ...core.changes import Action, Change, ChangeKind
from ...core.errors import (
    AwsError,
    DeleteConflictError,
    IamctlError,
)
from ...core.payloads import UserSpec, payload_as
from ...delivery.credentials import SecretsSink, generate_password
from ..errors import was_retried
from .base import (
    WriteContext,
    call,
    create,
    leave_group,
    listed,
    remove,
    require_sink,
    writes,
)


@writes(ChangeKind.USER, Action.CREATE)
def create_user(ctx: WriteContext, change: Change) -> None:
    spec = payload_as(change.after, UserSpec)
    name, path, tags = change.name, spec.path, spec.tags
    params: dict[str, Any] = {"UserName": name, "Path": path}
    if tags:
        params["Tags"] = tag_list(tags)

    def differs() -> str | None:
        user = ctx.aws.iam("get_user", f"check user {name}", UserName=name)["User"]
        if user.get("Path", "/") != path:
            return f"user {name} already exists, with path {user.get('Path')} instead of {path}"
        if tags and tag_map(user.get("Tags", [])) != tags:
            return f"user {name} already exists, with other tags"
        return None

    create(ctx, "create_user", f"create user {name}", differs, **params)


@writes(ChangeKind.LOGIN_PROFILE, Action.CREATE)
def create_login_profile(ctx: WriteContext, change: Change) -> None:
    sink = require_sink(ctx)
    user = change.name
    password = generate_password(ctx.password_policy)
    # A retry sends the very request whose answer was lost, password included: if that attempt
    # created the login profile, the password in AWS is this one, and it is delivered.
    create(
        ctx,
        "create_login_profile",
        f"create console password for user {user}",
        lambda: None,
        retry_not_found=True,  # right after CreateUser
        UserName=user,
        Password=password,
        PasswordResetRequired=True,
    )
    try:
        sink.deliver(user, password=password)
    except IamctlError as error:
        raise undelivered(
            ctx,
            f"the new console password of user {user}",
            error,
            Undo(
                "delete_login_profile",
                {"UserName": user},
                f"deleted the console password of user {user} again, so no password exists "
                "that nobody knows",
                f"aws iam delete-login-profile --user-name {user}",
            ),
        ) from None


@writes(ChangeKind.LOGIN_PROFILE, Action.DELETE)
def delete_login_profile(ctx: WriteContext, change: Change) -> None:
    doing = f"remove console password of user {change.name}"
    remove(ctx, "delete_login_profile", doing, UserName=change.name)


@writes(ChangeKind.ACCESS_KEY, Action.CREATE)
def create_access_key(ctx: WriteContext, change: Change) -> None:
    """CreateAccessKey is not idempotent: each attempt that lands makes a key, and the secret of
    one whose answer was lost is gone for good. Not retrying it would be no better (the key may
    exist anyway, secret unknown, and the next plan would count it as wanted). So it is retried
    like every call, and when an answer may have been lost, any key that appeared besides the one
    delivered is deleted: nobody ever had its secret."""
    sink = require_sink(ctx)
    user, doing = change.name, f"create access key for user {change.name}"
    before = access_key_ids(ctx, user)
    try:
        response = call(ctx, "create_access_key", doing, UserName=user)
    except AwsError as error:
        if not error.maybe_landed:
            raise
        deleted = delete_keys_without_secret(ctx, user, keep=before)
        note = f"; deleted {', '.join(deleted)}, created by an attempt whose answer was lost"
        raise error.reworded(error.message + (note if deleted else "")) from None
    key_id = response["AccessKey"]["AccessKeyId"]
    try:
        deliver_key(ctx, sink, user, key_id, response["AccessKey"]["SecretAccessKey"])
    finally:
        # Delivered or deleted again, this key is accounted for; keys made by attempts whose
        # answer was lost are not, and go either way.
        if was_retried(response):
            delete_keys_without_secret(ctx, user, keep=before | {key_id})


def deliver_key(ctx: WriteContext, sink: SecretsSink, user: str, key_id: str, secret: str) -> None:
    try:
        sink.deliver(user, access_key_id=key_id, secret_access_key=secret)
    except IamctlError as error:
        raise undelivered(
            ctx,
            f"the new access key of user {user}",
            error,
            Undo(
                "delete_access_key",
                {"UserName": user, "AccessKeyId": key_id},
                f"deleted access key {key_id} again, so no key exists without its secret",
                f"aws iam delete-access-key --user-name {user} --access-key-id {key_id}",
            ),
        ) from None


@dataclass(frozen=True)
class Undo:
    """How to delete a credential AWS made but iamctl could not deliver, and what to say."""

    operation: str
    params: dict[str, str]
    done: str  # what the report says once it is deleted
    by_hand: str  # the command that deletes it, should the deletion fail too


def undelivered(ctx: WriteContext, what: str, cause: IamctlError, undo: Undo) -> IamctlError:
    """Deletes a credential that could not be delivered: nobody would ever have its secret.
    Returns the error for the apply report, which says whether the deletion worked."""
    try:
        remove(ctx, undo.operation, f"delete {what} again", **undo.params)
    except IamctlError as error:
        return IamctlError(
            f"could not deliver {what} ({cause}), and could not delete it either ({error}); "
            f"nobody has its secret: delete it with `{undo.by_hand}`"
        )
    return IamctlError(f"could not deliver {what} ({cause}): {undo.done}")


def access_key_ids(ctx: WriteContext, user: str) -> set[str]:
    # Two keys at most per user: one page.
    listed = call(ctx, "list_access_keys", f"list access keys of user {user}", UserName=user)
    return {key["AccessKeyId"] for key in listed.get("AccessKeyMetadata", [])}


def delete_keys_without_secret(ctx: WriteContext, user: str, keep: set[str]) -> list[str]:
    """Deletes the user's keys not in `keep`: listed just before the create, they can only be
    keys that a lost attempt made. (IAM is eventually consistent: a key that landed a moment ago
    may not be listed yet; the next plan then sees one key too many and removes the unused one.)"""
    orphans = sorted(access_key_ids(ctx, user) - keep)
    for key_id in orphans:
        remove(
            ctx,
            "delete_access_key",
            f"delete access key {key_id} of user {user} (its secret was lost)",
            UserName=user,
            AccessKeyId=key_id,
        )
    return orphans


@writes(ChangeKind.ACCESS_KEY, Action.DELETE)
def delete_access_key(ctx: WriteContext, change: Change) -> None:
    if not change.target:
        raise IamctlError(f"user {change.name}: access key to delete was not identified")
    doing = f"delete access key {change.target} of user {change.name}"
    remove(ctx, "delete_access_key", doing, UserName=change.name, AccessKeyId=change.target)


@writes(ChangeKind.USER_GROUP, Action.CREATE)
def add_user_to_group(ctx: WriteContext, change: Change) -> None:
    call(
        ctx,
        "add_user_to_group",
        f"add user {change.name} to group {change.target}",
        UserName=change.name,
        GroupName=change.target,
    )


@writes(ChangeKind.USER_GROUP, Action.DELETE)
def remove_user_from_group(ctx: WriteContext, change: Change) -> None:
    leave_group(ctx, user=change.name, group=change.target)


# What AWS makes you remove before DeleteUser, besides the login profile and MFA devices:
# (list call, its result key, the removal call, the field that names the item).
USER_BLOCKERS = (
    ("list_access_keys", "AccessKeyMetadata", "delete_access_key", "AccessKeyId"),
    ("list_signing_certificates", "Certificates", "delete_signing_certificate", "CertificateId"),
    ("list_ssh_public_keys", "SSHPublicKeys", "delete_ssh_public_key", "SSHPublicKeyId"),
    ("list_groups_for_user", "Groups", "remove_user_from_group", "GroupName"),
    ("list_attached_user_policies", "AttachedPolicies", "detach_user_policy", "PolicyArn"),
    ("list_user_policies", "PolicyNames", "delete_user_policy", "PolicyName"),
)
# Service-specific credentials (CodeCommit, Keyspaces) are rare: they are listed only when
# DeleteUser answers DeleteConflict, which saves a call per deleted user (and the local
# emulator does not implement the call at all).
RARE_USER_BLOCKERS = (
    (
        "list_service_specific_credentials",
        "ServiceSpecificCredentials",
        "delete_service_specific_credential",
        "ServiceSpecificCredentialId",
    ),
)


@writes(ChangeKind.USER, Action.DELETE)
def delete_user(ctx: WriteContext, change: Change) -> None:
    """AWS refuses to delete a user that still has anything attached: remove it all first."""
    user = change.name
    doing = f"delete user {user}"
    remove(ctx, "delete_login_profile", doing, UserName=user)
    remove_mfa_devices(ctx, user)
    remove_listed(ctx, user, USER_BLOCKERS)
    try:
        remove(ctx, "delete_user", doing, UserName=user)
    except DeleteConflictError:
        remove_listed(ctx, user, RARE_USER_BLOCKERS)
        remove(ctx, "delete_user", doing, UserName=user)


def remove_mfa_devices(ctx: WriteContext, user: str) -> None:
    for device in listed(ctx, "list_mfa_devices", "MFADevices", UserName=user):
        serial = device["SerialNumber"]
        doing = f"delete user {user}: remove MFA device {serial}"
        remove(ctx, "deactivate_mfa_device", doing, UserName=user, SerialNumber=serial)
        if ":mfa/" in serial:  # a virtual device outlives its user unless deleted
            remove(ctx, "delete_virtual_mfa_device", doing, SerialNumber=serial)


def remove_listed(
    ctx: WriteContext, user: str, blockers: tuple[tuple[str, str, str, str], ...]
) -> None:
    for list_call, result_key, removal, id_field in blockers:
        for item in listed(ctx, list_call, result_key, UserName=user):
            item_id = item if isinstance(item, str) else item[id_field]
            doing = f"delete user {user}: {removal} {item_id}"
            remove(ctx, removal, doing, UserName=user, **{id_field: item_id})
