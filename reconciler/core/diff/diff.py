"""Decides what to change: a pure function of the desired and the live `State`.

One small function per managed attribute; each returns the `Change`s for it. Nothing here reads
or writes AWS, so every decision can be tested with plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from ..changes import Action, Change, ChangeKind, HumanStep
from ..kinds.declaration import LiveRead
from ..kinds.declared import DECLARED
from ..payloads import PathSpec, UserSpec
from ..state import AccessKey, Entity, Group, ManagedPolicy, State, User, credentials_of
from . import rotation, unused
from .attributes import diff_attachments, diff_boundary, diff_inline, diff_path, diff_tags
from .human_steps import root_steps, user_mfa_steps
from .providers import diff_providers
from .replacement import boundary_step, needs_replacement, policy_spec, replacement
from .roles import diff_roles
from .undeclared import undeclared


@dataclass(frozen=True)
class Diff:
    changes: tuple[Change, ...]
    human_steps: tuple[HumanStep, ...]
    # Entities in the account that the file does not declare and prune does not remove.
    unmanaged: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Why an entity that prune would remove is kept (e.g. the user running iamctl).
    kept: tuple[str, ...] = ()
    # Other notes for the reader (a name spelled in another case than in the account; a key
    # rotation under way with no change due now).
    notes: tuple[str, ...] = ()


def diff(
    desired: State,
    live: State,
    caller_user: str | None = None,
    now: datetime | None = None,
    caller_role: str | None = None,
) -> Diff:
    """Everything that differs between `desired` and `live`, as changes and human steps.

    Names must already match in case (`names.align_names`). `now` enables the rules that depend
    on time (key rotation, unused credentials); without it they are skipped."""
    pruned = undeclared(desired, live, caller_user, caller_role)
    days = desired.account.unused_credentials_days
    changes: list[Change] = []
    changes += diff_alias(desired, live)
    changes += diff_password_policy(desired, live)
    policy_changes, steps = _diff_policies(desired, live, pruned.deleted)
    changes += policy_changes
    for group in desired.groups.values():
        changes += diff_group(group, live.groups.get(group.name))
    changes += diff_group_members(desired, live, pruned.deleted)
    for user in desired.users.values():
        # The credentials iamctl runs with are in use, whatever the last-use dates say.
        own = user.name == caller_user
        changes += diff_user(user, live.users.get(user.name), now, None if own else days)
    changes += diff_providers(desired, live)
    declared_changes, declared_unmanaged = diff_declared(desired, live)
    changes += declared_changes
    role_changes, role_steps = diff_roles(desired, live)
    changes += role_changes
    steps += user_mfa_steps(desired, live) + role_steps + root_steps(desired, live)
    notes = rotation_notes(desired, live, now)
    return Diff(
        tuple(changes) + pruned.removals, tuple(steps),
        {**pruned.unmanaged, **declared_unmanaged}, pruned.kept, notes
    )


def diff_declared(
    desired: State, live: State
) -> tuple[list[Change], dict[str, tuple[str, ...]]]:
    """The kinds declared in `kinds/declared/`, each by its own diff (its prune rule within),
    with what `ignore` names set apart; and, without prune, the undeclared ones of each kind
    not owned by another (those read whole), for the plan to list."""
    changes: list[Change] = []
    unmanaged: dict[str, tuple[str, ...]] = {}
    for kind in DECLARED:
        section = kind.entity.section
        found = _not_ignored(kind.declared_in(live),
                             partial(_kept, desired, section))
        wanted = kind.declared_in(desired)
        changes += kind.diff(wanted, found, desired.prune)
        extra = tuple(sorted(key for key in found if key not in wanted))
        if kind.owner is None and extra and not desired.prune:
            unmanaged[kind.entity.plural] = extra
    return changes, unmanaged


def _kept(desired: State, section: str, key: str) -> bool:
    return not desired.ignore.matches(section, key)


def _not_ignored(read: Mapping[str, Any], keep: Callable[[str], bool]) -> Mapping[str, Any]:
    """What the diff compares of a kind: its entities `ignore` does not name, with what its
    reader read of the account as a whole (`LiveRead`) kept."""
    if isinstance(read, LiveRead):
        return read.only(keep)
    return {key: entity for key, entity in read.items() if keep(key)}


def _diff_policies(desired: State, live: State,
                   deleted: frozenset[Entity]) -> tuple[list[Change], list[HumanStep]]:
    """The customer managed policies: changed in place, replaced when their path or description
    changes, or left to a person when AWS refuses the replacement."""
    changes: list[Change] = []
    steps: list[HumanStep] = []
    for policy in desired.policies.values():
        current = live.policies.get(policy.name)
        if current is not None and needs_replacement(policy, current):
            if current.boundary_count:  # AWS refuses to delete it: a person must act first
                steps.append(boundary_step(policy, current))
                changes += diff_policy(policy, current)
            else:
                changes.append(replacement(policy, current, desired, live, deleted))
        else:
            changes += diff_policy(policy, current)
    return changes, steps


# Account-wide settings.


def diff_alias(desired: State, live: State) -> list[Change]:
    wanted, current = desired.account.alias, live.account.alias
    if wanted is None or wanted == current:
        return []
    # Setting an account-wide value counts as a change, whether or not one was set before.
    return [Change(Action.UPDATE, ChangeKind.ALIAS, desired.account.id, before=current,
                   after=wanted)]


def diff_password_policy(desired: State, live: State) -> list[Change]:
    wanted, current = desired.account.password_policy, live.account.password_policy
    if wanted is None or wanted == current:
        return []
    account = desired.account.id
    return [Change(Action.UPDATE, ChangeKind.PASSWORD_POLICY, account, before=current,
                   after=wanted)]


# Customer managed policies.


def diff_policy(wanted: ManagedPolicy, current: ManagedPolicy | None) -> list[Change]:
    """A new policy, or a new document and tags (a replacement is decided by `replacement`)."""
    if current is None:
        return [Change(Action.CREATE, ChangeKind.POLICY, wanted.name, after=policy_spec(wanted))]
    changes = []
    if wanted.document != current.document:
        changes.append(
            Change(
                Action.UPDATE,
                ChangeKind.POLICY_DOCUMENT,
                wanted.name,
                target=current.arn,
                before=current.document.text,
                after=wanted.document.text,
            )
        )
    changes += diff_tags(ChangeKind.POLICY_TAGS, wanted.name, wanted.tags, current.tags,
                         current.arn)
    return changes


# Groups.


def diff_group(wanted: Group, current: Group | None) -> list[Change]:
    changes = []
    if current is None:
        changes.append(
            Change(Action.CREATE, ChangeKind.GROUP, wanted.name, after=PathSpec(wanted.path or "/"))
        )
        current = Group(wanted.name, path=wanted.path or "/")
    else:
        changes += diff_path(ChangeKind.GROUP_PATH, wanted.name, wanted.path, current.path)
    changes += diff_attachments(ChangeKind.GROUP_POLICY, wanted.name, wanted.policies,
                                current.policies)
    changes += diff_inline(
        ChangeKind.GROUP_INLINE_POLICY, wanted.name, wanted.inline_policies, current.inline_policies
    )
    return changes


def diff_group_members(
    desired: State, live: State, deleted: frozenset[Entity]
) -> list[Change]:
    """A declared group's members are exactly the declared users that name it: any other live
    member (undeclared or ignored) is removed. (A declared member's groups are `diff_user`'s; a
    user that prune deletes leaves its groups anyway.)"""
    changes = []
    for name in sorted(live.users):
        if name in desired.users or Entity("user", name) in deleted:
            continue
        for group in sorted(live.users[name].groups & desired.groups.keys()):
            changes.append(member_removal(group, name, desired.ignore.pattern("users", name)))
    return changes


def member_removal(group: str, user: str, ignored_by: str | None) -> Change:
    note = (
        f"{user} matches ignore.users; a declared group's members are exactly the declared "
        "users that name it"
        if ignored_by
        else ""
    )
    return Change(Action.DELETE, ChangeKind.GROUP_MEMBER, group, target=user, note=note)


# Users.


def diff_user(
    wanted: User, current: User | None, now: datetime | None = None, days: int | None = None
) -> list[Change]:
    changes = []
    if current is None:
        changes.append(Change(Action.CREATE, ChangeKind.USER, wanted.name, after=user_spec(wanted)))
        # Path and tags are set by CreateUser itself.
        current = User(wanted.name, path=wanted.path or "/", tags=wanted.tags or {})
    changes += diff_path(ChangeKind.USER_PATH, wanted.name, wanted.path, current.path)
    changes += diff_tags(ChangeKind.USER_TAGS, wanted.name, wanted.tags, current.tags)
    changes += diff_boundary(
        ChangeKind.USER_BOUNDARY, wanted.name, wanted.permissions_boundary,
        current.permissions_boundary,
    )
    changes += diff_login_profile(wanted, current)
    changes += diff_access_keys(wanted, current, now, days)
    if now is not None and days is not None:
        changes += new_targets(unused.unused_changes(wanted, current, days, now), changes)
    changes += diff_attachments(ChangeKind.USER_GROUP, wanted.name, wanted.groups, current.groups)
    changes += diff_attachments(ChangeKind.USER_POLICY, wanted.name, wanted.policies,
                                current.policies)
    changes += diff_inline(
        ChangeKind.USER_INLINE_POLICY, wanted.name, wanted.inline_policies, current.inline_policies
    )
    return changes


def user_spec(user: User) -> UserSpec:
    return UserSpec(user.path or "/", dict(user.tags or {}))


def diff_login_profile(wanted: User, current: User) -> list[Change]:
    has_profile = credentials_of(current).login_profile
    if wanted.console is None or wanted.console == has_profile:
        return []
    action = Action.CREATE if wanted.console else Action.DELETE
    return [Change(action, ChangeKind.LOGIN_PROFILE, wanted.name)]


def diff_access_keys(
    wanted: User, current: User, now: datetime | None = None, days: int | None = None
) -> list[Change]:
    if wanted.access_keys is None:
        return []
    keys = credentials_of(current).access_keys
    disused = [k for k in keys if now and days and unused.is_unused(k, days, now)]
    if wanted.key_rotation is not None and now is not None and not newest_disused(keys, disused):
        step = rotation.next_step(wanted.name, keys, wanted.key_rotation, now)
        if step is not None:
            return list(step.changes)
    # A key disabled for disuse counts as wanted: no replacement nobody would use (unused.py).
    active = [key for key in keys if key.active or key in disused]
    missing = wanted.access_keys - len(active)
    changes: list[Change] = []
    if missing > 0:
        # AWS allows two keys per user, inactive ones included: make room first.
        inactive = [key for key in keys if not key.active]
        for key in inactive[: max(0, len(keys) + missing - 2)]:
            changes.append(
                access_key_removal(wanted.name, key, "inactive, makes room for a new key")
            )
        changes += [Change(Action.CREATE, ChangeKind.ACCESS_KEY,
                           wanted.name) for _ in range(missing)]
    for key in keys_to_remove(active, -missing):
        changes.append(access_key_removal(wanted.name, key, removal_reason(key)))
    return changes


def newest_disused(keys: Iterable[AccessKey], disused: list[AccessKey]) -> bool:
    """An unused key is not rotated: it is disabled (unused.py), not replaced."""
    dated = [key for key in keys if key.active and key.created is not None]
    return bool(dated) and max(dated, key=lambda k: (k.created, k.id)) in disused


def new_targets(candidates: list[Change], planned: list[Change]) -> list[Change]:
    """The candidates that act on a key no planned change acts on already. An unused password is
    a candidate only while the file leaves `console` unmanaged (unused.py), so no planned change
    ever acts on it."""
    key_kinds = (ChangeKind.ACCESS_KEY, ChangeKind.ACCESS_KEY_STATUS)
    keys_taken = {c.target for c in planned if c.kind in key_kinds and c.target}
    return [c for c in candidates
            if c.kind == ChangeKind.LOGIN_PROFILE or c.target not in keys_taken]


def rotation_notes(desired: State, live: State, now: datetime | None) -> tuple[str, ...]:
    if now is None:
        return ()
    notes = []
    for user in desired.users.values():
        current = live.users.get(user.name)
        if user.key_rotation is not None and current is not None:
            keys = credentials_of(current).access_keys
            step = rotation.next_step(user.name, keys, user.key_rotation, now)
            if step is not None and step.note:
                notes.append(step.note)
    return tuple(notes)


def keys_to_remove(active: list[AccessKey], count: int) -> list[AccessKey]:
    """Unused keys first, then the oldest: the ones least likely to break a running workload."""
    if count <= 0:
        return []
    order = sorted(active, key=lambda key: (key.last_used is not None, created_at(key), key.id))
    return order[:count]


def created_at(key: AccessKey) -> float:
    """A key of unknown creation date counts as the oldest (a datetime does not compare with 0)."""
    return key.created.timestamp() if key.created else 0.0


def removal_reason(key: AccessKey) -> str:
    if key.last_used is None:
        return "never used"
    created = key.created.date().isoformat() if key.created else "unknown date"
    return f"oldest, created {created}"


def access_key_removal(user: str, key: AccessKey, reason: str) -> Change:
    return Change(Action.DELETE, ChangeKind.ACCESS_KEY, user, target=key.id, note=reason)
