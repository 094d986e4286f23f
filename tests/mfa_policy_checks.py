"""A small evaluator of identity-based policies, for judging the deny-without-MFA policy by what
it lets a user do (the parts of IAM's logic that policy uses): explicit Deny wins, an Allow is
needed, Action/NotAction and Resource match with wildcards, `${aws:username}` is the caller, and
Bool/BoolIfExists test aws:MultiFactorAuthPresent, which is absent from requests signed with
long-term access keys, "false" for a console session without MFA, "true" with MFA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"


ADMINISTRATOR_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


ALLOW = "Allow"


DENY = "Deny"


IMPLICIT_DENY = "implicit deny"


NO_MFA = (None, "false")  # access keys (no key in the request) and a console session without MFA


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    mfa: str | None  # aws:MultiFactorAuthPresent; None: the key is absent
    username: str = "alice"


def evaluate(policies: list[dict[str, Any]], request: Request) -> str:
    allowed = False
    for policy in policies:
        statements = policy["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            if not _applies(statement, request):
                continue
            if statement["Effect"] == "Deny":
                return DENY
            allowed = True
    return ALLOW if allowed else IMPLICIT_DENY


def _applies(statement: dict[str, Any], request: Request) -> bool:
    return (
        _matches(statement, "Action", request.action, request, ignore_case=True)
        and _matches(statement, "Resource", request.resource, request, ignore_case=False)
        and all(
            _condition(operator, block, request)
            for operator, block in statement.get("Condition", {}).items()
        )
    )


def _matches(
    statement: dict[str, Any], key: str, value: str, request: Request, ignore_case: bool
) -> bool:
    positive = key in statement
    patterns = statement[key] if positive else statement[f"Not{key}"]
    patterns = patterns if isinstance(patterns, list) else [patterns]
    found = any(_wildcard(p, value, request, ignore_case) for p in patterns)
    return found if positive else not found


def _wildcard(pattern: str, value: str, request: Request, ignore_case: bool) -> bool:
    pattern = pattern.replace("${aws:username}", request.username)
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _condition(operator: str, block: dict[str, Any], request: Request) -> bool:
    if operator not in ("Bool", "BoolIfExists"):
        raise NotImplementedError(f"the test evaluator does not know {operator}")
    for key, wanted in block.items():
        assert key == "aws:MultiFactorAuthPresent", key
        if request.mfa is None:
            if operator == "Bool":
                return False  # Bool on a missing key does not match
            continue  # ...IfExists does
        values = wanted if isinstance(wanted, list) else [wanted]
        if request.mfa.lower() not in [str(value).lower() for value in values]:
            return False
    return True


OWN_USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


OWN_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/alice"


def decision(
    document: dict[str, Any], action: str, resource: str, mfa: str | None, admin: bool
) -> str:
    policies = [document, ADMINISTRATOR_ACCESS] if admin else [document]
    return evaluate(policies, Request(action, resource, mfa))
