"""The IAM emulator for the demo and the CLI tests: a moto server on a free local port.

`start_emulator()` runs the server in a child process and returns its URL and a stop function.
A child process, not a thread, because moto's state and settings are global to a process: a
server thread would share them with in-process `mock_aws` tests (each reset would wipe the other,
and the managed-policies switch would slow every in-process test). The child also watches its
standard input and exits when it closes, so it dies with its parent even if the parent is killed.

Run by hand, it prints the URL and serves until interrupted (Ctrl-C), for trying iamctl:

    python scripts/emulator.py
    export AWS_ENDPOINT_URL=<the printed URL> AWS_ACCESS_KEY_ID=testing \
        AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import IO

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
EXIT_ON_EOF = "--exit-on-stdin-eof"


def start_emulator(script: str = __file__) -> tuple[str, Callable[[], None]]:
    """Start a moto server (child process, 127.0.0.1, free port); return its URL and `stop`.

    `script` is the server program: this file, or one built on it (the bench's) that accepts
    the same EXIT_ON_EOF argument and prints its URL first.
    """
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (the child writes it; stop() closes it)
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(script), EXIT_ON_EOF],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=server_env(),
    )

    def stop() -> None:
        stop_child(child)
        log.close()

    try:
        url = read_url(child, log)
        wait_until_ready(url)
    except BaseException:
        stop()
        raise
    return url, stop


def server_env() -> dict[str, str]:
    """The parent's environment without AWS settings: moto builds a botocore session, which
    fails on a profile that does not exist (AWS_PROFILE) and must not see real credentials."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    return env


def read_url(child: subprocess.Popen[str], log: IO[str]) -> str:
    """The first line the child prints is its URL; anything else means it failed to start."""
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if not line.startswith("http://"):
        child.wait(timeout=STOP_TIMEOUT_SECONDS)
        log.seek(0)
        raise RuntimeError(f"the emulator did not start:\n{log.read()}")
    return line


def stop_child(child: subprocess.Popen[str]) -> None:
    """Close its stdin (it exits on EOF); terminate, then kill, if it lingers."""
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            stream.close()
    try:
        child.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def wait_until_ready(url: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Return once the server answers HTTP; raise RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/config", timeout=2):
                return
        except OSError as error:  # URLError is an OSError
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator at {url} did not answer: {error}") from error
            time.sleep(0.05)


def reset_emulator(url: str) -> None:
    """Forget every user, group, policy and alias; AWS managed policies come back on next use."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


def serve(exit_on_stdin_eof: bool) -> None:
    """Run the server in this process, print its URL, and block until told to stop."""
    # moto reads this each time it creates an IAM backend (first request, and after every
    # /moto-api/reset), so it must be set for the life of the server, not just at start.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import ThreadedMotoServer  # imported here: the parent never needs moto

    only_the_aws_partition()
    # werkzeug logs every request: noise between iamctl's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Port 0: the OS picks a free port at bind time, so two servers can never collide.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    try:
        wait_for_stop(exit_on_stdin_eof)
    finally:
        server.stop()


def only_the_aws_partition() -> None:
    """Create IAM state for the commercial partition only: 6x cheaper reset and first request.

    To find the account behind an access key, moto looks in the IAM backend of every partition
    (aws, aws-cn, aws-us-gov, ...), which creates each of them, and with managed policies each
    costs ~0.2 s, again at every reset. The emulator serves us-east-1 only, so one is enough.
    If a moto release renames this, the emulator still works, just slower.
    """
    import moto.iam.models as iam_models

    if hasattr(iam_models, "PARTITION_NAMES"):
        iam_models.PARTITION_NAMES = ["aws"]


def wait_for_stop(exit_on_stdin_eof: bool) -> None:
    stopping = threading.Event()
    # SIGTERM (kill) ends the server like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    if exit_on_stdin_eof:

        def stop_at_eof() -> None:
            sys.stdin.read()
            stopping.set()

        threading.Thread(target=stop_at_eof, daemon=True).start()
    try:
        while not stopping.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    serve(exit_on_stdin_eof=EXIT_ON_EOF in sys.argv[1:])
