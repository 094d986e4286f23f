"""The meaning of a policy document: a canonical form in which documents IAM treats alike are equal.

Pure. `policydoc.canonical` keeps it as `Document.meaning`, which `==` compares; the permission
impact of a change (`impact.py`) reads statements in this form too.

Normalised, because IAM gives it no meaning: key order, statement order, duplicate statements, a
string against a one-element list, order and duplicates in lists of actions, resources, principals
and condition values, the case of action names and of condition keys, YAML scalars (a date, a
boolean, a number) against their strings, and an account id against `arn:aws:iam::ID:root` as a
principal. Everything else (resource ARNs, condition operators and values, Sid, Effect, Version,
principal types) is compared exactly: where unsure, two documents differ.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any

_ACTION_KEYS = frozenset({"Action", "NotAction"})
_RESOURCE_KEYS = frozenset({"Resource", "NotResource"})
_PRINCIPAL_KEYS = frozenset({"Principal", "NotPrincipal"})
# IAM stores an account principal given as its bare id as the account's root ARN.
_ACCOUNT_ROOT = re.compile(r"^arn:aws(-[a-z]+)*:iam::(\d{12}):root$")


def meaning_key(document: Any) -> str:
    """The canonical JSON text of a document's meaning (a dict from YAML or parsed JSON)."""
    return json.dumps(meaning(document), sort_keys=True, separators=(",", ":"))


def meaning(document: Any, each: Callable[[Any], Any] | None = None) -> Any:
    """`each` gives one statement's meaning (`statement` unless a kind of policy adds to it, as
    `trust.py` does for principals)."""
    if not isinstance(document, dict):
        return scalar(document)
    result = {key: generic(value) for key, value in document.items() if key != "Statement"}
    if "Statement" in document:
        result["Statement"] = statements(document["Statement"], each)
    return result


def statements(value: Any, each: Callable[[Any], Any] | None = None) -> list[Any]:
    """Statements in a stable order, each once: IAM evaluates them as a set."""
    items = value if isinstance(value, list) else [value]
    by_text = {json.dumps(item, sort_keys=True): item for item in map(each or statement, items)}
    return [by_text[text] for text in sorted(by_text)]


def statement(value: Any) -> Any:
    if not isinstance(value, dict):
        return generic(value)
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in _ACTION_KEYS:
            result[key] = string_set(item, str.lower)  # action names ignore case
        elif key in _RESOURCE_KEYS:
            result[key] = string_set(item)
        elif key in _PRINCIPAL_KEYS:
            result[key] = _principal(item)
        elif key == "Condition":
            result[key] = _condition(item)
        else:
            result[key] = generic(item)
    return result


def string_set(value: Any, fold: Callable[[str], str] | None = None) -> Any:
    """A string or list of strings as a sorted list without duplicates: `"s3:*"` == `["s3:*"]`."""
    items = [scalar(item) for item in (value if isinstance(value, list) else [value])]
    if not all(isinstance(item, str) for item in items):
        return [generic(item) for item in items]  # not a shape IAM accepts: kept as it is
    return sorted({fold(item) if fold else item for item in items})


def _principal(value: Any) -> Any:
    if not isinstance(value, dict):
        return generic(value)  # "*"
    return {principal_type: string_set(ids, _account_id) for principal_type, ids in value.items()}


def _account_id(principal: str) -> str:
    match = _ACCOUNT_ROOT.match(principal)
    return match.group(2) if match else principal


def _condition(value: Any) -> Any:
    if not isinstance(value, dict):
        return generic(value)
    return {operator: _condition_block(block) for operator, block in value.items()}


def _condition_block(block: Any) -> Any:
    if not isinstance(block, dict):
        return generic(block)
    # Condition keys ignore case; two keys that differ only by case are left apart (unsure).
    fold = len({key.lower() for key in block}) == len(block)
    return {(key.lower() if fold else key): string_set(values) for key, values in block.items()}


def generic(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: generic(item) for key, item in value.items()}
    if isinstance(value, list):
        return [generic(item) for item in value]
    return scalar(value)


def scalar(value: Any) -> Any:
    """YAML 1.1 turns `2012-10-17` into a date and `true` into a bool; IAM means strings."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value
