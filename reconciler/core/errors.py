"""The project's own errors: everything a user can see goes through one of these.

Only the cli (`cli/`) catches them; each renders as one line (`str(error)`).
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

    def reworded(self, message: str) -> AwsError:
        """The same failure (same class, call and code) with another message; no longer
        `maybe_landed`, since the caller has looked at what the lost attempt did."""
        return type(self)(self.doing, self.operation, self.code, message)


# The AWS error codes iamctl branches on, one class each (the AWS boundary, aws/client.py, picks
# the class from the code; any other code is a plain AwsError). `.code` keeps AWS's own code.


class NoSuchEntityError(AwsError):
    """NoSuchEntity: the user, group, policy or login profile does not exist (now)."""


class EntityAlreadyExistsError(AwsError):
    """EntityAlreadyExists: the name is taken (or a lost earlier attempt took it)."""


class DeleteConflictError(AwsError):
    """DeleteConflict: something still attached blocks the delete."""


class LimitExceededError(AwsError):
    """LimitExceeded: an IAM quota (e.g. five versions per managed policy), not throttling."""


class MalformedPolicyDocumentError(AwsError):
    """MalformedPolicyDocument: AWS refused a policy document."""


class InvalidInputError(AwsError):
    """InvalidInput: AWS refused a parameter."""


class ConcurrentModificationError(AwsError):
    """ConcurrentModification: another change to the account is in progress; try again."""


class EntityTemporarilyUnmodifiableError(AwsError):
    """EntityTemporarilyUnmodifiable: the entity is being changed; try again."""


class AccessDeniedError(AwsError):
    """AccessDenied (IAM, STS) or AccessDeniedException (Secrets Manager, sso-admin)."""


class CredentialReportNotReadyError(AwsError):
    """ReportInProgress: the credential report is being generated."""


class CredentialReportNotPresentError(AwsError):
    """ReportNotPresent: no credential report exists; generate one."""


class CredentialReportExpiredError(AwsError):
    """ReportExpired: the credential report is too old to download; generate a new one."""


class ResourceNotFoundError(AwsError):
    """ResourceNotFoundException: no secret of that name (Secrets Manager), no such permission
    set or no boundary on it (sso-admin)."""


class ResourceExistsError(AwsError):
    """ResourceExistsException (Secrets Manager): a secret of that name exists."""


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
