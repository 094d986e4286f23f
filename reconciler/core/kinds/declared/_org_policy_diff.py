"""The diff of one type of organization policy: each declared policy's document, description,
tags and targets exact; prune deletes the undeclared ones (detached first); the type enabled on
the root when it is not. Then the plan is refused, before any change, when it would leave a
target over the per-target quota (after it, or in between: apply attaches before it detaches)
or (for SCPs) without any policy: counted over every policy of the type, those iamctl does not
manage included.

Each attach, detach and document change carries what its line and its access rule need: the
target's name, the member accounts it reaches, the document, and whether the target keeps a
policy that allows every action on every resource (then an Allow added or taken away changes
nothing).

Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ...changes import Action, Change, ChangeKind
from ...errors import IamctlError
from ...policy.documents import canonical
from ...state import Document
from ._org_policy_model import (
    MAX_PER_TARGET,
    OrgPolicy,
    PolicyContext,
    PolicyType,
    allow_statements,
    statements_by_meaning,
)


@dataclass(frozen=True)
class PolicyKinds:
    """One type's kinds of change."""

    policy: ChangeKind  # create / delete; target: the policy id
    description: ChangeKind
    document: ChangeKind
    tags: ChangeKind
    target: ChangeKind  # attach (create) / detach (delete); target: the policy id
    enabled: ChangeKind  # the type enabled on the root; target: the root's id

    @classmethod
    def of(cls, prefix: str) -> PolicyKinds:
        named = ChangeKind.named
        return cls(named(prefix), named(f"{prefix}_description"), named(f"{prefix}_document"),
                   named(f"{prefix}_tags"), named(f"{prefix}_target"),
                   named(f"{prefix}_type_enabled"))


class PlanRefused(IamctlError):
    """A plan AWS would refuse half-way: said before any change, naming the target."""


@dataclass(frozen=True)
class Outcome:
    """Where each policy of a type is once the files are applied: what the diff plans, and
    what the access model's ceiling (`access/ceiling.py`) reads."""

    enable: bool  # the plan enables the type (the files declare policies of it)
    enabled: bool  # the type is enabled once applied
    every: Mapping[str, OrgPolicy]  # as AWS holds them before the plan's own changes
    after: Mapping[str, tuple[str, ...]]  # each policy's targets once applied, by name
    pruned: tuple[OrgPolicy, ...]  # the undeclared policies prune deletes

    def document(self, name: str, desired: Mapping[str, OrgPolicy]) -> Document | None:
        """The policy's document once applied: the files', else AWS's."""
        wanted, found = desired.get(name), self.every.get(name)
        if wanted is not None and wanted.document is not None:
            return wanted.document
        return found.document if found is not None else None


def outcome(policy_type: PolicyType, desired: Mapping[str, OrgPolicy],
            managed: Mapping[str, OrgPolicy], context: PolicyContext, prune: bool) -> Outcome:
    """`managed`: the live policies `ignore` does not name, those prune may delete (the others
    stay where they are)."""
    # A type not enabled is enabled for the policies the files declare; an empty section wants
    # none, and leaves it as it is.
    enable = not context.enabled and bool(desired)
    every = as_enabled(policy_type, context) if enable else dict(context.every)
    pruned = tuple(found for name, found in managed.items()
                   if prune and name not in desired and not found.aws_managed)
    after = {name: found.targets for name, found in every.items()}
    after.update({name: tuple(sorted(context.resolve(wanted)))
                  for name, wanted in desired.items()})
    after.update({found.name: () for found in pruned})
    return Outcome(enable, enable or context.enabled, every, after, pruned)


def as_enabled(policy_type: PolicyType, context: PolicyContext) -> dict[str, OrgPolicy]:
    """The policies as AWS will hold them once the type is enabled: enabling it attaches AWS's
    full-access policy to every target, which the plan must not attach again."""
    every = dict(context.every)
    if context.enabled or policy_type.full_access not in every:
        return every
    full = every[policy_type.full_access]
    every[full.name] = OrgPolicy(full.name, full.description, full.document,
                                 tuple(context.nodes()), aws_managed=True,
                                 policy_id=full.policy_id)
    return every


def diff(policy_type: PolicyType, kinds: PolicyKinds, desired: Mapping[str, OrgPolicy],
         live: Mapping[str, OrgPolicy], context: PolicyContext | None,
         prune: bool) -> list[Change]:
    if context is None:  # the files declare none of the type: nothing was read
        return []
    for wanted in desired.values():
        _check_ownership(policy_type, wanted, context.every.get(wanted.name))
    result = outcome(policy_type, desired, live, context, prune)
    changes = [Change(Action.CREATE, kinds.enabled, policy_type.api, context.organization.root,
                      after=policy_type.api)] if result.enable else []
    for name, wanted in desired.items():
        changes += _policy_changes(kinds, wanted, result.every.get(name))
    _refuse_what_aws_would(policy_type, context, result.every, result.after, desired)
    attachments = _Attachments(context, result, desired)
    for name, wanted in desired.items():
        changes += attachments.document_change(kinds, wanted, result.every.get(name))
        changes += attachments.changes(kinds, wanted, result.every.get(name))
    for found in result.pruned:
        changes += attachments.changes(kinds, found, found)
        changes.append(Change(Action.DELETE, kinds.policy, found.name, found.policy_id,
                              before=_spec(found)))
    return changes


