"""The `Plan`: changes in the order apply will run them, human steps, findings, and a fingerprint.

Pure: built from a `Diff` and the states it came from; `render.py` turns it into text, JSON or
Markdown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any

from .diff import Diff
from .escalation import ADMIN, ESCALATION
from .impact import with_impact
from .model import Action, Change, Document, Finding, HumanStep, Impact, Kind, Risk, State, StepKind

FORMAT_VERSION = 1

# Apply runs changes phase by phase: what others depend on first, deletions last. The alias
# comes first: new credentials are delivered with the sign-in URL it makes, so it must be set
# (or have failed, stopping apply) before any is created. The password policy can follow the
# users: generated passwords already satisfy the policy the file asks for.
_PHASES: dict[Kind, int] = {
    Kind.ALIAS: 0,
    Kind.POLICY: 1,
    Kind.POLICY_REPLACEMENT: 1,
    Kind.POLICY_DOCUMENT: 1,
    Kind.POLICY_TAGS: 1,
    Kind.GROUP: 2,
    Kind.GROUP_PATH: 2,
    Kind.GROUP_POLICY: 2,
    Kind.GROUP_INLINE_POLICY: 2,
    Kind.GROUP_MEMBER: 2,  # removals only: see _REMOVALS_PHASE
    Kind.USER: 3,
    Kind.USER_PATH: 3,
    Kind.USER_TAGS: 3,
    Kind.LOGIN_PROFILE: 3,
    Kind.ACCESS_KEY: 3,
    Kind.ACCESS_KEY_STATUS: 3,
    Kind.USER_GROUP: 3,
    Kind.USER_POLICY: 3,
    Kind.USER_INLINE_POLICY: 3,
    Kind.PASSWORD_POLICY: 4,
}
_REMOVALS_PHASE = 5  # detach, remove from group, delete inline policy or login profile
# Whole entities last: users first (they leave their groups), then groups, then policies (which
# by then are attached to fewer entities).
_DELETION_PHASES = {Kind.USER: 6, Kind.GROUP: 7, Kind.POLICY: 8}
# Within one entity: the entity, then its settings, credentials, memberships and policies (the
# order a person would read them in, and one that works when run top to bottom).
_KIND_ORDER = {
    kind: index
    for index, kind in enumerate(
        [
            Kind.ALIAS,
            Kind.POLICY, Kind.POLICY_REPLACEMENT, Kind.POLICY_DOCUMENT, Kind.POLICY_TAGS,
            Kind.GROUP, Kind.GROUP_PATH, Kind.GROUP_POLICY, Kind.GROUP_INLINE_POLICY,
            Kind.GROUP_MEMBER,
            Kind.USER, Kind.USER_PATH, Kind.USER_TAGS, Kind.LOGIN_PROFILE, Kind.ACCESS_KEY,
            Kind.ACCESS_KEY_STATUS, Kind.USER_GROUP, Kind.USER_POLICY, Kind.USER_INLINE_POLICY,
            Kind.PASSWORD_POLICY,
        ]
    )
}


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

    @property
    def summary(self) -> dict[str, int]:
        actions = [change.action for change in self.changes]
        replacements = sum(1 for c in self.changes if c.kind == Kind.POLICY_REPLACEMENT)
        return {
            "add": actions.count(Action.CREATE) + replacements,
            "change": actions.count(Action.UPDATE) - replacements,
            "destroy": actions.count(Action.DELETE) + replacements,
            "human": len(self.human_steps),
            "broadening": len(self.broadening),
            "escalation": len(self.escalating),
        }

    @property
    def broadening(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.impact == Impact.BROADENS)

    @property
    def escalating(self) -> tuple[Change, ...]:
        """Changes that open full administrator access or a known privilege-escalation path."""
        return tuple(c for c in self.changes if any(r.kind in (ADMIN, ESCALATION) for r in c.risks))

    @property
    def sign_in_url(self) -> str:
        return f"https://{self.alias or self.account_id}.signin.aws.amazon.com/console"


def make_plan(
    desired: State,
    live: State,
    result: Diff,
    findings: Sequence[Finding] = (),
) -> Plan:
    alias = desired.account.alias if desired.account.alias is not None else live.account.alias
    return Plan(
        account_id=desired.account.id,
        alias=alias,
        changes=order_changes(with_impact(result.changes, desired, live)),
        human_steps=result.human_steps,
        findings=tuple(findings),
        unmanaged=result.unmanaged,
        kept=result.kept,
        notes=result.notes,
        live_fingerprint=fingerprint(live),
        config_fingerprint=fingerprint(desired),
    )


def order_changes(changes: Sequence[Change]) -> tuple[Change, ...]:
    return tuple(sorted(changes, key=change_order))


def change_order(change: Change) -> tuple[int, str, int, int, str]:
    phase = phase_of(change)
    # A user's inactive key is removed before a new one is created (two keys at most).
    action_rank = 0 if change.action == Action.DELETE else 1
    return (phase, change.name, _KIND_ORDER[change.kind], action_rank, change.target)


def phase_of(change: Change) -> int:
    if change.action != Action.DELETE or change.kind == Kind.ACCESS_KEY:
        return _PHASES[change.kind]
    return _DELETION_PHASES.get(change.kind, _REMOVALS_PHASE)


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
        "human_steps": [asdict(step) for step in plan.human_steps],
        "warnings": [asdict(finding) for finding in plan.findings],
        "unmanaged": {kind: list(names) for kind, names in plan.unmanaged.items()},
        "kept": list(plan.kept),
        "notes": list(plan.notes),
        "summary": plan.summary,
        "fingerprint": {"live": plan.live_fingerprint, "config": plan.config_fingerprint},
    }


def change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "kind": change.kind.value,
        "name": change.name,
        "target": change.target,
        "before": change.before,
        "after": change.after,
        "note": change.note,
        "self_lockout": change.self_lockout,
        "impact": change.impact.value,
        "risks": [asdict(risk) for risk in change.risks],
    }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """Reads a saved plan back (the inverse of `plan_to_dict`)."""
    return Plan(
        account_id=data["account"]["id"],
        alias=data["account"]["alias"],
        changes=tuple(
            Change(
                Action(item["action"]),
                Kind(item["kind"]),
                item["name"],
                item["target"],
                item["before"],
                item["after"],
                item["note"],
                item.get("self_lockout", ""),
                Impact(item.get("impact", Impact.UNKNOWN.value)),
                tuple(Risk(**risk) for risk in item.get("risks", [])),
            )
            for item in data["changes"]
        ),
        human_steps=tuple(
            HumanStep(StepKind(step["kind"]), step["name"], step["message"])
            for step in data["human_steps"]
        ),
        findings=tuple(Finding(**finding) for finding in data["warnings"]),
        unmanaged={kind: tuple(names) for kind, names in data["unmanaged"].items()},
        kept=tuple(data["kept"]),
        notes=tuple(data.get("notes", [])),
        live_fingerprint=data["fingerprint"]["live"],
        config_fingerprint=data["fingerprint"]["config"],
    )
