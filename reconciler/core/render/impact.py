"""How a plan's permission impact reads: marks on change lines, the summary's counts, Markdown's
"New access" section and the `--fail-on` line. Pure; used by `text.py`, `accounts.py` and
`cli/`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..access.powers import ADMIN, ESCALATION, TRUST
from ..changes import Change, Impact, Risk
from ..plan.plan import Plan

RISKS_SHOWN = 2  # per change on its line; the JSON plan has them all
_LABELS = {ADMIN: "admin", ESCALATION: "escalation", TRUST: "trust"}
FAIL_ON = ("broadening", "escalation")


def mark(change: Change) -> str:
    """`[broadens]`, the risks it opens (`[admin: AWS * gains every action on every resource
    via ...]`), or why it could not be judged (`[unknown: ...]`); else empty."""
    if change.risks:
        category = change.risks[0].category
        details = [risk_text(risk) for risk in change.risks]
        shown = "; ".join(details[:RISKS_SHOWN])
        more = f"; +{len(details) - RISKS_SHOWN} more" if len(details) > RISKS_SHOWN else ""
        return f"[{_LABELS.get(category, category)}: {shown}{more}]"
    if change.impact == Impact.BROADENS:
        return "[broadens]"
    if change.impact == Impact.UNKNOWN and change.impact_reason:
        return f"[unknown: {change.impact_reason}]"
    return ""


def risk_text(risk: Risk) -> str:
    """`AWS * gains every action on every resource via ...`, `role ci: Pass a role ...`."""
    if not risk.principal:
        return risk.detail
    if risk.category == TRUST or risk.detail.startswith("holds "):
        verb = ""
    else:
        verb = "can escalate: " if risk.category == ESCALATION else "gains "
    return f"{risk.principal} {verb}{risk.detail}"


def summary_counts(summary: Mapping[str, int]) -> str:
    """`; 1 broadens access, 1 privilege-escalation risk, 1 not judged` (empty when there is
    none)."""
    broadening, escalation = summary.get("broadening", 0), summary.get("escalation", 0)
    unknown = summary.get("unknown", 0)
    if not broadening and not escalation and not unknown:
        return ""
    verb = "broadens" if broadening == 1 else "broaden"
    risks = "risk" if escalation == 1 else "risks"
    judged = f", {unknown} not judged" if unknown else ""
    return f"; {broadening} {verb} access, {escalation} privilege-escalation {risks}{judged}"


def risks_text(change: Change) -> str:
    """`admin: AWS * gains every action ...; trust: AWS * may assume role x` (empty when the
    change opens none)."""
    return "; ".join(f"{_LABELS.get(r.category, r.category)}: {risk_text(r)}" for r in change.risks)


def gains_by_principal(plans: Sequence[Plan]) -> dict[str, tuple[list[str], list[Change]]]:
    """Each principal that gains something: what, in a few words (`can now assume role x`,
    `gains full access`), and the changes that give it, in plan order."""
    found: dict[str, tuple[list[str], list[Change]]] = {}
    for plan in plans:
        for change in plan.changes:
            for risk in change.risks:
                if not risk.principal:
                    continue
                phrases, changes = found.setdefault(risk.principal, ([], []))
                phrase = gain_phrase(risk)
                if phrase not in phrases:
                    phrases.append(phrase)
                if not any(change is c for c in changes):
                    changes.append(change)
    return {principal: (_grouped(phrases), changes)
            for principal, (phrases, changes) in found.items()}


_METHOD = "gains an escalation method: "


def _grouped(phrases: list[str]) -> list[str]:
    """`gains 2 escalation methods: a; b` rather than the same words twice."""
    methods = [p.removeprefix(_METHOD) for p in phrases if p.startswith(_METHOD)]
    others = [p for p in phrases if not p.startswith(_METHOD)]
    if len(methods) > 1:
        return [*others, f"gains {len(methods)} escalation methods: {'; '.join(methods)}"]
    return phrases


def gain_phrase(risk: Risk) -> str:
    if risk.category == TRUST:
        return f"can now {risk.detail.removeprefix('may ')}"  # may assume role x
    if risk.detail.startswith("holds "):
        return risk.detail
    if risk.category == ADMIN:
        # Identity Center says where (`gains full access (permission set X) in 14 accounts`);
        # the IAM model's full access is always the same words.
        where = risk.detail.startswith("full access (permission set ")
        return f"gains {risk.detail}" if where else "gains full access"
    return f"{_METHOD}{risk.detail.split(' via ', 1)[0]}"


def offending(plans: Sequence[Plan], fail_on: Sequence[str]) -> list[Change]:
    """The changes that make `plan --fail-on` fail, in plan order."""
    found: list[Change] = []
    for plan in plans:
        # `unknown` is never safe: a change iamctl could not judge fails the broadening gate,
        # and the escalation gate where it touches a principal holding or gaining full access
        # (such a change carries an `admin` risk: `access/verdicts.py`).
        chosen = [*(plan.broadening + plan.unjudged if "broadening" in fail_on else ()),
                  *(plan.escalating if "escalation" in fail_on else ())]
        found += [change for change in plan.changes if any(change is c for c in chosen)]
    return found


def fail_on_line(changes: Sequence[Change], fail_on: Sequence[str], line_of:
                 Callable[[Change], str]) -> str:
    what = " or ".join(sorted(set(fail_on)))
    names = "; ".join(line_of(change) for change in changes)
    count = f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
    return f"--fail-on {what}: {count}: {names}"