def _check_ownership(policy_type: PolicyType, wanted: OrgPolicy,
                     found: OrgPolicy | None) -> None:
    """AWS's own policy cannot be edited, and the file must say it is AWS's; one the file calls
    AWS's must be there (an organisation of the type always has it)."""
    if found is not None and found.aws_managed and not wanted.aws_managed:
        raise _refused(policy_type, [wanted], f"{wanted.name} is AWS's own {policy_type.label}: "
                       "declare it with `aws_managed: true` and its targets only")
    if wanted.aws_managed and found is None:
        raise _refused(policy_type, [wanted], f"the organisation has no {wanted.name}")


def _policy_changes(kinds: PolicyKinds, wanted: OrgPolicy,
                    found: OrgPolicy | None) -> list[Change]:
    if wanted.aws_managed:
        return []
    if found is None:
        changes = [Change(Action.CREATE, kinds.policy, wanted.name, after=_spec(wanted))]
        if wanted.tags:
            changes.append(Change(Action.UPDATE, kinds.tags, wanted.name, before={},
                                  after=dict(wanted.tags)))
        return changes
    changes = []
    if wanted.description is not None and wanted.description != (found.description or ""):
        changes.append(Change(Action.UPDATE, kinds.description, wanted.name, found.policy_id,
                              before=found.description or "", after=wanted.description))
    if wanted.tags is not None and dict(wanted.tags) != dict(found.tags or {}):
        changes.append(Change(Action.UPDATE, kinds.tags, wanted.name, found.policy_id,
                              before=dict(found.tags or {}), after=dict(wanted.tags)))
    return changes


def _spec(policy: OrgPolicy) -> dict[str, str]:
    return {"description": policy.description or "", "document": _text(policy)}


def _text(policy: OrgPolicy) -> str:
    return policy.document.text if policy.document is not None else ""


def _refuse_what_aws_would(policy_type: PolicyType, context: PolicyContext,
                           every: Mapping[str, OrgPolicy], after: Mapping[str, tuple[str, ...]],
                           desired: Mapping[str, OrgPolicy]) -> None:
    """Per target, the policies of the type after the plan, and while apply runs (every attach
    is made before any detach, so a target then holds both its old and its new ones): more
    than AWS allows, or (for SCPs) none at all after, and AWS would refuse an attach or a
    detach half-way through apply. Said at the targets of a declared policy that makes it so,
    when there is one."""
    now = _held(context, after)
    then = _held(context, {name: found.targets for name, found in every.items()})
    for node, names in now.items():
        where, before = context.node_name(node), then.get(node, set())
        added = [desired[name] for name in sorted(names - before) if name in desired]
        if len(names) > MAX_PER_TARGET:
            raise _refused(policy_type, added, (
                f"{where} would hold {len(names)} {policy_type.plural} "
                f"({', '.join(sorted(names))}); AWS allows {MAX_PER_TARGET} per target, those "
                "iamctl does not manage included"))
        if len(names | before) > MAX_PER_TARGET:
            raise _refused(policy_type, added, (
                f"{where} would hold {len(names | before)} {policy_type.plural} while apply "
                f"runs ({', '.join(sorted(names | before))}): apply attaches before it "
                f"detaches, and AWS allows {MAX_PER_TARGET} per target; detach "
                f"{', '.join(sorted(before - names))} from {where} in an apply of its own first"))
        if policy_type.never_bare and not names and before:
            removed = [desired[name] for name in sorted(before) if name in desired]
            raise _refused(policy_type, removed, (
                f"the plan would leave {where} without any {policy_type.label}, which AWS "
                f"refuses; attach another there (such as {policy_type.full_access}) in the same "
                "files"))


def _refused(policy_type: PolicyType, culprits: list[OrgPolicy], message: str) -> IamctlError:
    """At the targets of the first declared policy to blame, else naming the section."""
    place = next((policy.place for policy in culprits if policy.place is not None), None)
    if place is None:
        return PlanRefused(f"{policy_type.section}: {message}")
    return place.error(message)


