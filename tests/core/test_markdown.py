"""The Markdown plan (`plan --markdown`, a pull-request comment) with hostile values.

Names, ARNs, tags, documents and AWS's error messages are not iamctl's to trust: whatever they
hold, they must render as text, never as a mention, link, image, HTML, heading or a new line of
the plan. The output is parsed with a CommonMark parser with GitHub's autolinks (markdown-it-py's
"gfm-like" preset) and every token is checked; GitHub's @mentions and #references are made only
in text outside code, so no hostile value may reach a text token.
"""

from __future__ import annotations

import json
import re

import pytest

from reconciler.core.render.markdown import (
    code_span,
    render_comment,
    render_error,
    render_failed_account,
    render_markdown,
)
from reconciler.core.render.text import plan_lines
from tests.markdown_checks import (
    HOSTILE,
    PARSER,
    assert_inert,
    fences,
    headings,
    hostile_plan,
    shown,
    tokens,
)

ACCOUNT = "123456789012"
















def test_hostile_values_in_every_part_of_a_plan_stay_text():
    plan = hostile_plan()
    markdown = render_comment([render_markdown(plan)])

    assert_inert(markdown)
    assert headings(markdown) == [
        f"Account `{ACCOUNT}` (`@octocat\\n# alias`), sign-in URL "
        "`https://@octocat\\n# alias.signin.aws.amazon.com/console`"
    ]
    assert "<details><summary>" in markdown  # a long plan is folded, and stays text
    (diff,) = fences(markdown)
    # The block holds every line of the plan and nothing else: no value closed it early or
    # added a line of its own.
    lines = diff.content.splitlines()
    assert lines == [shown(line) for line in plan_lines(plan)]
    assert all(re.match(r"(\+|-|~|!|-/\+) |      ", line) for line in lines)
    assert "+ user user1x\\n```\\n# injected heading" in lines


def test_each_value_reads_as_it_is():
    markdown = render_comment([render_markdown(hostile_plan())])
    spans = [t.content for t in tokens(markdown) if t.type == "code_inline"]
    for number, value in enumerate(HOSTILE):
        assert f"user {shown(value)}: MFA required, no device yet -> run " in "".join(spans)
        warning = f"warning: CIS 1.{number}: {shown(value)}: policy {shown(value)} attached"
        assert f"{warning} directly" in spans
        assert f"note: user {shown(value)} kept: it runs iamctl" in spans


@pytest.mark.parametrize("value", HOSTILE + ["", "`", "``", " ", "a  b", "\x1b[31m"])
def test_a_code_span_shows_its_value_exactly(value):
    (paragraph,) = [t for t in PARSER.parse(f"x {code_span(value)} y") if t.type == "inline"]
    children = paragraph.children or []
    assert [t.type for t in children] == ["text", "code_inline", "text"]
    expected = shown(value).replace("\x1b", "\\x1b") or " "
    assert children[1].content == expected


def test_a_failed_account_and_the_totals_stay_text():
    error = "AccessDenied: User: @octocat is not authorized\n```\n# pwned [x](https://evil.example)"
    markdown = render_comment(
        [render_markdown(hostile_plan()), render_failed_account("@octocat", error)],
        total="Total for 2 accounts: 1 to add, 0 to change, 0 to destroy, 0 human steps.",
    )
    assert_inert(markdown)
    assert headings(markdown)[1] == "Account `@octocat`"
    error_block = fences(markdown)[-1]
    assert error_block.content.splitlines() == error.splitlines()
    assert markdown.rstrip().endswith(
        "**Total for 2 accounts: 1 to add, 0 to change, 0 to destroy, 0 human steps.**"
    )


def test_an_error_section_shows_hostile_error_text_as_it_is():
    for value in HOSTILE:
        error = f"error: account.yaml:6:16: users[0].policies[0]: unknown policy '{value}'"
        alone = render_comment([render_error(error)])
        after_a_plan = render_markdown(hostile_plan()) + "\n" + render_error(error)
        for markdown in (alone, render_comment([after_a_plan])):
            assert_inert(markdown)
            shown_lines = [shown(line) for line in error.splitlines()]
            assert fences(markdown)[-1].content.splitlines() == shown_lines


# The real CLI, with hostile names that moto accepts (AWS would refuse some of them) in the
# account: undeclared users, and a declared user's inline policy.

HOSTILE_USERS = ["@octocat", "<img src=x onerror=alert(1)>"]


def test_plan_markdown_of_a_hostile_account_stays_text(run_iamctl, server_iam, tmp_path):
    for name in HOSTILE_USERS:
        server_iam.create_user(UserName=name)
    server_iam.create_user(UserName="alice")
    hostile_document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": ["arn:aws:s3:::```", "arn:aws:s3:::@octocat\n# pwned <b>"]}],
    }
    server_iam.put_user_policy(
        UserName="alice", PolicyName="p", PolicyDocument=json.dumps(hostile_document)
    )
    path = tmp_path / "account.yaml"
    path.write_text(
        f'version: 1\naccount:\n  id: "{ACCOUNT}"\nusers:\n  - name: alice\n'
        "    inline_policies:\n      p: {Version: \"2012-10-17\", Statement: [{Effect: Allow, "
        "Action: \"s3:GetObject\", Resource: \"*\"}]}\n"
    )

    result = run_iamctl("plan", str(path), "--markdown")

    assert result.code == 0, result.stderr
    assert_inert(result.stdout)
    (diff,) = fences(result.stdout)
    assert "~ user alice: inline policy p" in diff.content
    assert "resource arn:aws:s3:::```" in diff.content  # inside the fence, which it cannot close
    assert 'resource arn:aws:s3:::@octocat\\n# pwned <b>' in diff.content
    notes = [t.content for t in tokens(result.stdout) if t.type == "code_inline"]
    assert any(all(name in note for name in HOSTILE_USERS) for note in notes)


HOSTILE_FILE = (
    f'version: 1\naccount:\n  id: "{ACCOUNT}"\nusers:\n  - name: admin\n'
    '    policies: ["[Approve here](https://evil.example/login)"]\n'
    '    "@octocat <img src=x>": 1\n'
)


def test_plan_markdown_prints_an_error_that_stops_it_as_text(run_iamctl, tmp_path):
    # The error is a line on standard error as always, and, for whoever posts the Markdown
    # (the GitHub Action), a section of it, escaped like the plan.
    path = tmp_path / "account.yaml"
    path.write_text(HOSTILE_FILE)

    result = run_iamctl("plan", str(path), "--markdown")

    assert result.code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f'error: {path}:7:5: users[0]["@octocat <img src=x>"]: unknown field')
    assert_inert(result.stdout)
    assert fences(result.stdout)[-1].content == line + "\n"
