"""The test tiers (markers registered in pyproject.toml), set from what each test uses.

- `moto`: moto in this process (`moto_iam`, `aws`).
- `emulator`: the moto server, a child process per xdist worker (`server_url` and the fixtures
  on it: `server_iam`, `run_iamctl`, `run_iamctl_process`).
- `process`: starts a child process other than git: the installed `iamctl`, Python, bash, node.
  Files and tests that do mark themselves; `run_iamctl_process` marks its users.
- `slow`: large corpora, property runs, the benchmark's smoke run; marked where they are.

`make test-fast` runs what is none of emulator, process and slow. So that a test cannot slip
into it by starting a process unmarked, a test without the `process` mark that starts one fails.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

MOTO_FIXTURES = frozenset({"moto_iam", "aws"})
EMULATOR_FIXTURES = frozenset(
    {"moto_server", "server_url", "server_iam", "run_iamctl", "run_iamctl_process"}
)
PROCESS_FIXTURES = frozenset({"run_iamctl_process"})
# iamctl itself runs git (is a directory inside a work tree?): a test of that is still fast.
CHILDREN_OF_ANY_TIER = frozenset({"git"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for marker, needs in (
            ("moto", MOTO_FIXTURES),
            ("emulator", EMULATOR_FIXTURES),
            ("process", PROCESS_FIXTURES),
        ):
            if fixtures & needs:
                item.add_marker(marker)


@pytest.fixture(autouse=True)
def child_processes_only_in_the_process_tier(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside the `process` tier, starting a child process (but git) fails the test."""
    if request.node.get_closest_marker("process"):
        return
    start = subprocess.Popen.__init__

    def checked_start(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
        if program_name(args) not in CHILDREN_OF_ANY_TIER:
            raise AssertionError(
                f"{request.node.nodeid} starts a child process ({program_name(args)}): "
                "mark it `process` (tests/tiers.py)"
            )
        start(self, args, *rest, **options)

    monkeypatch.setattr(subprocess.Popen, "__init__", checked_start)


def program_name(args: Any) -> str:
    program = args if isinstance(args, (str, bytes, os.PathLike)) else args[0]
    return Path(os.fsdecode(program)).name