def _held(context: PolicyContext, placed: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """The names of the policies on each target (every target, those that hold none too)."""
    held: dict[str, set[str]] = {node: set() for node in context.nodes()}
    for name, nodes in placed.items():
        for node in nodes:
            held.setdefault(node, set()).add(name)
    return held


class _Attachments:
    """The attach and detach changes of each policy, with what their lines and rules need."""

    def __init__(self, context: PolicyContext, result: Outcome,
                 desired: Mapping[str, OrgPolicy]) -> None:
        self.context = context
        self.result = result
        self.desired = desired

    def changes(self, kinds: PolicyKinds, policy: OrgPolicy,
                found: OrgPolicy | None) -> Iterable[Change]:
        """A target gains the document the files give it, and one left loses the document it
        held (what the plan changes there, whatever apply's order passes through)."""
        before = set(found.targets) if found else set()
        now = set(self.result.after[policy.name])
        policy_id = found.policy_id if found else ""
        for node in sorted(now - before):
            covered = self._covered(node, policy.name, live=True) and \
                self._covered(node, policy.name, live=False)
            kept = self._kept(node, policy.name, live=True) & \
                self._kept(node, policy.name, live=False)
            yield Change(Action.CREATE, kinds.target, policy.name, policy_id,
                         after=self._payload(node, self._text(policy.name, live=False),
                                             covered, kept))
        for node in sorted(before - now):
            covered = self._covered(node, policy.name, live=False)
            kept = self._kept(node, policy.name, live=False)
            yield Change(Action.DELETE, kinds.target, policy.name, policy_id,
                         before=self._payload(node, self._text(policy.name, live=True),
                                              covered, kept))

    def document_change(self, kinds: PolicyKinds, wanted: OrgPolicy,
                        found: OrgPolicy | None) -> list[Change]:
        """A declared policy's new document, judged where it stays attached: a target it
        leaves loses the old document (its detach says so), one it comes to gains the new one
        (its attach)."""
        if found is None or wanted.document is None or wanted.document == found.document:
            return []
        nodes = sorted(set(self.result.after[wanted.name]) & set(found.targets))
        covered = bool(nodes) and all(self._covered(node, wanted.name, live=False)
                                      for node in nodes)
        kept = set.intersection(*(self._kept(node, wanted.name, live=True)
                                  & self._kept(node, wanted.name, live=False)
                                  for node in nodes)) if nodes else set()
        return [Change(Action.UPDATE, kinds.document, wanted.name, found.policy_id,
                       before={"document": _text(found)},
                       after={"document": wanted.document.text,
                              "accounts": str(self.context.accounts_reached(nodes)),
                              "covered": "yes" if covered else "no",
                              "inherited": "\n".join(sorted(kept))})]

    def _text(self, name: str, live: bool) -> str:
        """The policy's document as AWS holds it (`live`), or once applied."""
        found = self.result.every.get(name)
        document = (found.document if found else None) if live \
            else self.result.document(name, self.desired)
        return document.text if document is not None else ""

    def _placed(self, live: bool) -> Iterator[tuple[str, frozenset[str], str]]:
        """Each policy of the type, where it is and its document: live, or once applied."""
        every, after = self.result.every, self.result.after
        for name in (every if live else after):
            nodes = every[name].targets if live else after[name]
            yield name, frozenset(nodes), self._text(name, live)

    def _covered(self, node: str, name: str, live: bool) -> bool:
        """Whether another policy that allows everything is on `node` (live, or after)."""
        return any(other != name and node in nodes and text and _allows_all(text)
                   for other, nodes, text in self._placed(live))

    def _kept(self, node: str, name: str, live: bool) -> set[str]:
        """The Denies (by meaning) in force on every account under `node` whatever `name`
        does there (live, or after): held by a node above it, by any policy, or by another
        policy on `node` itself."""
        above = set(self.context.above(node))
        return {key for other, nodes, text in self._placed(live)
                if nodes & above or (other != name and node in nodes)
                for key in statements_by_meaning(text, "Deny")}

    def _payload(self, node: str, document: str, covered: bool,
                 kept: set[str]) -> dict[str, str]:
        return {"node": node, "name": self.context.node_name(node),
                "accounts": str(self.context.accounts_reached([node])), "document": document,
                "covered": "yes" if covered else "no", "inherited": "\n".join(sorted(kept))}


def _allows_all(text: str) -> bool:
    """Whether a document allows every action on every resource, unconditioned, as
    FullAWSAccess does: then another Allow beside it changes no ceiling. An Allow of every
    action but some (NotAction), or of every resource but some (NotResource), leaves holes
    that an Allow beside it opens: no cover (IAM's `allows_everything` counts it as full
    access, right for a risk, wrong here)."""
    return any(not {"Condition", "NotAction", "NotResource"} & set(statement)
               and {"*", "*:*"} & set(statement.get("Action", []))
               and "*" in statement.get("Resource", [])
               for statement in allow_statements(canonical(text)))
