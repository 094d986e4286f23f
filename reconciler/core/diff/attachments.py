"""Where a customer managed policy is attached, as the changes that detach it record it.

Pure, like `diff.py` and `undeclared.py`, which use it: a plan that replaces or deletes a policy
names every entity it detaches the policy from (roles that belong to AWS included), and records
them in the change, so that apply detaches (and re-attaches) exactly those.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..changes import Action, Change, ChangeKind
from ..payloads import Attachments, Members, Payload, ReplacedPolicy
from ..state import Entity, ManagedPolicy, State


def attachments_of(policy: ManagedPolicy, live: State) -> tuple[Entity, ...]:
    """Every entity the live policy is attached to. Until the exact read (`attached_to`), what
    the bulk read shows: users, groups and roles (AWS's own included)."""
    if policy.attached_to is not None:
        return policy.attached_to
    arn = policy.arn
    found = [Entity("user", name) for name, user in live.users.items() if arn in user.policies]
    found += [Entity("group", name) for name, group in live.groups.items() if arn in group.policies]
    roles = {**live.roles, **live.aws_roles}
    found += [Entity("role", name) for name, role in roles.items() if arn in role.policies]
    return tuple(sorted(found, key=lambda entity: entity.order))


def policies_to_read(changes: Iterable[Change], live: State) -> set[str]:
    """Policies the changes replace or delete whose attachments are not read exactly yet, and
    that are attached somewhere (AttachmentCount): only these cost a ListEntitiesForPolicy."""
    acting = {
        change.name
        for change in changes
        if change.kind == ChangeKind.POLICY and change.action in (Action.DELETE, Action.REPLACE)
    }
    return {
        name
        for name in acting
        if name in live.policies
        and live.policies[name].attached_to is None
        and live.policies[name].attachment_count > 0
    }


def wanted_by(desired: State, entity: Entity) -> frozenset[str] | None:
    """The policy ARNs the file gives a declared user, group or role; None for anything it does
    not declare (ignored and undeclared entities, roles that belong to AWS)."""
    if entity.kind == "user" and entity.name in desired.users:
        return desired.users[entity.name].policies
    if entity.kind == "group" and entity.name in desired.groups:
        return desired.groups[entity.name].policies
    if entity.kind == "role" and entity.name in desired.roles:
        return desired.roles[entity.name].policies
    return None


def entities_in(payload: Payload | None) -> tuple[Entity, ...]:
    """The entities a change's `before` or `after` recorded: where a policy is detached from or
    re-attached to, the members a group's deletion removes."""
    if isinstance(payload, (Attachments, ReplacedPolicy)):
        return payload.attached
    if isinstance(payload, Members):
        return payload.members
    if payload is None:  # a creation
        return ()
    raise TypeError(f"no entities recorded in a {type(payload).__name__}")


def named(entities: Sequence[Entity]) -> str:
    """`role ci-deploy, user bob`."""
    return ", ".join(str(entity) for entity in entities)
