"""Exact reads, for what the bulk read of `live.py` cannot be trusted with: per-user
credentials (the credential report can be hours old), customer policies' tags (the bulk read
has none) and where a policy is attached (the bulk read shows no roles). Made only for the
users and policies a plan acts on (or an export writes), so their cost grows with the changes,
not with the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..core.arns import tag_map
from ..core.errors import NoSuchEntityError
from ..core.state import AccessKey, Credentials, Entity, State, User
from .client import Aws
from .credential_report import key_order, whole_seconds

# Exact reads of many users (`--exact-credentials`, export) run this many at a time: three
# calls per user one after the other would take minutes on thousands of users.
CONFIRM_PARALLELISM = 8


def confirm_credentials(aws: Aws, state: State, names: Iterable[str]) -> State:
    """Replace the named users' report facts with exact ones (three calls per user). Names
    without a live user (users the plan would create) have nothing to confirm."""
    to_read = [state.users[name] for name in sorted(set(names)) if name in state.users]
    with ThreadPoolExecutor(max_workers=CONFIRM_PARALLELISM) as pool:
        exact = list(pool.map(lambda user: read_credentials(aws, user), to_read))
    users = dict(state.users)
    for user, credentials in zip(to_read, exact, strict=True):
        users[user.name] = replace(user, credentials=credentials)
    return replace(state, users=users)


def read_credentials(aws: Aws, user: User) -> Credentials:
    reported = user.credentials.access_keys if user.credentials else ()
    keys = tuple(
        access_key(item, reported)
        for page in aws.pages("iam", "list_access_keys",
                              f"list access keys of user {user.name}", UserName=user.name)
        for item in page.get("AccessKeyMetadata", [])
    )
    devices = tuple(
        device["SerialNumber"]
        for page in aws.pages("iam", "list_mfa_devices",
                              f"list MFA devices of user {user.name}", UserName=user.name)
        for device in page.get("MFADevices", [])
    )
    if sum(1 for key in keys if key.active) > 1:
        keys = tuple(replace(key, last_used=last_used(aws, user.name, key)) for key in keys)
    return Credentials(
        login_profile=has_login_profile(aws, user.name),
        access_keys=tuple(sorted(keys, key=key_order)),
        mfa_devices=tuple(sorted(devices)),
        confirmed=True,
    )


def access_key(item: Mapping[str, Any], reported: Iterable[AccessKey]) -> AccessKey:
    created = whole_seconds(item["CreateDate"]) if item.get("CreateDate") else None
    # ListAccessKeys has no last-used date; the report's row for the same key does.
    last_used = next((k.last_used for k in reported if created and k.created == created), None)
    return AccessKey(id=item["AccessKeyId"], active=item.get("Status") == "Active",
                     created=created, last_used=last_used)


def last_used(aws: Aws, user: str, key: AccessKey) -> datetime | None:
    """When a key was last used, exactly. Asked only when a user has two active keys: a plan
    that removes one picks the unused (then the oldest), and the report cannot say which key is
    which (no ids; two keys created in the same second look alike) and may be hours old."""
    if not key.active:
        return key.last_used
    answer = aws.iam("get_access_key_last_used",
                     f"check when access key {key.id} of user {user} was last used",
                     AccessKeyId=key.id)
    used = answer.get("AccessKeyLastUsed", {}).get("LastUsedDate")
    return whole_seconds(used) if used else None


def has_login_profile(aws: Aws, name: str) -> bool:
    try:
        aws.iam("get_login_profile", f"check the console password of user {name}", UserName=name)
    except NoSuchEntityError:  # no console password
        return False
    return True


def confirm_policy_tags(aws: Aws, state: State, names: Iterable[str]) -> State:
    """Read the tags of the named customer policies (one ListPolicyTags each). Names without a
    live policy (policies the plan would create) have nothing to read."""
    policies = dict(state.policies)
    for name in sorted(set(names)):
        if name in policies:
            policy = policies[name]
            pages = aws.pages(
                "iam", "list_policy_tags", f"read the tags of policy {name}", PolicyArn=policy.arn
            )
            tags = tag_map(tag for page in pages for tag in page.get("Tags", []))
            policies[name] = replace(policy, tags=tags)
    return replace(state, policies=policies)


def confirm_policy_attachments(aws: Aws, state: State, names: Iterable[str]) -> State:
    """Read where the named customer policies are attached: the bulk read shows users and
    groups, not roles, and a plan that detaches a policy must name everything it detaches it
    from. Names without a live policy have nothing to read."""
    policies = dict(state.policies)
    for name in sorted(set(names)):
        if name in policies:
            attached = list_attachments(aws, policies[name].arn, name)
            policies[name] = replace(policies[name], attached_to=attached)
    return replace(state, policies=policies)


def list_attachments(aws: Aws, arn: str, name: str) -> tuple[Entity, ...]:
    """The users, groups and roles a managed policy is attached to (ListEntitiesForPolicy,
    paged); none when the policy is gone."""
    found: list[Entity] = []
    try:
        for page in aws.pages(
            "iam",
            "list_entities_for_policy",
            f"list where policy {name} is attached",
            PolicyArn=arn,
            # Attachments only: otherwise entities with it as permissions boundary are listed too.
            PolicyUsageFilter="PermissionsPolicy",
        ):
            found += [Entity("user", u["UserName"]) for u in page.get("PolicyUsers", [])]
            found += [Entity("group", g["GroupName"]) for g in page.get("PolicyGroups", [])]
            found += [Entity("role", r["RoleName"]) for r in page.get("PolicyRoles", [])]
    except NoSuchEntityError:
        pass  # the policy is gone
    return tuple(sorted(set(found), key=lambda entity: entity.order))
