"""The declaration of one organization policy type (`organization.service_control_policies`,
`.resource_control_policies`): its kinds of change, in apply's safe order, and the hooks the
generic code calls. Each type's module is one line over this.

The order (design, section 13): the type enabled on the root first; new policies and document
changes with the policies; attachments before the detachments (so a target is never bare in
between; a target that would be over its quota in between is refused by the plan); deletions
last, after their detachments.

Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from ...changes import Action, Change
from ...payloads import tags as string_map
from ...payloads import tags_of, text
from ..declaration import DeclaredKind, EntityKind, LiveRead
from ..describers import entity, transition
from ..spec import CREATE, DELETE, UPDATE, KindSpec, Phase, spec
from . import _org_policy_diff
from ._org_policy_diff import PolicyKinds
from ._org_policy_model import OrgPolicy, PolicyContext, PolicyType, from_file, per_target
from ._org_policy_plan import (
    PolicyPlan,
    document_after,
    document_before,
    policy_type_payload,
    spec_payload,
    target_payload,
    to_file,
)


def policy_kind(policy_type: PolicyType, prefix: str) -> tuple[DeclaredKind[OrgPolicy],
                                                               PolicyKinds]:
    kinds = PolicyKinds.of(prefix)

    def diff(desired: Mapping[str, OrgPolicy], live: Mapping[str, OrgPolicy],
             prune: bool) -> Iterable[Change]:
        context = live.context if isinstance(live, LiveRead) else None
        if context is not None and not isinstance(context, PolicyContext):
            raise TypeError(f"{policy_type.section}: its reader gave no PolicyContext")
        return _org_policy_diff.diff(policy_type, kinds, desired, live, context, prune)

    declared = DeclaredKind(
        entity=EntityKind(policy_type.section, policy_type.label, policy_type.plural,
                          within=("organization",), names_ignore_case=False),
        changes=_specs(policy_type, kinds),
        from_file=from_file(policy_type),
        key_of=lambda policy: policy.name,
        check=per_target(policy_type),
        diff=diff,
        to_file=to_file,
        needs=partial(needs, policy_type, kinds),
    )
    return declared, kinds


def _specs(policy_type: PolicyType, kinds: PolicyKinds) -> tuple[KindSpec, ...]:
    """The type's kinds of change, in the order one policy's are run."""
    plan = PolicyPlan(policy_type, kinds)
    judged, label = plan.judged, policy_type.label
    return (
        spec(kinds.enabled, Phase.ACCOUNT, [CREATE], plan.describe_enabled,
             after=policy_type_payload(policy_type), access=judged),
        spec(kinds.policy, Phase.POLICIES, [CREATE, DELETE], entity(label),
             Phase.DELETE_POLICIES, before=spec_payload, after=spec_payload, access=judged),
        spec(kinds.description, Phase.POLICIES, [UPDATE],
             transition(f"{label} {{name}}: description"), before=text, after=text,
             access=judged),
        spec(kinds.document, Phase.POLICIES, [UPDATE], plan.describe_document,
             before=document_before, after=document_after, access=judged),
        spec(kinds.tags, Phase.POLICIES, [UPDATE], transition(f"{label} {{name}}: tags"),
             before=string_map, after=string_map, access=judged),
        # Attached in ROLES, detached in REMOVALS: every attach runs before any detach.
        spec(kinds.target, Phase.ROLES, [CREATE, DELETE], plan.describe_target,
             before=target_payload, after=target_payload, access=judged),
    )


def needs(policy_type: PolicyType, kinds: PolicyKinds, change: Change,
          every: Sequence[Change]) -> list[Change]:
    """What a partial plan must keep for the change to succeed: an attach, the type enabled
    (AWS refuses an attach before) and its policy's creation; an SCP's detach, every attach
    to the same target (AWS refuses to leave a target without one, and the full plan counted
    on them). Never a detach: leaving one out only keeps a target fuller, and the full plan
    kept every target within its quota with all of its attaches and none of its detaches."""
    if change.kind != kinds.target:
        return []
    if change.action == Action.CREATE:
        return [other for other in every if other.kind == kinds.enabled or (
            other.kind == kinds.policy and other.action == Action.CREATE
            and other.name == change.name)]
    if not policy_type.never_bare:
        return []
    node = tags_of(change.before).get("node")
    return [other for other in every if other.kind == kinds.target
            and other.action == Action.CREATE and tags_of(other.after).get("node") == node]



