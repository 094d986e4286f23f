"""Named risks of Allow statements: full administrator access, known privilege-escalation paths,
new principals trusted. Pure; used by `impact.py` on statements in their meaning form
(`meaning.py`: lists everywhere, action names in lower case)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import catalog
from .model import Risk

ADMIN = "admin"
ESCALATION = "privilege-escalation"
TRUST = "trust"

# (action as AWS spells it, where it is dangerous): "*" = only on every resource; "others" =
# on any user but the caller (`_OWN_USER`: a resource that can match the caller's user alone);
# "any" = whatever the resource (any policy or role it may change is enough).
ESCALATION_PATHS: tuple[tuple[str, str], ...] = (
    ("iam:PassRole", "*"),
    ("iam:CreatePolicyVersion", "any"),
    ("iam:SetDefaultPolicyVersion", "any"),
    ("iam:AttachUserPolicy", "any"),
    ("iam:AttachGroupPolicy", "any"),
    ("iam:AttachRolePolicy", "any"),
    ("iam:PutUserPolicy", "any"),
    ("iam:PutGroupPolicy", "any"),
    ("iam:PutRolePolicy", "any"),
    ("iam:CreateAccessKey", "others"),
    ("iam:CreateLoginProfile", "others"),
    ("iam:UpdateLoginProfile", "others"),
    ("iam:UpdateAssumeRolePolicy", "any"),
    ("sts:AssumeRole", "*"),
)
# The caller's own user, on any path. `${aws:username}` resolves to the caller's user name, and
# IAM user names hold no "/" ([\w+=,.@-]+): a resource whose last segment is exactly the
# variable matches that one user (`user/${aws:username}`, `user/*/${aws:username}`). Anything
# beside it in that segment (`*${aws:username}*`, `${aws:username}-*`) matches other users'
# names, a segment after it (`${aws:username}/*`) other users on that path, and a default value
# (`${aws:username, 'admin'}`) names another user for a caller without a user name (a role).
_OWN_USER = re.compile(r"/\$\{aws:username\}\Z", re.IGNORECASE)


def risks_of(statements: Iterable[Any]) -> list[Risk]:
    """The risks of a document's Allow statements, each once, in a stable order."""
    risks: list[Risk] = []
    for statement in statements:
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            risks += [risk for risk in statement_risks(statement) if risk not in risks]
    return risks


def statement_risks(statement: dict[str, Any]) -> list[Risk]:
    admin = _admin(statement)
    if admin:
        return [Risk(ADMIN, admin)]
    risks = [
        Risk(ESCALATION, f"{action} on *" if where == "*" else
             f"{action} for other users" if where == "others" else action)
        for action, where in ESCALATION_PATHS
        if allows(statement, action) and _dangerous_on(statement, where)
    ]
    return risks + _trusted(statement)


def allows(statement: dict[str, Any], action: str) -> bool:
    """Whether the statement names the action (through Action, or by leaving it out of a
    NotAction)."""
    if "NotAction" in statement:
        return not any(catalog.matches(action, p) for p in _strings(statement["NotAction"]))
    return any(catalog.matches(action, p) for p in _strings(statement.get("Action", [])))


def statement_allows(statements: Iterable[dict[str, Any]], pattern: str) -> bool:
    """Whether the statements' Action lists together name every action `pattern` names."""
    known = frozenset(p for s in statements for p in _strings(s.get("Action", [])))
    return catalog.covers(known, str(pattern))


def _admin(statement: dict[str, Any]) -> str:
    if not _on_everything(statement):
        return ""
    if "NotAction" in statement:
        return f"every action but {', '.join(_strings(statement['NotAction']))} on *"
    if {"*", "*:*"} & set(_strings(statement.get("Action", []))):
        return "* on *"
    return ""


def _on_everything(statement: dict[str, Any]) -> bool:
    return "NotResource" in statement or "*" in _strings(statement.get("Resource", []))


def _dangerous_on(statement: dict[str, Any], where: str) -> bool:
    if where == "*":
        return _on_everything(statement)
    if where == "others":
        resources = _strings(statement.get("Resource", []))
        own = resources and all(_OWN_USER.search(r) for r in resources)
        return "NotResource" in statement or not own
    return True


def _trusted(statement: dict[str, Any]) -> list[Risk]:
    """A trust policy's principals: each may assume the role."""
    principal = statement.get("Principal")
    if principal is None:
        return []
    if not isinstance(principal, dict):
        return [Risk(TRUST, f"principal {principal}")]
    return [Risk(TRUST, f"{kind} {value}") for kind in sorted(principal)
            for value in _strings(principal[kind])]


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items]
