"""Beside the pipeline, for trying iamctl without AWS: a local IAM emulator (a moto server).

`iamctl-emulator` (the `emulator` extra: `pip install 'iamctl[emulator]'`) serves on a free
local port with AWS managed policies loaded, prints the `export` lines that point iamctl at it,
and serves until interrupted. `make demo`, the tests and the bench start it with
`start_emulator()`, which runs the server in a child process and returns its URL and a stop
function. A child process, not a thread, because moto's state and settings are global to a
process: a server thread would share them with in-process `mock_aws` tests (each reset would
wipe the other, and the managed-policies switch would slow every in-process test). The child
also watches its standard input and exits when it closes, so it dies with its parent even if the
parent is killed.

Nothing here imports moto until the server starts in the child: iamctl itself never needs it.
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from . import emulator_gaps

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
EXIT_ON_EOF = "--exit-on-stdin-eof"
# moto's account, whatever the credentials: a file tried on the emulator names it as account.id.
EMULATOR_ACCOUNT_ID = "123456789012"
NO_MOTO = "error: iamctl-emulator needs moto: pip install 'iamctl[emulator]'"
USAGE = """\
usage: iamctl-emulator

Start a local IAM emulator (moto) on a free port, with AWS managed policies loaded, and print
the environment that points iamctl at it. It serves until interrupted (Ctrl-C); its account
lives in memory only. Needs the emulator extra: pip install 'iamctl[emulator]'."""

# The folder that holds this iamctl's `reconciler` package (site-packages, or a source tree).
# `python -m` puts its working directory first on the child's path: run there, the child imports
# this very package, never a `reconciler/` that happens to be in the parent's working directory.
PACKAGES_DIR = str(Path(__file__).resolve().parent.parent)


def start_emulator(script: str | None = None) -> tuple[str, Callable[[], None]]:
    """Start a moto server (child process, 127.0.0.1, free port); return its URL and `stop`.

    `script` is the server program: by default this module, or a script built on it (the
    tests', the bench's) that accepts the same EXIT_ON_EOF argument and prints its URL first.
    """
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (the child writes it; stop() closes it)
    child = subprocess.Popen(
        [*server_command(script), EXIT_ON_EOF],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=server_env(),
        cwd=None if script else PACKAGES_DIR,
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



def server_command(script: str | None) -> list[str]:
    if script is None:
        return [sys.executable, "-m", __name__]
    return [sys.executable, os.path.abspath(script)]


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


def moto_server_class() -> Any:
    """moto's threaded server; ImportError without the extra (moto, and flask for its server)."""
    # moto reads this each time it creates an IAM backend (first request, and after every
    # /moto-api/reset), so it must be set for the life of the server, not just at start.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import ThreadedMotoServer

    return ThreadedMotoServer


def serve(exit_on_stdin_eof: bool, announce: Callable[[str], None] | None = None) -> None:
    """Run the server in this process, print its URL, and block until told to stop.

    The URL is the first line printed unless `announce` prints something else for a person.
    """
    server_class = moto_server_class()
    only_the_aws_partition()
    emulator_gaps.install()  # the Identity Center calls moto lacks
    # werkzeug logs every request: noise between iamctl's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Port 0: the OS picks a free port at bind time, so two servers can never collide.
    server = server_class(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    (announce or print)(f"http://{host}:{port}")
    sys.stdout.flush()
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


def exports(url: str) -> str:
    """What a person pastes into another shell: valid shell, the explanations as comments."""
    return f"""\
# IAM emulator (moto) at {url}: account {EMULATOR_ACCOUNT_ID}, AWS managed policies loaded.
# Point iamctl at it from another shell (dummy credentials: no AWS account is involved):
export AWS_ENDPOINT_URL={url}
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
# A file for it names account.id "{EMULATOR_ACCOUNT_ID}". Ctrl-C stops the emulator, and its
# account, kept in memory only, is gone."""


def main(argv: Sequence[str] | None = None) -> int:
    """`iamctl-emulator`; with EXIT_ON_EOF (start_emulator's child), the URL alone."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if args not in ([], [EXIT_ON_EOF]):
        print(f"error: unexpected argument {args[0]!r} (iamctl-emulator --help)", file=sys.stderr)
        return 1
    try:
        moto_server_class()
    except ImportError:
        print(NO_MOTO, file=sys.stderr)
        return 1
    if args:
        serve(exit_on_stdin_eof=True)
    else:
        serve(exit_on_stdin_eof=False, announce=lambda url: print(exports(url)))
        print("# Emulator stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
