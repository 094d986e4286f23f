"""One function per (kind, action): the IAM writes that carry out a single `Change`.

`apply.py` decides when each runs; these functions only know how. Removals treat "already gone"
(NoSuchEntity) as done, so a second apply after a partial failure converges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from . import policydoc
from .aws import Aws, was_retried
from .credentials import SecretsSink, generate_password
from .errors import AwsError, IamctlError
from .model import Action, Change, Kind, PasswordPolicy
from .render import short_policy


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
    try:
        ctx.aws.iam(operation, doing, **params)
    except AwsError as error:
        if error.code != "NoSuchEntity":
            raise


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
    except AwsError as error:
        if error.code != "EntityAlreadyExists" or not error.maybe_landed:
            raise
        difference = differs()
        if difference:
            raise AwsError(
                doing, error.operation, error.code, f"{difference} (run plan to see it)"
            ) from None
        return None


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def tag_map(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags}


# Users.


def create_user(ctx: WriteContext, change: Change) -> None:
    name, path, tags = change.name, change.after["path"], change.after["tags"]
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


def update_user_path(ctx: WriteContext, change: Change) -> None:
    call(ctx, "update_user", f"move user {change.name}", UserName=change.name, NewPath=change.after)


def update_user_tags(ctx: WriteContext, change: Change) -> None:
    doing = f"tag user {change.name}"
    stale = sorted(set(change.before) - set(change.after))
    if stale:
        call(ctx, "untag_user", doing, UserName=change.name, TagKeys=stale)
    changed = {k: v for k, v in change.after.items() if change.before.get(k) != v}
    if changed:
        call(ctx, "tag_user", doing, UserName=change.name, Tags=tag_list(changed))


def create_login_profile(ctx: WriteContext, change: Change) -> None:
    sink = require_sink(ctx)
    password = generate_password(ctx.password_policy)
    # A retry sends the very request whose answer was lost, password included: if that attempt
    # created the login profile, the password in AWS is this one, and it is delivered.
    create(
        ctx,
        "create_login_profile",
        f"create console password for user {change.name}",
        lambda: None,
        retry_not_found=True,  # right after CreateUser
        UserName=change.name,
        Password=password,
        PasswordResetRequired=True,
    )
    sink.deliver(change.name, password=password)


def delete_login_profile(ctx: WriteContext, change: Change) -> None:
    doing = f"remove console password of user {change.name}"
    remove(ctx, "delete_login_profile", doing, UserName=change.name)


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
        raise AwsError(
            doing, error.operation, error.code, error.message + (note if deleted else "")
        ) from None
    key = response["AccessKey"]
    sink.deliver(user, access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])
    if was_retried(response):
        delete_keys_without_secret(ctx, user, keep=before | {key["AccessKeyId"]})


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


def delete_access_key(ctx: WriteContext, change: Change) -> None:
    if not change.target:
        raise IamctlError(f"user {change.name}: access key to delete was not identified")
    doing = f"delete access key {change.target} of user {change.name}"
    remove(ctx, "delete_access_key", doing, UserName=change.name, AccessKeyId=change.target)


def require_sink(ctx: WriteContext) -> SecretsSink:
    if ctx.sink is None:
        raise IamctlError("a new secret needs --secrets-dir")
    return ctx.sink


def add_user_to_group(ctx: WriteContext, change: Change) -> None:
    call(
        ctx,
        "add_user_to_group",
        f"add user {change.name} to group {change.target}",
        UserName=change.name,
        GroupName=change.target,
    )


def remove_user_from_group(ctx: WriteContext, change: Change) -> None:
    remove(
        ctx,
        "remove_user_from_group",
        f"remove user {change.name} from group {change.target}",
        UserName=change.name,
        GroupName=change.target,
    )


def attach_user_policy(ctx: WriteContext, change: Change) -> None:
    call(
        ctx,
        "attach_user_policy",
        f"attach {short_policy(change.target)} to user {change.name}",
        UserName=change.name,
        PolicyArn=change.target,
    )


def detach_user_policy(ctx: WriteContext, change: Change) -> None:
    remove(
        ctx,
        "detach_user_policy",
        f"detach {short_policy(change.target)} from user {change.name}",
        UserName=change.name,
        PolicyArn=change.target,
    )


def put_user_policy(ctx: WriteContext, change: Change) -> None:
    call(
        ctx,
        "put_user_policy",
        f"put inline policy {change.target} on user {change.name}",
        UserName=change.name,
        PolicyName=change.target,
        PolicyDocument=change.after,
    )


def delete_user_policy(ctx: WriteContext, change: Change) -> None:
    remove(
        ctx,
        "delete_user_policy",
        f"delete inline policy {change.target} of user {change.name}",
        UserName=change.name,
        PolicyName=change.target,
    )


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


def delete_user(ctx: WriteContext, change: Change) -> None:
    """AWS refuses to delete a user that still has anything attached: remove it all first."""
    user = change.name
    doing = f"delete user {user}"
    remove(ctx, "delete_login_profile", doing, UserName=user)
    remove_mfa_devices(ctx, user)
    remove_listed(ctx, user, USER_BLOCKERS)
    try:
        remove(ctx, "delete_user", doing, UserName=user)
    except AwsError as error:
        if error.code != "DeleteConflict":
            raise
        remove_listed(ctx, user, RARE_USER_BLOCKERS)
        remove(ctx, "delete_user", doing, UserName=user)


def remove_mfa_devices(ctx: WriteContext, user: str) -> None:
    for device in listed(ctx, "list_mfa_devices", "MFADevices", user):
        serial = device["SerialNumber"]
        doing = f"delete user {user}: remove MFA device {serial}"
        remove(ctx, "deactivate_mfa_device", doing, UserName=user, SerialNumber=serial)
        if ":mfa/" in serial:  # a virtual device outlives its user unless deleted
            remove(ctx, "delete_virtual_mfa_device", doing, SerialNumber=serial)


def remove_listed(
    ctx: WriteContext, user: str, blockers: tuple[tuple[str, str, str, str], ...]
) -> None:
    for list_call, result_key, removal, id_field in blockers:
        for item in listed(ctx, list_call, result_key, user):
            item_id = item if isinstance(item, str) else item[id_field]
            doing = f"delete user {user}: {removal} {item_id}"
            remove(ctx, removal, doing, UserName=user, **{id_field: item_id})


def listed(ctx: WriteContext, operation: str, key: str, user: str) -> Iterator[Any]:
    """Every item of a per-user list call (a user that is already gone has none)."""
    try:
        for page in ctx.aws.pages(operation, f"{operation} for user {user}", UserName=user):
            yield from page.get(key, [])
    except AwsError as error:
        if error.code != "NoSuchEntity":
            raise


# Groups.


def create_group(ctx: WriteContext, change: Change) -> None:
    name, path = change.name, change.after["path"]

    def differs() -> str | None:
        group = ctx.aws.iam("get_group", f"check group {name}", GroupName=name)["Group"]
        if group.get("Path", "/") != path:
            return f"group {name} already exists, with path {group.get('Path')} instead of {path}"
        return None

    create(ctx, "create_group", f"create group {name}", differs, GroupName=name, Path=path)


def update_group_path(ctx: WriteContext, change: Change) -> None:
    call(
        ctx,
        "update_group",
        f"move group {change.name}",
        GroupName=change.name,
        NewPath=change.after,
    )


def attach_group_policy(ctx: WriteContext, change: Change) -> None:
    call(
        ctx,
        "attach_group_policy",
        f"attach {short_policy(change.target)} to group {change.name}",
        GroupName=change.name,
        PolicyArn=change.target,
    )


def detach_group_policy(ctx: WriteContext, change: Change) -> None:
    remove(
        ctx,
        "detach_group_policy",
        f"detach {short_policy(change.target)} from group {change.name}",
        GroupName=change.name,
        PolicyArn=change.target,
    )


def put_group_policy(ctx: WriteContext, change: Change) -> None:
    call(
        ctx,
        "put_group_policy",
        f"put inline policy {change.target} on group {change.name}",
        GroupName=change.name,
        PolicyName=change.target,
        PolicyDocument=change.after,
    )


def delete_group_policy(ctx: WriteContext, change: Change) -> None:
    remove(
        ctx,
        "delete_group_policy",
        f"delete inline policy {change.target} of group {change.name}",
        GroupName=change.name,
        PolicyName=change.target,
    )


def delete_group(ctx: WriteContext, change: Change) -> None:
    """AWS refuses to delete a group with members or policies: remove them first."""
    group = change.name
    doing = f"delete group {group}"
    try:
        pages = list(ctx.aws.pages("get_group", doing, GroupName=group))
        attached = list(ctx.aws.pages("list_attached_group_policies", doing, GroupName=group))
        inline = list(ctx.aws.pages("list_group_policies", doing, GroupName=group))
    except AwsError as error:
        if error.code == "NoSuchEntity":
            return
        raise
    for user in (u for page in pages for u in page["Users"]):
        remove(
            ctx,
            "remove_user_from_group",
            f"remove user {user['UserName']} from group {group}",
            UserName=user["UserName"],
            GroupName=group,
        )
    for policy in (p for page in attached for p in page["AttachedPolicies"]):
        remove(
            ctx,
            "detach_group_policy",
            f"detach policy from group {group}",
            GroupName=group,
            PolicyArn=policy["PolicyArn"],
        )
    for name in (n for page in inline for n in page["PolicyNames"]):
        remove(
            ctx,
            "delete_group_policy",
            f"delete inline policy of group {group}",
            GroupName=group,
            PolicyName=name,
        )
    remove(ctx, "delete_group", doing, GroupName=group)


# Customer managed policies.


def create_policy(ctx: WriteContext, change: Change) -> None:
    create_policy_from_spec(ctx, change.name, change.after)


def create_policy_from_spec(ctx: WriteContext, name: str, spec: dict[str, Any]) -> str:
    params: dict[str, Any] = {
        "PolicyName": name,
        "Path": spec["path"],
        "PolicyDocument": spec["document"],
    }
    if spec["description"]:
        params["Description"] = spec["description"]
    if spec["tags"]:
        params["Tags"] = tag_list(spec["tags"])

    def differs() -> str | None:
        return policy_differs(ctx, policy_arn(ctx, name, spec["path"]), spec)

    response = create(ctx, "create_policy", f"create policy {name}", differs, **params)
    return str(response["Policy"]["Arn"]) if response else policy_arn(ctx, name, spec["path"])


def policy_arn(ctx: WriteContext, name: str, path: str) -> str:
    identity = ctx.aws.identity()  # asked once per run: the plan asked already
    return f"arn:{identity.partition}:iam::{identity.account}:policy{path}{name}"


def policy_differs(ctx: WriteContext, arn: str, spec: dict[str, Any]) -> str | None:
    """A policy found under the wanted name is the wanted one only with the same document (its
    default version) and description: then it is what the lost attempt created."""
    name = arn.rsplit("/", 1)[-1]
    doing = f"check policy {name}"
    policy = ctx.aws.iam("get_policy", doing, PolicyArn=arn)["Policy"]
    version = ctx.aws.iam(
        "get_policy_version", doing, PolicyArn=arn, VersionId=policy["DefaultVersionId"]
    )["PolicyVersion"]
    if policydoc.canonical(version["Document"]) != policydoc.canonical(spec["document"]):
        return f"policy {name} already exists, with another document"
    if "description" in spec and (policy.get("Description") or "") != (spec["description"] or ""):
        return f"policy {name} already exists, with another description"
    return None


# AWS keeps at most five versions of a managed policy.
MAX_POLICY_VERSIONS = 5


def update_policy_document(ctx: WriteContext, change: Change) -> None:
    doing = f"update policy {change.name}"
    versions = policy_versions(ctx, change.target, doing)
    if len(versions) >= MAX_POLICY_VERSIONS:
        oldest = min(
            (v for v in versions if not v["IsDefaultVersion"]),
            key=lambda v: (v["CreateDate"], v["VersionId"]),
        )
        ctx.aws.iam(
            "delete_policy_version", doing, PolicyArn=change.target, VersionId=oldest["VersionId"]
        )
    try:
        call(
            ctx,
            "create_policy_version",
            doing,
            PolicyArn=change.target,
            PolicyDocument=change.after,
            SetAsDefault=True,
        )
    except AwsError as error:
        # A lost answer: the first attempt made the version, the retry hit the version limit.
        landed = error.code == "LimitExceeded" and error.maybe_landed
        if not landed or policy_differs(ctx, change.target, {"document": change.after}):
            raise


def policy_versions(ctx: WriteContext, arn: str, doing: str) -> list[dict[str, Any]]:
    return [
        version
        for page in ctx.aws.pages("list_policy_versions", doing, PolicyArn=arn)
        for version in page["Versions"]
    ]


def update_policy_tags(ctx: WriteContext, change: Change) -> None:
    doing = f"tag policy {change.name}"
    stale = sorted(set(change.before) - set(change.after))
    if stale:
        call(ctx, "untag_policy", doing, PolicyArn=change.target, TagKeys=stale)
    changed = {k: v for k, v in change.after.items() if change.before.get(k) != v}
    if changed:
        call(ctx, "tag_policy", doing, PolicyArn=change.target, Tags=tag_list(changed))


def replace_policy(ctx: WriteContext, change: Change) -> None:
    """Path and description are fixed at creation: detach, delete, recreate, re-attach.

    Re-attaching is only right when the ARN stays the same (a new description): the plan's own
    attach and detach changes then still name it. A new path makes a new ARN, and the plan
    already attaches that wherever the file wants it.
    """
    old_arn = change.before["arn"]
    attached = detach_everywhere(ctx, old_arn, change.name)
    delete_detached_policy(ctx, old_arn, change.name)
    arn = create_policy_from_spec(ctx, change.name, change.after)
    if arn != old_arn:
        return
    for kind, owner in attached:
        call(
            ctx,
            f"attach_{kind}_policy",
            f"re-attach policy {change.name} to {kind} {owner}",
            **{f"{kind.capitalize()}Name": owner, "PolicyArn": arn},
        )


def delete_policy(ctx: WriteContext, change: Change) -> None:
    detach_everywhere(ctx, change.target, change.name)
    delete_detached_policy(ctx, change.target, change.name)


def detach_everywhere(ctx: WriteContext, arn: str, name: str) -> list[tuple[str, str]]:
    """Detaches a policy from every user, group and role; returns what it was attached to."""
    doing = f"list where policy {name} is attached"
    attached: list[tuple[str, str]] = []
    for page in ctx.aws.pages("list_entities_for_policy", doing, PolicyArn=arn):
        attached += [("user", u["UserName"]) for u in page.get("PolicyUsers", [])]
        attached += [("group", g["GroupName"]) for g in page.get("PolicyGroups", [])]
        attached += [("role", r["RoleName"]) for r in page.get("PolicyRoles", [])]
    for kind, owner in attached:
        remove(
            ctx,
            f"detach_{kind}_policy",
            f"detach policy {name} from {kind} {owner}",
            **{f"{kind.capitalize()}Name": owner, "PolicyArn": arn},
        )
    return attached


def delete_detached_policy(ctx: WriteContext, arn: str, name: str) -> None:
    doing = f"delete policy {name}"
    for version in policy_versions(ctx, arn, doing):
        if not version["IsDefaultVersion"]:
            remove(
                ctx, "delete_policy_version", doing, PolicyArn=arn, VersionId=version["VersionId"]
            )
    remove(ctx, "delete_policy", doing, PolicyArn=arn)


# Account settings.


def set_alias(ctx: WriteContext, change: Change) -> None:
    if change.before:
        # One alias per account: the old one must go first.
        remove(
            ctx,
            "delete_account_alias",
            f"remove account alias {change.before}",
            AccountAlias=change.before,
        )
    try:
        ctx.aws.iam(
            "create_account_alias", f"set account alias {change.after}", AccountAlias=change.after
        )
    except AwsError as error:
        if error.code != "EntityAlreadyExists":
            raise
        if alias_is(ctx, change.after):
            return  # an earlier attempt, whose answer was lost, set it
        raise IamctlError(
            f"set account alias {change.after}: the alias is taken by another AWS account "
            "(aliases are unique across all of AWS); choose another"
        ) from None


def alias_is(ctx: WriteContext, alias: str) -> bool:
    """After EntityAlreadyExists: is the alias ours already (an earlier attempt's lost answer)?"""
    aliases = ctx.aws.iam("list_account_aliases", f"check account alias {alias}")
    return alias in aliases["AccountAliases"]


_PASSWORD_POLICY_FIELDS = {
    "minimum_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase": "RequireUppercaseCharacters",
    "require_lowercase": "RequireLowercaseCharacters",
    "allow_users_to_change": "AllowUsersToChangePassword",
    "max_age_days": "MaxPasswordAge",
    "reuse_prevention": "PasswordReusePrevention",
    "hard_expiry": "HardExpiry",
}


def set_password_policy(ctx: WriteContext, change: Change) -> None:
    # Fields left out of UpdateAccountPasswordPolicy are reset to AWS's defaults.
    params = {
        aws_name: change.after[field]
        for field, aws_name in _PASSWORD_POLICY_FIELDS.items()
        if change.after[field] is not None
    }
    ctx.aws.iam("update_account_password_policy", "set the account password policy", **params)


WRITERS: dict[tuple[Kind, Action], Writer] = {
    (Kind.USER, Action.CREATE): create_user,
    (Kind.USER, Action.DELETE): delete_user,
    (Kind.USER_PATH, Action.UPDATE): update_user_path,
    (Kind.USER_TAGS, Action.UPDATE): update_user_tags,
    (Kind.LOGIN_PROFILE, Action.CREATE): create_login_profile,
    (Kind.LOGIN_PROFILE, Action.DELETE): delete_login_profile,
    (Kind.ACCESS_KEY, Action.CREATE): create_access_key,
    (Kind.ACCESS_KEY, Action.DELETE): delete_access_key,
    (Kind.USER_GROUP, Action.CREATE): add_user_to_group,
    (Kind.USER_GROUP, Action.DELETE): remove_user_from_group,
    (Kind.USER_POLICY, Action.CREATE): attach_user_policy,
    (Kind.USER_POLICY, Action.DELETE): detach_user_policy,
    (Kind.USER_INLINE_POLICY, Action.CREATE): put_user_policy,
    (Kind.USER_INLINE_POLICY, Action.UPDATE): put_user_policy,
    (Kind.USER_INLINE_POLICY, Action.DELETE): delete_user_policy,
    (Kind.GROUP, Action.CREATE): create_group,
    (Kind.GROUP, Action.DELETE): delete_group,
    (Kind.GROUP_PATH, Action.UPDATE): update_group_path,
    (Kind.GROUP_POLICY, Action.CREATE): attach_group_policy,
    (Kind.GROUP_POLICY, Action.DELETE): detach_group_policy,
    (Kind.GROUP_INLINE_POLICY, Action.CREATE): put_group_policy,
    (Kind.GROUP_INLINE_POLICY, Action.UPDATE): put_group_policy,
    (Kind.GROUP_INLINE_POLICY, Action.DELETE): delete_group_policy,
    (Kind.POLICY, Action.CREATE): create_policy,
    (Kind.POLICY, Action.DELETE): delete_policy,
    (Kind.POLICY_REPLACEMENT, Action.UPDATE): replace_policy,
    (Kind.POLICY_DOCUMENT, Action.UPDATE): update_policy_document,
    (Kind.POLICY_TAGS, Action.UPDATE): update_policy_tags,
    (Kind.ALIAS, Action.UPDATE): set_alias,
    (Kind.PASSWORD_POLICY, Action.UPDATE): set_password_policy,
}
