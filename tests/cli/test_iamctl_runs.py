"""The installed `iamctl` command, and `run_iamctl` running it in the test process: the console
script starts and answers; in process and as a process, a command does and prints the same; one
run in process leaves nothing behind for the next (logging, environment, directory, streams)."""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

import pytest

from tests.iamctl_runs import CliResult, RunIamctl, run_as_process

ACCOUNT = 'version: 1\naccount:\n  id: "123456789012"\nusers:\n  - name: alice\n'
BAD = 'version: 1\naccount:\n  id: "123456789012"\nusers:\n  - name: alice\n    console: maybe\n'


@pytest.mark.process
def test_the_installed_command_answers_version_and_help() -> None:
    version = run_as_process(("--version",), "", {}, None)
    assert version.code == 0, version.stderr
    assert version.stdout.startswith("iamctl, version ")
    helped = run_as_process(("--help",), "", {}, None)
    assert helped.code == 0, helped.stderr
    assert "Usage: iamctl" in helped.stdout
    assert "plan" in helped.stdout and "apply" in helped.stdout


def commands(tmp_path: Path) -> list[tuple[str, ...]]:
    good, bad = tmp_path / "account.yaml", tmp_path / "bad.yaml"
    good.write_text(ACCOUNT)
    bad.write_text(BAD)
    return [
        ("validate", str(good)),
        ("validate", str(bad)),  # exit 1, one line
        ("plan", str(good), "--detailed-exitcode"),  # exit 2: changes pending
        ("plan", str(good), "--json"),
        ("apply", str(good)),  # asks, reads "n" from the pipe: aborted, exit 1
        ("plan", "--no-such-option"),  # a usage error: exit 1, not click's 2
        ("no-such-command",),
        ("--version",),
        ("plan", "--help"),
    ]


SECONDS = re.compile(r"\d+\.\d s|(?<=\"age_seconds\": )\d+")


def timeless(result: CliResult) -> CliResult:
    """The result without what depends on the clock (the read's seconds, the report's age)."""
    return CliResult(result.code, SECONDS.sub("_", result.stdout), SECONDS.sub("_", result.stderr))


def test_in_process_and_as_a_process_a_command_does_and_prints_the_same(
    run_iamctl: RunIamctl, run_iamctl_process: RunIamctl, tmp_path: Path
) -> None:
    for command in commands(tmp_path):
        in_process = run_iamctl(*command, input="n\n")
        as_process = run_iamctl_process(*command, input="n\n")
        assert timeless(in_process) == timeless(as_process), command


def test_a_debug_run_leaves_no_logging_behind(run_iamctl: RunIamctl, tmp_path: Path) -> None:
    (tmp_path / "account.yaml").write_text(ACCOUNT)
    root = logging.getLogger()
    handlers, botocore_level = root.handlers[:], logging.getLogger("botocore").level

    debug = run_iamctl("--debug", "plan", str(tmp_path / "account.yaml"))
    plain = run_iamctl("plan", str(tmp_path / "account.yaml"))

    assert "DEBUG reconciler.aws.client" in debug.stderr
    assert debug.code == plain.code == 0, plain.stderr
    assert "DEBUG" not in plain.stderr
    assert root.handlers == handlers
    assert logging.getLogger("botocore").level == botocore_level


def test_a_run_puts_back_the_environment_directory_and_streams(
    run_iamctl: RunIamctl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "account.yaml").write_text(ACCOUNT)
    monkeypatch.setenv("IAMCTL_TEST_KEPT", "1")
    before = dict(os.environ), os.getcwd(), sys.stdin, sys.stdout, sys.stderr, sys.argv

    result = run_iamctl(
        "validate", "account.yaml", cwd=tmp_path, env={"IAMCTL_TEST_KEPT": None, "CI": "true"}
    )

    assert result.code == 0, result.stderr
    assert (dict(os.environ), os.getcwd(), sys.stdin, sys.stdout, sys.stderr, sys.argv) == before
