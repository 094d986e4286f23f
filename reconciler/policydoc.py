"""Canonical form of IAM policy documents, so that `==` means "same permissions text".

Both sides pass through `canonical`: the file's documents (dicts from YAML, where an unquoted
`Version: 2012-10-17` arrives as a date) and AWS's (JSON strings, URL-encoded from some calls).
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .errors import field_path
from .model import Document

# Keys whose value may be a single string or a list of strings with the same meaning; their order
# carries no meaning either.
_SET_KEYS = frozenset({"Action", "NotAction", "Resource", "NotResource"})

# AWS size quotas, counted in characters without whitespace. The inline quotas hold for all of
# one user's (or group's) inline policies together.
MANAGED_POLICY_MAX_SIZE = 6144
USER_INLINE_MAX_SIZE = 2048
GROUP_INLINE_MAX_SIZE = 5120

_VERSIONS = ("2012-10-17", "2008-10-17")
_DOCUMENT_KEYS = ("Version", "Id", "Statement")
_STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition")
_SID = re.compile(r"^[A-Za-z0-9]*$")  # IAM (unlike S3 or KMS) allows only letters and digits
_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:\S+)$")  # AWS: "must be prefaced by a vendor"


def canonical(document: Any) -> Document:
    """The canonical JSON text of a policy document given as a dict, JSON text or URL-encoded."""
    if isinstance(document, str):
        document = parse(document)
    return json.dumps(_normalise_document(document), sort_keys=True, separators=(",", ":"))


def parse(text: str) -> Any:
    """JSON text of a policy, URL-encoded or not (GetAccountAuthorizationDetails encodes it)."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        stripped = unquote(stripped)
    return json.loads(stripped)


def as_dict(document: Document) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(document)
    return loaded


def pretty(document: Document) -> str:
    return json.dumps(json.loads(document), indent=2, sort_keys=True)


def document_diff(before: Document, after: Document) -> list[str]:
    """A readable line diff of two canonical documents (lines start with +, - or a space)."""
    lines = difflib.unified_diff(
        pretty(before).splitlines(), pretty(after).splitlines(), lineterm="", n=2
    )
    return [line for line in lines if not line.startswith(("---", "+++", "@@"))]


def _normalise_document(document: Any) -> Any:
    if not isinstance(document, dict):
        return _scalar(document)
    result = {key: _normalise_value(key, value) for key, value in document.items()}
    statements = result.get("Statement")
    if isinstance(statements, dict):
        result["Statement"] = [statements]
    return result


def _normalise_value(key: str, value: Any) -> Any:
    if key == "Statement":
        items = value if isinstance(value, list) else [value]
        return [_normalise_statement(item) for item in items]
    return _normalise_generic(value)


