"""Options from the environment (IAMCTL_*), the profile's precedence (command line >
environment > file) and `--region`, through the real `iamctl` against a moto server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reconciler.engine.connection import profile_for
from tests.accounts import HOME, OTHER, credentials_in
from tests.files import write_account
from tests.iamctl_runs import IAMCTL


@pytest.fixture
def profiles(server_url: str, tmp_path: Path) -> Path:
    """A credentials file: `other-admin` acts in OTHER, `home` in HOME (moto's account)."""
    other = "\n".join(f"{k} = {v}" for k, v in credentials_in(server_url, OTHER).items())
    path = tmp_path / "credentials"
    path.write_text(
        f"[other-admin]\n{other}\n[home]\naws_access_key_id = testing\n"
        "aws_secret_access_key = testing\n"
    )
    return path


def home_file_naming_other_profile(tmp_path: Path) -> str:
    """A file for HOME whose account.profile reaches OTHER: the guard refuses it if used."""
    return write_account(tmp_path, "users: []\n", account=HOME, settings="profile: other-admin\n")


def test_environment_credentials_win_over_the_files_profile(run_iamctl, profiles, tmp_path):
    # GitHub Actions' OIDC credentials arrive as AWS_ACCESS_KEY_ID (the fixture's, in HOME).
    path = home_file_naming_other_profile(tmp_path)
    result = run_iamctl("plan", path, env={"AWS_SHARED_CREDENTIALS_FILE": str(profiles)})
    assert result.code == 0, result.stderr
    assert "No changes" in result.stdout


def test_without_environment_credentials_the_files_profile_is_used(run_iamctl, profiles, tmp_path):
    path = home_file_naming_other_profile(tmp_path)
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(profiles), "AWS_ACCESS_KEY_ID": None,
           "AWS_SECRET_ACCESS_KEY": None}
    result = run_iamctl("plan", path, env=env)
    assert result.code == 1
    assert f"but the credentials reach account {OTHER}" in result.stderr


@pytest.mark.parametrize("how", ["--profile", "IAMCTL_PROFILE", "AWS_PROFILE"])
def test_a_profile_from_the_command_line_or_environment_wins_over_the_files(
    run_iamctl, profiles, tmp_path, how
):
    path = home_file_naming_other_profile(tmp_path)
    env: dict[str, str | None] = {"AWS_SHARED_CREDENTIALS_FILE": str(profiles),
                                  "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    args = ["plan", path]
    if how == "--profile":
        args += ["--profile", "home"]
    else:
        env[how] = "home"
    result = run_iamctl(*args, env=env)
    assert result.code == 0, result.stderr


def test_the_typed_profile_wins_over_iamctl_profile(run_iamctl, profiles, tmp_path):
    path = home_file_naming_other_profile(tmp_path)
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(profiles), "IAMCTL_PROFILE": "no-such-profile"}
    assert run_iamctl("plan", path, "--profile", "home", env=env).code == 0
    refused = run_iamctl("plan", path, env=env)
    assert refused.code == 1 and "AWS profile 'no-such-profile'" in refused.stderr


@pytest.mark.parametrize(
    ("typed", "from_file", "environ", "expected"),
    [
        (None, "sso", {}, "sso"),
        ("cli", "sso", {"AWS_ACCESS_KEY_ID": "AKIA"}, "cli"),
        (None, "sso", {"AWS_ACCESS_KEY_ID": "AKIA"}, None),
        (None, "sso", {"AWS_PROFILE": "env"}, None),  # boto3 opens AWS_PROFILE itself
        (None, "sso", {"AWS_WEB_IDENTITY_TOKEN_FILE": "/token"}, None),
        (None, "sso", {"AWS_ACCESS_KEY_ID": ""}, "sso"),
        (None, None, {}, None),
    ],
)
def test_profile_precedence(typed, from_file, environ, expected):
    assert profile_for(typed, from_file, environ) == expected


def test_command_options_read_iamctl_variables(run_iamctl, tmp_path):
    path = write_account(tmp_path, "users:\n  - name: alice\n")
    result = run_iamctl("plan", path, env={"IAMCTL_PLAN_JSON": "1"})
    assert result.code == 0, result.stderr
    assert result.stdout.lstrip().startswith("{")
    typed_wins = run_iamctl("plan", path, "--detailed-exitcode",
                            env={"IAMCTL_PLAN_DETAILED_EXITCODE": "0"})
    assert typed_wins.code == 2


