"""The documentation site: `make docs` builds it strictly, here too so that `make test` (and CI)
fails on a broken link; the file-format reference it writes from the JSON Schema."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.schema_reference import anchor, schema_reference
from tests.files import REPO_ROOT

MKDOCS = Path(sys.executable).parent / "mkdocs"
SCHEMA = json.loads((REPO_ROOT / "schemas" / "iamctl.schema.json").read_text())
BUILD_TIMEOUT_SECONDS = 120


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`make docs`'s command, into `site`."""
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
    )


@pytest.mark.process
def test_the_site_builds_strictly_with_no_warning(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build(REPO_ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    # Written at the build: the command reference from the click group, the file-format
    # reference from the schema; the example the README links to, copied beside the pages.
    commands = (site / "reference" / "commands" / "index.html").read_text()
    assert "iamctl plan [OPTIONS] FILES..." in commands
    assert "--detailed-exitcode" in commands
    assert "max_session_duration" in (site / "reference" / "schema" / "index.html").read_text()
    copied = site / "repository" / "examples" / "tutorial" / "account.yaml"
    assert copied.read_text() == (REPO_ROOT / "examples/tutorial/account.yaml").read_text()
    assert "Mutation testing" in (site / "contributing" / "index.html").read_text()


@pytest.mark.process
def test_a_link_to_a_file_that_does_not_exist_fails_the_build(tmp_path: Path) -> None:
    """The same site, in a copy of the repository, with one link to an example that is not
    there: the strict build must refuse it (the check above would pass on a lax build)."""
    copy = tmp_path / "repo"
    for name in ("docs", "scripts", "schemas", "examples"):
        shutil.copytree(REPO_ROOT / name, copy / name)
    for name in ("mkdocs.yml", "CONTRIBUTING.md", "CHANGELOG.md", "action.yml", "README.md"):
        shutil.copy(REPO_ROOT / name, copy / name)
    guide = copy / "docs" / "guides" / "first-account.md"
    guide.write_text(guide.read_text() + "\n[gone](../../examples/gone/account.yaml)\n")
    result = build(copy / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "examples/gone/account.yaml" in result.stderr


# The file-format reference, from the schema (plain data).


def every_field(schema: Any, prefix: str = "") -> list[str]:
    """Each field the schema declares, as the page names it (`outer.inner` for a field of an
    object written in place)."""
    fields = []
    for name, spec in schema.get("properties", {}).items():
        fields.append(prefix + name)
        if "properties" in spec:
            fields += every_field(spec, f"{prefix}{name}.")
    return fields


def test_the_reference_shows_every_field_of_the_schema() -> None:
    page = schema_reference(SCHEMA, "iamctl.schema.json")
    for definition in [SCHEMA, *SCHEMA["$defs"].values()]:
        for field in every_field(definition):
            assert f"| `{field}`" in page, field


def test_the_reference_has_a_section_for_each_definition_and_every_link_reaches_one() -> None:
    page = schema_reference(SCHEMA, "iamctl.schema.json")
    sections = set(re.findall(r"^### `[^`]+` \{#([a-z0-9-]+)\}$", page, re.MULTILINE))
    assert sections == {anchor(name) for name in SCHEMA["$defs"]}
    links = set(re.findall(r"\]\(#([a-z0-9-]+)\)", page))
    assert links and links <= sections


def test_the_reference_shows_a_field_as_the_schema_constrains_it() -> None:
    page = schema_reference(SCHEMA, "iamctl.schema.json")
    (row,) = [line for line in page.splitlines() if line.startswith("| `max_session_duration`")]
    assert "whole number (at least 3600; at most 43200)" in row
    top_level = page.split("## Definitions")[0]
    (row,) = [line for line in top_level.splitlines() if line.startswith("| `users`")]
    assert f"list of [user](#{anchor('user')})" in row
