"""Loads the bundled JSON Schema of the file format (works for editable and normal installs), and
compiles it once into a fast yes/no check.

The check is fastjsonschema's generated code: several times faster than jsonschema's validator on a
file of thousands of users. It only answers whether a file is valid; when it is not, validation
runs jsonschema's validator to find and word the error, so messages do not depend on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def load_schema() -> dict[str, Any]:
    text = (files("reconciler") / "schemas" / "iamctl.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _fast_check() -> Callable[[Any], Any]:
    import fastjsonschema  # only a command that reads a file needs it

    # The schema says draft 2020-12; the keywords it uses mean the same in draft 7, the newest
    # draft fastjsonschema knows.
    check: Callable[[Any], Any] = fastjsonschema.compile(load_schema(), use_default=False)
    return check


def is_valid(data: Any) -> bool:
    """Whether `data` satisfies the schema (the fast check; see the module docstring)."""
    from fastjsonschema import JsonSchemaException

    try:
        _fast_check()(data)
    except JsonSchemaException:
        return False
    return True