def test_iamctl_debug_turns_on_debug(run_iamctl, tmp_path):
    path = write_account(tmp_path, "users: []\n")
    result = run_iamctl("plan", path, env={"IAMCTL_DEBUG": "true"})
    assert result.code == 0, result.stderr
    assert "DEBUG reconciler.aws.client: GetCallerIdentity" in result.stderr


def test_iamctl_endpoint_url_wins_over_aws_endpoint_url(run_iamctl, server_url, tmp_path):
    path = write_account(tmp_path, "users: []\n")
    env = {"IAMCTL_ENDPOINT_URL": server_url, "AWS_ENDPOINT_URL": f"{server_url}/not-aws"}
    result = run_iamctl("plan", path, env=env)
    assert result.code == 0, result.stderr


SECRETS_FILE = "users:\n  - name: bob\n    access_keys: 1\n"


def test_secrets_manager_without_a_region_is_refused(run_iamctl, tmp_path):
    path = write_account(tmp_path, SECRETS_FILE)
    env = {"AWS_DEFAULT_REGION": None, "AWS_REGION": None}
    result = run_iamctl("plan", path, "--secrets-to", "secretsmanager", env=env)
    assert result.code == 1
    assert "no region given for the secrets; give --region" in result.stderr


@pytest.mark.parametrize("how", ["--region", "IAMCTL_REGION"])
def test_region_option_places_the_secrets(run_iamctl, server_url, tmp_path, how):
    path = write_account(tmp_path, SECRETS_FILE)
    env: dict[str, str | None] = {"AWS_DEFAULT_REGION": "us-east-1"}
    args = ["plan", path, "--secrets-to", "secretsmanager"]
    if how == "--region":
        args += ["--region", "eu-west-3"]
    else:
        env["IAMCTL_REGION"] = "eu-west-3"
    result = run_iamctl(*args, env=env)
    assert result.code == 0, result.stderr
    assert "(account 123456789012, region eu-west-3)" in result.stdout


def test_apply_puts_the_secret_in_the_region_given(run_iamctl, server_url, tmp_path):
    import boto3

    path = write_account(tmp_path, SECRETS_FILE)
    result = run_iamctl("apply", path, "--yes", "--secrets-to", "secretsmanager",
                        "--region", "eu-west-3", env={"AWS_DEFAULT_REGION": None})
    assert result.code == 0, result.stderr
    secrets: Any = boto3.client("secretsmanager", endpoint_url=server_url,
                                region_name="eu-west-3")
    names = [s["Name"] for s in secrets.list_secrets()["SecretList"]]
    assert names == ["iamctl/credentials/bob"]
    assert ":eu-west-3:" in result.stdout


@pytest.mark.process
def test_bash_completion_script_and_answers():
    env = {**os.environ, "_IAMCTL_COMPLETE": "bash_source"}
    script = subprocess.run([str(IAMCTL)], env=env, capture_output=True, text=True, timeout=60)
    assert script.returncode == 0, script.stderr
    assert "complete -o nosort -F _iamctl_completion iamctl" in script.stdout
    env = {**os.environ, "_IAMCTL_COMPLETE": "bash_complete", "COMP_WORDS": "iamctl pl",
           "COMP_CWORD": "1"}
    answer = subprocess.run([str(IAMCTL)], env=env, capture_output=True, text=True, timeout=60)
    assert answer.stdout.split() == ["plain,plan"]
    env["COMP_WORDS"], env["COMP_CWORD"] = "iamctl plan x.yaml --re", "3"
    answer = subprocess.run([str(IAMCTL)], env=env, capture_output=True, text=True, timeout=60)
    assert answer.stdout.split() == ["plain,--region"]


def test_options_that_lower_a_guard_are_never_read_from_the_environment():
    """A variable left set, or set by a poisoned CI environment, must not let apply cut off its
    own credentials nor make mfa enroll print the seed: those are typed where a reviewer sees."""
    from reconciler.cli import cli

    apply_params = {p.name: p for p in cli.commands["apply"].params}
    assert apply_params["allow_self_lockout"].envvar is None
    assert apply_params["yes"].envvar == "IAMCTL_APPLY_YES"  # as Terraform's -auto-approve
    enroll = cli.commands["mfa"].commands["enroll"]  # type: ignore[attr-defined]
    assert {p.name: p for p in enroll.params}["show_seed"].envvar is None
