"""The AWS boundary's error translation: botocore's failures and AWS's error answers as the
project's errors, saying what iamctl was doing, of the class of the AWS error code where the
project branches on that code (`NoSuchEntityError`, ...: ERROR_CLASSES). `client.py` calls it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from ..core.errors import (
    AccessDeniedError,
    AwsError,
    ConcurrentModificationError,
    CredentialReportExpiredError,
    CredentialReportNotPresentError,
    CredentialReportNotReadyError,
    DeleteConflictError,
    EntityAlreadyExistsError,
    EntityTemporarilyUnmodifiableError,
    IamctlError,
    InvalidInputError,
    LimitExceededError,
    MalformedPolicyDocumentError,
    NoSuchEntityError,
    ResourceExistsError,
    ResourceNotFoundError,
)

# Credentials that exist but have expired or were revoked.
EXPIRED_CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
    }
)
REFRESH_HINT = "refresh your credentials (e.g. `aws sso login`) or check AWS_PROFILE"

# The AWS error codes the project branches on, each raised as its own class; every other code
# is a plain AwsError. The code itself stays on the error (`.code`) for messages.
ERROR_CLASSES: Mapping[str, type[AwsError]] = {
    "NoSuchEntity": NoSuchEntityError,
    "EntityAlreadyExists": EntityAlreadyExistsError,
    "DeleteConflict": DeleteConflictError,
    # IAM's quota error; throttling elsewhere is LimitExceededException, retried by botocore.
    "LimitExceeded": LimitExceededError,
    "MalformedPolicyDocument": MalformedPolicyDocumentError,
    "InvalidInput": InvalidInputError,
    "ConcurrentModification": ConcurrentModificationError,
    "EntityTemporarilyUnmodifiable": EntityTemporarilyUnmodifiableError,
    "AccessDenied": AccessDeniedError,  # IAM and STS
    "AccessDeniedException": AccessDeniedError,  # Secrets Manager
    "ReportInProgress": CredentialReportNotReadyError,
    "ReportNotPresent": CredentialReportNotPresentError,
    "ReportExpired": CredentialReportExpiredError,
    "ResourceNotFoundException": ResourceNotFoundError,  # Secrets Manager
    "ResourceExistsException": ResourceExistsError,  # Secrets Manager
}

# Failures to load credentials at all (none configured, or an SSO session that has expired).
_CREDENTIAL_LOAD_ERRORS = (
    PartialCredentialsError,
    CredentialRetrievalError,
    TokenRetrievalError,
    SSOTokenLoadError,
    UnauthorizedSSOTokenError,
)


def was_retried(response: Mapping[str, Any]) -> bool:
    """Whether botocore retried the call before this answer (a success's or an error's)."""
    return int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) > 0


def boto_error(
    doing: str, operation: str, error: BotoCoreError, maybe_landed: bool = False
) -> IamctlError:
    """botocore's own failures (no credentials, no connection) as one line saying what to do.
    `operation` as AWS names it (`CreateSAMLProvider`)."""
    if isinstance(error, NoCredentialsError):
        return IamctlError(
            f"{doing}: no AWS credentials found; set AWS_PROFILE or pass --profile, "
            "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(error, _CREDENTIAL_LOAD_ERRORS):
        return IamctlError(f"{doing}: AWS credentials could not be loaded: {error}; {REFRESH_HINT}")
    # A read timeout or a closed connection (botocore has retried them already) came after the
    # request was sent: it may have been carried out. A refused connection was not.
    maybe_landed = maybe_landed or isinstance(error, HTTPClientError)
    return AwsError(doing, operation, type(error).__name__, str(error), maybe_landed)


def operation_name(method: str) -> str:
    """`attach_user_policy` -> `AttachUserPolicy`, near the name AWS documents: only for a
    service botocore could not make a client of (the client's model names it exactly)."""
    return "".join(part.capitalize() for part in method.split("_")).replace("Mfa", "MFA")


def error_class(code: str) -> type[AwsError]:
    """The class an AWS error code is raised as (ERROR_CLASSES; else a plain AwsError)."""
    return ERROR_CLASSES.get(code, AwsError)


MAX_MESSAGE = 300


def one_line(message: str) -> str:
    """An answer's message as one line: a server error page (a proxy's, an emulator's HTML)
    loses its tags and line breaks, and a long one is cut, so an error stays one line."""
    text = " ".join(re.sub(r"<[^>]*>", " ", message).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def aws_error(
    doing: str, operation: str, error: ClientError, maybe_landed: bool, caller: str | None
) -> AwsError:
    """An AWS error answer as the class of its code, with a hint where the caller can act.
    `operation` as AWS names it (`CreateSAMLProvider`)."""
    details = error.response.get("Error", {})
    code = details.get("Code", "Unknown")
    message = one_line(details.get("Message", "") or str(error))
    if code in EXPIRED_CREDENTIAL_CODES:
        message += f" ({REFRESH_HINT})"
    error_type = error_class(code)
    # AWS names the caller in an AccessDenied message; an emulator or a proxy may not.
    if error_type is AccessDeniedError and caller and caller not in message:
        message += f" (credentials: {caller})"
    return error_type(doing, operation, code, message, maybe_landed)
