"""A customer managed policy whose path or description changes: AWS cannot change either in
place, so the plan replaces it (detach, delete, recreate, re-attach). Pure, used by `diff.py`.

The change records every entity the policy is detached from (`before.attached`, roles
included) and those it goes back to (`after.attached`), so apply does exactly that and a
saved plan carries it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..changes import Action, Change, ChangeKind, HumanStep, StepSubject
from ..payloads import PolicySpec, ReplacedPolicy
from ..state import Entity, ManagedPolicy, State
from ..wording import plural
from .attachments import attachments_of, named, wanted_by


def policy_spec(policy: ManagedPolicy) -> PolicySpec:
    """What apply needs to create the policy."""
    return PolicySpec(
        policy.path or "/",
        policy.description or "",
        policy.document.text,
        dict(policy.tags or {}),
        policy.arn,
    )


def needs_replacement(wanted: ManagedPolicy, current: ManagedPolicy) -> bool:
    """AWS cannot change a managed policy's path or description in place."""
    return bool(replacement_reasons(wanted, current))


def replacement_reasons(wanted: ManagedPolicy, current: ManagedPolicy) -> list[str]:
    reasons = []
    if wanted.path is not None and wanted.path != current.path:
        reasons.append(f"path {current.path} -> {wanted.path}")
    if wanted.description is not None and wanted.description != (current.description or ""):
        reasons.append("description")
    return reasons


def replacement(
    wanted: ManagedPolicy,
    current: ManagedPolicy,
    desired: State,
    live: State,
    deleted: frozenset[Entity],
) -> Change:
    """Detach from everything, delete, recreate, re-attach: the change records where the policy
    is attached (`before`) and where it goes back (`after`), so apply does exactly that."""
    attached = attachments_of(current, live)
    new_arn = replaced_arn(current, wanted.path)
    back = [
        entity
        for entity in attached
        if entity not in deleted and goes_back(entity, desired, current.arn, new_arn)
    ]
    return Change(
        Action.REPLACE,
        ChangeKind.POLICY,
        wanted.name,
        before=ReplacedPolicy(policy_spec(current), tuple(attached)),
        after=ReplacedPolicy(policy_spec(wanted), tuple(back)),
        note=replacement_note(replacement_reasons(wanted, current), attached, back),
    )


def replaced_arn(current: ManagedPolicy, path: str | None) -> str:
    """The recreated policy's ARN: a new path makes a new ARN."""
    if path is None or ":policy/" not in current.arn:
        return current.arn
    return current.arn.split(":policy/", 1)[0] + f":policy{path}{current.name}"


def goes_back(entity: Entity, desired: State, old_arn: str, new_arn: str) -> bool:
    """Whether the replacement re-attaches the policy to `entity`. What the file does not
    declare (roles, ignored and undeclared users and groups) gets it back; a declared user or
    group only if the file still wants it and no attach change of its own will do it (the ARN
    is the same, so the diff sees nothing to attach)."""
    wanted = wanted_by(desired, entity)
    return wanted is None or (new_arn in wanted and new_arn == old_arn)


def replacement_note(reasons: list[str], attached: Sequence[Entity], back: list[Entity]) -> str:
    """`path /a/ -> /b/ cannot change in place: detach from role ci; recreate; re-attach`."""
    if not attached:
        return f"{' and '.join(reasons)} cannot change in place: delete and recreate"
    steps = [f"detach from {named(attached)}", "recreate"]
    if list(attached) == back:
        steps.append("re-attach")
    elif back:
        steps.append(f"re-attach to {named(back)}")
    return f"{' and '.join(reasons)} cannot change in place: {'; '.join(steps)}"


def boundary_step(wanted: ManagedPolicy, current: ManagedPolicy) -> HumanStep:
    """A replacement AWS would refuse half-way: DeletePolicy fails while the policy is a
    permissions boundary, after every attachment was already detached. So it is not planned."""
    users = plural(current.boundary_count, "user or role", "users or roles")
    reasons = " and ".join(replacement_reasons(wanted, current))
    return HumanStep(
        StepSubject.POLICY_BOUNDARY,
        f"policy {wanted.name}",
        f"{reasons} cannot change while it is the permissions boundary of {users} -> remove "
        "it as their boundary first, or keep its path and description in the file",
    )
