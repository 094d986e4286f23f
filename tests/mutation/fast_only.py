"""pytest plugin for `make mutate`: keeps only the fast tests (plain data, no emulator, no CLI).

A mutation run repeats the tests that cover a mutated function once per mutant, so a test that
starts moto, a moto server or the `iamctl` command would cost seconds per mutant; and the pure
core these runs mutate is checked by plain-data tests anyway. Loaded with `-p fast_only`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Fixtures that reach an emulator or run the installed command.
SLOW_FIXTURES = frozenset(
    {"moto_iam", "aws", "moto_server", "server_url", "server_iam", "run_iamctl"}
)
# Whole files that start processes or an emulator of their own.
SLOW_FILES = frozenset(
    {
        "test_bench_smoke.py",
        "test_emulator.py",
        "test_examples.py",
        "test_faults.py",
        "test_properties.py",
    }
)
# Single tests that start a Python subprocess.
SLOW_TESTS = frozenset({"test_pure_modules_do_not_import_boto3"})


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Slow files are not even imported (the bench's tests import `bench/`, not copied)."""
    return True if collection_path.name in SLOW_FILES else None


def is_fast(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return (
        not fixtures & SLOW_FIXTURES
        and item.originalname not in SLOW_TESTS  # type: ignore[attr-defined]
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = [item for item in items if not is_fast(item)]
    items[:] = [item for item in items if is_fast(item)]
    config.hook.pytest_deselected(items=slow)
