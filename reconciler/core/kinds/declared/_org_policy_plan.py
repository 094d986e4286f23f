"""How a plan says and judges the changes of an organization policy type, and how export writes
one policy: shared by the service control and resource control policies' declarations.

The ceiling (the Organizations User Guide, "SCP evaluation"): an account's principals (for an
RCP, its resources) can do at most what an Allow permits at every level from the root down,
minus every Deny on the path; the management account is never limited. So, statement by
statement, on a target reaching N member accounts:
- a Deny added narrows, a Deny removed broadens;
- an Allow added broadens, an Allow taken away narrows, unless the target keeps a policy that
  allows everything (FullAWSAccess), when it changes nothing;
- a change reaching no member account changes no one's ceiling.
A change both ways broadens: a gate must see the half that opens. Which statement a document
change added or removed is told by meaning (statement order, Sids and action case aside), so a
Deny rewritten is one removed and one added, and broadens: never called narrower on a guess.

Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...changes import Action, Change, Impact
from ...payloads import tags_of, text
from ...policy.documents import as_written, canonical, document_diff, parse
from ...wording import plural
from ._org_policy_diff import PolicyKinds
from ._org_policy_model import EVERYWHERE, OrgPolicy, PolicyType, statements_by_meaning

_Statements = dict[str, dict[str, Any]]  # by meaning -> as written


def actions_of(statement: Mapping[str, Any]) -> str:
    """`organizations:LeaveOrganization`, `every action but iam:*`, as written; then what
    narrows the statement, `(resource arn:...; condition on aws:PrincipalAccount)`, so that a
    deny rewritten with a condition does not read as the same deny removed and added."""
    if "NotAction" in statement:
        actions = f"every action but {_listed(statement['NotAction'])}"
    else:
        actions = _listed(statement.get("Action", []))
    limits = _limits(statement)
    return f"{actions} ({'; '.join(limits)})" if limits else actions


def _limits(statement: Mapping[str, Any]) -> list[str]:
    limits = []
    if "NotResource" in statement:
        limits.append(f"every resource but {_listed(statement['NotResource'])}")
    elif statement.get("Resource", "*") not in ("*", ["*"]):
        limits.append(f"resource {_listed(statement['Resource'])}")
    condition = statement.get("Condition")
    if isinstance(condition, Mapping) and condition:
        keys = sorted({key for test in condition.values() if isinstance(test, Mapping)
                       for key in test})
        limits.append(f"condition on {', '.join(keys)}")
    return limits


def _listed(value: Any) -> str:
    return ", ".join([value] if isinstance(value, str) else value)


class PolicyPlan:
    """One type's describers and access rules."""

    def __init__(self, policy_type: PolicyType, kinds: PolicyKinds) -> None:
        self.type = policy_type
        self.kinds = kinds

    # What a change does to the ceiling, as (impact, the lines saying it).

    def effects(self, change: Change) -> tuple[Impact, list[str]]:
        if change.kind == self.kinds.target:
            payload = tags_of(change.after if change.action == Action.CREATE else change.before)
            document = payload.get("document", "")
            added = change.action == Action.CREATE
            gained = (statements_by_meaning(document, "Deny"),
                      statements_by_meaning(document, "Allow"))
            lost: tuple[_Statements, _Statements] = ({}, {})
            denies_added, allows_added = gained if added else lost
            denies_removed, allows_removed = lost if added else gained
        else:  # a document change
            before = tags_of(change.before).get("document", "")
            payload = tags_of(change.after)
            after = payload.get("document", "")
            denies_added, denies_removed = _delta(before, after, "Deny")
            allows_added, allows_removed = _delta(before, after, "Allow")
        if payload.get("covered") == "yes":
            allows_added, allows_removed = {}, {}
        # A Deny the targets keep from above (or from another policy of their own) is neither
        # added nor removed there.
        kept = set(payload.get("inherited", "").splitlines())
        denies_added = {k: v for k, v in denies_added.items() if k not in kept}
        denies_removed = {k: v for k, v in denies_removed.items() if k not in kept}
        accounts = int(payload.get("accounts", "0"))
        return _judged(accounts, denies_added, denies_removed, allows_added, allows_removed)

    def judged(self, change: Change) -> tuple[Impact, str]:
        if change.kind in (self.kinds.target, self.kinds.document):
            return self.effects(change)[0], ""
        if change.kind == self.kinds.tags:
            return Impact.UNKNOWN, "tags can decide conditions (aws:ResourceTag) on who may " \
                                   "change the policy"
        # A policy created is attached nowhere yet, one deleted was detached first (each attach
        # and detach is judged on its own line); a description limits nothing; enabling the
        # type attaches AWS's full-access policy everywhere, which limits nothing.
        return Impact.NEUTRAL, ""

    # How a plan says them.

    def describe_target(self, change: Change) -> tuple[str, list[str]]:
        attach = change.action == Action.CREATE
        payload = tags_of(change.after if attach else change.before)
        reach = plural(int(payload.get("accounts", "0")), "member account")
        verb = "attach to" if attach else "detach from"
        line = f"{self.type.short} {change.name}: {verb} {payload.get('name', '')} ({reach})"
        return line, self.effects(change)[1]

    def describe_document(self, change: Change) -> tuple[str, list[str]]:
        before = tags_of(change.before).get("document", "")
        after = tags_of(change.after)
        reach = plural(int(after.get("accounts", "0")), "member account")
        lines = document_diff(before, after.get("document", "")) if before else []
        return (f"{self.type.short} {change.name}: document (reaches {reach})",
                lines + self.effects(change)[1])

    def describe_enabled(self, change: Change) -> tuple[str, list[str]]:
        return (f"organization root: enable {self.type.plural} (AWS attaches "
                f"{self.type.full_access} to every target)", [])


