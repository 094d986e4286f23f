"""Loads the bundled JSON Schema of the file format (works for editable and normal installs)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def load_schema() -> dict[str, Any]:
    text = (files("reconciler") / "schemas" / "iamctl.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
