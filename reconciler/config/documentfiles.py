"""Policy documents kept in JSON files (`document_file`), read only from inside the configuration.

Part of loading the configuration (desired.py). A pull request can change the YAML files; if a
`document_file` could name any path, a plan run in CI would read files outside the repository
(`../../.aws/credentials`, a symlink to `/proc/self/environ`) and put what they hold into error
messages and the plan. So a document file must resolve, symlinks included, inside the tree of the
configuration: the git work tree that holds the YAML file, or the YAML file's own directory when
it is in no work tree.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from .yamlload import read_json


def read_document_file(yaml_file: str, name: str) -> Any:
    """The JSON document `name`, relative to the YAML file that names it. ValueError says what is
    wrong after a colon (": no such file"), never what the file holds."""
    return read_json(confined(yaml_file, name))


def confined(yaml_file: str, name: str) -> Path:
    """The real path of the file `name`, relative to the YAML file that names it, once it is
    known to be inside the configuration's tree (also for SAML metadata files). ValueError as
    for `read_document_file`."""
    directory = Path(yaml_file).parent
    root, what = tree_of(directory.resolve())
    return _inside(root, what, directory / name)


def tree_of(directory: Path) -> tuple[Path, str]:
    """The tree document files must stay in, and how to describe it."""
    top = _git_top_level(directory)
    if top is not None:
        return top, "the git work tree that holds this file"
    return directory, "the directory of this file, which is in no git work tree"


def _inside(root: Path, what: str, path: Path) -> Path:
    outside = ValueError(f": resolves outside {root}, {what}; keep document files inside it")
    try:
        # Not strict first: whether a file exists outside the tree is not for a file to learn.
        if not path.resolve().is_relative_to(root):
            raise outside
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise ValueError(": no such file") from None
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        raise ValueError(": cannot follow its symbolic links") from None
    if not real.is_relative_to(root):
        raise outside
    return real


@cache
def _git_top_level(directory: Path) -> Path | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # git is not installed: no work tree, the YAML file's directory is the limit
        return None
    if result.returncode != 0 or not result.stdout.strip():
        return None
    return Path(result.stdout.rstrip("\n")).resolve()
