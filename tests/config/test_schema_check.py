"""The fast schema check (fastjsonschema) says "valid" exactly when jsonschema's validator does.

shape.check_shape trusts the fast check's "valid" without asking jsonschema, so a document
the fast check passes and jsonschema rejects would slip through; these tests look for one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.config.schema import is_valid, load_schema
from reconciler.config.yamlload import load_yaml
from reconciler.core.errors import ConfigError
from tests.files import REPO_ROOT

ROOT = REPO_ROOT
FILES = sorted((ROOT / "tests" / "bad_files").glob("*.yaml")) + sorted(
    (ROOT / "examples").rglob("*.yaml")
)
# Values put in place of every value of a valid file, one at a time.
REPLACEMENTS: list[Any] = [None, 0, -1, 1.5, True, "", "x" * 300, "bad name!", "a/b", [], {},
                           ["x", "x"], {"unknown": 1}]


@cache
def full_validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


def full_check(data: Any) -> bool:
    return bool(full_validator().is_valid(data))


def loaded(path: Path) -> Any:
    try:
        return load_yaml(str(path)).data
    except ConfigError:
        pytest.skip("not YAML the schema is ever asked about")


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_fast_check_agrees_on_every_example_and_bad_file(path: Path) -> None:
    data = loaded(path)
    assert is_valid(data) == full_check(data)


def places(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into `data`, parents before children."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from places(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from places(value, path + (index,))


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(data)
    parent = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


@pytest.mark.parametrize("example", ["recommended", "tutorial"])
def test_fast_check_agrees_when_any_value_of_a_valid_file_is_wrong(example: str) -> None:
    file = ROOT / "examples" / example / "account.yaml"
    data = load_yaml(str(file)).data
    assert is_valid(data) and full_check(data)
    disagreements = []
    for path in list(places(data))[1:]:
        for value in REPLACEMENTS:
            changed = replaced(data, path, value)
            if is_valid(changed) != full_check(changed):
                disagreements.append((path, value))
    assert disagreements == []
