"""Files for secrets that only the current user can reach: `credentials.py` builds on these.

A secrets directory is made 0700 (and its missing parents with it) or, when it exists, must
already be private: iamctl never changes the mode of a directory it did not make. Files are read
and written without following symbolic links, and only when they are regular files of the
current user that nobody else can read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from ..core.errors import IamctlError

PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = 0o077  # group and other permission bits
MAX_FILE_BYTES = 1 << 20  # a credentials file is a few hundred bytes per user


def make_private_directory(directory: Path) -> None:
    """Creates `directory` and its missing parents, each 0700; an existing one must be private."""
    try:
        if not _make_missing(directory):
            check_private_directory(directory)
    except OSError as error:
        raise IamctlError(f"secrets directory {directory}: {error.strerror}") from None


def _make_missing(directory: Path) -> bool:
    """Creates what is missing of `directory`, top down; False when it existed already."""
    missing = []
    path = directory.absolute()
    while not os.path.lexists(path):  # lexists: a dangling link is there, not missing
        missing.append(path)
        path = path.parent
    for path in reversed(missing):
        os.mkdir(path, PRIVATE_DIRECTORY_MODE)
        # The umask may have taken bits off (0500 leaves iamctl unable to write; 0777 with a
        # umask of 0 is not asked for): the mode of a directory iamctl made is set exactly.
        os.chmod(path, PRIVATE_DIRECTORY_MODE)
    return bool(missing)


def check_private_directory(directory: Path) -> None:
    """Refuses a directory that others can enter or that belongs to someone else.

    A link to a directory is followed here: what counts is the directory it leads to."""
    info = os.stat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise IamctlError(f"secrets directory {directory} is not a directory")
    if info.st_uid != os.geteuid():
        raise IamctlError(
            f"secrets directory {directory} is owned by another user (uid {info.st_uid}); "
            "use a directory of your own"
        )
    if info.st_mode & _OTHERS:
        raise IamctlError(
            f"secrets directory {directory} is open to other users "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); iamctl does not change it: make it "
            f"private (chmod 700 {directory}) or choose another directory"
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise IamctlError(f"secrets directory {directory} is not writable")


def read_private_file(path: Path) -> bytes | None:
    """The bytes of `path` (None when absent), if it is a private regular file of ours."""
    try:
        _check_private_file(path, os.lstat(path))
        # O_NOFOLLOW: a link put there since the check is refused, not followed. O_NONBLOCK: a
        # FIFO put there would block the open.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _is_a_link(path) from None
        raise IamctlError(f"cannot read {path}: {error.strerror}") from None
    with os.fdopen(fd, "rb") as file:
        _check_private_file(path, os.fstat(fd))
        try:
            return file.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise IamctlError(f"cannot read {path}: {error.strerror}") from None


def _check_private_file(path: Path, info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise _is_a_link(path)
    if not stat.S_ISREG(info.st_mode):
        raise IamctlError(f"{path} is not a regular file; move it away")
    if info.st_uid != os.geteuid():
        raise IamctlError(f"{path} is owned by another user (uid {info.st_uid}); move it away")
    if info.st_mode & _OTHERS:
        raise IamctlError(
            f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):04o}); a "
            "credentials file must be yours alone: check who has read it, then move it away"
        )


def _is_a_link(path: Path) -> IamctlError:
    return IamctlError(
        f"{path} is a symbolic link; iamctl never follows links for credentials files: "
        "remove it"
    )


def write_private_file(path: Path, data: bytes) -> None:
    """Replaces `path` atomically with a new file, 0600 from its creation; OSError on failure.

    The new file is made beside it (O_EXCL never follows a link) and renamed over it: a rename
    replaces a link itself, never what it points to."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(
        temporary,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
        PRIVATE_FILE_MODE,
    )
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Makes the rename durable: only then does the file count as delivered."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
