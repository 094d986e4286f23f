"""How a plan says each kind of change: the subject of its line, and indented detail (a
document's statements, a password policy's settings, a role's trust). Registered with each kind
in `changes.py`; pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict

from ..arns import short_policy
from ..changes import Action, Change
from ..payloads import RoleSettings, RoleSpec, optional_text, text_of
from ..policy.documents import document_diff
from ..policy.trust import deleted_principals
from ..state import PasswordPolicy

Describer = Callable[[Change], tuple[str, list[str]]]

CREATE, UPDATE = Action.CREATE, Action.UPDATE


def entity(label: str) -> Describer:
    def describe_entity(change: Change) -> tuple[str, list[str]]:
        return f"{label} {change.name}", []

    return describe_entity


def transition(label_text: str) -> Describer:
    """`user alice: path /a/ -> /b/`; `label_text` may name the entity as `{name}`."""

    def describe_transition(change: Change) -> tuple[str, list[str]]:
        label = label_text.format(name=change.name)
        return f"{label}: {shown(change.before)} -> {shown(change.after)}", []

    return describe_transition


def shown(value: object) -> str:
    """A value as a plan line shows it; `(none)` for nothing."""
    if value is None or value == {}:
        return "(none)"
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True)
    return str(value)


def attachment(owner: str) -> Describer:
    def describe_attachment(change: Change) -> tuple[str, list[str]]:
        verb = "attach" if change.action == CREATE else "detach"
        return f"{owner} {change.name}: {verb} {short_policy(change.target)}", []

    return describe_attachment


def inline(owner: str) -> Describer:
    def describe_inline(change: Change) -> tuple[str, list[str]]:
        subject = f"{owner} {change.name}: inline policy {change.target}"
        if change.action == UPDATE:
            return subject, document_diff(change.before, change.after)
        return subject, []

    return describe_inline


def boundary(owner: str) -> Describer:
    """`+ user alice: permissions boundary Dev`, `~ ...: Dev -> Ops`, `- ...: Dev`."""

    def describe_boundary(change: Change) -> tuple[str, list[str]]:
        subject = f"{owner} {change.name}: permissions boundary"
        if change.action == UPDATE:
            before, after = optional_text(change.before), text_of(change.after)
            return f"{subject} {_policy_or_none(before)} -> {short_policy(after)}", []
        arn = change.after if change.action == CREATE else change.before
        return f"{subject} {_policy_or_none(optional_text(arn))}", []

    return describe_boundary


def _policy_or_none(arn: str | None) -> str:
    return short_policy(arn) if arn else "(none)"


def membership(change: Change) -> tuple[str, list[str]]:
    verb = "add to" if change.action == CREATE else "remove from"
    return f"user {change.name}: {verb} group {change.target}", []


def member(change: Change) -> tuple[str, list[str]]:
    return f"group {change.name}: remove member {change.target}", []


def login_profile(change: Change) -> tuple[str, list[str]]:
    if change.action == CREATE:
        return (
            f"user {change.name}: console password (generated, reset required at first sign-in)",
            [],
        )
    return f"user {change.name}: console password (login profile)", []


def access_key(change: Change) -> tuple[str, list[str]]:
    key = f" {change.target}" if change.target else ""
    return f"user {change.name}: access key{key}", []


def access_key_status(change: Change) -> tuple[str, list[str]]:
    return f"user {change.name}: access key {change.target}: {change.before} -> {change.after}", []


def password_policy_line(change: Change) -> tuple[str, list[str]]:
    old, new = change.before, change.after
    before = asdict(old) if isinstance(old, PasswordPolicy) else {}
    after = asdict(new) if isinstance(new, PasswordPolicy) else {}
    changed = [
        f"{key} {shown(before.get(key))} -> {shown(value)}"
        for key, value in after.items()
        if before.get(key) != value
    ]
    return "password policy", changed


def policy_document(change: Change) -> tuple[str, list[str]]:
    return (
        f"policy {change.name}: document (new default version)",
        document_diff(change.before, change.after),
    )


# Roles.


def role_settings(change: Change) -> tuple[str, list[str]]:
    """`role ci: description "a" -> "b", maximum session 1 h -> 2 h`: what differs."""
    old, new = change.before, change.after
    before = asdict(old) if isinstance(old, RoleSettings) else {}
    after = asdict(new) if isinstance(new, RoleSettings) else {}
    shown_as = {"description": _quoted, "max_session_duration": _hours}
    words = {"description": "description", "max_session_duration": "maximum session"}
    parts = [
        f"{words[key]} {show(before.get(key))} -> {show(after.get(key))}"
        for key, show in shown_as.items()
        if before.get(key) != after.get(key)
    ]
    return f"role {change.name}: {', '.join(parts) or 'settings'}", []


def _quoted(text: object) -> str:
    """A description as JSON text: quoted, on one line; `(none)` for none."""
    return json.dumps(text, ensure_ascii=False) if text else "(none)"


def _hours(seconds: object) -> str:
    """3600 -> `1 h`; 5400 -> `1.5 h`: the console's unit for session durations."""
    if not isinstance(seconds, int):
        return shown(seconds)
    return f"{seconds / 3600:g} h"


_NO_STATEMENTS = {"Version": "2012-10-17", "Statement": []}


def role(change: Change) -> tuple[str, list[str]]:
    """A new role shows the trust policy it is created with (`trusted_by` expanded), statement
    by statement: who can assume it is the first thing a reviewer asks."""
    after = change.after if change.action == CREATE else None
    trust = after.trust if isinstance(after, RoleSpec) else None
    return f"role {change.name}", document_diff(_NO_STATEMENTS, trust) if trust else []


def role_trust(change: Change) -> tuple[str, list[str]]:
    """A principal AWS shows as a unique id (`AROA...`) was deleted since the policy named it
    (a role or user re-created under the same name is another principal): say so."""
    subject = f"role {change.name}: trust policy"
    deleted = deleted_principals(change.before) if change.before else []
    if deleted:
        subject += f" (trusts a deleted principal: {', '.join(deleted)})"
    return subject, document_diff(change.before, change.after)


def instance_profile(change: Change) -> tuple[str, list[str]]:
    return f"role {change.name}: instance profile {change.name}", []
