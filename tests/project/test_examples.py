"""The shipped examples: account files that validate, CI workflows that call iamctl correctly,
and the demo that `make demo` runs."""

from __future__ import annotations

import csv
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml

import reconciler
from reconciler.cli import cli
from tests.factories import ACCOUNT_ID
from tests.files import REPO_ROOT, account_text, write_file
from tests.iamctl_runs import CliResult, run_in_process

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLES = REPO_ROOT / "examples"
WORKFLOWS = sorted((EXAMPLES / "github-actions").glob("*.yml"))
ACTION = REPO_ROOT / "action.yml"
OTHER_ID = "210987654321"
SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<", "&", "2>", "("}


def project_metadata() -> Any:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def validate(path: Path) -> CliResult:
    """`iamctl validate PATH`, in process: validate reaches no account."""
    return run_in_process(("validate", str(path)), "", {}, None)


def cis_ids(stderr: str) -> set[str]:
    return set(re.findall(r"^warning: CIS (\d+\.\d+):", stderr, flags=re.MULTILINE))


# Account files.


def test_the_tutorial_targets_the_emulator_account() -> None:
    # `make demo` applies it to moto, whose account id is fixed.
    account = load(EXAMPLES / "tutorial" / "account.yaml")["account"]
    assert account["id"] == "123456789012"


def test_the_tutorial_validates_with_the_warnings_its_comments_announce() -> None:
    result = validate(EXAMPLES / "tutorial" / "account.yaml")
    assert result.code == 0, result.stderr
    # 1.11 is judged by plan (keys created at set-up), not by validate.
    assert cis_ids(result.stderr) == {"1.8", "1.9", "1.15", "1.16"}


def test_the_recommended_example_only_warns_about_administrator_access() -> None:
    result = validate(EXAMPLES / "recommended" / "account.yaml")
    assert result.code == 0, result.stderr
    assert cis_ids(result.stderr) == {"1.16"}


def test_the_roles_example_validates_with_account_warnings_only() -> None:
    result = validate(EXAMPLES / "roles" / "account.yaml")
    assert result.code == 0, result.stderr
    assert "1 policy, 2 roles" in result.stdout
    # It leaves the root user and the password policy to the other examples.
    assert cis_ids(result.stderr) == {"1.4", "1.8", "1.9"}


@pytest.mark.parametrize("example", ["tutorial", "recommended", "roles"])
def test_examples_point_editors_at_the_schema(example: str) -> None:
    path = EXAMPLES / example / "account.yaml"
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    schema = first_line.removeprefix("# yaml-language-server: $schema=")
    assert schema != first_line
    assert (path.parent / schema).resolve() == REPO_ROOT / "schemas" / "iamctl.schema.json"


# GitHub Actions workflows.


def triggers(workflow: dict[Any, Any]) -> Any:
    # PyYAML reads the key `on` as the boolean true (YAML 1.1); GitHub reads it as "on".
    return workflow.get("on", workflow.get(True))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_has_triggers_and_runnable_jobs(path: Path) -> None:
    workflow = load(path)
    assert triggers(workflow)
    assert workflow["jobs"]
    for job in workflow["jobs"].values():
        assert job["runs-on"]
        assert job["steps"]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step)


def test_the_three_workflows_are_there() -> None:
    assert [p.name for p in WORKFLOWS] == ["apply.yml", "drift.yml", "plan.yml"]


def steps_of(path: Path) -> Iterator[dict[str, Any]]:
    """The steps of a workflow's jobs, or of a composite action."""
    document = load(path)
    if "runs" in document:
        yield from document["runs"]["steps"]
        return
    for job in document["jobs"].values():
        yield from job["steps"]


def iamctl_invocations(path: Path) -> Iterator[list[str]]:
    """The arguments of every `iamctl ...` command in the workflow's (or action's) shell steps."""
    for step in steps_of(path):
        for line in step.get("run", "").replace("\\\n", " ").splitlines():
            if line.lstrip().startswith("#"):
                continue
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            tokens = list(lexer)
            for start in (i for i, token in enumerate(tokens) if token == "iamctl"):
                args = []
                for token in tokens[start + 1 :]:
                    if token in SHELL_OPERATORS:
                        break
                    args.append(token)
                yield args


