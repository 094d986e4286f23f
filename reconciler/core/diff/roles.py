"""Decides what to change in the roles the file declares: a pure function of the two states.

One small function per attribute, like `diff.py` (which calls `diff_roles`); the attributes that
users and groups share (tags, attachments, inline policies, boundary) are diffed by
`attributes.py`. A role's path cannot change (IAM has no call that moves a role), so a
different path is a human step, never a silent delete and recreate.
"""

from __future__ import annotations

from dataclasses import replace

from ..changes import Action, Change, ChangeKind, HumanStep, StepSubject
from ..payloads import PathSpec, RoleSettings, RoleSpec
from ..state import Role, State
from .attributes import diff_attachments, diff_boundary, diff_inline, diff_tags


def diff_roles(desired: State, live: State) -> tuple[list[Change], list[HumanStep]]:
    changes: list[Change] = []
    steps: list[HumanStep] = []
    for role in desired.roles.values():
        owned = live.aws_roles.get(role.name)
        if owned is not None:  # the file cannot say where, but the name is AWS's
            steps.append(aws_owned_step(role, owned))
            continue
        current = live.roles.get(role.name)
        changes += diff_role(role, current)
        if current is not None and role.path is not None and role.path != current.path:
            steps.append(path_step(role, current))
    return changes, steps


def diff_role(wanted: Role, current: Role | None) -> list[Change]:
    changes = []
    if current is None:
        changes.append(Change(Action.CREATE, ChangeKind.ROLE, wanted.name, after=role_spec(wanted)))
        current = created(wanted)
    name = wanted.name
    changes += diff_settings(wanted, current)
    changes += diff_trust(wanted, current)
    changes += diff_boundary(
        ChangeKind.ROLE_BOUNDARY, name, wanted.permissions_boundary, current.permissions_boundary
    )
    changes += diff_tags(ChangeKind.ROLE_TAGS, name, wanted.tags, current.tags)
    changes += diff_attachments(ChangeKind.ROLE_POLICY, name, wanted.policies, current.policies)
    changes += diff_inline(
        ChangeKind.ROLE_INLINE_POLICY, name, wanted.inline_policies, current.inline_policies
    )
    changes += diff_instance_profile(wanted, current)
    return changes


def role_spec(role: Role) -> RoleSpec:
    """What CreateRole sets in its one call; None: not sent."""
    return RoleSpec(
        path=role.path or "/",
        description=role.description,
        max_session_duration=role.max_session_duration,
        trust=role.trust.text if role.trust is not None else None,
        permissions_boundary=role.permissions_boundary,
        tags=dict(role.tags or {}),
    )


def created(wanted: Role) -> Role:
    """The role as CreateRole leaves it (its settings, trust, boundary and tags set): whatever is
    left to do are changes of their own."""
    return replace(
        wanted,
        path=wanted.path or "/",
        policies=frozenset(),
        inline_policies={},
        instance_profile=False,
    )


def diff_settings(wanted: Role, current: Role) -> list[Change]:
    """Description and maximum session duration, which UpdateRole changes in place (None wanted =
    not managed). The change carries both, the one not changing at its current value: UpdateRole
    is sent both (AWS keeps a setting left out; the emulator resets it)."""
    before = settings(current.description, current.max_session_duration)
    after = settings(
        current.description if wanted.description is None else wanted.description,
        current.max_session_duration
        if wanted.max_session_duration is None
        else wanted.max_session_duration,
    )
    if after == before:
        return []
    return [Change(Action.UPDATE, ChangeKind.ROLE_SETTINGS, wanted.name, before=before,
                   after=after)]


def settings(description: str | None, max_session: int | None) -> RoleSettings:
    return RoleSettings(description, max_session)


def diff_trust(wanted: Role, current: Role) -> list[Change]:
    """Compared by meaning: AWS's own spelling of the same trust is no change."""
    if wanted.trust is None or wanted.trust == current.trust:
        return []
    before = current.trust.text if current.trust is not None else None
    return [
        Change(Action.UPDATE, ChangeKind.ROLE_TRUST, wanted.name, before=before,
               after=wanted.trust.text)
    ]


def diff_instance_profile(wanted: Role, current: Role) -> list[Change]:
    """The instance profile of the role's name, on the role's path (None wanted = not managed)."""
    if wanted.instance_profile is None or wanted.instance_profile == current.instance_profile:
        return []
    if wanted.instance_profile:
        after = PathSpec(current.path or "/")  # a live role's, or the new one's (`created`)
        return [Change(Action.CREATE, ChangeKind.INSTANCE_PROFILE, wanted.name, after=after)]
    return [Change(Action.DELETE, ChangeKind.INSTANCE_PROFILE, wanted.name)]


def path_step(wanted: Role, current: Role) -> HumanStep:
    return HumanStep(
        StepSubject.ROLE_PATH,
        f"role {wanted.name}",
        f"path {current.path} -> {wanted.path} cannot change: IAM cannot move a role -> keep "
        f"path {current.path} in the file, or delete the role and apply again to recreate it",
    )


def aws_owned_step(wanted: Role, owned: Role) -> HumanStep:
    return HumanStep(
        StepSubject.ROLE_OWNED_BY_AWS,
        f"role {wanted.name}",
        f"belongs to AWS (path {owned.path}): iamctl never changes it -> remove it from the file",
    )
