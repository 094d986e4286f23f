"""Role trust policies: read, compared by meaning, checked locally.

Pure. Both the file's trust documents (written, or expanded from `trusted_by` by
`trusted_by.py`) and AWS's pass through `trust_document`, whose meaning adds to `meaning.py` what
IAM does to principals; `check_trust_document` is what the config layer reports about a written
`assume_role_policy`. What a trust document lets in is judged in `trust_findings.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..state import Document

# Some private helpers of policydoc are shared on purpose: a trust policy has the same document
# shape (Version, Statement, Sid, Condition) and is checked in the same words.
from .documents import (
    DocumentProblem,
    _Found,
    effect_problems,
    parse,
    problems_by_statement,
    sid_and_condition_problems,
    written_text,
)
from .meaning import generic, meaning, statement, string_set

# The actions IAM accepts in a role's trust policy (compared without case, as IAM does).
TRUST_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:SetSourceIdentity",
    "sts:TagSession",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated")
_STATEMENT_KEYS = ("Sid", "Effect", "Principal", "Action", "Condition")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# The principals IAM accepts in a trust policy (IAM User Guide, "AWS JSON policy elements:
# Principal"). A wildcard may only be "*" alone, meaning anyone: "You cannot use a wildcard to
# match part of a principal name or ARN", and IAM refuses `arn:aws:iam::*:root`, `role/*`,
# `{"Service": "*"}` and `{"Federated": "*"}` ("Invalid principal in policy").
_WILDCARD = re.compile(r"[*?]")
_PARTITION = r"arn:aws(-[a-z]+)*"
_AWS_PRINCIPAL = re.compile(
    rf"{_PARTITION}:iam::\d{{12}}:(root|(user|role)/\S+)"
    rf"|{_PARTITION}:sts::\d{{12}}:(assumed-role/[^/\s]+/\S+|federated-user/\S+)"
)
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+", re.IGNORECASE)
_PROVIDER_ARN = re.compile(rf"{_PARTITION}:iam::\d{{12}}:(oidc-provider|saml-provider)/\S+")
# The web identity providers a trust policy may name without an IAM provider of the account.
_WEB_IDENTITY_HOSTS = (
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
)
# IAM's unique-id prefixes (IAM User Guide, "Understanding unique ID prefixes"). A trust policy
# naming a user or role that was deleted shows its unique id instead of its ARN from then on,
# and a re-created entity of the same name (a new id) is not trusted.
_UNIQUE_ID = re.compile(
    r"^(ABIA|ACCA|AGPA|AIDA|AIPA|AKIA|ANPA|ANVA|APKA|AROA|ASCA|ASIA)[A-Z0-9]{8,}$"
)


def trust_document(document: Any, partition: str) -> Document:
    """A trust policy given as a dict (from YAML or `expand_trusted_by`), JSON text or the
    URL-encoded JSON that GetAccountAuthorizationDetails returns. The text stays as written;
    the meaning is `meaning.py`'s with principals as IAM stores them (`trust_meaning`)."""
    if isinstance(document, str):
        document = parse(document)
    text = written_text(document)
    key = json.dumps(trust_meaning(document, partition), sort_keys=True, separators=(",", ":"))
    return Document(text=text, meaning=key)


def trust_meaning(document: Any, partition: str) -> Any:
    """`meaning.meaning`, with each principal type's values a set and an account given by its
    id the same as its root ARN in `partition` (IAM stores `123456789012` as
    `arn:aws:iam::123456789012:root`). `"*"` and `{"AWS": "*"}` stay apart: some services tell
    them apart in resource policies, and where unsure two documents differ."""

    def each(value: Any) -> Any:
        return _statement_meaning(value, partition)

    return meaning(document, each)


def _statement_meaning(value: Any, partition: str) -> Any:
    result = statement(value)
    if isinstance(value, dict):
        for key in ("Principal", "NotPrincipal"):
            if key in value:
                result[key] = _principal_meaning(value[key], partition)
    return result


def _principal_meaning(value: Any, partition: str) -> Any:
    if not isinstance(value, dict):
        return generic(value)

    def root_arn(principal: str) -> str:
        if _ACCOUNT_ID.match(principal):
            return f"arn:{partition}:iam::{principal}:root"
        return principal

    return {principal_type: string_set(ids, root_arn if principal_type == "AWS" else None)
            for principal_type, ids in value.items()}


def deleted_principals(document: Any) -> list[str]:
    """AWS principals shown as a unique id (`AROA...`, `AIDA...`): the user or role they named
    was deleted. Re-creating it does not bring the trust back (the new one has a new id); only
    writing the trust policy again does, which apply does when the file names it."""
    return sorted({
        value
        for item in statement_list(document)
        for key in ("Principal", "NotPrincipal")
        for value in principal_values(item.get(key), "AWS")
        if _UNIQUE_ID.match(value)
    })


def loaded(document: Any) -> dict[str, Any]:
    """A trust document as data: a `Document` as written (AWS's text for a live one), a dict,
    or JSON text (URL-encoded or not)."""
    if isinstance(document, Document):
        document = document.text
    if isinstance(document, str):
        document = parse(document) if document else {}
    return document if isinstance(document, dict) else {}