def check_arguments(command: click.Command, args: list[str]) -> None:
    """Parse `args` as click would for `command`; a group's own options come first."""
    if isinstance(command, click.Group):
        options = {opt: p for p in command.params if isinstance(p, click.Option) for opt in p.opts}
        while args and args[0].startswith("-"):
            assert args[0] in options, f"unknown option {args[0]}"
            args = args[1 if options[args[0]].is_flag else 2 :]
        assert args, "no subcommand"
        name, *rest = args
        assert name in command.commands, f"unknown subcommand {name}"
        check_arguments(command.commands[name], rest)
    else:
        command.make_context(command.name or "", list(args))  # raises on a bad option


def without_global_options(args: list[str]) -> list[str]:
    return [arg for arg in args if arg not in ("--no-color", "--debug")]


def test_workflows_use_only_real_commands_and_options() -> None:
    for path in [*WORKFLOWS, ACTION]:
        for args in iamctl_invocations(path):
            check_arguments(cli, args)


@pytest.mark.parametrize(
    ("workflow", "command"),
    [
        ("apply.yml", ["apply", "accounts/", "--yes", "--secrets-dir"]),
        ("drift.yml", ["plan", "accounts/", "--detailed-exitcode"]),
    ],
)
def test_each_workflow_runs_its_command(workflow: str, command: list[str]) -> None:
    invocations = [
        without_global_options(args)
        for args in iamctl_invocations(EXAMPLES / "github-actions" / workflow)
    ]
    assert [args[: len(command)] for args in invocations] == [command]


def test_the_action_parses_names_its_inputs_and_plans_in_markdown() -> None:
    action = load(ACTION)
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"files", "fail-on", "working-directory"}
    assert action["inputs"]["files"]["required"] is True
    for name, spec in action["inputs"].items():
        assert spec["description"], name
    steps = action["runs"]["steps"]
    assert all("shell" in step for step in steps if "run" in step)  # composite actions need it
    install = next(step for step in steps if "pip install" in step.get("run", ""))
    assert "action_path" in install["env"]["ACTION_PATH"]  # iamctl from the action's own path
    (plan,) = [without_global_options(args) for args in iamctl_invocations(ACTION)]
    assert plan[:3] == ["plan", "$FILES", "--markdown"]
    text = ACTION.read_text(encoding="utf-8")
    assert "<!-- iamctl-plan -->" in text and "updateComment" in text
    assert "--fail-on" in text and "inputs.fail-on" in text
    # The comment names where new credentials go as apply will deliver them.
    assert "--secrets-to" in text and "inputs.secrets-to" in text


def test_the_plan_workflow_uses_the_action_with_a_gate() -> None:
    steps = list(steps_of(EXAMPLES / "github-actions" / "plan.yml"))
    (step,) = [step for step in steps if step.get("uses", "").split("@")[0].endswith("/iamctl")]
    assert step["with"]["files"] == "accounts/"
    assert set(step["with"]["fail-on"].split()) <= {"broadening", "escalation"}
    credentials = next(i for i, s in enumerate(steps) if "configure-aws-credentials" in
                       s.get("uses", ""))
    assert credentials < steps.index(step)


def test_the_checker_rejects_what_iamctl_would_reject() -> None:
    with pytest.raises(click.UsageError):
        check_arguments(cli, ["plan", "accounts/", "--detailed-exit-code"])
    with pytest.raises(AssertionError):
        check_arguments(cli, ["--colour", "plan", "accounts/"])
    with pytest.raises(AssertionError):
        check_arguments(cli, ["diff", "accounts/"])


