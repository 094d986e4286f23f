"""Renders a `Plan` for people: the text plan for the terminal (`markdown.py` makes the pull
request comment from the same lines).

Every change renders as one line (`+ user admin: attach AdministratorAccess`), possibly followed
by indented detail (a policy document change, statement by statement).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from itertools import groupby

from ..changes import Action, Change, Finding, HumanStep, StepSubject
from ..kinds.changes import spec_of
from ..plan.destinations import delivered_to
from ..plan.plan import Plan
from ..wording import plural
from . import impact as impact_text

SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.REPLACE: "-/+"}
# ANSI colours by mark (green, yellow, red, yellow, magenta): written here rather than through
# click, so this module stays pure; the caller decides whether colour is wanted.
COLORS = {"+": "32", "~": "33", "-": "31", "-/+": "33", "!": "35"}
NO_CHANGES = "No changes. The account matches the configuration."
NOT_COMPARED = "the rest of the account was not compared"


def header(plan: Plan) -> str:
    label = f"{plan.account_id} ({plan.alias})" if plan.alias else plan.account_id
    return f"Account {label}, sign-in URL {plan.sign_in_url}"


def summary_line(plan: Plan) -> str:
    s = plan.summary
    targets = " ".join(f"--target {target}" for target in plan.targets)
    if not plan.changes and not plan.human_steps:
        # A partial plan never says the account matches: the rest of it was not compared.
        if targets:
            return f"No changes for the targets ({targets}); {NOT_COMPARED}."
        return NO_CHANGES
    line = f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy"
    steps = f"{s['human']} human step{'s' if s['human'] != 1 else ''}"
    line = f"{line}, {steps}{impact_text.summary_counts(s)}."
    if targets:
        line += (f" Partial plan ({targets}): only these entities and what they need; "
                 f"{NOT_COMPARED}.")
    return line


def change_lines(change: Change) -> list[str]:
    """The plan line for one change (marked when it broadens access or would cut off the
    credentials running iamctl), then indented detail; each printable (see `printable`)."""
    subject, detail = describe(change)  # once: a document's detail is the costly part
    lockout = f"[SELF-LOCKOUT: {change.self_lockout}]" if change.self_lockout else ""
    parts = (titled(change, subject), lockout, impact_text.mark(change))
    line = " ".join(part for part in parts if part)
    return [printable(line)] + [printable(f"      {d}") for d in detail]


def change_title(change: Change) -> str:
    """`+ user admin: attach AdministratorAccess (note)`: the change in one line."""
    subject, _ = describe(change)
    return titled(change, subject)


def titled(change: Change, subject: str) -> str:
    """The change's mark and subject, its note, and where the secret it creates is delivered
    (`, delivered encrypted to age recipient age1...`): a reviewer reads it beside the key."""
    line = marked(change, subject)
    line = f"{line} ({change.note})" if change.note else line
    return f"{line}, {delivered_to(change.destination)}" if change.destination else line


def marked(change: Change, subject: str) -> str:
    return f"{SYMBOLS[change.action]} {subject}"


def change_subject(change: Change) -> str:
    """`+ user bob: access key`: the change without its note or destination."""
    subject, _ = describe(change)
    return marked(change, subject)


def describe(change: Change) -> tuple[str, list[str]]:
    return spec_of(change.kind).describe(change)


def plan_lines(plan: Plan) -> list[str]:
    """The body of a plan: changes, human steps (symbol `!`)."""
    lines = [line for change in plan.changes for line in change_lines(change)]
    lines += [f"! {step_line(step)}" for step in plan.human_steps]
    return lines


def step_line(step: HumanStep) -> str:
    subject = f"user {step.name}" if step.subject == StepSubject.USER_MFA else step.name
    return f"{subject}: {step.message}"


def extra_lines(plan: Plan) -> list[str]:
    """Notes under the plan: kept entities, unmanaged entities, security warnings."""
    lines = [f"note: {reason}" for reason in plan.kept + plan.notes]
    lockouts = sum(1 for change in plan.changes if change.self_lockout)
    if lockouts:
        lines.append(
            f"note: {plural(lockouts, 'change')} marked SELF-LOCKOUT would cut off the "
            "credentials running iamctl: apply refuses them without --allow-self-lockout"
        )
    for kind, names in plan.unmanaged.items():
        shown = ", ".join(names[:10]) + (
            f", ... ({len(names) - 10} more)" if len(names) > 10 else ""
        )
        lines.append(f"unmanaged {kind} (in the account, not in the file): {len(names)}: {shown}")
    return lines + warning_lines(plan.findings)


# On an account of thousands of users one check can fire thousands of times: show a few.
WARNINGS_SHOWN_PER_CHECK = 3


def warning_lines(findings: Sequence[Finding]) -> list[str]:
    """One line per finding, at most a few per CIS check, then how many more (JSON has all)."""
    lines = []
    for check, group in groupby(findings, key=lambda finding: finding.check):
        same = list(group)
        # A finding the file's `checks: fail_on` names is an error, not a warning.
        level = "error" if same[0].fails else "warning"
        lines += [
            f"{level}: CIS {f.check}: {f.name}: {f.message}"
            for f in same[:WARNINGS_SHOWN_PER_CHECK]
        ]
        if len(same) > WARNINGS_SHOWN_PER_CHECK:
            more = len(same) - WARNINGS_SHOWN_PER_CHECK
            lines.append(f"{level}: CIS {check}: ... and {more:,} more like these (all in --json)")
    return lines


# A line ends at \n and \r (and, in browsers, at the Unicode line and paragraph separators).
_BREAKS = {"\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def printable(value: str) -> str:
    """`value` on one line, line breaks and other control characters shown as escapes: a value
    from a file or from AWS (a policy's resource, an error message) must never start a line of
    its own in a plan, nor drive the terminal (or a CI log) with escape sequences."""
    return "".join(_escaped(char) for char in value)


def _escaped(char: str) -> str:
    if char in _BREAKS:
        return _BREAKS[char]
    if char != "\t" and unicodedata.category(char) == "Cc":
        return f"\\x{ord(char):02x}"
    return char


def render_text(plan: Plan, color: bool = False) -> str:
    out = [printable(header(plan)), ""]
    body = plan_lines(plan)
    for line in body:
        out.append("  " + _colorize(line, color))
    if body:
        out.append("")
    extras = [printable(line) for line in extra_lines(plan)]
    out += extras + ([""] if extras else [])
    out.append(summary_line(plan))
    return "\n".join(out) + "\n"


def _colorize(line: str, color: bool) -> str:
    if not color or line.startswith(" "):
        return line
    code = COLORS.get(line.split(" ", 1)[0])
    return f"\x1b[{code}m{line}\x1b[0m" if code else line
