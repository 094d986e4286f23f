"""Counted nouns for messages: `1 user`, `2 users`, `1 policy`, `3 policies`."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"
