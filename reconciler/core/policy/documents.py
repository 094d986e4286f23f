"""Policy documents at the edges: read (dict, JSON text or URL-encoded), kept, checked locally.

Both sides pass through `canonical`: the file's documents (dicts from YAML, where an unquoted
`Version: 2012-10-17` arrives as a date) and AWS's. The `Document` it returns keeps the text as
written, which apply sends and export writes, and compares by meaning (`meaning.py`).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..errors import field_path
from ..state import Document
from .meaning import meaning_key
from .meaning import scalar as _scalar
from .statements import statement_diff

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
    """A policy document given as a dict, JSON text or URL-encoded JSON text."""
    if isinstance(document, str):
        document = parse(document)
    return Document(text=written_text(document), meaning=meaning_key(document))


def written_text(document: Any) -> str:
    """A loaded document's JSON text as written (what apply sends)."""
    return json.dumps(_as_written(document), separators=(",", ":"))


def _as_written(value: Any) -> Any:
    """The document as given; only YAML's dates become the strings the user typed."""
    if isinstance(value, dict):
        return {key: _as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_written(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def parse(text: str) -> Any:
    """JSON text of a policy, URL-encoded or not (GetAccountAuthorizationDetails encodes it)."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        stripped = unquote(stripped)
    return json.loads(stripped)


def as_dict(document: Document) -> dict[str, Any]:
    """The document's meaning as data: statements as lists, actions lower case (`meaning.py`)."""
    loaded: dict[str, Any] = json.loads(document.meaning) if document.meaning else {}
    return loaded


def as_written(document: Document) -> dict[str, Any]:
    """The document as written or as AWS holds it (key order, spelling and all)."""
    loaded: dict[str, Any] = json.loads(document.text) if document.text else {}
    return loaded


def document_diff(before: Any, after: Any) -> list[str]:
    """A document change told by statement (`statements.py`); each side a `Document`, a dict
    or JSON text (what a plan's changes hold)."""
    return statement_diff(_written(before), _written(after))


def _written(value: Any) -> dict[str, Any]:
    """A document as written, for showing it: its meaning is not needed (a plan of thousands
    of new roles and policies renders each one)."""
    if isinstance(value, Document):
        return as_written(value)
    document = parse(value) if isinstance(value, str) else value
    loaded: dict[str, Any] = json.loads(written_text(document))
    return loaded


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
    problems = problems_by_statement(document, "a policy document", _statement_problems)
    if max_size is not None and not problems:
        size = document_size(canonical(document))
        if size > max_size:
            message = f"{size} characters without whitespace, more than the {max_size} AWS allows"
            problems.append(DocumentProblem((), message))
    return problems


def problems_by_statement(
    document: Any, noun: str, statement_problems: Callable[[Any], list[_Found]]
) -> list[DocumentProblem]:
    """What policies and trust policies check alike on a parsed document: an object, its keys,
    each statement (by `statement_problems`, each problem at its place), unique Sids. `noun`:
    what the document is called in the message ("a trust policy")."""
    if not isinstance(document, dict):
        return [DocumentProblem((), f"{noun} must be an object ({{Version, Statement}})")]
    problems = _document_key_problems(document)
    for where, statement in _statements(document.get("Statement")):
        problems += [DocumentProblem(where + inside, message)
                     for inside, message in statement_problems(statement)]
    return problems + _sid_problems(document.get("Statement"))


def document_size(document: Document | str) -> int:
    """Size as AWS counts it for its quotas: characters other than whitespace of what is sent."""
    text = document.text if isinstance(document, Document) else document
    return sum(1 for char in text if not char.isspace())


def allows_everything(document: Document) -> bool:
    """True when a statement allows every action on every resource without condition (`*:*`).

    `NotAction` allows every action but those listed, and `NotResource` every resource but those
    listed: with nothing else limiting them, that is full access with a few holes, and counts.
    """
    return any(
        isinstance(statement, dict)
        and statement.get("Effect") == "Allow"
        and "Condition" not in statement
        and _every_action(statement)
        and _every_resource(statement)
        for statement in as_dict(document).get("Statement", [])
    )


def _every_action(statement: dict[str, Any]) -> bool:
    return "NotAction" in statement or bool({"*", "*:*"} & set(statement.get("Action", [])))


def _every_resource(statement: dict[str, Any]) -> bool:
    return "NotResource" in statement or "*" in statement.get("Resource", [])


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


def effect_problems(statement: dict[str, Any]) -> list[_Found]:
    """A statement's Effect: present, and Allow or Deny (identity and trust policies alike)."""
    effect = statement.get("Effect")
    if effect is None:
        return [((), "missing Effect (Allow or Deny)")]
    if effect not in ("Allow", "Deny"):
        return [(("Effect",), "must be Allow or Deny")]
    return []


def _statement_problems(statement: Any) -> list[_Found]:
    if not isinstance(statement, dict):
        return [((), "a statement must be an object")]
    problems = [_unknown_statement_key(key) for key in statement if key not in _STATEMENT_KEYS]
    problems += effect_problems(statement)
    problems += _one_of(statement, "Action", "NotAction", _ACTION.match, "service:action or *")
    problems += _one_of(statement, "Resource", "NotResource", _is_resource, "an ARN or *")
    return problems + sid_and_condition_problems(statement)


def sid_and_condition_problems(statement: dict[str, Any]) -> list[_Found]:
    """A statement's Sid (letters and digits) and Condition shape, for identity and trust
    policies alike."""
    problems: list[_Found] = []
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