def _normalise_statement(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return _scalar(statement)
    result: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _SET_KEYS:
            result[key] = _string_set(value)
        elif key == "Principal" and isinstance(value, dict):
            result[key] = {k: _string_set(v) for k, v in value.items()}
        elif key == "Condition" and isinstance(value, dict):
            result[key] = {
                operator: {k: _string_set(v) for k, v in (block or {}).items()}
                for operator, block in value.items()
            }
        else:
            result[key] = _normalise_generic(value)
    return result


def _string_set(value: Any) -> Any:
    """A string or list of strings as a sorted list without duplicates: `"s3:*"` == `["s3:*"]`."""
    items = value if isinstance(value, list) else [value]
    items = [_scalar(item) for item in items]
    if all(isinstance(item, str) for item in items):
        return sorted(set(items))
    return items


def _normalise_generic(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _normalise_generic(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise_generic(item) for item in value]
    return _scalar(value)


def _scalar(value: Any) -> Any:
    """YAML 1.1 turns `2012-10-17` into a date and `true` into a bool; IAM means strings."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


@dataclass(frozen=True)
class DocumentProblem:
    """One reason AWS would reject a document. `where` is the path inside it of the value at
    fault (e.g. Statement[1].Action[0]); the message says what is wrong there without repeating
    the value, so no error shows what a document holds."""

    where: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = field_path(self.where)
        return f"{where}: {self.message}" if where else self.message


def validate_document(document: Any, max_size: int | None = None) -> list[str]:
    """Problems (one line each) that would make IAM reject an identity-based policy document.

    `document` is a dict (from YAML) or JSON text; `max_size` checks AWS's size quota.
    """
    return [str(problem) for problem in document_problems(document, max_size)]


def document_problems(document: Any, max_size: int | None = None) -> list[DocumentProblem]:
    """Like `validate_document`, keeping where each problem is so callers can point at it."""
    if isinstance(document, str):
        try:
            document = parse(document)
        except json.JSONDecodeError as error:  # its message says where, never what
            return [DocumentProblem((), f"not valid JSON: {error}")]
    if not isinstance(document, dict):
        return [DocumentProblem((), "a policy document must be an object ({Version, Statement})")]
    problems = _document_key_problems(document)
    for where, statement in _statements(document.get("Statement")):
        problems += [
            DocumentProblem(where + inside, message)
            for inside, message in _statement_problems(statement)
        ]
    problems += _sid_problems(document.get("Statement"))
    if max_size is not None and not problems:
        size = document_size(canonical(document))
        if size > max_size:
            message = f"{size} characters without whitespace, more than the {max_size} AWS allows"
            problems.append(DocumentProblem((), message))
    return problems


def document_size(document: Document) -> int:
    """Size as AWS counts it for its quotas: characters other than whitespace."""
    return sum(1 for char in document if not char.isspace())


def allows_everything(document: Document) -> bool:
    """True when a statement allows every action on every resource without condition (`*:*`)."""
    for statement in as_dict(document).get("Statement", []):
        if (
            isinstance(statement, dict)
            and statement.get("Effect") == "Allow"
            and "Condition" not in statement
            and {"*", "*:*"} & set(statement.get("Action", []))
            and "*" in statement.get("Resource", [])
        ):
            return True
    return False


def _document_key_problems(document: dict[str, Any]) -> list[DocumentProblem]:
    problems = [
        DocumentProblem((key,), f"unknown key (allowed: {', '.join(_DOCUMENT_KEYS)})")
        for key in document
        if key not in _DOCUMENT_KEYS
    ]
    version = _scalar(document.get("Version"))
    if version is None:
        problems.append(DocumentProblem((), 'missing Version (use "2012-10-17")'))
    elif version not in _VERSIONS:
        message = 'must be "2012-10-17" or "2008-10-17"'
        problems.append(DocumentProblem(("Version",), message))
    statements = document.get("Statement")
    if statements is None:
        problems.append(DocumentProblem((), "missing Statement"))
    elif statements == []:
        problems.append(DocumentProblem(("Statement",), "is empty"))
    elif not isinstance(statements, (dict, list)):
        message = "must be an object or a list of objects"
        problems.append(DocumentProblem(("Statement",), message))
    return problems


def _statements(statements: Any) -> list[tuple[tuple[str | int, ...], Any]]:
    if isinstance(statements, dict):
        return [(("Statement",), statements)]
    if isinstance(statements, list):
        return [(("Statement", index), item) for index, item in enumerate(statements)]
    return []


# A problem inside one statement: the path inside the statement, and what is wrong there.
_Found = tuple[tuple[str | int, ...], str]


def _statement_problems(statement: Any) -> list[_Found]:
    if not isinstance(statement, dict):
        return [((), "a statement must be an object")]
    problems = [_unknown_statement_key(key) for key in statement if key not in _STATEMENT_KEYS]
    effect = statement.get("Effect")
    if effect is None:
        problems.append(((), "missing Effect (Allow or Deny)"))
    elif effect not in ("Allow", "Deny"):
        problems.append((("Effect",), "must be Allow or Deny"))
    problems += _one_of(statement, "Action", "NotAction", _ACTION.match, "service:action or *")
    problems += _one_of(statement, "Resource", "NotResource", _is_resource, "an ARN or *")
    sid = statement.get("Sid")
    if sid is not None and not (isinstance(sid, str) and _SID.match(sid)):
        problems.append((("Sid",), "must contain only letters and digits"))
    condition = statement.get("Condition")
    if condition is not None and not _is_condition(condition):
        problems.append((("Condition",), "must map operators to {key: value} mappings"))
    return problems


def _unknown_statement_key(key: str) -> _Found:
    if key in ("Principal", "NotPrincipal"):
        return (key,), "not allowed in a policy attached to users and groups"
    return (key,), f"unknown key (allowed: {', '.join(_STATEMENT_KEYS)})"


def _one_of(
    statement: dict[str, Any], key: str, not_key: str, valid: Any, shape: str
) -> list[_Found]:
    """Exactly one of Action/NotAction (or Resource/NotResource), each a string or list of them."""
    given = [name for name in (key, not_key) if name in statement]
    if not given:
        return [((), f"missing {key} (or {not_key})")]
    if len(given) == 2:
        return [((), f"has both {key} and {not_key} (give only one)")]
    value = statement[given[0]]
    if not isinstance(value, list):
        return [] if isinstance(value, str) and valid(value) else [((given[0],), f"not {shape}")]
    if not value:
        return [((given[0],), "is empty")]
    return [
        ((given[0], index), f"not {shape}")
        for index, item in enumerate(value)
        if not (isinstance(item, str) and valid(item))
    ]


def _is_resource(value: str) -> bool:
    return value == "*" or value.startswith("arn:")


def _is_condition(condition: Any) -> bool:
    return isinstance(condition, dict) and all(
        isinstance(block, dict) for block in condition.values()
    )


def _sid_problems(statements: Any) -> list[DocumentProblem]:
    """AWS rejects a document in which two statements share a Sid."""
    if not isinstance(statements, list):
        return []
    first: dict[str, int] = {}
    problems = []
    for index, statement in enumerate(statements):
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if isinstance(sid, str) and sid:
            if sid in first:
                message = f"repeats the Sid of Statement[{first[sid]}]"
                problems.append(DocumentProblem(("Statement", index, "Sid"), message))
            first.setdefault(sid, index)
    return problems
