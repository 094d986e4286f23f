"""Checks on loaded files between YAML and State: the JSON Schema (shape), then the AWS rules a
schema cannot express (names unique without regard to case, references, quotas).

IAM enforces these rules, but the emulator used in tests does not, and an error at plan time is
better than a failure half-way through apply. Every error points at the user's file.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from ..core.errors import ConfigError, Location, field_path
from ..core.mfa_policy import ENFORCE_MFA_POLICY_NAME
from ..core.model import Ignore
from ..core.providers import url_key
from . import schema, yamlreadings
from .schema import load_schema
from .yamlload import Path, Source

if TYPE_CHECKING:  # jsonschema is imported when a file has a mistake to word (a slow import)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# Default IAM quotas (AWS can raise the managed policy ones on request; iamctl keeps the default).
MAX_POLICIES_PER_ENTITY = 10
MAX_GROUPS_PER_USER = 10

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


@dataclass(frozen=True)
class Declared:
    """One user, group, role or policy as declared in a file, with where it came from."""

    kind: str  # "user" | "group" | "role" | "policy"
    source: Source
    path: Path  # e.g. ("users", 2)

    @cached_property  # read a dozen times per entity while a file is checked and built
    def data(self) -> dict[str, Any]:
        entry: dict[str, Any] = self.source.value(self.path)
        return entry

    @property
    def name(self) -> str:
        return str(self.data["name"])

    def location(self, *rest: str | int) -> Location:
        return self.source.location(self.path + rest)

    def error(self, rest: Path, message: str) -> ConfigError:
        return source_error(self.source, self.path + rest, message)


def declared_in(sources: Sequence[Source], kind: str, section: str) -> list[Declared]:
    """Every entry of `section` (e.g. "users") in the files of one account, in file order."""
    return [
        Declared(kind, source, (section, index))
        for source in sources
        for index in range(len(source.data.get(section, [])))
    ]


def source_error(source: Source, path: Path, message: str) -> ConfigError:
    return ConfigError(source.blame(path), field_path(path), message)


def check_shape(source: Source) -> None:
    """Layer 2: the file against the JSON Schema, reported as one readable line."""
    _check_yaml_traps(source)
    yamlreadings.check(source, load_schema())
    if schema.is_valid(source.data):  # the fast check; the validator below words the error
        _check_tags(source)
        return
    errors = list(_validator().iter_errors(source.data))
    if not errors:
        return
    first = min(_position(source, error) for error in errors)
    candidates = [error for error in errors if _position(source, error) == first]
    from jsonschema.exceptions import best_match

    error = best_match(candidates, key=lambda e: _RANK.get(str(e.validator), 0))
    assert error is not None
    path = _offending_path(error)
    raise ConfigError(_location(source, error), field_path(path), _message(source, error))


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


def check_unique(declared: Iterable[Declared]) -> None:
    """IAM names are unique without regard to case, across all files of one account."""
    first: dict[str, Declared] = {}
    for entity in declared:
        key = entity.name.lower()
        if key in first:
            where = first[key].location("name")
            message = f"{entity.kind} '{entity.name}' is already declared at {where}"
            raise entity.error(("name",), message)
        first[key] = entity


# Each `ignore` list: the section it ignores, the kind as messages name it, and the field that
# names an entry (an OIDC provider's URL is matched without https://, as at plan time).
IGNORABLE: tuple[tuple[str, str, str], ...] = (
    ("users", "user", "name"),
    ("groups", "group", "name"),
    ("policies", "policy", "name"),
    ("roles", "role", "name"),
    ("oidc_providers", "OIDC provider", "url"),
    ("saml_providers", "SAML provider", "name"),
)


def check_not_ignored(sources: Sequence[Source]) -> None:
    """A declared entity that an `ignore` pattern matches would still be managed in full (its
    policies exact, its unused credentials disabled): the files say two opposite things."""
    for section, kind, field in IGNORABLE:
        patterns = _ignore_patterns(sources, section)
        for entity in declared_in(sources, kind, section) if patterns else []:
            value = entity.data[field]
            key = url_key(value) if section == "oidc_providers" else value
            # One pattern at a time, by the rule plan applies, to say which one matched.
            matched = [where for where, one in patterns if one.matches(section, key)]
            if matched:
                shown = value if field == "url" else f"'{value}'"
                message = (
                    f"{kind} {shown} is declared and matches the ignore.{section} pattern at "
                    f"{matched[0]}: a declared {kind} is managed in full all the same; "
                    "remove one of the two"
                )
                raise entity.error((field,), message)


def _ignore_patterns(sources: Sequence[Source], section: str) -> list[tuple[Location, Ignore]]:
    """Each pattern of `ignore.<section>` where it is written, as an Ignore of that one pattern
    (an OIDC provider's without https://, as `desired` builds it)."""
    return [
        (
            source.location(("ignore", section, index)),
            Ignore(**{section: (url_key(pattern) if section == "oidc_providers" else pattern,)}),
        )
        for source in sources
        for index, pattern in enumerate(source.data.get("ignore", {}).get(section, []))
    ]


def check_reserved_policy_names(policies: Iterable[Declared]) -> None:
    for policy in policies:
        if policy.name.lower() == ENFORCE_MFA_POLICY_NAME.lower():
            message = f"policy name '{policy.name}' is reserved for the policy of mfa: enforced"
            raise policy.error(("name",), message)


def check_group_references(users: Iterable[Declared], groups: Sequence[Declared]) -> None:
    """Each group a user names is declared; names ignore case, as IAM's do."""
    names = {group.name.lower(): group.name for group in groups}
    for user in users:
        for index, group in enumerate(user.data.get("groups", [])):
            if group.lower() not in names:
                hint = _did_you_mean(group, names.values())
                message = f"group '{group}' is not declared under groups:{hint}"
                raise user.error(("groups", index), message)


def check_listed_once(entity: Declared, field: str, kind: str) -> None:
    """The schema's uniqueItems compares exact text; `admins` and `Admins` are one IAM name."""
    first: dict[str, str] = {}
    for index, item in enumerate(entity.data.get(field, [])):
        key = item.lower()
        if key in first:
            message = f"{kind} '{item}' is listed twice (as '{first[key]}'; names ignore case)"
            raise entity.error((field, index), message)
        first[key] = item


def check_inline_names_once(entity: Declared) -> None:
    """IAM compares inline policy names without regard to case: `deploy` and `Deploy` on one
    user, group or role are one policy, which the second write would replace."""
    first: dict[str, str] = {}
    for name in entity.data.get("inline_policies", {}):
        key = name.lower()
        if key in first:
            where = entity.source.key_location(entity.path + ("inline_policies", first[key]))
            message = (
                f"inline policy '{name}' is already named '{first[key]}' at {where} "
                "(IAM's inline policy names ignore case)"
            )
            path = entity.path + ("inline_policies", name)
            raise ConfigError(entity.source.key_location(path), field_path(path), message)
        first[key] = name


def permission_sources(users: Sequence[Declared]) -> dict[str, Declared]:
    """For each user name, the declared user whose groups and policies it gets.

    A user without `permissions_from` is its own source; chains are followed to their end.
    `permissions_from` names a user without regard to case.
    """
    by_name = {user.name.lower(): user for user in users}
    for user in users:
        _check_permissions_from(user, by_name)
    return {user.name: _source_of(user, by_name) for user in users}


def _check_permissions_from(user: Declared, by_name: Mapping[str, Declared]) -> None:
    target = user.data.get("permissions_from")
    if target is None:
        return
    if target.lower() not in by_name:
        hint = _did_you_mean(target, [other.name for other in by_name.values()])
        message = f"user '{target}' is not declared under users:{hint}"
        raise user.error(("permissions_from",), message)
    for own in ("groups", "policies"):
        if own in user.data:
            message = f"give either permissions_from or {own}, not both"
            raise user.error((own,), message)


def _source_of(user: Declared, by_name: Mapping[str, Declared]) -> Declared:
    chain = [user.name]
    current = user
    while "permissions_from" in current.data:
        current = by_name[current.data["permissions_from"].lower()]
        if current.name in chain:
            cycle = " -> ".join([*chain, current.name])
            raise user.error(("permissions_from",), f"permissions_from cycle: {cycle}")
        chain.append(current.name)
    return current


def check_user_quotas(user: Declared, source: Declared, enforce_mfa: bool) -> None:
    """Counted after permissions_from and with the enforce-MFA policy, as AWS will count them."""
    blame = "permissions_from" if "permissions_from" in user.data else None
    groups = source.data.get("groups", [])
    if len(groups) > MAX_GROUPS_PER_USER:
        message = (
            f"user '{user.name}' would be in {len(groups)} groups "
            f"(AWS allows {MAX_GROUPS_PER_USER})"
        )
        raise user.error((blame or "groups",), message)
    count = len(source.data.get("policies", [])) + int(enforce_mfa)
    if count > MAX_POLICIES_PER_ENTITY:
        extra = f", counting {ENFORCE_MFA_POLICY_NAME} for mfa: enforced" if enforce_mfa else ""
        message = (
            f"user '{user.name}' would have {count} managed policies{extra} "
            f"(AWS allows {MAX_POLICIES_PER_ENTITY})"
        )
        raise user.error((blame or ("policies" if "policies" in user.data else "mfa"),), message)


def check_policy_quota(entity: Declared) -> None:
    """A group's or a role's managed policies (a user's: `check_user_quotas`)."""
    count = len(entity.data.get("policies", []))
    if count > MAX_POLICIES_PER_ENTITY:
        message = (
            f"{entity.kind} '{entity.name}' would have {count} managed policies "
            f"(AWS allows {MAX_POLICIES_PER_ENTITY})"
        )
        raise entity.error(("policies",), message)


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
