"""Canonical form of IAM policy documents, so that `==` means "same permissions text".

Both sides pass through `canonical`: the file's documents (dicts from YAML, where an unquoted
`Version: 2012-10-17` arrives as a date) and AWS's (JSON strings, URL-encoded from some calls).
"""

from __future__ import annotations

import datetime
import difflib
import json
from typing import Any
from urllib.parse import unquote

from .model import Document

# Keys whose value may be a single string or a list of strings with the same meaning; their order
# carries no meaning either.
_SET_KEYS = frozenset({"Action", "NotAction", "Resource", "NotResource"})


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
