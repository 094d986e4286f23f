"""The files iamctl reads, written for a test: account files from a body, files beside them.

Where a test module lives (tests/<layer>/) does not matter: paths start at REPO_ROOT.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from tests.factories import ACCOUNT_ID

REPO_ROOT = Path(__file__).resolve().parent.parent


def account_text(body: str = "", account: str = ACCOUNT_ID, settings: str = "") -> str:
    """An iamctl file: `version`, `account` with its id and `settings` (the lines under
    `account:`), then `body`; each dedented. A body that starts with `version` is a whole file."""
    text = textwrap.dedent(body).lstrip("\n")
    if text.startswith("version:"):
        return text
    header = f'version: 1\naccount:\n  id: "{account}"\n'
    return header + textwrap.indent(textwrap.dedent(settings), "  ") + text


def write_file(directory: Path, name: str, content: str | bytes) -> str:
    """`content` as the file `name` (a relative path) in `directory`; returns the file's path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def write_account(
    directory: Path,
    body: str = "",
    name: str = "account.yaml",
    *,
    account: str = ACCOUNT_ID,
    settings: str = "",
    beside: Mapping[str, str | bytes] | None = None,
) -> str:
    """The account file `name` in `directory` (see account_text), and the files `beside` it
    (by relative path: trust documents, SAML metadata); returns the account file's path."""
    for other, content in (beside or {}).items():
        write_file(directory, other, content)
    return write_file(directory, name, account_text(body, account, settings))


def private_dir(path: Path) -> Path:
    """A directory only its owner may enter (0700), as iamctl wants a secrets directory."""
    path.mkdir(mode=0o700)
    path.chmod(0o700)  # whatever the umask took off
    return path


def private_file(path: Path, content: str | bytes, mode: int = 0o600) -> Path:
    """`content` in a file with exactly `mode`: a credentials file, or one too open."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    path.chmod(mode)
    return path