@pytest.mark.process
def test_drift_check_fails_on_changes_and_only_notes_human_steps() -> None:
    steps = load(EXAMPLES / "github-actions" / "drift.yml")["jobs"]["drift"]["steps"]
    (script,) = [step["run"] for step in steps if "--detailed-exitcode" in step.get("run", "")]
    for code, expected in ((0, 0), (2, 1), (3, 0), (1, 1)):
        # GitHub runs `run:` scripts with bash -e -o pipefail; iamctl stands in as a function.
        fake = f"iamctl() {{ return {code}; }}\nset -eo pipefail\n{script}"
        result = subprocess.run(["bash", "-c", fake], capture_output=True, text=True)
        assert result.returncode == expected, (code, result.stdout, result.stderr)
        assert ("::notice" in result.stdout) == (code == 3)
        assert ("::error" in result.stdout) == (code == 2)


def test_apply_workflow_is_protected_and_keeps_secrets_off_the_workspace() -> None:
    workflow = load(EXAMPLES / "github-actions" / "apply.yml")
    job = workflow["jobs"]["apply"]
    assert job["environment"] == "production"
    assert triggers(workflow)["push"]["branches"] == ["main"]
    (apply,) = iamctl_invocations(EXAMPLES / "github-actions" / "apply.yml")
    assert apply[apply.index("--secrets-dir") + 1].startswith("$RUNNER_TEMP/")
    assert not any("upload-artifact" in step.get("uses", "") for step in job["steps"])


def github_paths_pattern(pattern: str) -> re.Pattern[str]:
    """A `paths:` filter as GitHub matches it: `**` any characters, `*` and `?` none of `/`."""
    parts = re.split(r"(\*\*|\*|\?)", pattern)
    wildcards = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wildcards.get(part, re.escape(part)) for part in parts))


WORKFLOW_EVENTS = [("plan.yml", "pull_request"), ("apply.yml", "push")]


@pytest.mark.parametrize(("workflow", "event"), WORKFLOW_EVENTS)
def test_workflows_run_on_a_change_to_any_file_a_plan_reads(tmp_path, workflow, event) -> None:
    # The config repository of the CI guide: an account file, and the policy document it names.
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    account = account_text(
        "policies:\n  - name: billing\n    document_file: ../policies/billing.json\n"
    )
    write_file(tmp_path, "accounts/prod.yaml", account)
    document = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    document += '"Action": "aws-portal:ViewBilling", "Resource": "*"}]}'
    write_file(tmp_path, "policies/billing.json", document)
    validated = run_in_process(("validate", "accounts/"), "", {}, tmp_path)
    assert validated.code == 0, validated.stderr  # what a plan of accounts/ reads
    paths = triggers(load(EXAMPLES / "github-actions" / workflow))[event]["paths"]

    for read in ("accounts/prod.yaml", "policies/billing.json"):
        assert any(github_paths_pattern(path).fullmatch(read) for path in paths), read


def test_paths_patterns_match_as_github_matches_them() -> None:
    assert github_paths_pattern("accounts/**").fullmatch("accounts/prod/users.yaml")
    assert not github_paths_pattern("accounts/*").fullmatch("accounts/prod/users.yaml")
    assert not github_paths_pattern("accounts/**").fullmatch("policies/billing.json")


