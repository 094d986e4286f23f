"""The `Plan`: changes in the order apply will run them, human steps, findings, and a fingerprint.

Pure: built from a `Diff` and the states it came from; `render/` turns it into text, JSON or
Markdown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any

from ..access.documents import Documents, shipped
from ..access.powers import ADMIN, ESCALATION
from ..access.verdicts import judged
from ..changes import (
    Action,
    Change,
    ChangeKind,
    Destination,
    Finding,
    HumanStep,
    Impact,
    Risk,
    StepSubject,
)
from ..diff.diff import Diff
from ..kinds.changes import allows, order_of, phase_of, spec_of
from ..payloads import Payload, Reader, to_json
from ..state import Document, State
from .destinations import (
    DEFAULT_DELIVERY,
    Delivery,
    destination_from_json,
    destination_to_json,
    recipient_notes,
    with_destinations,
)

# The JSON plan's format (CHANGELOG.md says what each changed). 2: a replacement is its own
# action, `replace` (`-/+`), of the kind it replaces (was `update` of `policy_replacement`).
FORMAT_VERSION = 2


@dataclass(frozen=True)
class Plan:
    account_id: str
    alias: str | None  # after apply: the desired alias if managed, else the live one
    changes: tuple[Change, ...]
    human_steps: tuple[HumanStep, ...] = ()
    findings: tuple[Finding, ...] = ()
    unmanaged: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    kept: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # for the reader; nothing due now (a key rotation's next step)
    live_fingerprint: str = ""
    config_fingerprint: str = ""
    # `--target` as typed: a partial plan, of those entities and what they need only.
    targets: tuple[str, ...] = ()

    @property
    def summary(self) -> dict[str, int]:
        actions = [change.action for change in self.changes]
        replacements = actions.count(Action.REPLACE)  # one to destroy and one to add, each
        return {
            "add": actions.count(Action.CREATE) + replacements,
            "change": actions.count(Action.UPDATE),
            "destroy": actions.count(Action.DELETE) + replacements,
            "human": len(self.human_steps),
            "broadening": len(self.broadening),
            "escalation": len(self.escalating),
            "unknown": len(self.unjudged),
            "principals_gaining_access": len(
                {r.principal for c in self.changes for r in c.risks if r.principal}),
        }

    @property
    def broadening(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.impact == Impact.BROADENS)

    @property
    def unjudged(self) -> tuple[Change, ...]:
        """Changes whose effect on access iamctl could not judge: never safe for a gate."""
        return tuple(c for c in self.changes if c.impact == Impact.UNKNOWN)

    @property
    def escalating(self) -> tuple[Change, ...]:
        """Changes that open full administrator access or a known privilege-escalation path."""
        return tuple(c for c in self.changes
                     if any(r.category in (ADMIN, ESCALATION) for r in c.risks))

    @property
    def sign_in_url(self) -> str:
        return f"https://{self.alias or self.account_id}.signin.aws.amazon.com/console"


def make_plan(
    desired: State,
    live: State,
    result: Diff,
    findings: Sequence[Finding] = (),
    delivery: Delivery = DEFAULT_DELIVERY,
    documents: Documents = shipped,
    targets: tuple[str, ...] = (),
) -> Plan:
    """`delivery`: how apply will deliver new secrets (its `--secrets-to`, `--secrets-dir`), so
    that each change creating one names where it goes. `documents`: AWS managed policies'
    documents by ARN (the ones read from AWS, then the package's copy). `targets`: the
    `--target`s `result` was limited to (`targets.limit`)."""
    alias = desired.account.alias if desired.account.alias is not None else live.account.alias
    changes = with_destinations(judged(result.changes, desired, live, documents), desired,
                                delivery)
    return Plan(
        account_id=desired.account.id,
        alias=alias,
        changes=order_changes(changes),
        human_steps=result.human_steps,
        findings=tuple(findings),
        unmanaged=result.unmanaged,
        kept=result.kept,
        notes=result.notes + recipient_notes(desired, live, delivery),
        live_fingerprint=fingerprint(live),
        config_fingerprint=fingerprint(desired),
        targets=targets,
    )


def order_changes(changes: Sequence[Change]) -> tuple[Change, ...]:
    return tuple(sorted(changes, key=change_order))


def change_order(change: Change) -> tuple[int, str, int, int, str]:
    """Phase, then entity, then the kind's place among the entity's changes (`kinds.SPECS`)."""
    # A user's inactive key is removed before a new one is created (two keys at most).
    action_rank = 0 if change.action == Action.DELETE else 1
    return (phase_of(change), change.name, order_of(change.kind), action_rank, change.target)


def fingerprint(state: State) -> str:
    """A digest of everything a plan decided on; volatile facts (key last use) are left out."""
    text = json.dumps(_stable(state), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_VOLATILE_FIELDS = frozenset(
    {"last_used", "confirmed", "password_last_used", "usage_confirmed"}
)


_SCALARS = (str, int, float, type(None))


def _stable(value: Any) -> Any:
    # Runs once per value of two whole states: the common cases are decided first.
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Document):
        return value.meaning  # another spelling of the same document is no change
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _stable(getattr(value, name)) for name in _stable_fields(type(value))}
    if isinstance(value, Mapping):
        return {str(key): _stable(item) for key, item in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted(_stable(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_stable(item) for item in value]
    return value


@cache
def _stable_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in _VOLATILE_FIELDS)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The JSON plan (also the saved plan file). Holds no secret: changes never carry one."""
    return {
        "format_version": FORMAT_VERSION,
        "account": {"id": plan.account_id, "alias": plan.alias},
        "changes": [change_to_dict(change) for change in plan.changes],
        "human_steps": [_step_to_dict(step) for step in plan.human_steps],
        "warnings": [asdict(finding) for finding in plan.findings],
        "unmanaged": {kind: list(names) for kind, names in plan.unmanaged.items()},
        "kept": list(plan.kept),
        "notes": list(plan.notes),
        "summary": plan.summary,
        "fingerprint": {"live": plan.live_fingerprint, "config": plan.config_fingerprint},
        "partial": bool(plan.targets),
        "targets": list(plan.targets),
    }


def _step_to_dict(step: HumanStep) -> dict[str, str]:
    """A human step as the JSON plan writes it: its subject under `kind`, the format's name."""
    return {"kind": step.subject.value, "name": step.name, "message": step.message}


def _step_from_dict(data: Mapping[str, Any]) -> HumanStep:
    """A saved plan's human step (the inverse of `_step_to_dict`)."""
    return HumanStep(StepSubject(data["kind"]), data["name"], data["message"])


def change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "kind": change.kind.value,
        "name": change.name,
        "target": change.target,
        "before": to_json(change.before),
        "after": to_json(change.after),
        "note": change.note,
        "self_lockout": change.self_lockout,
        "impact": change.impact.value,
        "impact_reason": change.impact_reason,
        "risks": [_risk_to_dict(risk) for risk in change.risks],
        "destination": destination_to_json(change.destination),
    }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """Reads a saved plan back (the inverse of `plan_to_dict`); one of another format is
    refused (ValueError): its changes may mean something else now."""
    if data.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"written in plan format {data.get('format_version')}, this iamctl "
                         f"reads format {FORMAT_VERSION}: plan again")
    return Plan(
        account_id=data["account"]["id"],
        alias=data["account"]["alias"],
        changes=tuple(change_from_dict(item) for item in data["changes"]),
        human_steps=tuple(_step_from_dict(step) for step in data["human_steps"]),
        findings=tuple(Finding(**finding) for finding in data["warnings"]),
        unmanaged={kind: tuple(names) for kind, names in data["unmanaged"].items()},
        kept=tuple(data["kept"]),
        notes=tuple(data.get("notes", [])),
        live_fingerprint=data["fingerprint"]["live"],
        config_fingerprint=data["fingerprint"]["config"],
        targets=tuple(str(target) for target in data.get("targets", [])),
    )


