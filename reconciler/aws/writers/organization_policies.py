"""Writers for service control and resource control policies
(`core/kinds/declared/_org_policies.py`). Apply runs them in the declaration's order: the type
enabled, policies created and changed, attachments, then detachments, then deletions.

A policy created by this apply has no id in the plan: its later changes find it by name. An
attach AWS already holds, a detach of what is no longer attached (or of a policy gone) and a
deletion of what is gone are the state wanted: a second apply after a partial failure
converges.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from ...core.changes import Action, Change, ChangeKind
from ...core.errors import AwsError, IamctlError
from ...core.kinds.declared import resource_control_policies, service_control_policies
from ...core.kinds.declared._org_policy_diff import PolicyKinds
from ...core.kinds.declared._org_policy_model import RCP, SCP, PolicyType
from ...core.payloads import tags_of, text_of
from .base import WriteContext, register

# How often, and how long, apply asks whether a policy type it enabled is enabled.
POLL_SECONDS = 1.0
ENABLE_TIMEOUT_SECONDS = 120.0


def organizations(ctx: WriteContext, operation: str, doing: str,
                  **params: Any) -> dict[str, Any]:
    return ctx.aws.call("organizations", operation, doing, **params)


def policy_id(ctx: WriteContext, policy_type: PolicyType, change: Change) -> str:
    """The policy's id: the plan's, or found by name for a policy this apply created."""
    if change.target:
        return change.target
    for page in ctx.aws.pages("organizations", "list_policies", f"list the {policy_type.plural}",
                              Filter=policy_type.api):
        for summary in page.get("Policies", []):
            if summary["Name"] == change.name:
                return str(summary["Id"])
    raise IamctlError(f"{policy_type.label} {change.name}: not found after its creation")


def enable(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    unless_done(ctx, "enable_policy_type", f"enable {policy_type.plural}", ENABLED,
                RootId=change.target, PolicyType=policy_type.api)
    _wait_enabled(ctx, policy_type)


def create(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    spec = tags_of(change.after)
    organizations(ctx, "create_policy", f"create {policy_type.label} {change.name}",
                  Name=change.name, Type=policy_type.api, Content=spec["document"],
                  Description=spec["description"])


def delete(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    unless_done(ctx, "delete_policy", f"delete {policy_type.label} {change.name}", GONE,
                PolicyId=policy_id(ctx, policy_type, change))


def describe(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    organizations(ctx, "update_policy",
                  f"update the description of {policy_type.label} {change.name}",
                  PolicyId=policy_id(ctx, policy_type, change), Description=text_of(change.after))


def document(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    organizations(ctx, "update_policy", f"update the document of {policy_type.label} "
                  f"{change.name}", PolicyId=policy_id(ctx, policy_type, change),
                  Content=tags_of(change.after)["document"])


def tag(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    before, after = tags_of(change.before), tags_of(change.after)
    resource = policy_id(ctx, policy_type, change)
    doing = f"tag {policy_type.label} {change.name}"
    gone = sorted(set(before) - set(after))
    if gone:
        organizations(ctx, "untag_resource", doing, ResourceId=resource, TagKeys=gone)
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    if changed:
        organizations(ctx, "tag_resource", doing, ResourceId=resource,
                      Tags=[{"Key": key, "Value": value} for key, value in sorted(changed.items())])


def attach(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    node = tags_of(change.after)
    unless_done(ctx, "attach_policy", f"attach {policy_type.label} {change.name} to "
                f"{node['name']}", ATTACHED, PolicyId=policy_id(ctx, policy_type, change),
                TargetId=node["node"])


def detach(policy_type: PolicyType, ctx: WriteContext, change: Change) -> None:
    node = tags_of(change.before)
    unless_done(ctx, "detach_policy", f"detach {policy_type.label} {change.name} from "
                f"{node['name']}", DETACHED, PolicyId=policy_id(ctx, policy_type, change),
                TargetId=node["node"])


def _register(policy_type: PolicyType, kinds: PolicyKinds) -> None:
    """The type's writers: each function above, for this type."""
    table: list[tuple[ChangeKind, Action, Callable[[PolicyType, WriteContext, Change], None]]] = [
        (kinds.enabled, Action.CREATE, enable), (kinds.policy, Action.CREATE, create),
        (kinds.policy, Action.DELETE, delete), (kinds.description, Action.UPDATE, describe),
        (kinds.document, Action.UPDATE, document), (kinds.tags, Action.UPDATE, tag),
        (kinds.target, Action.CREATE, attach), (kinds.target, Action.DELETE, detach)]
    for kind, action, writer in table:
        register(kind, (action,), partial(writer, policy_type))


# The refusals that say AWS already holds what the write asks for: another hand (or an
# earlier, interrupted apply) did it. Organizations says a policy is gone with its own code,
# PolicyNotFoundException, not the ResourceNotFoundException of other services.
ENABLED = frozenset({"PolicyTypeAlreadyEnabledException"})
ATTACHED = frozenset({"DuplicatePolicyAttachmentException"})
GONE = frozenset({"PolicyNotFoundException"})
DETACHED = frozenset({"PolicyNotAttachedException"}) | GONE


def unless_done(ctx: WriteContext, operation: str, doing: str, done: frozenset[str],
                **params: Any) -> None:
    """A write whose refusal with one of the `done` codes is the state wanted."""
    try:
        organizations(ctx, operation, doing, **params)
    except AwsError as error:
        if error.code not in done:
            raise


def _wait_enabled(ctx: WriteContext, policy_type: PolicyType) -> None:
    """AWS enables a type asynchronously (PENDING_ENABLE): attaching before it ends fails."""
    deadline = time.monotonic() + ENABLE_TIMEOUT_SECONDS
    while True:
        roots = [root for page in ctx.aws.pages("organizations", "list_roots",
                                                "read the organisation's root")
                 for root in page["Roots"]]
        statuses = {found["Type"]: found.get("Status") for root in roots
                    for found in root.get("PolicyTypes", [])}
        if statuses.get(policy_type.api) in ("ENABLED", None):
            return  # None: an emulator that does not say; the attachments will tell
        if time.monotonic() > deadline:
            raise IamctlError(f"{policy_type.plural}: still {statuses[policy_type.api]} after "
                              f"{ENABLE_TIMEOUT_SECONDS:.0f} s; run apply again")
        time.sleep(POLL_SECONDS)


_register(SCP, service_control_policies.CHANGES)
_register(RCP, resource_control_policies.CHANGES)
