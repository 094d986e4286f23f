"""What a release ships: one version, LICENSE in both distributions, an sdist that holds what
its tests need, a changelog entry for the version, and the workflow that checks and publishes it.
`make release-check` (scripts/release_check.py) runs the built wheel itself."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import reconciler
from tests.files import REPO_ROOT
from tests.iamctl_runs import run_in_process

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VERSION = reconciler.__version__
RELEASE_WORKFLOW = REPO_ROOT / ".github" / "workflows" / "release.yml"
# Tracked files a clone has that the sdist leaves out: git's own, and the release workflow.
NOT_IN_THE_SDIST = re.compile(r"\.gitignore$|\.github/")


def pyproject() -> Any:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# One version.


def test_the_version_is_written_once_in_the_package() -> None:
    project = pyproject()
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    dynamic = project["tool"]["setuptools"]["dynamic"]
    assert dynamic["version"] == {"attr": "reconciler.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_iamctl_version_prints_the_package_version() -> None:
    result = run_in_process(("--version",), "", {}, None)
    assert (result.code, result.stdout) == (0, f"iamctl, version {VERSION}\n")


def test_the_changelog_has_a_section_for_this_version_and_one_for_what_is_next() -> None:
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert VERSION in headings
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M)


def test_the_license_is_the_one_the_metadata_names() -> None:
    project = pyproject()["project"]
    assert (project["license"], project["license-files"]) == ("Apache-2.0", ["LICENSE"])
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "Copyright 2026 the iamctl authors" in text
    # PEP 639: the license is an expression, never also a classifier.
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


# The distributions, built as the release workflow builds them.


@dataclass(frozen=True)
class Built:
    sdist: set[str]  # the names in the sdist, less its top folder
    wheel: set[str]
    wheel_metadata: str
    output: str  # what the build printed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    top = f"iamctl-{VERSION}/"
    with tarfile.open(dist / f"iamctl-{VERSION}.tar.gz") as sdist:
        in_sdist = {name.removeprefix(top) for name in sdist.getnames()}
    with zipfile.ZipFile(dist / f"iamctl-{VERSION}-py3-none-any.whl") as wheel:
        in_wheel = set(wheel.namelist())
        metadata = wheel.read(f"iamctl-{VERSION}.dist-info/METADATA").decode()
    return Built(in_sdist, in_wheel, metadata, done.stdout + done.stderr)


@pytest.mark.slow
@pytest.mark.process
def test_both_distributions_carry_the_license(built: Built) -> None:
    assert "LICENSE" in built.sdist
    assert f"iamctl-{VERSION}.dist-info/licenses/LICENSE" in built.wheel
    assert "License-Expression: Apache-2.0\n" in built.wheel_metadata
    assert "License-File: LICENSE\n" in built.wheel_metadata


@pytest.mark.slow
@pytest.mark.process
def test_the_wheel_has_this_version_its_urls_and_the_emulator_extra(built: Built) -> None:
    assert f"\nVersion: {VERSION}\n" in built.wheel_metadata
    assert "Project-URL: Source, https://github.com/" in built.wheel_metadata
    assert "Provides-Extra: emulator\n" in built.wheel_metadata
    entry_points = f"iamctl-{VERSION}.dist-info/entry_points.txt"
    assert entry_points in built.wheel
    assert "reconciler/schemas/iamctl.schema.json" in built.wheel


@pytest.mark.slow
@pytest.mark.process
def test_the_build_gives_no_deprecation_warning(built: Built) -> None:
    # setuptools deprecated the license table (`license = {text = ...}`) and License
    # classifiers: a build that warns now stops building on a later setuptools.
    assert "deprecat" not in built.output.lower()


@pytest.mark.slow
@pytest.mark.process
def test_the_sdist_holds_every_file_a_clone_has(built: Built) -> None:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git work tree (run from an sdist): nothing to compare with")
    tracked = {name for name in listed.stdout.splitlines() if not NOT_IN_THE_SDIST.match(name)}
    assert tracked - built.sdist == set()
    for needed in ("examples/tutorial/account.yaml", "scripts/demo.py", "tests/conftest.py",
                   "CHANGELOG.md", "LICENSE"):
        assert needed in built.sdist
    assert not [name for name in built.sdist if name.endswith(".pyc")]


# The release workflow.


def release_workflow() -> Any:
    return yaml.safe_load(RELEASE_WORKFLOW.read_text(encoding="utf-8"))


def test_the_release_workflow_runs_on_version_tags_only() -> None:
    workflow = release_workflow()
    # PyYAML reads the key `on` as the boolean true (YAML 1.1); GitHub reads it as "on".
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}


def test_the_release_workflow_publishes_only_what_release_check_tried() -> None:
    jobs = release_workflow()["jobs"]
    build_runs = [step.get("run", "") for step in jobs["build"]["steps"]]
    assert "make release-check" in build_runs
    upload = next(s for s in jobs["build"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "dist/"
    publish = jobs["publish"]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    # Trusted publishing: an OIDC token, no stored password or token.
    assert publish["permissions"] == {"id-token": "write"}
    (step,) = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert step["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "password" not in step.get("with", {})


def tag_check() -> str:
    steps = release_workflow()["jobs"]["build"]["steps"]
    script: str = next(s["run"] for s in steps if s.get("name", "").startswith("The tag is"))
    return script


@pytest.mark.process
@pytest.mark.parametrize(
    ("tag", "passes"), [(f"v{VERSION}", True), ("v0.0.0-not-this", False), (VERSION, False)]
)
def test_the_release_workflow_refuses_a_tag_that_is_not_the_version(tag, passes) -> None:
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", tag_check()],
        cwd=REPO_ROOT,
        env={"GITHUB_REF_NAME": tag, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert (done.returncode == 0) == passes, done.stdout + done.stderr
    if not passes:
        assert f"::error::tag {tag} is not v{VERSION}" in done.stdout