def change_from_dict(item: Mapping[str, Any]) -> Change:
    """A change of a saved plan; an action its kind never takes, or a before or after of another
    shape than the kind's, is refused (ValueError), so a hand-edited plan cannot ask apply for a
    write no writer makes."""
    action, kind = Action(item["action"]), ChangeKind.of(item["kind"])
    if not allows(kind, action):
        raise ValueError(f"a {kind.value} change cannot {action.value}")
    before, after = spec_of(kind).readers(action)
    return Change(
        action,
        kind,
        item["name"],
        item["target"],
        _payload(kind, "before", before, item["before"]),
        _payload(kind, "after", after, item["after"]),
        item["note"],
        item.get("self_lockout", ""),
        Impact(item.get("impact", Impact.UNKNOWN.value)),
        tuple(_risk_from_dict(risk) for risk in item.get("risks", [])),
        _destination(kind, action, item.get("destination")),
        impact_reason=str(item.get("impact_reason", "")),
    )


def _risk_to_dict(risk: Risk) -> dict[str, str]:
    """A risk as the JSON plan writes it: its category under `kind`, the plan format's name."""
    return {"kind": risk.category, "detail": risk.detail, "principal": risk.principal}


def _risk_from_dict(data: Mapping[str, Any]) -> Risk:
    """A saved plan's risk (the inverse of `_risk_to_dict`); a key of no risk is refused."""
    rest = dict(data)
    return Risk(rest.pop("kind"), **rest)


def _destination(kind: ChangeKind, action: Action, data: Any) -> Destination | None:
    """A saved change's destination; only a change that creates a secret has one (whether it has
    the one apply would deliver to is `saved_plans.check_saved`'s question)."""
    if data is None:
        return None
    if action != Action.CREATE or not spec_of(kind).secret:
        raise ValueError(f"a {kind.value} change delivers no secret")
    try:
        return destination_from_json(data)
    except ValueError as error:
        raise ValueError(f"the destination of a {kind.value} change: {error}") from None


def _payload(kind: ChangeKind, side: str, reader: Reader | None, data: Any) -> Payload | None:
    """A saved change's before or after, as the kind's reader rebuilds it; null is nothing."""
    if data is None:
        return None
    if reader is None:
        raise ValueError(f"a {kind.value} change carries no {side}")
    try:
        return reader(data)
    except ValueError as error:
        raise ValueError(f"the {side} of a {kind.value} change: {error}") from None
