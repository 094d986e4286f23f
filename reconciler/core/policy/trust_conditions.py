"""The conditions of a trust policy statement, read for the trust findings (`trust_findings.py`):
which of them hold a key to given values, and whether they limit who the caller is.

Pure. Conditions come in their meaning form (`meaning.statement`): keys folded to lower case,
values as lists of strings. IAM compares condition keys without case, operators as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Operators under which a condition holds a key to its values, and whether those values are
# patterns: StringEquals compares a `*` as a character, StringLike and both Arn operators read
# `*` and `?` as wildcards (IAM User Guide, condition operators). A negated operator
# (StringNotEquals) lets every other value in, so it holds nothing.
_POSITIVE = {
    "StringEquals": False,
    "StringEqualsIgnoreCase": False,
    "StringLike": True,
    "ArnEquals": True,
    "ArnLike": True,
}


@dataclass(frozen=True)
class Block:
    """One operator's values for one key: the key may only take one of `values`."""

    operator: str
    is_pattern: bool
    values: tuple[str, ...]


def positive_blocks(
    conditions: Mapping[str, Any], key: str, *, always_present: bool
) -> list[Block]:
    """The blocks that hold `key` to values. A key that is `always_present` (a claim every token
    of the issuer carries) counts under any qualified form too; a key a request may lack does
    not under `...IfExists` or `ForAllValues:`, which are true when it is missing."""
    found = []
    for operator, block in conditions.items():
        qualifier, _, base = operator.rpartition(":")
        absent_passes = base.endswith("IfExists") or qualifier == "ForAllValues"
        base = base.removesuffix("IfExists")
        if base not in _POSITIVE or not isinstance(block, dict):
            continue
        if absent_passes and not always_present:
            continue
        for name, values in block.items():
            if name.lower() == key.lower():
                items = values if isinstance(values, list) else [values]
                found.append(Block(operator, _POSITIVE[base], tuple(str(item) for item in items)))
    return found


def loosest(blocks: list[Block], too_loose: Callable[[str], bool]) -> str | None:
    """A value that lets everyone through, when every block has one (the blocks all apply:
    one strict block is enough); None when the condition holds."""
    loose = []
    for block in blocks:
        found = next((value for value in block.values
                      if block.is_pattern and too_loose(value)), None)
        if found is None:
            return None
        loose.append(found)
    return loose[0]


def literal_prefix(pattern: str) -> str:
    """The text of a pattern before its first wildcard."""
    return re.split(r"[*?]", pattern, maxsplit=1)[0]


def matches_anything(pattern: str) -> bool:
    """Whether a pattern starts with a wildcard (`*`): it pins no value."""
    return pattern != literal_prefix(pattern) and not literal_prefix(pattern)


# Who the caller is: the keys that name its account, organization or ARN (IAM User Guide,
# global condition context keys), and what a pattern must spell out before its first wildcard
# to pin one. A service principal's call carries the Source keys instead: the account, ARN or
# organization of the resource it acts for.
_ACCOUNT = re.compile(r"^\d{12}$")
_ORG_PATH = re.compile(r"^o-[^/]+/")  # o-a1b2c3d4e5/r-ab12/ou-...: the organization first
_ARN_IN_ACCOUNT = re.compile(r"^arn:[^:]+:[^:]+:[^:]*:\d{12}:")
_CALLER_KEYS: dict[str, Callable[[str], object]] = {
    "aws:principalaccount": _ACCOUNT.match,
    "aws:sourceaccount": _ACCOUNT.match,
    "aws:principalorgid": lambda prefix: False,  # an organization id is pinned only in full
    "aws:sourceorgid": lambda prefix: False,
    "aws:principalorgpaths": _ORG_PATH.match,
    "aws:sourceorgpaths": _ORG_PATH.match,
    "aws:principalarn": _ARN_IN_ACCOUNT.match,
    "aws:sourcearn": _ARN_IN_ACCOUNT.match,
}
CALLER_KEYS_SHOWN = "aws:PrincipalOrgID, aws:PrincipalAccount or aws:PrincipalArn"


def limits_caller(conditions: Mapping[str, Any]) -> bool:
    """Whether the conditions let in only callers of a fixed account, organization or ARN. One
    such block is enough (a statement's conditions all apply); within it every value must pin
    one (its values are alternatives). `aws:SecureTransport`, a negated operator, `...IfExists`
    or a pattern like `arn:aws:iam::*:role/admin` limit nothing."""
    for key, pins in _CALLER_KEYS.items():
        for block in positive_blocks(conditions, key, always_present=False):
            if block.values and all(_pinned(value, block.is_pattern, pins)
                                    for value in block.values):
                return True
    return False


def _pinned(value: str, is_pattern: bool, pins: Callable[[str], object]) -> bool:
    """An exact value names one caller; a pattern must name it before its first wildcard."""
    prefix = literal_prefix(value) if is_pattern else value
    if prefix == value:
        return bool(value)
    return bool(pins(prefix))


def described(conditions: Mapping[str, Any]) -> str:
    """The conditions in one line, for a message: `Bool aws:SecureTransport, StringLike
    aws:PrincipalArn "*"`. Values are shown only for the keys that name the caller (an account,
    an ARN: why they fall short); another key's value may be one a user keeps to himself, such
    as an `sts:ExternalId`."""
    parts = []
    for operator, block in conditions.items():
        for key, values in (block.items() if isinstance(block, dict) else []):
            if key.lower() not in _CALLER_KEYS:
                parts.append(f"{operator} {key}")
                continue
            shown = values[0] if isinstance(values, list) and len(values) == 1 else values
            parts.append(f"{operator} {key} {json.dumps(shown)}")
    return ", ".join(parts) or ", ".join(conditions)
