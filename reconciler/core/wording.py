"""Words for messages: counted nouns (`1 user`, `3 policies`) and durations (`2 h 13 min`)."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def duration(seconds: float) -> str:
    """To the minute, at most two units: `7 min`, `2 h 13 min`, `2 h`, `3 d 4 h`, `3,600 d`."""
    days, rest = divmod(int(seconds) // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "min")]
    first = next((i for i, (count, _) in enumerate(units) if count), len(units) - 1)
    shown = [f"{count:,} {unit}" for count, unit in units[first : first + 2] if count]
    return " ".join(shown) or "0 min"