def test_examples_pin_this_release_where_their_users_pin_it() -> None:
    tag = f"v{reconciler.__version__}"
    repository = urlsplit(project_metadata()["urls"]["Source"]).path.strip("/")
    plan_steps = steps_of(EXAMPLES / "github-actions" / "plan.yml")
    assert f"{repository}@{tag}" in [step.get("uses") for step in plan_steps]
    for workflow in ("apply.yml", "drift.yml"):
        pinned = load(EXAMPLES / "github-actions" / workflow)["env"]["IAMCTL_REQUIREMENT"]
        assert pinned == f"iamctl=={reconciler.__version__}", workflow
    hook_usage = (REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert f"repo: https://github.com/{repository}\n" in hook_usage
    assert f"rev: {tag} " in hook_usage
    guide = (REPO_ROOT / "docs" / "guides" / "github-actions.md").read_text(encoding="utf-8")
    assert f"repo: https://github.com/{repository}\n" in guide
    pins = re.findall(r"(rev: v|iamctl@v|iamctl==)(\d[\w.]*)", guide)
    assert {kind for kind, _ in pins} == {"rev: v", "iamctl@v", "iamctl=="}
    assert {version for _, version in pins} == {reconciler.__version__}


def test_the_documentation_site_links_to_the_repository_the_package_names() -> None:
    site = load(REPO_ROOT / "mkdocs.yml")
    assert site["repo_url"] == project_metadata()["urls"]["Source"]


# The pre-commit hook.


def pre_commit_hook() -> dict[str, Any]:
    (hook,) = load(REPO_ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(hook, dict)
    return hook


def test_pre_commit_hook_runs_validate_on_yaml_files() -> None:
    hook = pre_commit_hook()
    assert hook["id"] == "iamctl-validate"
    assert shlex.split(hook["entry"])[:2] == ["iamctl", "validate"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert re.search(hook["files"], "accounts/prod.yaml")
    assert re.search(hook["files"], "accounts/prod.yml")
    assert not re.search(hook["files"], "README.md")


def run_hook(changed: list[str], cwd: Path) -> CliResult:
    """The hook as pre-commit runs it: its entry, then the changed files it matches."""
    program, *args = shlex.split(pre_commit_hook()["entry"])
    assert program == "iamctl"
    return run_in_process((*args, *changed), "", {}, cwd)


SPLIT_ACCOUNT = {
    "accounts/groups.yaml": account_text("groups:\n  - name: admins\n"),
    "accounts/users.yaml": account_text("users:\n  - name: alice\n    groups: [admins]\n"),
}


def test_pre_commit_hook_validates_every_file_of_an_account_when_one_changed(tmp_path) -> None:
    for name, text in SPLIT_ACCOUNT.items():
        write_file(tmp_path, name, text)

    result = run_hook(["accounts/users.yaml"], tmp_path)

    assert result.code == 0, result.stderr
    assert f"ok: account {ACCOUNT_ID} (accounts/users.yaml, accounts/groups.yaml)" in result.stdout


def test_pre_commit_hook_leaves_out_the_files_of_other_accounts(tmp_path) -> None:
    for name, text in SPLIT_ACCOUNT.items():
        write_file(tmp_path, name, text)
    # Another account beside them, broken (an undeclared group), and a file that is no account.
    other = account_text("users:\n  - name: bob\n    groups: [nowhere]\n", account=OTHER_ID)
    write_file(tmp_path, "accounts/other.yaml", other)
    write_file(tmp_path, "accounts/notes.yml", "- not: an account\n")

    result = run_hook(["accounts/groups.yaml"], tmp_path)

    assert result.code == 0, result.stderr
    assert result.stdout.count("ok: account") == 1
    assert "other.yaml" not in result.stdout + result.stderr


def test_pre_commit_hook_reports_the_account_a_change_breaks(tmp_path) -> None:
    write_file(tmp_path, "accounts/users.yaml", SPLIT_ACCOUNT["accounts/users.yaml"])
    write_file(tmp_path, "accounts/groups.yaml", account_text("groups:\n  - name: ops\n"))

    result = run_hook(["accounts/groups.yaml"], tmp_path)

    assert result.code == 1
    assert "accounts/users.yaml" in result.stderr
    assert "admins" in result.stderr


# The demo.


@pytest.mark.process
def test_demo_runs_the_tutorial_end_to_end_without_showing_secrets(tmp_path: Path) -> None:
    secrets_dir = tmp_path / "secrets"
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "demo.py"), str(secrets_dir)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "exit code 3" in result.stdout
    assert "Emulator stopped." in result.stdout
    (delivered,) = secrets_dir.iterdir()
    assert f"-rw-------  {delivered}" in result.stdout
    with delivered.open(newline="") as file:
        (row,) = csv.DictReader(file)
    output = result.stdout + result.stderr
    for column in ("Password", "Secret access key"):
        assert row[column]
        assert row[column] not in output
