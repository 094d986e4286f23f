"""A statement's Condition judged for one principal: met, not met, or maybe.

Pure. iamctl decides what it can know before any request is made (AWS's "IAM JSON policy
elements: Condition operators" page is the reference for the operators):
- dates against the plan's clock (`aws:CurrentTime`, `aws:EpochTime`): a grant that ended in
  2020 grants nothing;
- keys about the principal itself: `aws:username`, `aws:userid` is not known, `aws:PrincipalArn`,
  `aws:PrincipalAccount`, `aws:PrincipalType`, and the principal's tags
  (`aws:PrincipalTag/KEY`) where the files or the live account hold them.
Every other key depends on the request (source IP, MFA, the resource's tags, ...): `MAYBE`.
Callers read `MAYBE` the conservative way for their question: as granted when asking whether
access may grow, as possibly lost when asking whether the caller keeps a permission.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from .patterns import matches


class Verdict(int, Enum):
    """Ordered: NO < MAYBE < YES, so `min` is "and" and `max` is "or"."""

    NO = 0
    MAYBE = 1
    YES = 2


@dataclass(frozen=True)
class Facts:
    """What is known of the principal a policy applies to (empty for an unknown one)."""

    arn: str = ""
    account: str = ""
    username: str | None = None  # IAM users only: `aws:username` is absent for roles
    principal_type: str = ""  # "User", "AssumedRole", "Account", ...
    tags: Mapping[str, str] | None = None  # None: not known
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def value(self, key: str) -> tuple[bool, str | None]:
        """(known, value) of a condition key; a known key may be absent (value None)."""
        if key == "aws:username":
            return True, self.username
        if key == "aws:principalarn" and self.arn:
            return True, self.arn
        if key == "aws:principalaccount" and self.account:
            return True, self.account
        if key == "aws:principaltype" and self.principal_type:
            return True, self.principal_type
        if key.startswith("aws:principaltag/") and self.tags is not None:
            wanted = key.split("/", 1)[1]
            found = next((v for k, v in self.tags.items() if k.lower() == wanted), None)
            return True, found
        return False, None


_STRING = {
    "stringequals": (False, False, False), "stringnotequals": (True, False, False),
    "stringequalsignorecase": (False, True, False),
    "stringnotequalsignorecase": (True, True, False),
    "stringlike": (False, False, True), "stringnotlike": (True, False, True),
    "arnequals": (False, False, True), "arnlike": (False, False, True),
    "arnnotequals": (True, False, True), "arnnotlike": (True, False, True),
}
_DATES = {"datelessthan", "datelessthanequals", "dategreaterthan", "dategreaterthanequals"}
_CLOCK_KEYS = {"aws:currenttime", "aws:epochtime"}


def judge_text(condition: str, facts: Facts) -> Verdict:
    """`judge` of a Condition kept as JSON text ("" for none)."""
    return judge(_loaded(condition), facts) if condition else Verdict.YES


@functools.lru_cache(maxsize=4096)
def _loaded(text: str) -> Any:
    return json.loads(text)


def judge(condition: Any, facts: Facts) -> Verdict:
    """All operators and keys of a Condition must hold (AND); a key's values are alternatives."""
    if not condition:
        return Verdict.YES
    if not isinstance(condition, dict):
        return Verdict.MAYBE
    verdict = Verdict.YES
    for operator, block in condition.items():
        if not isinstance(block, dict):
            return Verdict.MAYBE
        for key, values in block.items():
            verdict = min(verdict, _one(str(operator), str(key).lower(), _strings(values), facts))
            if verdict == Verdict.NO:
                return verdict
    return verdict


def _strings(values: Any) -> list[str]:
    items = values if isinstance(values, list) else [values]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def _one(operator: str, key: str, values: list[str], facts: Facts) -> Verdict:
    lowered = operator.lower()
    if lowered.startswith(("forallvalues:", "foranyvalue:")) or lowered == "null":
        return Verdict.MAYBE  # multi-valued keys and presence tests: depend on the request
    if_exists = lowered.endswith("ifexists")
    base = lowered[: -len("ifexists")] if if_exists else lowered
    if base in _DATES and key in _CLOCK_KEYS:
        return _date(base, values, facts.now)
    known, value = facts.value(key)
    if not known or base not in _STRING:
        return Verdict.MAYBE
    if value is None:  # the key is absent from every request this principal makes
        return Verdict.YES if if_exists else Verdict.NO
    negated, ignore_case, wildcards = _STRING[base]
    hit = any(_same(value, wanted, ignore_case, wildcards, facts) for wanted in values)
    return Verdict.YES if hit != negated else Verdict.NO


def _same(value: str, wanted: str, ignore_case: bool, wildcards: bool, facts: Facts) -> bool:
    if "${" in wanted:
        return False  # a policy variable in a condition value: not resolved here (never YES)
    if ignore_case:
        value, wanted = value.lower(), wanted.lower()
    return matches(value, wanted) if wildcards else value == wanted


def _date(operator: str, values: list[str], now: datetime) -> Verdict:
    moments = [_moment(value) for value in values]
    if any(moment is None for moment in moments):
        return Verdict.MAYBE
    tests = {
        "datelessthan": lambda m: now < m, "datelessthanequals": lambda m: now <= m,
        "dategreaterthan": lambda m: now > m, "dategreaterthanequals": lambda m: now >= m,
    }
    # A date test is about the time of the request. A grant that ended can never be met again:
    # NO. One that holds until a date is met now but not for good: MAYBE. One that starts at a
    # date is met for good once it has started (YES), and met later if not yet (MAYBE).
    met_now = any(tests[operator](m) for m in moments if m is not None)
    if operator.startswith("datelessthan"):
        return Verdict.MAYBE if met_now else Verdict.NO
    return Verdict.YES if met_now else Verdict.MAYBE


def _moment(value: str) -> datetime | None:
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), timezone.utc)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
