"""Renders plans as Markdown for a pull-request comment, where no value is trusted.

Pure, like `text.py`, whose lines it reuses. Names, ARNs, tags, policy documents and AWS's error
messages can hold anything (a hostile file, a user made by hand, an emulator that accepts any
name): outside a code block each value goes into an inline code span, and the plan's lines into
a fenced block whose fence is longer than any run of backticks in them. Line breaks in a value
are shown as `\\n`, so no value starts a line of its own. So no value can form a mention, a link,
an image, HTML or a heading, or end a code block early; and the comment's marker, by which the
workflow finds the comment to update, appears once, at the top.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..changes import Change, Impact
from ..plan.destinations import place
from ..plan.plan import Plan
from . import impact as impact_text
from .text import (
    change_subject,
    change_title,
    extra_lines,
    plan_lines,
    printable,
    step_line,
    summary_line,
)

MARKER = "<!-- iamctl-plan -->"
DETAILS_THRESHOLD = 40  # fold the change list past this many lines

_BACKTICKS = re.compile("`+")


def one_line(value: str) -> str:
    """The value on one line, control characters shown as escapes, and the opening of an HTML
    comment broken by a zero-width space so that no value can repeat the marker."""
    return printable(value).replace("<!--", "<!\u200b--")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code_span(value: str) -> str:
    """An inline code span that shows `value` exactly (on one line)."""
    text = one_line(value) or " "
    fence = "`" * (_longest_backtick_run(text) + 1)
    # CommonMark strips one space from each end of a span that starts and ends with a space (so
    # that a span can start or end with a backtick): pad such values, keeping them as they are.
    padded = text[0] == "`" or text[-1] == "`" or (text[0] == text[-1] == " " and text.strip())
    pad = " " if padded else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced(lines: Sequence[str], info: str = "") -> list[str]:
    """A fenced code block of `lines`, which none of them can close."""
    body = [one_line(line) for line in lines]
    longest = max((_longest_backtick_run(line) for line in body), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *body, fence]


def header(account_id: str, alias: str | None = None, sign_in_url: str | None = None) -> str:
    label = f"### Account {code_span(account_id)}"
    if alias:
        label += f" ({code_span(alias)})"
    return label + (f", sign-in URL {code_span(sign_in_url)}" if sign_in_url else "")


def render_markdown(plan: Plan) -> str:
    """One account's plan. GitHub colours the `diff` block's + and - lines."""
    out = [header(plan.account_id, plan.alias, plan.sign_in_url), ""]
    out += [f"**{summary_line(plan)}**", ""]
    out += new_access(plan)
    out += new_credentials(plan)
    body = plan_lines(plan)
    if body:
        block = fenced(body, "diff")
        if len(body) > DETAILS_THRESHOLD:
            block = [f"<details><summary>{len(body)} lines</summary>", "", *block, "", "</details>"]
        out += block + [""]
    out += listed("Human steps", [step_line(step) for step in plan.human_steps])
    out += listed("Notes and security warnings", extra_lines(plan))
    return "\n".join(out)


def new_access(plan: Plan) -> list[str]:
    """Before the full plan, what a reviewer must not miss: who gains what (per principal),
    the changes that broaden access, and those iamctl could not judge, with why."""
    lines = []
    for principal, (phrases, changes) in impact_text.gains_by_principal([plan]).items():
        by = ", ".join(code_span(change_title(change)) for change in changes)
        lines.append(f"- {code_span(principal)} {code_span('; '.join(phrases))} (by {by})")
    unnamed = [c for c in impact_text.offending([plan], impact_text.FAIL_ON) if not c.risks]
    lines += [f"- {code_span(change_title(change))}{_judged(change)}" for change in unnamed]
    return ["**New access**", "", *lines, ""] if lines else []


def _judged(change: Change) -> str:
    if change.impact == Impact.UNKNOWN:
        return f": could not be judged: {code_span(change.impact_reason or 'unknown')}"
    return ": broadens access"


def new_credentials(plan: Plan) -> list[str]:
    """Where each new secret goes, before the full plan (which a long plan folds away): a
    recipient or a route a pull request changes is what a reviewer must not miss either."""
    lines = [
        f"- {code_span(change_subject(change))}: {code_span(place(change.destination))}"
        for change in plan.changes
        if change.destination is not None
    ]
    return ["**Where new credentials go**", "", *lines, ""] if lines else []


def listed(title: str, lines: Sequence[str]) -> list[str]:
    if not lines:
        return []
    return [f"**{title}**", ""] + [f"- {code_span(line)}" for line in lines] + [""]


def render_failed_account(account_id: str, error: str) -> str:
    """An account that could not be planned, with the error as it is (lines and all)."""
    return "\n".join(
        [header(account_id), "", "**Error:**", "", *fenced(error.splitlines() or [""]), ""]
    )


def render_error(error: str) -> str:
    """What stopped `plan --markdown` or failed its `--fail-on` gate, as the error line iamctl
    printed: it names files, keys, policies and changes as they are, so it goes into a code
    block, line by line. A section of its own: after a plan's, or alone in `render_comment`."""
    return "\n".join(["**Error:**", "", *fenced(error.splitlines() or [""]), ""])


def render_comment(sections: Sequence[str], total: str | None = None) -> str:
    """The whole comment: the marker, each account's section, then `total` (iamctl's own
    words: counts only) in bold."""
    parts = list(sections)
    if total:
        parts.append(f"**{total}**\n")
    return f"{MARKER}\n" + "\n".join(parts)
