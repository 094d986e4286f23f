"""IAM wildcard patterns compared as sets of strings: does one contain or meet another?

Pure. IAM's wildcards in actions and resource ARNs are `*` (any run of characters, none
included) and `?` (exactly one character); nothing else is special. The access model asks three
questions of them: does a pattern name a value (`matches`), can two patterns name a common
value (`meets`: a grant on `arn:aws:iam::*:role/*` reaches a question about `role/admin`), and
does one name every value the other names (`contains`: `s3:Get*` on `*` already allows
`s3:GetObject` on `arn:aws:s3:::x/*`).

`contains` is sound but not complete: when it says yes the containment holds; in the rare
shapes it cannot prove (a `?` in the outer pattern against a `*` in the inner one) it says no,
which the model reads as "may grant something new", the conservative answer.
"""

from __future__ import annotations

import functools
import re

ANY = "*"


@functools.lru_cache(maxsize=8192)
def _regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def matches(value: str, pattern: str) -> bool:
    """Whether the pattern names the value (the value's own `*` and `?` are plain characters)."""
    if pattern == ANY:
        return True
    a, b = _segments(pattern), _segments(value)
    if a is not None and b is not None:
        return all(_regex(x).match(y) is not None for x, y in zip(a, b, strict=True))
    return _regex(pattern).match(value) is not None


def _segments(pattern: str) -> list[str] | None:
    """An ARN pattern's six segments; IAM matches a resource ARN segment by segment (a wildcard
    does not reach across the colons of the first five), so patterns compare that way too."""
    parts = pattern.split(":", 5)
    return parts if pattern.startswith("arn:") and len(parts) == 6 else None


@functools.lru_cache(maxsize=65536)
def meets(first: str, second: str) -> bool:
    """Whether some value is named by both patterns: two ARN patterns segment by segment,
    anything else (an action, an odd resource) as whole strings."""
    if first == ANY or second == ANY:
        return True
    a, b = _segments(first), _segments(second)
    if a is not None and b is not None:
        return all(_meets(x, y) for x, y in zip(a, b, strict=True))
    return _meets(first, second)


@functools.lru_cache(maxsize=65536)
def contains(outer: str, inner: str) -> bool:
    """Whether every value the inner pattern names, the outer one names too (sound: see the
    module's note). ARN patterns compare segment by segment; an ARN pattern of another shape
    is contained only in `*` or itself."""
    if outer in (ANY, inner):
        return True
    a, b = _segments(outer), _segments(inner)
    if a is not None and b is not None:
        return all(_contains(x, y) for x, y in zip(a, b, strict=True))
    if outer.startswith("arn:") or inner.startswith("arn:"):
        return False
    return _contains(outer, inner)


def _meets(first: str, second: str) -> bool:
    """Whether some string is named by both patterns (their languages intersect).

    A walk over pairs of positions, one in each pattern: a `*` may stay where it is while the
    other side moves on, or be left behind; a character of one side must be one the other side
    can be at the same time."""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(first) and j == len(second):
            return True
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        if a == "*":
            stack.append((i + 1, j))  # the star names nothing more
        if b == "*":
            stack.append((i, j + 1))
        if a is None or b is None:
            continue
        # Both sides name one more character, the same one.
        if a == "*" and b == "*":
            stack.append((i, j + 1))
        elif a == "*":
            stack.append((i, j + 1))  # the star takes b's character and stays
        elif b == "*":
            stack.append((i + 1, j))
        elif a == "?" or b == "?" or a == b:
            stack.append((i + 1, j + 1))
    return False


def _contains(outer: str, inner: str) -> bool:
    """The inner pattern's `*` must be met by a `*` of the outer one; its `?` by a `?` or a
    `*`; its characters by the same character, a `?` or a `*`."""
    if outer in (ANY, inner):
        return True
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(outer) and j == len(inner):
            return True
        a = outer[i] if i < len(outer) else None
        b = inner[j] if j < len(inner) else None
        if a == "*":
            stack.append((i + 1, j))  # the outer star names nothing more
            if b is not None:
                stack.append((i, j + 1))  # it takes the inner symbol, whatever it is
        elif a is not None and b is not None and b != "*" and (a == "?" or a == b):
            stack.append((i + 1, j + 1))
    return False
