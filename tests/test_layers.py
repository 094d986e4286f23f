"""The pure core imports no AWS SDK and no terminal library: deciding stays testable with data."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"
PURE = ("model", "policydoc", "diff", "undeclared", "attachments", "names", "lockout",
        "human_steps", "plan", "findings", "wording")
FORBIDDEN = ("boto3", "botocore", "click")
# The project's modules that do I/O, seen from inside the package (`from .aws import ...`).
EFFECTFUL = ("aws", "live", "credential_report", "credentials", "apply", "writers", "run",
             "multi", "cli", "mfa", "export", "desired", "yamlload")


def imported(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
    return names


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_sdk_or_terminal_library(module: str) -> None:
    names = imported(module)
    found = {name for name in names if name.split(".")[0] in FORBIDDEN}
    found |= {name for name in names if name.startswith(".") and name.lstrip(".") in EFFECTFUL}
    assert found == set()
