"""Renders a `Plan` for people: the text plan for the terminal (`markdown.py` makes the pull
request comment from the same lines).

Every change renders as one line (`+ user admin: attach AdministratorAccess`), possibly followed
by indented detail (a policy document change, statement by statement).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from itertools import groupby

from . import impact_text
from .model import Action, Change, Finding, HumanStep, Kind, StepKind
from .plan import Plan
from .policydoc import document_diff
from .wording import plural

SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
# ANSI colours by mark (green, yellow, red, yellow, magenta): written here rather than through
# click, so this module stays pure; the caller decides whether colour is wanted.
COLORS = {"+": "32", "~": "33", "-": "31", "-/+": "33", "!": "35"}
NO_CHANGES = "No changes. The account matches the configuration."


def short_policy(arn: str) -> str:
    """`arn:aws:iam::aws:policy/job-function/ViewOnlyAccess` -> `job-function/ViewOnlyAccess`."""
    if ":policy/" not in arn:
        return arn
    account, path_name = arn.split(":")[4], arn.split(":policy/", 1)[1]
    return path_name if account == "aws" else path_name.rsplit("/", 1)[-1]


def header(plan: Plan) -> str:
    label = f"{plan.account_id} ({plan.alias})" if plan.alias else plan.account_id
    return f"Account {label}, sign-in URL {plan.sign_in_url}"


def summary_line(plan: Plan) -> str:
    s = plan.summary
    if not plan.changes and not plan.human_steps:
        return NO_CHANGES
    line = f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy"
    steps = f"{s['human']} human step{'s' if s['human'] != 1 else ''}"
    return f"{line}, {steps}{impact_text.summary_counts(s)}."


def change_lines(change: Change) -> list[str]:
    """The plan line for one change (marked when it broadens access or would cut off the
    credentials running iamctl), then indented detail; each printable (see `printable`)."""
    lockout = f"[SELF-LOCKOUT: {change.self_lockout}]" if change.self_lockout else ""
    parts = (change_title(change), lockout, impact_text.mark(change))
    line = " ".join(part for part in parts if part)
    _, detail = describe(change)
    return [printable(line)] + [printable(f"      {d}") for d in detail]


def change_title(change: Change) -> str:
    """`+ user admin: attach AdministratorAccess (note)`: the change in one line."""
    symbol = "-/+" if change.kind == Kind.POLICY_REPLACEMENT else SYMBOLS[change.action]
    subject, _ = describe(change)
    line = f"{symbol} {subject}"
    return f"{line} ({change.note})" if change.note else line


def describe(change: Change) -> tuple[str, list[str]]:
    describer = _DESCRIBERS.get(change.kind, _describe_generic)
    return describer(change)


def _describe_generic(change: Change) -> tuple[str, list[str]]:
    return f"{change.kind.value} {change.name}", []


def _entity(kind: str) -> Callable[[Change], tuple[str, list[str]]]:
    def describe_entity(change: Change) -> tuple[str, list[str]]:
        return f"{kind} {change.name}", []

    return describe_entity


def _attachment(owner: str) -> Callable[[Change], tuple[str, list[str]]]:
    def describe_attachment(change: Change) -> tuple[str, list[str]]:
        verb = "attach" if change.action == Action.CREATE else "detach"
        return f"{owner} {change.name}: {verb} {short_policy(change.target)}", []

    return describe_attachment


def _inline(owner: str) -> Callable[[Change], tuple[str, list[str]]]:
    def describe_inline(change: Change) -> tuple[str, list[str]]:
        subject = f"{owner} {change.name}: inline policy {change.target}"
        if change.action == Action.UPDATE:
            return subject, document_diff(change.before, change.after)
        return subject, []

    return describe_inline


def _membership(change: Change) -> tuple[str, list[str]]:
    verb = "add to" if change.action == Action.CREATE else "remove from"
    return f"user {change.name}: {verb} group {change.target}", []


def _member(change: Change) -> tuple[str, list[str]]:
    return f"group {change.name}: remove member {change.target}", []


def _login_profile(change: Change) -> tuple[str, list[str]]:
    if change.action == Action.CREATE:
        return (
            f"user {change.name}: console password (generated, reset required at first sign-in)",
            [],
        )
    return f"user {change.name}: console password (login profile)", []


def _access_key(change: Change) -> tuple[str, list[str]]:
    key = f" {change.target}" if change.target else ""
    return f"user {change.name}: access key{key}", []


def _access_key_status(change: Change) -> tuple[str, list[str]]:
    return f"user {change.name}: access key {change.target}: {change.before} -> {change.after}", []


def _transition(label_text: str) -> Callable[[Change], tuple[str, list[str]]]:
    def describe_transition(change: Change) -> tuple[str, list[str]]:
        label = label_text.format(name=change.name)
        return f"{label}: {_value(change.before)} -> {_value(change.after)}", []

    return describe_transition


def _value(value: object) -> str:
    if value is None or value == {}:
        return "(none)"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _password_policy(change: Change) -> tuple[str, list[str]]:
    before = change.before or {}
    changed = [
        f"{key} {_value(before.get(key))} -> {_value(value)}"
        for key, value in change.after.items()
        if before.get(key) != value
    ]
    return "password policy", changed


def _policy_document(change: Change) -> tuple[str, list[str]]:
    return (
        f"policy {change.name}: document (new default version)",
        document_diff(change.before, change.after),
    )


_DESCRIBERS: dict[Kind, Callable[[Change], tuple[str, list[str]]]] = {
    Kind.POLICY: _entity("policy"),
    Kind.POLICY_REPLACEMENT: _entity("policy"),
    Kind.POLICY_DOCUMENT: _policy_document,
    Kind.POLICY_TAGS: _transition("policy {name}: tags"),
    Kind.GROUP: _entity("group"),
    Kind.GROUP_PATH: _transition("group {name}: path"),
    Kind.GROUP_POLICY: _attachment("group"),
    Kind.GROUP_INLINE_POLICY: _inline("group"),
    Kind.GROUP_MEMBER: _member,
    Kind.USER: _entity("user"),
    Kind.USER_PATH: _transition("user {name}: path"),
    Kind.USER_TAGS: _transition("user {name}: tags"),
    Kind.USER_GROUP: _membership,
    Kind.USER_POLICY: _attachment("user"),
    Kind.USER_INLINE_POLICY: _inline("user"),
    Kind.LOGIN_PROFILE: _login_profile,
    Kind.ACCESS_KEY: _access_key,
    Kind.ACCESS_KEY_STATUS: _access_key_status,
    Kind.ALIAS: _transition("account alias"),
    Kind.PASSWORD_POLICY: _password_policy,
}


def plan_lines(plan: Plan) -> list[str]:
    """The body of a plan: changes, human steps (symbol `!`)."""
    lines = [line for change in plan.changes for line in change_lines(change)]
    lines += [f"! {step_line(step)}" for step in plan.human_steps]
    return lines


def step_line(step: HumanStep) -> str:
    subject = f"user {step.name}" if step.kind == StepKind.USER_MFA else step.name
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
        lines += [
            f"warning: CIS {f.check}: {f.name}: {f.message}"
            for f in same[:WARNINGS_SHOWN_PER_CHECK]
        ]
        if len(same) > WARNINGS_SHOWN_PER_CHECK:
            more = len(same) - WARNINGS_SHOWN_PER_CHECK
            lines.append(f"warning: CIS {check}: ... and {more:,} more like these (all in --json)")
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