def _delta(before: str, after: str, effect: str) -> tuple[_Statements, _Statements]:
    old, new = statements_by_meaning(before, effect), statements_by_meaning(after, effect)
    return ({k: v for k, v in new.items() if k not in old},
            {k: v for k, v in old.items() if k not in new})


def _judged(accounts: int, denies_added: _Statements, denies_removed: _Statements,
            allows_added: _Statements, allows_removed: _Statements) -> tuple[Impact, list[str]]:
    if not accounts:  # the line's "(0 member accounts)" says it: no ceiling moves
        return Impact.NEUTRAL, []
    where = f"in {plural(accounts, 'account')}"
    lines = [f"adds a deny on {actions_of(s)} {where}" for s in denies_added.values()] + \
        [f"removes the deny on {actions_of(s)} {where}" for s in denies_removed.values()] + \
        [f"allows {actions_of(s)} {where}" for s in allows_added.values()] + \
        [f"no longer allows {actions_of(s)} {where}" for s in allows_removed.values()]
    if denies_removed or allows_added:
        return Impact.BROADENS, lines
    if denies_added or allows_removed:
        return Impact.NARROWS, lines
    return Impact.NEUTRAL, lines


# A saved plan's payloads, read back.


def spec_payload(data: object) -> Mapping[str, str]:
    found = _fields(data, {"description", "document"})
    if found["document"]:
        parse(found["document"])
    return found


def target_payload(data: object) -> Mapping[str, str]:
    found = _fields(data, {"node", "name", "accounts", "document", "covered", "inherited"})
    _count(found["accounts"])
    if found["covered"] not in ("yes", "no"):
        raise ValueError("expected covered: yes or no")
    return found


def document_before(data: object) -> Mapping[str, str]:
    found = _fields(data, {"document"})
    parse(found["document"])
    return found


def document_after(data: object) -> Mapping[str, str]:
    found = _fields(data, {"document", "accounts", "covered", "inherited"})
    parse(found["document"])
    _count(found["accounts"])
    return found


def _fields(data: object, names: set[str]) -> Mapping[str, str]:
    if not isinstance(data, Mapping) or set(data) != names \
            or not all(isinstance(value, str) for value in data.values()):
        raise ValueError(f"expected the text fields {', '.join(sorted(names))}")
    return {str(key): str(value) for key, value in data.items()}


def _count(written: str) -> None:
    if not written.isdigit():
        raise ValueError("expected a number of accounts")


def policy_type_payload(policy_type: PolicyType) -> Any:
    def read(data: object) -> str:
        if text(data) != policy_type.api:
            raise ValueError(f"expected {policy_type.api}")
        return policy_type.api
    return read


# Export.


def to_file(found: OrgPolicy) -> dict[str, Any]:
    """The entry export writes for a policy: its targets as the file names them."""
    targets: Any = EVERYWHERE if found.everywhere else sorted(found.target_names)
    if found.aws_managed:
        return {"name": found.name, "aws_managed": True, "targets": targets}
    return {"name": found.name, "description": found.description or "",
            "document": as_written(found.document or canonical({})),
            "targets": targets, "tags": dict(found.tags or {})}
