"""Layer 2 of reading a file, after strict YAML: its shape. The JSON Schema, reported as one
readable line at the value at fault, and the per-value AWS rules the schema cannot state (tag
characters, which need Unicode classes that Python's `re` lacks).

Checks that span entries or files (uniqueness, references, quotas) come next, in `validation`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from ..core.errors import ConfigError, Location, field_path
from . import schema, yamlreadings
from .schema import load_schema
from .validation import source_error
from .yamlload import Path, Source

if TYPE_CHECKING:  # jsonschema is imported when a file has a mistake to word (a slow import)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_TYPES = {
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping",
    "array": "a list",
}
# Values shown in messages as they are: printable ASCII without the backtick.
_PLAIN_TEXT = re.compile(r"[\x20-\x5F\x61-\x7E]*")
# IAM's tag characters (its API model's tagKeyType and tagValueType: `[\p{L}\p{Z}\p{N}_.:/=+\-@]`),
# which Python's `re`, and so the schema's checkers, cannot state: Unicode letters, separators
# (spaces) and numbers, by their general category, and these.
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_CATEGORIES = frozenset("LZN")
_TAG_RULE = "AWS allows letters, digits, spaces and _ . : / = + - @"
# Preferred when several schema errors point at the same place: an unknown field explains more.
_RANK = {"additionalProperties": 3, "type": 2, "required": 1}


def check_shape(source: Source) -> None:
    """Layer 2: the file against the JSON Schema, reported as one readable line (the first)."""
    problems = shape_problems(source)
    if problems:
        raise problems[0]


def shape_problems(source: Source) -> list[ConfigError]:
    """Every place the file breaks the schema, one readable line each, first place first.

    The YAML traps and readings stop at their first finding: a top level that is no mapping or
    an unsupported version leaves nothing the schema could be checked against meaningfully."""
    _check_yaml_traps(source)
    yamlreadings.check(source, load_schema())
    if schema.is_valid(source.data):  # the fast check; the validator below words the errors
        _check_tags(source)
        return []
    by_place: dict[tuple[int, int], list[ValidationError]] = {}
    for error in _validator().iter_errors(source.data):
        by_place.setdefault(_position(source, error), []).append(error)
    from jsonschema.exceptions import best_match

    problems = []
    for place in sorted(by_place):  # one line per place: the error that explains most there
        error = best_match(by_place[place], key=lambda e: _RANK.get(str(e.validator), 0))
        assert error is not None
        path = _offending_path(error)
        problems.append(
            ConfigError(_location(source, error), field_path(path), _message(source, error))
        )
    return problems


def _check_tags(source: Source) -> None:
    """Tag keys and values in IAM's characters (their lengths and `aws:` are the schema's)."""
    for section in _tagged_sections():
        for index, entry in enumerate(source.data.get(section, [])):
            for key, value in entry.get("tags", {}).items():
                path: Path = (section, index, "tags", key)
                if not _is_tag_text(key):
                    raise ConfigError(
                        source.key_location(path), field_path(path), _tag_message("key", key)
                    )
                if not _is_tag_text(value):
                    raise ConfigError(
                        source.location(path), field_path(path), _tag_message("value", value)
                    )


@cache
def _tagged_sections() -> tuple[str, ...]:
    """The top-level lists whose entries have `tags` (users, roles, policies, providers)."""
    root = load_schema()
    sections = []
    for section, described in root["properties"].items():
        ref = described.get("items", {}).get("$ref", "")
        entry = root["$defs"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
        if "tags" in entry.get("properties", {}):
            sections.append(section)
    return tuple(sections)


def _is_tag_text(text: str) -> bool:
    return all(
        char in _TAG_PUNCTUATION or unicodedata.category(char)[0] in _TAG_CATEGORIES
        for char in text
    )


def _tag_message(part: str, text: str) -> str:
    # A key is shown when it is plain text (a value never: it may be anything, at any length).
    if part == "key" and _PLAIN_TEXT.fullmatch(text):
        return f"invalid tag key {_describe(text)}: {_TAG_RULE}"
    if part == "key":
        return f"invalid tag key (holds a line break, backtick or other character): {_TAG_RULE}"
    return f"invalid tag value: {_TAG_RULE}"


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def _check_yaml_traps(source: Source) -> None:
    """Mistakes the schema would report confusingly: not a mapping, version, unquoted account id."""
    data = source.data
    if not isinstance(data, dict):
        message = (
            f"the top level must be a mapping (version: 1, account: ...), got {_describe(data)}"
        )
        raise source_error(source, (), message)
    version = data.get("version", 1)
    if isinstance(version, str):
        message = f"expected the number 1, got {version!r} (write version: 1, without quotes)"
        raise source_error(source, ("version",), message)
    if type(version) is not int or version != 1:
        shown = source.plain_text(("version",)) or repr(version)
        raise source_error(
            source, ("version",), f"unsupported version {shown}: this iamctl reads version 1"
        )
    account = data.get("account")
    if isinstance(account, dict) and "id" in account:
        text = source.plain_text(("account", "id"))
        if text is not None and text.replace("_", "").isdigit():
            raise source_error(
                source,
                ("account", "id"),
                'must be a quoted 12-digit string, e.g. id: "012345678901" (YAML reads an '
                "unquoted number as a number, and one with a leading zero as octal)",
            )


def _offending_path(error: ValidationError) -> Path:
    """The data path to blame: an unknown or badly named key itself, not its parent mapping."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return path + (_unknown_keys(error)[0],)
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        return path + (error.instance,)
    return path


