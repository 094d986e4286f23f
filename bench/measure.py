"""Runs the real `iamctl` command as a child process and measures it: wall seconds, CPU seconds,
peak memory (of that command alone), and the API call count it reports."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

IAMCTL = Path(sys.executable).parent / "iamctl"
LAUNCHER = Path(__file__).resolve().parent / "launch.py"
FLOOR = Path(__file__).resolve().parent / "floor.py"
TIMEOUT_SECONDS = 900.0

# `iamctl plan` and `apply` print one line per account on stderr, e.g.
# "account 123456789012: read 5,000 users, 1 group, 10 policies, 1,000 roles (2 owned by AWS),
# 0 OIDC providers, 0 SAML providers in 10 API calls (1.2 s; ...)".
STATS_LINE = re.compile(
    r"read (?P<users>[\d,]+) users?, [\d,]+ groups?, [\d,]+ polic(?:y|ies), "
    r"(?P<roles>[\d,]+) roles?(?: \([\d,]+ owned by AWS\))?, .*?"
    r"in (?P<calls>[\d,]+) API calls? \((?P<seconds>[\d.]+) s[;)]"
)

# Settings that could point the child at a real account or a developer's profile.
LEAKY_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
             "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL_IAM",
             "AWS_ENDPOINT_URL_STS", "CI")


@dataclass(frozen=True)
class Measured:
    code: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    peak_mb: float

    @property
    def reported_calls(self) -> int | None:
        """The API calls iamctl says it made reading the account (None if it printed none)."""
        match = STATS_LINE.search(self.stderr)
        return int(match["calls"].replace(",", "")) if match else None


def emulator_env(url: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in LEAKY_ENV}
    env.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        NO_COLOR="1",
    )
    return env


def run_iamctl(args: Sequence[str], url: str, cwd: Path) -> Measured:
    return run_measured([str(IAMCTL), *args], emulator_env(url), cwd)


def run_floor(args: Sequence[str], url: str, cwd: Path) -> Measured:
    """The bare reads of a plan (bench/floor.py), measured like iamctl."""
    return run_measured([sys.executable, str(FLOOR), *args], emulator_env(url), cwd)


def run_measured(command: Sequence[str], env: dict[str, str], cwd: Path) -> Measured:
    """Run `command` to completion through `launch.py`, which reports the resource usage of
    the command alone (see there why the bench cannot measure its own children)."""
    with tempfile.TemporaryDirectory() as scratch, \
            tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        report = Path(scratch) / "usage.json"
        launcher = [sys.executable, "-I", "-S", str(LAUNCHER), str(report), *command]
        # A session of its own, so that a timeout ends the launcher and its command together.
        child = subprocess.Popen(launcher, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 env=env, cwd=cwd, start_new_session=True)
        try:
            code = child.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise
        usage = json.loads(report.read_text())
        out.seek(0)
        err.seek(0)
        return Measured(
            code=code,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            seconds=usage["seconds"],
            cpu_seconds=usage["cpu_seconds"],
            peak_mb=usage["peak_mb"],
        )
