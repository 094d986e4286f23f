"""The boto3 side of the AWS boundary that `client.py` builds on: the sessions a run shares
across its accounts, and how botocore is set up for iamctl (quiet logs, fast timestamps).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError
from botocore.utils import parse_timestamp

from ..core.errors import IamctlError

# A boto3 session is not thread-safe, and accounts are opened side by side: whatever touches a
# session (a client made, a paginator model loaded) holds this lock.
SESSION_LOCK = threading.Lock()


def quiet_botocore_logs(debug: bool = False) -> None:
    """botocore's DEBUG log prints request bodies (passwords, secret keys): never let it.

    With --debug, its INFO messages (retries, credential source) are still useful.
    """
    level = logging.INFO if debug else logging.WARNING
    for name in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(name).setLevel(level)


def client_keys(credentials: Mapping[str, str]) -> dict[str, str]:
    """An assumed role's credentials (STS's answer) as the keyword arguments of a client."""
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def parse_timestamps_fast(session: boto3.Session) -> None:
    """Make the session's clients read timestamps with `timestamp` (below)."""
    with SESSION_LOCK:
        parsers = session._session.get_component("response_parser_factory")
        parsers.set_parser_defaults(timestamp_parser=timestamp)


def timestamp(value: Any) -> datetime:
    """botocore reads every timestamp with dateutil's general parser, a tenth of the CPU of
    reading an account; IAM sends ISO 8601 with a zone, which datetime reads itself (Python 3.11
    and later; anything else goes to botocore's parser, as before)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    result: datetime = parse_timestamp(value)
    return result


class Sessions:
    """One boto3 session per profile for a run over many accounts: every session holds its own
    copy of the service models, so one per account would make memory grow with the accounts."""

    def __init__(self) -> None:
        self._by_profile: dict[str | None, boto3.Session] = {}

    def get(self, profile: str | None) -> boto3.Session:
        with SESSION_LOCK:
            if profile not in self._by_profile:
                try:
                    self._by_profile[profile] = boto3.Session(profile_name=profile)
                except BotoCoreError as error:
                    raise IamctlError(f"AWS profile {profile!r}: {error}") from None
            return self._by_profile[profile]
