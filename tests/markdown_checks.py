"""Checks of Markdown that iamctl writes (pull-request comments, job summaries): hostile
values, and a plan made of them, that must render as text; the parser that tells.

The output is parsed with a CommonMark parser with GitHub's autolinks (markdown-it-py's
"gfm-like" preset) and every token is checked; GitHub's @mentions and #references are made only
in text outside code, so no hostile value may reach a text token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reconciler.core.changes import Action, Change, ChangeKind, Finding, HumanStep, StepSubject
from reconciler.core.plan.plan import Plan
from reconciler.core.policy.documents import canonical
from reconciler.core.render.markdown import MARKER
from tests.factories import ACCOUNT_ID as ACCOUNT

PARSER = MarkdownIt("gfm-like")


HOSTILE = [
    "@octocat",
    "x\n```\n# injected heading",
    "``` `` ` ````",
    "`leading",
    "trailing`",
    "[link](https://evil.example/link)",
    "![image](https://evil.example/image.png)",
    "<img src=x onerror=alert(1)>",
    MARKER,
    "# heading",
    "https://evil.example/bare and www.evil.example",
    "two\r\nlines\u2028and\u2029more",
    " spaced ",
    "-->",
    "</details>",
    "- [ ] a task list item",
]


# What must never surface in a text token (outside code): the start of each trick.
TELLTALES = ["@", "evil", "<", "`", "#", "[", "]", "!", "-->"]


def tokens(markdown: str) -> Iterator[Token]:
    for token in PARSER.parse(markdown):
        yield token
        yield from token.children or []


def texts(markdown: str) -> list[str]:
    return [t.content for t in tokens(markdown) if t.type == "text"]


def fences(markdown: str) -> list[Token]:
    return [t for t in tokens(markdown) if t.type == "fence"]


def headings(markdown: str) -> list[str]:
    found = list(PARSER.parse(markdown))
    return [found[i + 1].content for i, t in enumerate(found) if t.type == "heading_open"]


def assert_inert(markdown: str) -> None:
    """Nothing a value could form: links, images, raw HTML (beyond iamctl's own marker and
    <details>), text that GitHub would turn into a mention or a link."""
    assert markdown.startswith(MARKER + "\n") and markdown.count(MARKER) == 1
    for token in tokens(markdown):
        assert token.type not in ("link_open", "image", "html_inline"), token
        if token.type == "html_block":
            assert re.fullmatch(
                r"<!-- iamctl-plan -->\n|<details><summary>\d+ lines</summary>\n|</details>\n",
                token.content,
            ), token.content
    for text in texts(markdown):
        for telltale in TELLTALES:
            assert telltale not in text, text


def shown(value: str) -> str:
    """How a value reads in the comment: on one line, line breaks as escapes, and the opening
    of an HTML comment broken by a zero-width space (so no value can repeat the marker)."""
    for char, escape in (("\r", "\\r"), ("\n", "\\n"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029"), ("<!--", "<!\u200b--")):
        value = value.replace(char, escape)
    return value


def hostile_plan(alias: str = "@octocat\n# alias") -> Plan:
    changes = []
    for number, value in enumerate(HOSTILE):
        name = f"user{number}{value}"
        changes += [
            Change(Action.CREATE, ChangeKind.USER, name),
            Change(Action.CREATE, ChangeKind.USER_POLICY, name,
                   target=f"arn:aws:iam::1:policy/{value}"),
            Change(Action.UPDATE, ChangeKind.USER_TAGS, name, before={"t": "a"},
                   after={"t": value}),
            Change(Action.CREATE, ChangeKind.USER_GROUP, name, target=value, note=value),
        ]
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": HOSTILE}
    changes.append(
        Change(
            Action.UPDATE,
            ChangeKind.POLICY_DOCUMENT,
            "p",
            before=canonical({"Version": "2012-10-17", "Statement": []}).text,
            after=canonical({"Version": "2012-10-17", "Statement": [statement]}).text,
        )
    )
    return Plan(
        account_id=ACCOUNT,
        alias=alias,
        changes=tuple(changes),
        human_steps=tuple(
            HumanStep(StepSubject.USER_MFA, v,
                      f"MFA required, no device yet -> run `iamctl mfa enroll {v}`")
            for v in HOSTILE
        ),
        findings=tuple(
            Finding(f"1.{number}", v, f"policy {v} attached directly")
            for number, v in enumerate(HOSTILE)
        ),
        unmanaged={"users": tuple(HOSTILE)},
        kept=tuple(f"user {v} kept: it runs iamctl" for v in HOSTILE),
    )
