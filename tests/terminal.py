"""A pseudo-terminal for a child process, for tests of what iamctl does on a terminal."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping
from typing import Any

import pyotp

from tests.cli_flows import wait_for_seed
from tests.iamctl_runs import IAMCTL


class Terminal:
    """A pseudo-terminal for a child process: what it shows is collected, answers are typed."""

    def __init__(self) -> None:
        self.parent, self.child = os.openpty()
        self._shown = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> Terminal:
        return self

    def started(self) -> None:
        os.close(self.child)  # the child holds it now; reading ends when the child exits
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.parent, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            with self._lock:
                self._shown += data

    def shown(self) -> str:
        self._reader.join(timeout=10)
        with self._lock:
            return self._shown.decode(errors="replace")

    def answer(self, prompt: str, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while prompt not in self.shown_so_far():
            shown = self.shown_so_far()[-300:]
            assert time.monotonic() < deadline, f"no prompt {prompt!r}: {shown}"
            time.sleep(0.05)
        os.write(self.parent, f"{text}\n".encode())

    def shown_so_far(self) -> str:
        with self._lock:
            return self._shown.decode(errors="replace")

    def __exit__(self, *_: object) -> None:
        os.close(self.parent)


def on_terminal(
    server_url: str,
    args: list[str],
    env: Mapping[str, str | None] | None = None,
    iam: Any = None,
) -> tuple[int, str]:
    """Runs iamctl on a pseudo-terminal (as `mfa enroll` demands); with `iam`, types the two
    codes of the device that appears there. Returns the exit code and what the terminal showed."""
    full_env = {**os.environ, "AWS_ENDPOINT_URL": server_url}
    full_env.pop("CI", None)
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    with Terminal() as terminal:
        process = subprocess.Popen(
            [str(IAMCTL), *args],
            stdin=terminal.child,
            stdout=terminal.child,
            stderr=terminal.child,
            env=full_env,
        )
        terminal.started()
        try:
            if iam is not None:
                totp = pyotp.TOTP(wait_for_seed(iam))
                now = time.time()
                terminal.answer("First 6-digit code", totp.at(now))
                terminal.answer("Next 6-digit code", totp.at(now + 30))
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        return code, terminal.shown()
