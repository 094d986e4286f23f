"""Between YAML and the schema: unquoted scalars that YAML reads as something other than their text.

PyYAML reads YAML 1.1, where an unquoted 012345670123 is the octal number 1402433619, NO is false
and 12:30:00 is 45000 (base 60); editors and most other tools read YAML 1.2, where 1e3 and 0o17
are numbers. Where the format means a string (names, tags, descriptions, policy references, every
value inside a policy document), iamctl sends a scalar as its text, so one that YAML reads as
anything else would reach AWS mangled: it is an error that shows the quoted form to write. Plain
true, false and numbers that read as their own text stay allowed inside policy documents (`true`
is sent as "true", `3600` as "3600"). Whole-number fields take plain decimal digits only:
`minimum_length: 014` is an error, not 12.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from ..core.errors import ConfigError, field_path
from .yamlload import Path, Source

# YAML 1.2 core schema numbers (https://yaml.org/spec/1.2.2/#1032-tag-resolution), for scalars
# PyYAML reads as text; its nulls and booleans are YAML 1.1's too.
_YAML12_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_YAML12_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
# Booleans in the YAML 1.1 specification that PyYAML reads as text (other YAML 1.1 readers don't).
_YAML11_SPEC_BOOLEANS = {"y": "true", "Y": "true", "n": "false", "N": "false"}
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")
# Every scalar that YAML may read as other than text starts with one of these (or is empty);
# the rest (most names) are skipped without looking further.
_MAY_BE_READ = frozenset("0123456789+-.~yYnNtTfFoO")

_TEXT, _FREE, _WHOLE, _OTHER = "text", "free", "whole", "other"
_EMPTY = "YAML reads an empty value as null"


def check(source: Source, schema: Mapping[str, Any]) -> None:
    """The first unquoted scalar of the file whose reading would change what it means."""
    for path, text in source.plain.items():
        if (text and text[0] not in _MAY_BE_READ) or _is_extension(path):
            continue
        problem = _problem(text, source.value(path), partial(_expected, schema, path))
        if problem:
            raise ConfigError(source.location(path), field_path(path), problem)


def _misreading(text: str, value: Any) -> str | None:
    """How YAML reads the unquoted `text` (read as `value` by PyYAML), when not as that text."""
    if isinstance(value, str):
        if text in _YAML11_SPEC_BOOLEANS:
            return f"YAML 1.1 reads unquoted {text} as the boolean {_YAML11_SPEC_BOOLEANS[text]}"
        number = _yaml12_number(text)
        if number is not None and str(number) != text:
            return f"YAML 1.2 reads unquoted {text} as the number {number}"
        return None
    if value is None:
        return f"YAML 1.1 reads unquoted {text} as null" if text else _EMPTY
    if isinstance(value, bool):
        shown = "true" if value else "false"
        return None if shown == text else f"YAML 1.1 reads unquoted {text} as the boolean {shown}"
    return None if str(value) == text else f"YAML 1.1 reads unquoted {text} as the number {value}"


def _problem(text: str, value: Any, expected_at: Callable[[], str]) -> str | None:
    reading = _misreading(text, value)
    if reading is None and not isinstance(value, float):
        return None
    expected = expected_at()
    if expected == _WHOLE:
        return _whole_number_problem(text, value)
    # A field the schema types as a string reports null itself ("got nothing").
    if reading is None or expected == _OTHER or (expected == _TEXT and value is None):
        return None
    if not text:
        return f'{reading}; write a value, or "" for an empty string'
    return f"{reading}; write {json.dumps(text, ensure_ascii=False)}"


def _whole_number_problem(text: str, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or _DECIMAL.fullmatch(text):
        return None  # not a number at all: the schema says what is expected
    if isinstance(value, float) and not value.is_integer():
        return None  # the schema says "expected a whole number"
    digits = text.lstrip("+-").replace("_", "")
    # 014 is octal to YAML 1.1, but whoever wrote it meant fourteen.
    example = digits.lstrip("0") or "0" if digits.isdigit() else str(abs(int(value)))
    sign = "-" if value < 0 else ""
    return (
        f"YAML 1.1 reads unquoted {text} as the number {value}; "
        f"write plain decimal digits, e.g. {sign}{example}"
    )


def _yaml12_number(text: str) -> int | float | None:
    if _YAML12_INT.fullmatch(text):
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text)
    if _YAML12_FLOAT.fullmatch(text):
        return float(text.replace(".", "", 1) if text.lstrip("+-").startswith(".") else text)
    return None


def _is_extension(path: Path) -> bool:
    return bool(path) and isinstance(path[0], str) and path[0].startswith("x-")


def _expected(schema: Mapping[str, Any], path: Path) -> str:
    """What the schema expects at `path`: text, a whole number, free content (inside a policy
    document's Statement, where every scalar is text to IAM), or anything else."""
    expectations = _expectations(schema, schema, path)
    for expected in (_TEXT, _FREE, _WHOLE):
        if expected in expectations:
            return expected
    return _OTHER


def _expectations(root: Mapping[str, Any], schema: Mapping[str, Any], path: Path) -> set[str]:
    expectations: set[str] = set()
    for branch in _branches(root, schema):
        if not path:
            expectations.add(_own_expectation(branch))
            continue
        children = _children(branch, path[0])
        if children is None:
            expectations.add(_FREE)
        for child in children or []:
            expectations |= _expectations(root, child, path[1:])
    return expectations


def _branches(root: Mapping[str, Any], schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The schema and the alternatives it refers to ($ref, then/else, allOf/anyOf/oneOf)."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    found = [schema]
    for key in ("then", "else"):
        if key in schema:
            found += _branches(root, schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        for alternative in schema.get(key, []):
            found += _branches(root, alternative)
    return found


def _children(schema: Mapping[str, Any], part: str | int) -> list[Mapping[str, Any]] | None:
    """Schemas of the value at `part` inside one described by `schema`; None when the schema
    leaves that content undescribed."""
    types = _types(schema)
    if isinstance(part, int):
        if "items" in schema:
            return [schema["items"]]
        return None if "array" in types else []
    if part in schema.get("properties", {}):
        return [schema["properties"][part]]
    patterns = schema.get("patternProperties", {})
    matching = [sub for pattern, sub in patterns.items() if re.search(pattern, part)]
    if matching:
        return matching
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        return [extra]
    if extra is False or "properties" in schema or patterns:
        return []  # an unknown field: the schema reports it
    return None if "object" in types else []


def _own_expectation(schema: Mapping[str, Any]) -> str:
    types = _types(schema)
    if "string" in types:
        return _TEXT
    return _WHOLE if "integer" in types else _OTHER


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type")
    if declared is not None:
        return {declared} if isinstance(declared, str) else set(declared)
    values = schema.get("enum", [schema["const"]] if "const" in schema else [])
    return {"string"} if values and all(isinstance(v, str) for v in values) else set()
