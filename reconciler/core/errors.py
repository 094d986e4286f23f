"""The project's own errors: everything a user can see goes through one of these.

Only `cli.py` catches them; each renders as one line (`str(error)`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_NAME_KEY = re.compile(r"^[A-Za-z0-9_+=,@-]+$")


class IamctlError(Exception):
    """Base class: a failure the user can act on, shown as one line."""


@dataclass(frozen=True)
class Location:
    """Where in the user's files a value came from (line and column are 1-based)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


def field_path(path: tuple[str | int, ...]) -> str:
    """`("users", 2, "policies", 0)` -> `users[2].policies[0]` (the form error messages use).

    A key that is not a plain name is quoted as JSON, so a message stays one line whatever the
    key holds."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _NAME_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text


class ConfigError(IamctlError):
    """Bad input: names the file, line, column and field path (e.g. `users[2].policies[0]`)."""

    def __init__(self, location: Location, field: str, message: str) -> None:
        self.location = location
        self.field = field
        self.message = message
        prefix = f"{location}: {field}: " if field else f"{location}: "
        super().__init__(prefix + message)


class AwsError(IamctlError):
    """An AWS call failed; says what iamctl was doing, the operation and the AWS error code.

    `maybe_landed` is True when an attempt whose answer was lost may have been carried out: the
    answer came to a retry (after a 5xx or a dropped connection), or the connection dropped after
    the request was sent. A create's EntityAlreadyExists can then be its own earlier attempt.
    """

    def __init__(
        self, doing: str, operation: str, code: str, message: str, maybe_landed: bool = False
    ) -> None:
        self.doing = doing
        self.operation = operation
        self.code = code
        self.message = message
        self.maybe_landed = maybe_landed
        super().__init__(f"{doing}: {operation}: {code}: {message}")


class AccountMismatchError(IamctlError):
    """The credentials reach another account than the file declares."""


class StalePlanError(IamctlError):
    """A saved plan no longer matches the account or the configuration."""


class ApplyError(IamctlError):
    """Apply stopped, on a failure or on Ctrl-C; carries what was done, what failed (None when
    nothing did) and what was not attempted."""

    def __init__(
        self,
        done: list[str],
        failed: str | None,
        error: IamctlError | None,
        not_attempted: list[str],
        interrupted: bool = False,
    ) -> None:
        self.done = done
        self.failed = failed
        self.error = error
        self.not_attempted = not_attempted
        self.interrupted = interrupted
        cause = f"{failed}: {error}" if failed else "interrupted"
        super().__init__(
            f"apply stopped: {cause} ({len(done)} done, {len(not_attempted)} not attempted)"
        )
