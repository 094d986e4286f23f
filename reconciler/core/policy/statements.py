"""A policy document change told by statement: which statement (by Sid, or by position and
effect), which actions, resources, principals or conditions are added and removed.

Pure; `render/text.py` shows these lines under a document change. Values are shown as written in the
file (added) or as AWS holds them (removed); they are compared by meaning (`meaning.py`), so a
re-spelled action is no change here either.
"""

from __future__ import annotations

import json
from typing import Any

from .meaning import statement as statement_meaning
from .meaning import string_set

_LISTS = (("Action", "action"), ("NotAction", "not-action"), ("Resource", "resource"),
          ("NotResource", "not-resource"))
_SHOWN_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition",
               "Principal", "NotPrincipal"}


def statement_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Lines for each statement added, removed or changed between two documents (as written)."""
    old, new = _statements(before), _statements(after)
    lines: list[str] = []
    if before.get("Version") != after.get("Version"):
        lines.append(f"~ Version {before.get('Version')} -> {after.get('Version')}")
    unmatched_old = [i for i, s in enumerate(old) if not _same_in(s, new)]
    unmatched_new = [i for i, s in enumerate(new) if not _same_in(s, old)]
    for i, j in _pairs(old, new, unmatched_old, unmatched_new):
        if i is None and j is not None:
            lines.append(f"+ {_label(new[j], j)}: {_summary(new[j])}")
        elif j is None and i is not None:
            lines.append(f"- {_label(old[i], i)}: {_summary(old[i])}")
        elif i is not None and j is not None:
            lines.append(f"~ {_label(new[j], j)}:")
            lines += [f"    {line}" for line in _changes(old[i], new[j])]
    return lines


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement", [])
    items = found if isinstance(found, list) else [found]
    return [item if isinstance(item, dict) else {"": item} for item in items]


def _key(statement: dict[str, Any]) -> str:
    return json.dumps(statement_meaning(statement), sort_keys=True)


def _same_in(statement: dict[str, Any], others: list[dict[str, Any]]) -> bool:
    return any(_key(statement) == _key(other) for other in others)


def _pairs(
    old: list[dict[str, Any]], new: list[dict[str, Any]], olds: list[int], news: list[int]
) -> list[tuple[int | None, int | None]]:
    """Changed statements: the same Sid, else the next one of the same effect; the rest are
    added or removed."""
    pairs: list[tuple[int | None, int | None]] = []
    left = list(olds)
    for j in news:
        sid, effect = new[j].get("Sid"), new[j].get("Effect")
        match = next((i for i in left if sid and old[i].get("Sid") == sid), None)
        if match is None and not sid:
            match = next((i for i in left if not old[i].get("Sid")
                          and old[i].get("Effect") == effect), None)
        if match is not None:
            left.remove(match)
        pairs.append((match, j))
    return pairs + [(i, None) for i in left]


def _label(statement: dict[str, Any], index: int) -> str:
    effect = statement.get("Effect", "?")
    sid = statement.get("Sid")
    return f"statement {sid} ({effect})" if sid else f"statement {index + 1} ({effect})"


def _summary(statement: dict[str, Any]) -> str:
    parts = [f"{label} {', '.join(_values(statement[key]))}"
             for key, label in _LISTS if key in statement]
    if "Principal" in statement or "NotPrincipal" in statement:
        key = "Principal" if "Principal" in statement else "NotPrincipal"
        parts.append(f"{key.lower()} {json.dumps(statement[key], sort_keys=True)}")
    if statement.get("Condition"):
        parts.append(f"condition {json.dumps(statement['Condition'], sort_keys=True)}")
    return "; ".join(parts)


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    if old.get("Effect") != new.get("Effect"):
        lines.append(f"~ effect {old.get('Effect')} -> {new.get('Effect')}")
    for key, label in _LISTS:
        fold = str.lower if "Action" in key else None
        lines += _set_changes(label, old.get(key), new.get(key), fold)
    for key in ("Principal", "NotPrincipal"):
        lines += _principal_changes(key.lower(), old.get(key), new.get(key))
    lines += _condition_changes(old.get("Condition"), new.get("Condition"))
    if any(old.get(k) != new.get(k) for k in (set(old) | set(new)) - _SHOWN_KEYS):
        lines.append("~ other keys changed")
    return lines


def _set_changes(label: str, old: Any, new: Any, fold: Any = None) -> list[str]:
    """`+ action s3:PutObject` / `- action s3:GetObject`, compared as IAM does."""
    old_values, new_values = _values(old), _values(new)
    old_keys = set(string_set(old_values, fold)) if old_values else set()
    new_keys = set(string_set(new_values, fold)) if new_values else set()
    added = [v for v in new_values if _fold(v, fold) not in old_keys]
    removed = [v for v in old_values if _fold(v, fold) not in new_keys]
    return [f"+ {label} {v}" for v in _unique(added)] + [f"- {label} {v}" for v in _unique(removed)]


def _principal_changes(label: str, old: Any, new: Any) -> list[str]:
    if old == new:
        return []
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [f"~ {label} {json.dumps(old)} -> {json.dumps(new)}"]
    lines = []
    for principal_type in sorted(set(old) | set(new)):
        lines += _set_changes(f"{label} {principal_type}", old.get(principal_type),
                              new.get(principal_type))
    return lines


def _condition_changes(old: Any, new: Any) -> list[str]:
    old_pairs, new_pairs = _condition_pairs(old), _condition_pairs(new)
    lines = []
    for pair in sorted(set(old_pairs) | set(new_pairs)):
        label = f"condition {pair[0]} {pair[1]}"
        lines += _set_changes(label, old_pairs.get(pair), new_pairs.get(pair))
    return lines


def _condition_pairs(condition: Any) -> dict[tuple[str, str], Any]:
    """(operator, key) -> values; keys compared without case, as IAM does."""
    if not isinstance(condition, dict):
        return {}
    return {
        (operator, key.lower()): values
        for operator, block in condition.items() if isinstance(block, dict)
        for key, values in block.items()
    }


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else json.dumps(item) for item in items]


def _fold(value: str, fold: Any) -> str:
    return fold(value) if fold else value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
