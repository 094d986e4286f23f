"""New secrets made by `apply`: generated console passwords, and their delivery to files.

Passwords and secret access keys go to one CSV per user in a private directory, never to the
terminal, logs or the plan; callers may print the paths written, never the files' contents.
Every target is checked before apply changes anything (`check_target`); `private_files.py`
does the reading and writing.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import string
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from ..core.errors import IamctlError
from ..core.state import PasswordPolicy
from . import private_files

# The symbols IAM password policies count as "non-alphanumeric".
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS)
_ALPHABET = "".join(_CLASSES)
PASSWORD_LENGTH = 24
_MAX_PASSWORD_LENGTH = 128  # IAM's limit for a password and for minimum_length

# The column layout of the AWS console's "Download .csv" for a new user.
CSV_HEADER = ("User name", "Password", "Access key ID", "Secret access key", "Console login link")
_USER, _PASSWORD, _KEY_ID, _SECRET, _LINK = range(len(CSV_HEADER))

# Sinks may share a directory (several accounts in one run), so one lock guards all files.
_FILES_LOCK = threading.Lock()


def generate_password(policy: PasswordPolicy | None) -> str:
    """A random password meeting any IAM password policy: all four classes, 24+ characters."""
    minimum = policy.minimum_length if policy else 0
    length = min(max(minimum, PASSWORD_LENGTH), _MAX_PASSWORD_LENGTH)
    rng = secrets.SystemRandom()
    rest = [rng.choice(chars) for chars in _CLASSES]
    rest += [rng.choice(_ALPHABET) for _ in range(length - 1 - len(rest))]
    rng.shuffle(rest)
    # A letter first: spreadsheets run a cell starting with = + - @ as a formula when the CSV
    # is opened, which would mangle (or execute) the password.
    return rng.choice(string.ascii_letters) + "".join(rest)


class SecretsSink:
    """Delivers new secrets to one CSV per user inside a directory (0700), files 0600."""

    def __init__(self, directory: Path, sign_in_url: str) -> None:
        self.check_directory(directory)
        self.directory = directory
        self.sign_in_url = sign_in_url
        self._written: dict[str, Path] = {}

    @staticmethod
    def check_directory(directory: Path) -> None:
        """Refuse a directory git would commit, or one open to others; create it 0700."""
        if _in_git_work_tree(directory) and not _git_ignores(directory):
            raise IamctlError(
                f"secrets directory {directory} is inside a git work tree and not ignored by "
                "git; add it to .gitignore or choose a directory outside the repository"
            )
        private_files.make_private_directory(directory)

    def check_target(self, user: str) -> None:
        """Refuse, before apply changes anything, a file where the user's CSV cannot go: a link,
        a directory, someone else's file, a file others can read, or not an iamctl CSV."""
        with _FILES_LOCK:
            _read_rows(self.path_for(user))

    @property
    def written(self) -> dict[str, Path]:
        """The files this sink wrote, by user: only these hold this run's new secrets."""
        with _FILES_LOCK:
            return dict(self._written)

    def deliver(
        self,
        user: str,
        *,
        password: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> Path:
        """Add a password and/or an access key to the user's credentials; returns where they are.

        Apply creates a user's password and keys in separate calls, possibly from several
        threads: each call merges into the rows already there for this sign-in URL.
        """
        if (access_key_id is None) != (secret_access_key is None):
            raise ValueError("an access key needs both its id and its secret")
        if password is None and access_key_id is None:
            raise ValueError("nothing to deliver")

        def update(rows: list[list[str]]) -> None:
            if password is not None:
                self._set_password(rows, user, password)
            if access_key_id is not None and secret_access_key is not None:
                self._add_key(rows, user, access_key_id, secret_access_key)

        path = self._write(user, update)
        with _FILES_LOCK:
            self._written[user] = path
        return path

    def _write(self, user: str, update: Callable[[list[list[str]]], None]) -> Path:
        """Apply `update` to the user's rows and store them (here: the CSV file). Subclasses
        that deliver elsewhere (encrypted, to Secrets Manager) replace this step only."""
        path = self.path_for(user)
        with _FILES_LOCK:
            rows = _read_rows(path)
            update(rows)
            _write_rows(path, rows)
        return path

    def path_for(self, user: str) -> Path:
        """The user's credentials file (its path may be printed, never its contents)."""
        return self.directory / f"{user}_credentials.csv"

    def _set_password(self, rows: list[list[str]], user: str, password: str) -> None:
        # A user has one login profile: a new password replaces the one delivered before.
        mine = [row for row in rows if row[_LINK] == self.sign_in_url]
        for row in mine:
            row[_PASSWORD] = ""
        target = mine[0] if mine else self._new_row(rows, user)
        target[_PASSWORD] = password

    def _add_key(self, rows: list[list[str]], user: str, key_id: str, secret: str) -> None:
        # Fill the first row of this account that has no key yet (the password's row), else
        # add a row: a user with two new keys gets two rows, as in the console's download.
        free = [row for row in rows if row[_LINK] == self.sign_in_url and not row[_KEY_ID]]
        target = free[0] if free else self._new_row(rows, user)
        target[_KEY_ID] = key_id
        target[_SECRET] = secret

    def _new_row(self, rows: list[list[str]], user: str) -> list[str]:
        row = [user, "", "", "", self.sign_in_url]
        rows.append(row)
        return row


def _read_rows(path: Path) -> list[list[str]]:
    """The data rows of an existing credentials file (a previous run's secrets are kept)."""
    data = private_files.read_private_file(path)
    return [] if data is None else _parse(path, data)


def _parse(path: Path, data: bytes) -> list[list[str]]:
    """The data rows of a credentials file, each as wide as the header. Errors say where,
    never what: the file holds secrets."""

    def unreadable(reason: str) -> IamctlError:
        return IamctlError(
            f"{path} cannot be read as an iamctl credentials file ({reason}); move it away"
        )

    if len(data) > private_files.MAX_FILE_BYTES:
        raise unreadable(f"larger than {private_files.MAX_FILE_BYTES} bytes")
    if b"\0" in data:  # Python's csv module accepts NUL since 3.11; iamctl never writes one
        raise unreadable("a NUL byte")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise unreadable("not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        if next(reader, None) != list(CSV_HEADER):
            raise IamctlError(f"{path} exists and is not an iamctl credentials file; move it away")
        rows = []
        for row in filter(None, reader):
            if len(row) != len(CSV_HEADER):
                width = f"{len(row)} fields, not {len(CSV_HEADER)}"
                raise unreadable(f"line {reader.line_num}: {width}")
            rows.append(row)
    except csv.Error as error:  # its messages name characters of the format, not content
        raise unreadable(f"line {reader.line_num}: {error}") from None
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    """A credentials file's contents: the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    try:
        private_files.write_private_file(path, csv_bytes(rows))
    except OSError as error:
        raise IamctlError(f"cannot write {path}: {error.strerror}") from None


def _existing_ancestor(directory: Path) -> Path:
    path = directory.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path if path.is_dir() else path.parent


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run git in `cwd`; None when git is not installed (then nothing is a work tree)."""
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None


def _in_git_work_tree(directory: Path) -> bool:
    result = _git(_existing_ancestor(directory), "rev-parse", "--is-inside-work-tree")
    return result is not None and result.returncode == 0 and result.stdout.strip() == "true"


def _git_ignores(directory: Path) -> bool:
    # The trailing slash lets git match directory-only patterns (`secrets/`) even before the
    # directory exists; exit status 0 means ignored, 1 not ignored, 128 an error.
    target = str(directory.absolute()) + os.sep
    result = _git(_existing_ancestor(directory), "check-ignore", "-q", target)
    return result is not None and result.returncode == 0
