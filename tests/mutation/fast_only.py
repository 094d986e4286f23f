"""pytest plugin for `make mutate`: keeps only the fast tests (plain data, no moto, no CLI).

A mutation run repeats the tests that cover a mutated function once per mutant, so a test that
starts moto, a moto server or a process would cost seconds per mutant; and the pure core these
runs mutate is checked by plain-data tests anyway. The tiers are the markers tests/tiers.py
sets (pyproject.toml lists them). Loaded with `-p fast_only`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SLOW_TIERS = ("moto", "emulator", "process", "slow")
# Files not even imported: the bench's tests import `bench/`, which mutmut does not copy.
UNIMPORTABLE_FILES = frozenset({"test_bench_smoke.py"})


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    return True if collection_path.name in UNIMPORTABLE_FILES else None


def is_fast(item: pytest.Item) -> bool:
    return not any(item.get_closest_marker(tier) for tier in SLOW_TIERS)


# After the conftest's hook, which sets the tiers.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = [item for item in items if not is_fast(item)]
    items[:] = [item for item in items if is_fast(item)]
    config.hook.pytest_deselected(items=slow)
