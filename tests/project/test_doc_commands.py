"""Every shell command the README, the documentation site and CONTRIBUTING.md show runs as
written.

The commands are the lines of their `sh` (or `bash`, `shell`) blocks; output and layouts are in
`text` blocks. Each command is in COMMANDS: run, in bash, against the emulator (with dummy
credentials, in an empty directory that holds a copy of examples/ and schemas/, which is also
HOME), or listed with the reason it is not run here. A block's commands run in order, as a
reader types them. A command the pages show and COMMANDS does not know fails, and so does an
entry no page shows any more.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.files import REPO_ROOT

PAGES = sorted(
    [REPO_ROOT / "README.md", REPO_ROOT / "CONTRIBUTING.md", *(REPO_ROOT / "docs").rglob("*.md")]
)
SHELL_BLOCK = re.compile(r"^ *```(?:sh|bash|shell)\n(.*?)^ *```$", re.DOTALL | re.MULTILINE)
TRAILING_COMMENT = re.compile(r"\s+#\s.*$")
COMMAND_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Runs:
    """Run it: it must exit with one of `codes`, and `then` (a bash check, if any) exit 0."""

    codes: tuple[int, ...] = (0,)
    then: str | None = None


@dataclass(frozen=True)
class NotRun:
    reason: str


# What `_iamctl_completion`, once the shell read ~/.bashrc, offers for `iamctl pl<TAB>`.
BASH_COMPLETES = (
    "bash -c '. ~/.bashrc; COMP_WORDS=(iamctl pl); COMP_CWORD=1; _iamctl_completion iamctl; "
    "test \"${COMPREPLY[*]}\" = plan'"
)
SUITE = "the test suite itself, which runs this test: CI runs it (.ci/run)"

# Each command as shown, without its trailing comment.
COMMANDS: dict[str, Runs | NotRun] = {
    "make demo": NotRun(
        "runs scripts/demo.py, which tests/project/test_examples.py runs end to end"
    ),
    "make test": NotRun(SUITE),
    "make test-fast": NotRun(SUITE + " (its fast tier)"),
    "make lint": NotRun("ruff, mypy and import-linter over the tree: minutes on 2 cores; run "
                        "before each commit, as CONTRIBUTING.md says"),
    "make docs": NotRun("tests/project/test_docs.py runs the same build, strict"),
    "make bench": NotRun("about 7 minutes; tests/project/test_bench_smoke.py runs it small"),
    "make mutate": NotRun("about 15 minutes, with the mutate extra, which make test lacks"),
    "make release-check": NotRun(
        "builds the sdist and wheel and installs the wheel in a fresh venv: minutes; the "
        "release workflow runs it, and tests/project/test_release.py checks the build"
    ),
    "pip install iamctl": NotRun("reaches PyPI; `make venv` installs the same package from the "
                                 "clone, and every test runs it"),
    "pip install 'iamctl[emulator]'": NotRun(
        "reaches PyPI; `make venv` installs moto, the extra's one requirement, and the emulator "
        "tests run iamctl-emulator with it"
    ),
    "iamctl-emulator": NotRun(
        "serves until Ctrl-C; tests/project/test_emulator.py starts it, reads the export lines "
        "it prints and plans against it, and make release-check does the same with the wheel"
    ),
    "iamctl mfa enroll alice": NotRun(
        "needs a terminal and an authenticator app's codes: it refuses to run with standard "
        "output not a terminal (tests/cli cover the enrolment with pyotp's codes)"
    ),
    # README: a first real run, on an account the emulator holds.
    "iamctl export --out account.yaml": Runs(then="grep -q '^version: 1' account.yaml"),
    "iamctl validate account.yaml": Runs(),
    "iamctl plan account.yaml": Runs(),
    "iamctl apply account.yaml --secrets-dir ~/iamctl-secrets": Runs(),
    # docs/guides/first-account.md: the same flow, in a config repository's layout.
    "mkdir -p accounts": Runs(),
    "iamctl export --out accounts/prod.yaml": Runs(),
    "iamctl validate accounts/prod.yaml": Runs(),
    "iamctl plan accounts/prod.yaml": Runs(),
    "iamctl apply accounts/prod.yaml --secrets-dir ~/iamctl-secrets": Runs(),
    # docs/reference/shell-completion.md.
    "_IAMCTL_COMPLETE=bash_source iamctl": Runs(),
    """echo 'eval "$(_IAMCTL_COMPLETE=bash_source iamctl)"' >> ~/.bashrc""": Runs(
        then=BASH_COMPLETES
    ),
    """echo 'eval "$(_IAMCTL_COMPLETE=zsh_source iamctl)"' >> ~/.zshrc""": Runs(
        then="grep -q zsh_source ~/.zshrc && "
        "_IAMCTL_COMPLETE=zsh_source iamctl | grep -q '^#compdef iamctl$'"
    ),
    "mkdir -p ~/.config/fish/completions": Runs(),
    "_IAMCTL_COMPLETE=fish_source iamctl > ~/.config/fish/completions/iamctl.fish": Runs(
        then="grep -q 'complete --no-files --command iamctl' "
        "~/.config/fish/completions/iamctl.fish"
    ),
    "_IAMCTL_COMPLETE=bash_source iamctl > ~/.iamctl-complete.bash": Runs(),
    "echo '. ~/.iamctl-complete.bash' >> ~/.bashrc": Runs(then=BASH_COMPLETES),
}


@dataclass(frozen=True)
class Block:
    where: str  # page:line
    lines: tuple[str, ...]


def shell_blocks() -> list[Block]:
    blocks = []
    for page in PAGES:
        text = page.read_text()
        for match in SHELL_BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            lines = tuple(each.strip() for each in match.group(1).splitlines() if each.strip())
            blocks.append(Block(f"{page.relative_to(REPO_ROOT)}:{line}", lines))
    return blocks


def key(line: str) -> str:
    return TRAILING_COMMENT.sub("", line)


BLOCKS = shell_blocks()
RUN_BLOCKS = [b for b in BLOCKS if any(isinstance(COMMANDS.get(key(x)), Runs) for x in b.lines)]


def test_the_pages_show_commands() -> None:
    assert len(BLOCKS) >= 8, [block.where for block in BLOCKS]


def test_every_command_shown_is_run_or_listed_with_a_reason() -> None:
    unknown = [
        f"{block.where}: {line}"
        for block in BLOCKS
        for line in block.lines
        if key(line) not in COMMANDS
    ]
    assert not unknown, "not in COMMANDS (run it, or say why not):\n" + "\n".join(unknown)


def test_every_listed_command_is_still_shown() -> None:
    shown = {key(line) for block in BLOCKS for line in block.lines}
    assert set(COMMANDS) <= shown, set(COMMANDS) - shown


def test_a_command_not_run_says_why() -> None:
    for command, check in COMMANDS.items():
        if isinstance(check, NotRun):
            assert len(check.reason.split()) >= 4, command


@pytest.mark.process
@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[block.where for block in RUN_BLOCKS])
def test_each_command_shown_runs_as_written(block: Block, server_url: str, tmp_path: Path):
    for name in ("examples", "schemas"):
        shutil.copytree(REPO_ROOT / name, tmp_path / name)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": server_url,
    }
    for line in block.lines:
        check = COMMANDS[key(line)]
        if isinstance(check, NotRun):
            continue
        result = bash(line, tmp_path, env)
        assert result.returncode in check.codes, f"{block.where}: {line}\n{result.stderr}"
        if check.then:
            after = bash(check.then, tmp_path, env)
            assert after.returncode == 0, f"{block.where}: after {line}: {check.then}"


def bash(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
    )
