"""Before loading: the other files of the accounts some changed files belong to.

An account may be split across the files of a directory (`iamctl plan accounts/` merges those
with the same `account.id`). A pre-commit hook is given only the files a commit changed, and one
of them alone may name a group or policy declared in another: `validate --whole-accounts` checks
each changed file with the rest of its account, as a plan of the directory will read them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from ..core.errors import IamctlError
from .yamlload import load_yaml

YAML_SUFFIXES = (".yaml", ".yml")


def with_their_accounts(paths: Sequence[str]) -> list[str]:
    """`paths`, then each other YAML file beside a given file that names the same account.

    A given file or directory is kept as given (loading reports what is wrong with it). A file
    beside it that cannot be read as an account (broken, or not iamctl's) is not one of that
    account's files as far as anyone can tell, so it is left out rather than blamed.
    """
    wanted: dict[Path, set[str]] = {}  # directory -> account ids of the files given in it
    for given in paths:
        path = Path(given)
        account_id = None if path.is_dir() else _account_id(path)
        if account_id is not None:
            wanted.setdefault(path.parent, set()).add(account_id)
    siblings = [
        str(file)
        for directory, account_ids in wanted.items()
        for file in _yaml_files(directory)
        if _account_id(file) in account_ids
    ]
    return [*paths, *siblings]  # desired.load counts a file given twice once


def _yaml_files(directory: Path) -> Iterator[Path]:
    """The files `iamctl plan DIR` would read: its *.yaml and *.yml files, in name order."""
    return (
        file
        for file in sorted(directory.iterdir())
        if file.suffix in YAML_SUFFIXES and file.is_file()
    )


def _account_id(file: Path) -> str | None:
    """The file's `account.id`, or None when it is not a readable iamctl file."""
    try:
        data = load_yaml(str(file)).data
    except (IamctlError, OSError):
        return None
    account = data.get("account") if isinstance(data, dict) else None
    account_id = account.get("id") if isinstance(account, dict) else None
    return account_id if isinstance(account_id, str) else None
