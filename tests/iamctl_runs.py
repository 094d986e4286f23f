"""Running `iamctl` for the CLI tests: in this process through its entry point, or as a process.

In process (`run_in_process`, what the `run_iamctl` fixture uses) costs milliseconds where a
process costs about 0.4 s of imports. It calls `reconciler.cli.main` as the console script does,
with what a process would have of its own set up for the call and put back after it: the
arguments, standard input, output and error (pipes, not terminals), the environment, the
working directory, the root logger, warnings, the cycle collector's threshold.

click's `CliRunner` is not used: it replaces click's prompt functions with ones that echo the
answer into the output, which a process reading a pipe does not do.

As a process (`run_as_process`) only for what a process alone shows: signals, the installed
console script.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

IAMCTL = Path(sys.executable).parent / "iamctl"
IAMCTL_TIMEOUT_SECONDS = 120

Env = Mapping[str, "str | None"]
# (arguments, standard input, environment entries, working directory) -> what it did
Runner = Callable[[tuple[str, ...], str, Env, "Path | str | None"], "CliResult"]


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


# The `run_iamctl` fixture: `run_iamctl(*args, input="", env=None, cwd=None)`.
RunIamctl = Callable[..., CliResult]


def run_in_process(
    args: tuple[str, ...], input: str, env: Env, cwd: Path | str | None
) -> CliResult:
    """`iamctl *args` in this process; `env` entries set (a value of None removes one)."""
    stdout, stderr = io.BytesIO(), io.BytesIO()
    with (
        environment(env),
        working_directory(cwd),
        standard_streams(input, stdout, stderr),
        own_logging(),
        process_warnings(),
        process_globals(args),
    ):
        code = exit_code_of(args)
    return CliResult(code, stdout.getvalue().decode(), stderr.getvalue().decode())


def run_as_process(
    args: tuple[str, ...], input: str, env: Env, cwd: Path | str | None
) -> CliResult:
    """The installed `iamctl` command as a child process, with this process's environment and
    `env`'s entries."""
    full_env = dict(os.environ)
    for name, value in env.items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    completed = subprocess.run(
        [str(IAMCTL), *args],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=IAMCTL_TIMEOUT_SECONDS,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def exit_code_of(args: tuple[str, ...]) -> int:
    """`main` always ends with sys.exit; its code as a process would report it."""
    # Imported here: the fixtures load with every test, most of which never run the CLI.
    from reconciler.cli import main

    try:
        main(list(args))
    except SystemExit as ended:
        if ended.code is None:
            return 0
        if isinstance(ended.code, int):
            return ended.code
        print(ended.code, file=sys.stderr)  # what the interpreter does with a message
        return 1
    raise AssertionError("reconciler.cli.main returned instead of exiting")


@contextmanager
def environment(env: Env) -> Iterator[None]:
    saved = dict(os.environ)
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def working_directory(cwd: Path | str | None) -> Iterator[None]:
    before = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def standard_streams(input: str, stdout: io.BytesIO, stderr: io.BytesIO) -> Iterator[None]:
    """Pipes, as a child process with captured output has: `isatty()` is False on all three,
    so nothing takes them for a terminal (colour, progress line, prompts)."""
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(input.encode()), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(stdout, encoding="utf-8", write_through=True)
    # A process's stderr never fails on a character it cannot encode.
    sys.stderr = io.TextIOWrapper(
        stderr, encoding="utf-8", errors="backslashreplace", write_through=True
    )
    try:
        yield
    finally:
        # Detached, not closed: a wrapper closes its buffer when it goes, and the output is
        # still to be read.
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()
        sys.stdin, sys.stdout, sys.stderr = saved


@contextmanager
def own_logging() -> Iterator[None]:
    """A root logger with no handler, as in a new process, so that the CLI's basicConfig
    installs its own (pytest's capturing handlers would make it a no-op); every logger's level
    put back after, since the CLI quietens botocore's."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root.handlers = []
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextmanager
def process_warnings() -> Iterator[None]:
    """Python's default warning filters, printing to the CLI's standard error as a process
    would (pytest would collect them instead, so a warning the user sees would go unseen)."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for category in (
            DeprecationWarning,
            PendingDeprecationWarning,
            ImportWarning,
            ResourceWarning,
        ):
            warnings.simplefilter("ignore", category)
        warnings.showwarning = show_on_stderr
        yield


def show_on_stderr(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextmanager
def process_globals(args: tuple[str, ...]) -> Iterator[None]:
    """`sys.argv` as the console script sees it; the collector threshold `main` changes."""
    saved_argv, saved_threshold = sys.argv, gc.get_threshold()
    sys.argv = [str(IAMCTL), *args]
    try:
        yield
    finally:
        sys.argv = saved_argv
        gc.set_threshold(*saved_threshold)


def assert_in_sync(run_iamctl: RunIamctl, *files: str) -> None:
    """`iamctl plan --detailed-exitcode FILES` finds nothing to change: exit 0 and says so."""
    planned = run_iamctl("plan", *files, "--detailed-exitcode")
    assert planned.code == 0, planned.stdout + planned.stderr
    assert "No changes. The account matches the configuration." in planned.stdout
