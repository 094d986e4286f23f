"""The global options (--debug, --profile, --endpoint-url, --no-color) before or after the
subcommand, as AWS CLI users type them, through the real `iamctl` against a moto server."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from tests.files import write_account
from tests.iamctl_runs import IAMCTL

ACCOUNT = """\
    version: 1
    account:
      id: "123456789012"
    users:
      - name: alice
        policies: [ReadOnlyAccess]
    """


@pytest.fixture
def account_file(tmp_path: Path) -> Path:
    return Path(write_account(tmp_path, ACCOUNT))


def before_and_after(command: list[str], *option: str) -> list[list[str]]:
    """The option before the subcommand (`iamctl --debug plan x`), and after it."""
    return [[*option, *command], [*command, *option]]


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_anywhere(run_iamctl, account_file, where):
    args = before_and_after(["plan", str(account_file)], "--debug")[where == "after"]
    result = run_iamctl(*args)
    assert result.code == 0, result.stderr
    assert "DEBUG reconciler.aws.client: GetCallerIdentity" in result.stderr


@pytest.fixture
def profile_only(tmp_path: Path) -> dict[str, str | None]:
    """An environment whose only credentials are the profile `sandbox` of a credentials file."""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[sandbox]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    return {
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
    }


@pytest.mark.parametrize("where", ["before", "after"])
def test_profile_anywhere(run_iamctl, account_file, profile_only, where):
    args = before_and_after(["plan", str(account_file)], "--profile", "sandbox")[where == "after"]
    result = run_iamctl(*args, env=profile_only)
    assert result.code == 0, result.stderr


def test_profile_after_the_subcommand_wins(run_iamctl, account_file, profile_only):
    plan = ["plan", str(account_file)]
    wins = run_iamctl("--profile", "nope", *plan, "--profile", "sandbox", env=profile_only)
    assert wins.code == 0, wins.stderr
    loses = run_iamctl("--profile", "sandbox", *plan, "--profile", "nope", env=profile_only)
    assert loses.code == 1
    assert "AWS profile 'nope'" in loses.stderr and "Traceback" not in loses.stderr


@pytest.mark.parametrize(
    ("command", "where"),
    [(["plan", "{file}"], "before"), (["plan", "{file}"], "after"), (["export"], "after")],
)
def test_endpoint_url_anywhere(run_iamctl, server_url, account_file, command, where):
    command = [arg.format(file=account_file) for arg in command]
    args = before_and_after(command, "--endpoint-url", server_url)[where == "after"]
    result = run_iamctl(*args, env={"AWS_ENDPOINT_URL": None})
    assert result.code == 0, result.stderr


def test_endpoint_url_after_the_subcommand_wins(run_iamctl, server_url, account_file):
    plan = ["plan", str(account_file)]
    not_aws = f"{server_url}/not-aws"  # answers at once, and not like AWS
    wins = run_iamctl("--endpoint-url", not_aws, *plan, "--endpoint-url", server_url)
    assert wins.code == 0, wins.stderr
    loses = run_iamctl("--endpoint-url", server_url, *plan, "--endpoint-url", not_aws)
    assert loses.code == 1 and "did not answer like AWS" in loses.stderr
    # The environment (AWS_ENDPOINT_URL, set by run_iamctl) never beats a typed option.
    typed_first = run_iamctl("--endpoint-url", not_aws, *plan)
    assert typed_first.code == 1 and "did not answer like AWS" in typed_first.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_endpoint_that_is_not_a_url_is_a_usage_error(run_iamctl, account_file, where):
    args = before_and_after(["plan", str(account_file)], "--endpoint-url", "localhost")
    result = run_iamctl(*args[where == "after"])
    assert result.code == 1
    assert result.stderr.startswith("error: Invalid value for '--endpoint-url': ")
    assert "internal error" not in result.stderr and len(result.stderr.splitlines()) == 1


def run_on_terminal(server_url: str, *args: str) -> str:
    """Runs iamctl with its standard output on a pseudo-terminal; returns what it printed."""
    env = {**os.environ, "AWS_ENDPOINT_URL": server_url}
    env.pop("NO_COLOR", None)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(IAMCTL), *args], stdout=terminal, stderr=subprocess.PIPE, env=env
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the terminal closed when iamctl exited
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    return output.decode()


@pytest.mark.process
def test_colour_on_a_terminal(server_url, account_file):
    assert "\x1b[" in run_on_terminal(server_url, "plan", str(account_file))


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.process
def test_no_color_anywhere(server_url, account_file, where):
    args = before_and_after(["plan", str(account_file)], "--no-color")[where == "after"]
    output = run_on_terminal(server_url, *args)
    assert "+ user alice" in output
    assert "\x1b[" not in output


@pytest.mark.parametrize("where", ["before", "after"])
def test_an_internal_error_shows_its_traceback_with_debug_anywhere(
    monkeypatch, capsys, account_file, where
):
    from reconciler import cli

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("reconciler.cli.validate.find_problems", broken)
    args = before_and_after(["validate", str(account_file)], "--debug")[where == "after"]
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: a bug" in err
    assert "internal error: RuntimeError: a bug" in err


def test_an_internal_error_is_one_line_without_debug(monkeypatch, capsys, account_file):
    from reconciler import cli

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("reconciler.cli.validate.find_problems", broken)
    with pytest.raises(SystemExit):
        cli.main(["validate", str(account_file), "--", "--debug"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "internal error: RuntimeError: a bug (run with --debug for details, and please report it)"
    ]