def _location(source: Source, error: ValidationError) -> Location:
    """A wrong scalar is pointed at itself; a mapping or list with a problem, at its key."""
    path = _offending_path(error)
    if path != tuple(error.absolute_path):
        return source.key_location(path)
    return source.blame(path)


def _position(source: Source, error: ValidationError) -> tuple[int, int]:
    # By the value at fault, not the key: an unknown key and a missing field of one mapping are
    # then rivals, and _RANK prefers the unknown key (often the missing field, misspelt).
    location = source.location(tuple(error.absolute_path))
    return location.line, location.column


def _unknown_keys(error: ValidationError) -> list[str]:
    allowed = error.schema.get("properties", {})
    patterns = error.schema.get("patternProperties", {})
    return [
        key
        for key in error.instance
        if key not in allowed and not any(re.search(pattern, key) for pattern in patterns)
    ]


def _message(source: Source, error: ValidationError) -> str:
    validator = str(error.validator)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    value = error.validator_value
    if validator == "additionalProperties":
        return _unknown_field_message(error)
    if validator == "required":
        missing = [key for key in value if key not in error.instance]
        return f"missing required field '{missing[0]}'"
    if validator in ("type", "enum") and _in_document(tuple(error.absolute_path)):
        return _document_message(error)
    if validator == "type":
        return _type_message(source, error)
    if validator == "enum":
        return _enum_message(error)
    if validator in ("pattern", "minLength", "maxLength"):
        return _string_rule_message(validator, error.instance, schema)
    if validator in ("minimum", "maximum"):
        bound = "at least" if validator == "minimum" else "at most"
        return f"must be {bound} {value}, got {error.instance}"
    if validator == "maxProperties":
        return f"too many {schema.get('title', 'entries')}: {len(error.instance)} (at most {value})"
    if validator == "uniqueItems":
        seen = [item for i, item in enumerate(error.instance) if item in error.instance[:i]]
        return f"{_describe(seen[0])} is listed twice"
    return " ".join(error.message.split())[:200]


def _in_document(path: Path) -> bool:
    """Inside a policy document: `policies[i].document`, `users[i].inline_policies.NAME` or
    `roles[i].assume_role_policy`."""
    if path[:1] == ("policies",):
        return path[2:3] == ("document",) and len(path) > 3
    if path[:1] == ("roles",) and path[2:3] == ("assume_role_policy",):
        return len(path) > 3
    return path[2:3] == ("inline_policies",) and len(path) > 4 and path[4:] != ("document_file",)


def _document_message(error: ValidationError) -> str:
    """What a document's value should be, without the value: errors never show what a document
    holds (the same rule as for document files)."""
    if error.validator == "enum":
        return f"expected {' or '.join(str(option) for option in error.validator_value)}"
    expected = error.validator_value
    names = [expected] if isinstance(expected, str) else list(expected)
    return f"expected {' or '.join(_TYPES.get(name, name) for name in names)}"


def _unknown_field_message(error: ValidationError) -> str:
    key = _unknown_keys(error)[0]
    allowed = list(error.schema.get("properties", {}))
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown field '{key}' (allowed: {', '.join(allowed)}{hint})"


def _type_message(source: Source, error: ValidationError) -> str:
    expected = error.validator_value
    names = [expected] if isinstance(expected, str) else list(expected)
    wanted = " or ".join(_TYPES.get(name, name) for name in names)
    text = source.plain_text(tuple(error.absolute_path))
    if "string" in names and text is not None and not isinstance(error.instance, str):
        if text == "" or text == "~":
            return f"expected {wanted}, got nothing (write a value or remove the field)"
        reading = {bool: "a boolean", type(None): "empty"}.get(type(error.instance), "a number")
        return (
            f"expected {wanted}, got {text} (YAML 1.1 reads an unquoted {text} as {reading}: "
            f'quote it, e.g. "{text}")'
        )
    return f"expected {wanted}, got {_describe(error.instance)}"


def _enum_message(error: ValidationError) -> str:
    options = [str(option) for option in error.validator_value]
    close = difflib.get_close_matches(str(error.instance), options, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"expected {' or '.join(options)}, got {_describe(error.instance)}{hint}"


def _string_rule_message(validator: str, value: Any, schema: Mapping[str, Any]) -> str:
    title = schema.get("title", "value")
    rule = schema.get("description", "")
    if validator == "maxLength":
        return f"{title} is too long ({len(value)} characters): {rule}"
    if validator == "minLength" and not value:
        return f"{title} must not be empty"
    if isinstance(value, str) and not _PLAIN_TEXT.fullmatch(value):
        # A line break or backtick in an echoed value would break the one-line message, or
        # Markdown wherever the message is pasted: where it is suffices.
        return f"invalid {title} (holds a line break, backtick or other character not allowed)"
    return f"invalid {title} {_describe(value)}: {rule}"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return str(value)
