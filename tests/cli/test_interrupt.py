"""Ctrl-C during `iamctl apply`, sent as SIGINT to the real command against a moto server.

Once interrupted, no new change starts, the calls in flight finish and are reported, the usual
report (done, failed, not attempted, new credentials) is printed, and the exit code is 130. Writes
go through a proxy that delays them as AWS's round trip would (moto answers in a millisecond), so
that apply is still running when the signal arrives.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.accounts import HOME, OTHER, ROLE_ARN, iam_in
from tests.faultproxy import FaultProxy, action_of, is_write
from tests.files import write_account
from tests.iamctl_runs import IAMCTL

EXIT_INTERRUPTED = 130
USERS = 400
CHANGES_PER_USER = 2  # the user, its access key
DONE = re.compile(r"^  done: (?:(\d{12}): )?(.*)$", re.M)


class SlowWrites(FaultProxy):
    """Each write waits `delay` seconds before it reaches the emulator. `stop` waits for the
    writes under way, which outlive an iamctl that exits at once: left running, they would land
    in the next test's emulator."""

    def __init__(self, upstream: str, delay: float) -> None:
        super().__init__(upstream)
        self.delay = delay
        self._under_way = 0
        self._idle = threading.Condition()

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if not is_write(action_of(body)):
            return super().forward(method, path, headers, body)
        with self._idle:
            self._under_way += 1
        try:
            time.sleep(self.delay)
            return super().forward(method, path, headers, body)
        finally:
            with self._idle:
                self._under_way -= 1
                self._idle.notify_all()

    def stop(self) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._under_way == 0, timeout=30)
        super().stop()


@pytest.fixture
def slow_writes(server_url: str) -> Iterator[SlowWrites]:
    proxy = SlowWrites(server_url, delay=0.1)
    yield proxy
    proxy.stop()


def users_file(directory: Path, count: int, account: str = HOME, settings: str = "") -> str:
    users = "".join(
        f"  - name: user{number:03}\n    access_keys: 1\n"
        for number in range(count)
    )
    return write_account(
        directory, "users:\n" + users, f"{account}.yaml", account=account, settings=settings
    )


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    done_when_signalled: int
    seconds_after_last_signal: float

    def done(self, account: str | None = None) -> list[str]:
        """The changes reported done on standard output (for one account, when several)."""
        return [line for acc, line in DONE.findall(self.stdout) if account in (None, acc)]


