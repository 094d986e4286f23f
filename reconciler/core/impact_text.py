"""How a plan's permission impact reads: marks on change lines, the summary's counts, Markdown's
"New access" section and the `--fail-on` line. Pure; used by `render.py`, `accounts.py` and
`cli.py`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .escalation import ADMIN, ESCALATION, TRUST
from .model import Change, Impact
from .plan import Plan

RISKS_SHOWN = 2  # per change on its line; the JSON plan has them all
_LABELS = {ADMIN: "admin", ESCALATION: "escalation", TRUST: "trust"}
FAIL_ON = ("broadening", "escalation")


def mark(change: Change) -> str:
    """`[broadens]`, or the risks it opens: `[escalation: iam:PassRole on *]`; else empty."""
    if change.risks:
        kind = change.risks[0].kind
        details = [risk.detail for risk in change.risks]
        shown = ", ".join(details[:RISKS_SHOWN])
        more = f", +{len(details) - RISKS_SHOWN} more" if len(details) > RISKS_SHOWN else ""
        return f"[{_LABELS.get(kind, kind)}: {shown}{more}]"
    if change.impact == Impact.BROADENS:
        return "[broadens]"
    return ""


def summary_counts(summary: Mapping[str, int]) -> str:
    """`; 1 broadens access, 1 privilege-escalation risk` (empty when there is none)."""
    broadening, escalation = summary.get("broadening", 0), summary.get("escalation", 0)
    if not broadening and not escalation:
        return ""
    verb = "broadens" if broadening == 1 else "broaden"
    risks = "risk" if escalation == 1 else "risks"
    return f"; {broadening} {verb} access, {escalation} privilege-escalation {risks}"


def risks_text(change: Change) -> str:
    """`escalation: iam:PassRole on *; admin: * on *` (empty when the change opens none)."""
    return "; ".join(f"{_LABELS.get(r.kind, r.kind)}: {r.detail}" for r in change.risks)


def offending(plans: Sequence[Plan], fail_on: Sequence[str]) -> list[Change]:
    """The changes that make `plan --fail-on` fail, in plan order."""
    found: list[Change] = []
    for plan in plans:
        chosen = [*(plan.broadening if "broadening" in fail_on else ()),
                  *(plan.escalating if "escalation" in fail_on else ())]
        found += [change for change in plan.changes if any(change is c for c in chosen)]
    return found


def fail_on_line(changes: Sequence[Change], fail_on: Sequence[str], line_of:
                 Callable[[Change], str]) -> str:
    what = " or ".join(sorted(set(fail_on)))
    names = "; ".join(line_of(change) for change in changes)
    count = f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
    return f"--fail-on {what}: {count}: {names}"
