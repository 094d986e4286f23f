"""What a wheel of iamctl holds: every package of the source tree, and the schema."""

from __future__ import annotations

import sys

from setuptools import find_packages

from tests.files import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = REPO_ROOT


def test_every_package_of_the_source_tree_is_distributed():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "reconciler").rglob("__init__.py")
    }
    include = setuptools["packages"]["find"]["include"]
    assert set(find_packages(str(ROOT), include=include)) == on_disk
    assert "schemas/*.json" in setuptools["package-data"]["reconciler"]