def apply_and_interrupt(
    args: list[str], endpoint: str, after_done: int, second_signal: bool = False
) -> Outcome:
    """Runs `iamctl apply ARGS`, sends SIGINT once `after_done` changes were reported done
    (and a second one once iamctl said it is stopping, if asked), and waits for the end."""
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    # A file, not a pipe: the report on standard error can outgrow a pipe's buffer.
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(
            [str(IAMCTL), "apply", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
        )
        assert process.stdout is not None
        lines: list[str] = []
        while sum(line.startswith("  done: ") for line in lines) < after_done:
            line = process.stdout.readline()
            assert line, "apply ended before it could be interrupted"
            lines.append(line)
        done_when_signalled = sum(line.startswith("  done: ") for line in lines)
        process.send_signal(signal.SIGINT)
        if second_signal:
            wait_for_text(errors, "interrupted:")
            process.send_signal(signal.SIGINT)
        signalled = time.monotonic()
        rest = process.stdout.read()
        code = process.wait(timeout=60)
        ended = time.monotonic() - signalled
        errors.seek(0)
        return Outcome(code, "".join(lines) + rest, errors.read(), done_when_signalled, ended)


def wait_for_text(stream: Any, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stream.seek(0)
        if text in stream.read():
            return
        time.sleep(0.01)
    raise AssertionError(f"iamctl never printed {text!r}")


def report_lines(stderr: str, label: str) -> list[str]:
    """The lines of the report on standard error that start with `label` ("done:", ...)."""
    return [
        line.split(label, 1)[1].strip()
        for line in stderr.splitlines()
        if line.strip().startswith(label)
    ]


def names(iam: Any) -> set[str]:
    return {
        user["UserName"]
        for page in iam.get_paginator("list_users").paginate()
        for user in page["Users"]
    }


@pytest.mark.process
def test_ctrl_c_stops_apply_reports_and_the_next_apply_converges(
    run_iamctl, server_iam, slow_writes, tmp_path
):
    path, secrets = users_file(tmp_path, USERS), tmp_path / "secrets"
    outcome = apply_and_interrupt(
        [str(path), "--yes", "--secrets-dir", str(secrets), "--parallelism", "4"],
        slow_writes.url,
        after_done=30,
    )

    assert outcome.code == EXIT_INTERRUPTED, outcome.stderr
    assert "nothing was changed" not in outcome.stderr
    assert "Traceback" not in outcome.stderr
    done = outcome.done()
    # Only the calls in flight when the signal came (4 at a time) finished after it.
    assert len(done) - outcome.done_when_signalled < 20
    # The usual report: what was done, what was not attempted, nothing lost in between.
    assert f"Apply interrupted on account {HOME}." in outcome.stderr
    assert report_lines(outcome.stderr, "done:") == done
    not_attempted = report_lines(outcome.stderr, "not attempted:")
    assert not_attempted and len(done) + len(not_attempted) == USERS * CHANGES_PER_USER
    assert outcome.stderr.splitlines()[-1] == (
        f"Interrupted: {len(done)} changes made, {len(not_attempted):,} not attempted. "
        "Run apply again to finish: it converges from where this stopped."
    )

    # What the report says was done is what the account holds: nothing more, nothing less.
    created = {line.split()[2] for line in done if re.fullmatch(r"\+ user user\d{3}", line)}
    keyed = {line.split()[2][:-1] for line in done if ": access key, delivered " in line}
    assert created and names(server_iam) == created
    for user in sorted(created):
        keys = server_iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
        assert len(keys) == (user in keyed)
    # Every key made has its secret delivered, and says where.
    announced = set(re.findall(r"^New credentials for user (\S+): ", outcome.stdout, re.M))
    assert announced == keyed
    assert {p.name.removesuffix("_credentials.csv") for p in secrets.glob("*.csv")} == keyed

    finished = run_iamctl("apply", str(path), "--yes", "--secrets-dir", str(secrets))
    assert finished.code == 0, finished.stderr
    assert run_iamctl("plan", str(path), "--detailed-exitcode").code == 0


@pytest.mark.process
def test_a_second_ctrl_c_exits_at_once_and_says_calls_may_be_in_flight(
    server_url, server_iam, tmp_path
):
    proxy = SlowWrites(server_url, delay=3.0)  # the calls in flight outlast the second signal
    try:
        path = users_file(tmp_path, 20)
        outcome = apply_and_interrupt(
            [str(path), "--yes", "--secrets-dir", str(tmp_path / "s"), "--parallelism", "2"],
            proxy.url,
            after_done=1,
            second_signal=True,
        )
    finally:
        proxy.stop()
    assert outcome.code == EXIT_INTERRUPTED
    assert "may still be in flight" in outcome.stderr.splitlines()[-1]
    assert "nothing was changed" not in outcome.stderr
    # The calls in flight, 3 s each, were not waited for.
    assert outcome.seconds_after_last_signal < 2.0


@pytest.mark.process
def test_accounts_applied_in_parallel_stop_together(server_url, slow_writes, tmp_path):
    folder = tmp_path / "accounts"
    users_file(folder, 100, HOME)
    users_file(folder, 100, OTHER, f"role_arn: {ROLE_ARN}\n")
    outcome = apply_and_interrupt(
        [str(folder), "--yes", "--secrets-dir", str(tmp_path / "s"), "--parallelism", "2"],
        slow_writes.url,
        after_done=10,
    )

    assert outcome.code == EXIT_INTERRUPTED, outcome.stderr
    for account in (HOME, OTHER):
        assert f"Apply interrupted on account {account}." in outcome.stderr
        done = outcome.done(account)
        created = {line.split()[2] for line in done if re.fullmatch(r"\+ user user\d{3}", line)}
        assert names(iam_in(server_url, account)) == created
    assert len(outcome.done()) - outcome.done_when_signalled < 20
    not_attempted = report_lines(outcome.stderr, "not attempted:")
    assert len(outcome.done()) + len(not_attempted) == 2 * 100 * CHANGES_PER_USER
    assert len(not_attempted) > 300


@pytest.mark.process
def test_ctrl_c_at_the_confirmation_prompt_changes_nothing(server_url, server_iam, tmp_path):
    path = write_account(tmp_path, "users:\n  - name: alice\n", account=HOME)
    env = {**os.environ, "AWS_ENDPOINT_URL": server_url}
    process = subprocess.Popen(
        [str(IAMCTL), "apply", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    seen = b""
    while b"Apply these changes?" not in seen:
        chunk = os.read(process.stdout.fileno(), 4096)
        assert chunk, "iamctl never asked for confirmation"
        seen += chunk
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)

    assert process.returncode == EXIT_INTERRUPTED
    assert err.decode().strip().splitlines()[-1] == "aborted: nothing was changed"
    assert names(server_iam) == set()


def test_answering_no_is_not_an_interruption(run_iamctl, server_iam, tmp_path):
    path = write_account(tmp_path, "users:\n  - name: alice\n", account=HOME)
    result = run_iamctl("apply", str(path), input="n\n")
    assert result.code == 1
    assert result.stderr.strip().splitlines()[-1] == "aborted: nothing was changed"
    assert names(server_iam) == set()