def statement_list(document: Any) -> list[dict[str, Any]]:
    """The statements as written, in order (a single statement object is a list of one)."""
    found = _as_list(loaded(document).get("Statement"))
    return [item for item in found if isinstance(item, dict)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def principal_values(principal: Any, principal_type: str) -> list[str]:
    """The values of one principal type (`AWS`, `Service`, `Federated`); `"*"` counts as AWS."""
    if principal == "*":
        return ["*"] if principal_type == "AWS" else []
    if not isinstance(principal, dict):
        return []
    return [value for value in _as_list(principal.get(principal_type)) if isinstance(value, str)]


def check_trust_document(document: Any) -> list[DocumentProblem]:
    """Problems that would make IAM reject a role's trust policy, each at its path inside the
    document (like `policydoc.document_problems`, in the same words where the rule is shared).

    `document` is a dict (from YAML) or JSON text."""
    if isinstance(document, str):
        try:
            document = parse(document)
        except json.JSONDecodeError as error:  # its message says where, never what
            return [DocumentProblem((), f"not valid JSON: {error}")]
    return problems_by_statement(document, "a trust policy", _trust_statement_problems)


def _trust_statement_problems(item: Any) -> list[_Found]:
    if not isinstance(item, dict):
        return [((), "a statement must be an object")]
    problems = [_unknown_key(key) for key in item if key not in _STATEMENT_KEYS]
    problems += effect_problems(item)
    problems += _principal_problems(item.get("Principal"), "NotPrincipal" in item)
    problems += _action_problems(item.get("Action"))
    return problems + sid_and_condition_problems(item)


def _unknown_key(key: str) -> _Found:
    """AWS refuses these in a trust policy: the role is the resource, and NotPrincipal is not
    supported there (IAM User Guide, NotPrincipal)."""
    if key in ("Resource", "NotResource"):
        return (key,), "not allowed in a trust policy (the role itself is the resource)"
    if key == "NotPrincipal":
        return (key,), "not allowed in a trust policy: name who may assume the role in Principal"
    if key == "NotAction":
        return (key,), "not allowed in a trust policy: list the allowed actions in Action"
    return (key,), f"unknown key (allowed: {', '.join(_STATEMENT_KEYS)})"


def _principal_problems(principal: Any, has_not_principal: bool) -> list[_Found]:
    if principal is None:
        return [] if has_not_principal else [((), "missing Principal (who may assume the role)")]
    if principal == "*":
        return []
    if not isinstance(principal, dict) or not principal:
        message = f'must be "*" or an object of {", ".join(PRINCIPAL_TYPES)}'
        return [(("Principal",), message)]
    problems: list[_Found] = []
    for principal_type, values in principal.items():
        if principal_type not in PRINCIPAL_TYPES:
            message = f"unknown principal type (allowed: {', '.join(PRINCIPAL_TYPES)})"
            problems.append((("Principal", principal_type), message))
        else:
            problems += _string_list_problems(("Principal", principal_type), values,
                                              _PRINCIPAL_CHECKS[principal_type])
    return problems


def _principal_value(value: Any) -> str | None:
    if not isinstance(value, str):
        return "not a string (quote an account id: YAML reads an unquoted number)"
    return None if value else "is empty"


def _aws_principal(value: Any) -> str | None:
    if value == "*":
        return None
    if _WILDCARD.search(str(value)):
        return 'a wildcard may stand only alone, as "*" (anyone): IAM refuses it in part of an ARN'
    problem = _principal_value(value)
    # A unique id stands for a deleted user or role in what AWS shows: written back as it is.
    if problem or _ACCOUNT_ID.match(value) or _UNIQUE_ID.match(value):
        return problem
    if _AWS_PRINCIPAL.fullmatch(value):
        return None
    return (
        'not an AWS principal (IAM accepts "*", an account id, or the ARN of an account\'s root, '
        "a user, a role or a role session)"
    )


def _service_principal(value: Any) -> str | None:
    if _WILDCARD.search(str(value)):
        return "no wildcard in a service principal (IAM refuses it): name the service"
    problem = _principal_value(value)
    if problem or _SERVICE_PRINCIPAL.fullmatch(value):
        return problem
    return "not a service principal (a host name such as lambda.amazonaws.com)"


def _federated_principal(value: Any) -> str | None:
    if _WILDCARD.search(str(value)):
        return "no wildcard in a federated principal (IAM refuses it): name the identity provider"
    problem = _principal_value(value)
    if problem or _PROVIDER_ARN.fullmatch(value) or value in _WEB_IDENTITY_HOSTS:
        return problem
    return (
        "not a federated principal (IAM accepts an OIDC or SAML provider's ARN, or "
        f"{', '.join(_WEB_IDENTITY_HOSTS)})"
    )


_PRINCIPAL_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "AWS": _aws_principal,
    "Service": _service_principal,
    "Federated": _federated_principal,
}


def _action_problems(actions: Any) -> list[_Found]:
    if actions is None:
        return [((), "missing Action (for example sts:AssumeRole)")]
    return _string_list_problems(("Action",), actions, _trust_action)


def _trust_action(value: Any) -> str | None:
    allowed = {action.lower() for action in TRUST_ACTIONS}
    if isinstance(value, str) and value.lower() in allowed:
        return None
    return f"not an action of a trust policy (allowed: {', '.join(TRUST_ACTIONS)})"


def _string_list_problems(
    where: tuple[str | int, ...], value: Any, problem_of: Callable[[Any], str | None]
) -> list[_Found]:
    """A string or a non-empty list of strings, each checked by `problem_of`."""
    if not isinstance(value, list):
        problem = problem_of(value)
        return [(where, problem)] if problem else []
    if not value:
        return [(where, "is empty")]
    found = [(index, problem_of(item)) for index, item in enumerate(value)]
    return [(where + (index,), problem) for index, problem in found if problem]
