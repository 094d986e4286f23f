"""Entities in the account that the file does not declare: pruned, or listed as unmanaged.

Pure, like `diff.py`, whose `diff` calls `undeclared`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

from .model import Action, Change, Kind, ManagedPolicy, State, User, credentials_of
from .wording import plural


def undeclared(
    desired: State, live: State, caller_user: str | None
) -> tuple[list[Change], dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Prune removals (or the unmanaged list without prune), skipping ignored names."""
    extra = {
        "users": extra_names(live.users, desired.users, desired.ignore.users),
        "groups": extra_names(live.groups, desired.groups, desired.ignore.groups),
        "policies": extra_names(live.policies, desired.policies, desired.ignore.policies),
    }
    if not desired.prune:
        return [], {kind: names for kind, names in extra.items() if names}, ()
    kept: tuple[str, ...] = ()
    if caller_user in extra["users"]:
        extra["users"] = tuple(name for name in extra["users"] if name != caller_user)
        kept = (f"user {caller_user} is not deleted: its credentials are running iamctl",)
    removals = [user_removal(live.users[name]) for name in extra["users"]]
    removals += [
        Change(Action.DELETE, Kind.GROUP, name, note=group_contents(live, name))
        for name in extra["groups"]
    ]
    removals += [policy_removal(live.policies[name]) for name in extra["policies"]]
    return removals, {}, kept


def extra_names(
    live: Mapping[str, object], declared: Mapping[str, object], ignore: Iterable[str]
) -> tuple[str, ...]:
    patterns = tuple(ignore)
    return tuple(
        sorted(
            name
            for name in live
            if name not in declared and not any(fnmatchcase(name, p) for p in patterns)
        )
    )


def user_removal(user: User) -> Change:
    creds = credentials_of(user)
    parts = [
        "console password" if creds.login_profile else "",
        count(len(creds.access_keys), "access key"),
        count(len(creds.mfa_devices), "MFA device"),
        count(len(user.groups), "group membership"),
        count(len(user.policies), "attached policy", "attached policies"),
        count(len(user.inline_policies), "inline policy", "inline policies"),
    ]
    removed = ", ".join(part for part in parts if part)
    return Change(Action.DELETE, Kind.USER, user.name, note=f"removes {removed}" if removed else "")


def group_contents(live: State, name: str) -> str:
    members = sum(1 for user in live.users.values() if name in user.groups)
    group = live.groups[name]
    parts = [
        count(members, "member"),
        count(len(group.policies), "attached policy", "attached policies"),
        count(len(group.inline_policies), "inline policy", "inline policies"),
    ]
    removed = ", ".join(part for part in parts if part)
    return f"removes {removed}" if removed else ""


def policy_removal(policy: ManagedPolicy) -> Change:
    note = (
        f"detaches it from {count(policy.attachment_count, 'entity', 'entities')}"
        if (policy.attachment_count)
        else ""
    )
    return Change(Action.DELETE, Kind.POLICY, policy.name, target=policy.arn, note=note)


def count(n: int, singular: str, plural_form: str | None = None) -> str:
    """`2 access keys`, or nothing at all for none (for lists of what a removal takes along)."""
    return plural(n, singular, plural_form) if n else ""
