"""The GitHub Action (action.yml) run as GitHub runs it: its Plan step's bash script with the real
`iamctl`, then its comment step's JavaScript under node with a stand-in for GitHub's API. Whatever
the files or the account hold, the comment it posts must render as text: no link, mention, image,
HTML or heading that iamctl did not write (checked as in test_markdown.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.core.render.markdown import render_comment, render_markdown
from tests.files import REPO_ROOT
from tests.markdown_checks import assert_inert, fences, hostile_plan

pytestmark = pytest.mark.process

ACTION = REPO_ROOT / "action.yml"
RUN_URL = "https://github.com/acme/infra/actions/runs/42"
NODE = shutil.which("node")

# github-script runs the script as the body of an async function, with `github` and `context`
# in scope; these stand in for them and print what the script posted.
GITHUB_SCRIPT = """\
const context = {
  serverUrl: 'https://github.com', repo: { owner: 'acme', repo: 'infra' }, runId: 42,
  issue: { number: 7 },
};
const posted = [];
const github = {
  paginate: async () => [],
  rest: { issues: {
    listComments: 'listComments',
    createComment: async (args) => { posted.push(args.body); },
    updateComment: async (args) => { posted.push(args.body); },
  } },
};
(async () => {
%s
})().then(() => process.stdout.write(JSON.stringify(posted)));
"""

HEADER = 'version: 1\naccount:\n  id: "123456789012"\nusers:\n  - name: admin\n'
HOSTILE_FILES = {
    "a policy reference that is a link": HEADER
    + '    policies: ["[Approve here](https://evil.example/login)"]\n',
    "a key that mentions and holds HTML": HEADER + '    "@octocat <img src=x>": 1\n',
    "a policy reference that mentions": HEADER + '    policies: ["@octocat", "#1 ![x](y)"]\n',
}


def step(name: str) -> dict[str, Any]:
    steps = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["runs"]["steps"]
    found: dict[str, Any] = next(s for s in steps if s["name"] == name)
    return found


def step_input_default(name: str) -> str:
    """An input's default, as GitHub passes it when the workflow does not set it."""
    default: str = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["inputs"][name]["default"]
    return default


def run_plan_step(tmp_path: Path, files: str, env: dict[str, str]) -> tuple[str, str]:
    """The Plan step, as a composite action's bash step runs (bash -eo pipefail); returns the
    exit code it recorded and the job summary it wrote."""
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    full_env = {
        **os.environ,
        **env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "FILES": files,
        "FAIL_ON": env.get("FAIL_ON", ""),
        "SECRETS_TO": env.get("SECRETS_TO", step_input_default("secrets-to")),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    script = step("Plan")["run"]
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr  # the step records the code, then passes
    code = outputs.read_text().strip().removeprefix("exit-code=")
    return code, summary.read_text()


def run_comment_step(tmp_path: Path, plan_code: str) -> str:
    """The comment step's script under node; returns the one comment body it posted."""
    assert NODE is not None
    script = step("Post the plan on the pull request")["with"]["script"]
    program = tmp_path / "comment.js"
    program.write_text(GITHUB_SCRIPT % script)
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path / "runner"), "PLAN_CODE": plan_code}
    completed = subprocess.run(
        [NODE, str(program)], env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    (body,) = json.loads(completed.stdout)
    assert isinstance(body, str)
    return body


def iamctl_part(body: str) -> str:
    """The comment without the action's own last line, which links to the run (the only link
    the comment may hold): what iamctl printed."""
    own = f"\n\n**iamctl plan failed**: see the [workflow run]({RUN_URL})."
    assert body.endswith(own)
    return body.removesuffix(own)


needs_node = pytest.mark.skipif(NODE is None, reason="node runs the action's github-script step")


@needs_node
@pytest.mark.parametrize("text", HOSTILE_FILES.values(), ids=list(HOSTILE_FILES))
def test_action_comment_shows_hostile_error_text_as_text(tmp_path: Path, text: str) -> None:
    (tmp_path / "account.yaml").write_text(text)

    code, summary = run_plan_step(tmp_path, "account.yaml", {})
    body = run_comment_step(tmp_path, code)

    assert code == "1"
    for markdown in (iamctl_part(body), summary):
        assert_inert(markdown)
        error = fences(markdown)[-1].content
        assert error.startswith("error: account.yaml:")  # iamctl's line, as it printed it


@needs_node
def test_action_comment_of_a_refused_gate_stays_text(
    tmp_path: Path, run_iamctl: Any, server_url: str
) -> None:
    # The --fail-on line names changes, whose names come from the files and the account.
    (tmp_path / "account.yaml").write_text(
        HEADER + "    inline_policies:\n      p: {Version: \"2012-10-17\", Statement: [{Effect: "
        'Allow, Action: "iam:CreatePolicyVersion", Resource: "*"}]}\n'
    )
    env = {"AWS_ENDPOINT_URL": server_url, "FAIL_ON": "escalation"}

    code, summary = run_plan_step(tmp_path, "account.yaml", env)
    body = run_comment_step(tmp_path, code)

    assert code == "1"
    body = iamctl_part(body)
    assert_inert(body)
    assert "+ user admin" in fences(body)[0].content  # the plan, then why it failed
    assert fences(body)[-1].content == (
        "error: --fail-on escalation: 1 change: + user admin: inline policy p\n"
    )


@needs_node
@pytest.mark.parametrize("blocks_first", [False, True], ids=["in a list", "in a code block"])
@pytest.mark.parametrize("padding", [0, 7, 13, 29, 41])
def test_action_cuts_a_long_hostile_plan_where_it_stays_text(
    tmp_path: Path, padding: int, blocks_first: bool
) -> None:
    # A comment holds 65,536 characters: the action cuts longer Markdown. Wherever the cut
    # falls (the padding moves it), no value may be left half inside its code span or block.
    # Lists of one-line code spans (human steps, notes), and code blocks (the plan's lines).
    plan = hostile_plan(alias="@octocat" + "x" * padding)
    lists = [render_markdown(replace(plan, changes=()))] * 20
    blocks = [render_markdown(replace(plan, human_steps=(), findings=(), kept=(), unmanaged={}))]
    sections = blocks * 30 + lists if blocks_first else lists + blocks * 30
    markdown = render_comment(sections)
    assert len(markdown) > 60000
    (tmp_path / "runner").mkdir()
    (tmp_path / "runner" / "iamctl-plan.md").write_text(markdown)

    body = run_comment_step(tmp_path, "0")

    note = f"\n\n(truncated: the whole plan is in the [workflow run]({RUN_URL}))"
    assert body.endswith(note) and len(body) < 65536
    assert_inert(body.removesuffix(note))
    assert not any("truncated" in block.content for block in fences(body))  # a closed block
