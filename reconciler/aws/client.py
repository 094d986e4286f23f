"""The boundary to AWS: sessions, clients, pagination and retries.

Every AWS call in the project goes through `Aws.call` (or its `iam` / `sts` / `pages` forms): this
is the only module that makes a client, so every service of an account is reached with that
account's credentials and region, and every call is counted. Every failure leaves it as an
`AwsError` saying what iamctl was doing (`errors.py` translates botocore's).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from botocore.utils import parse_timestamp

from ..core.errors import (
    AwsError,
    ConcurrentModificationError,
    EntityTemporarilyUnmodifiableError,
    IamctlError,
    NoSuchEntityError,
)
from .errors import aws_error, boto_error, operation_name, was_retried

log = logging.getLogger(__name__)

# IAM is global; its endpoint lives in us-east-1 for the commercial partition.
DEFAULT_REGION = "us-east-1"

# Right after CreateUser (or CreateGroup, CreatePolicy) other IAM calls can briefly answer
# NoSuchEntity while the new entity propagates. Retry those for a short window.
NOT_FOUND_RETRY_SECONDS = 10.0

# Errors that mean "try again shortly" beyond botocore's own throttling/5xx retries.
TRANSIENT_ERRORS = (ConcurrentModificationError, EntityTemporarilyUnmodifiableError)
TRANSIENT_RETRIES = 5
# Our own retries (the two above) wait this long, doubling up to the maximum.
RETRY_FIRST_DELAY = 0.2
RETRY_MAX_DELAY = 2.0

# Throttling (Throttling, ThrottlingException, ...), 5xx and dropped connections are retried by
# botocore's standard mode: ten retries after the first attempt (botocore's `max_attempts` counts
# retries; `total_max_attempts` would count the first one too), waiting rand(0,1) * min(2**i, 20)
# seconds before the i-th retry after a throttling answer, and a twentieth of that after a 5xx.
# Not adaptive mode: its client-side rate limiter, once one throttling answer arrives before it
# has measured a send rate, drops to its floor of about one request every two seconds, and one
# early throttle slows a whole plan of a few hundred calls to minutes.
BOTO_CONFIG = BotoConfig(retries={"mode": "standard", "max_attempts": 10})


@dataclass(frozen=True)
class Identity:
    """Who the credentials are (GetCallerIdentity)."""

    account: str
    arn: str

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    @property
    def user_name(self) -> str | None:
        """The IAM user behind the credentials, if they are an IAM user's."""
        resource = self.arn.split(":", 5)[-1]
        return resource.rsplit("/", 1)[-1] if resource.startswith("user/") else None

    @property
    def role_name(self) -> str | None:
        """The role behind assumed-role credentials (`assumed-role/ROLE/SESSION`), if any."""
        resource = self.arn.split(":", 5)[-1]
        parts = resource.split("/")
        return parts[1] if parts[0] == "assumed-role" and len(parts) >= 3 else None


def quiet_botocore_logs(debug: bool = False) -> None:
    """botocore's DEBUG log prints request bodies (passwords, secret keys): never let it.

    With --debug, its INFO messages (retries, credential source) are still useful.
    """
    level = logging.INFO if debug else logging.WARNING
    for name in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(name).setLevel(level)


_SESSION_LOCK = threading.Lock()


def _client_keys(credentials: Mapping[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def _timestamp(value: Any) -> datetime:
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
        with _SESSION_LOCK:
            if profile not in self._by_profile:
                try:
                    self._by_profile[profile] = boto3.Session(profile_name=profile)
                except BotoCoreError as error:
                    raise IamctlError(f"AWS profile {profile!r}: {error}") from None
            return self._by_profile[profile]


class Aws:
    """The clients of one account, all made in one place (`_client`), with a thread-safe count
    of API calls made."""

    def __init__(
        self,
        session: boto3.Session,
        endpoint_url: str | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        """Clients from `session`, with its credentials or the given (assumed role) ones."""
        self._lock = threading.Lock()
        self.calls = 0
        self._identity: Identity | None = None
        self._session = session
        self._endpoint_url = endpoint_url
        # Assumed-role credentials are given apart from the session they share: their key id,
        # not the session's, is what these clients sign with (see access_key_id).
        self._assumed_key_id = credentials["AccessKeyId"] if credentials else None
        self._keys = _client_keys(credentials) if credentials else {}
        self._region = session.region_name or DEFAULT_REGION
        self._clients: dict[str, Any] | None = {}
        with _SESSION_LOCK:
            parsers = session._session.get_component("response_parser_factory")
            parsers.set_parser_defaults(timestamp_parser=_timestamp)

    def _client(self, service: str) -> Any:
        """This account's client for `service`, made on first use. The only place a client is
        made: each one signs with the account's credentials (an assumed role's, never the
        session's they were assumed from) in the account's region, and its calls are counted.
        A client made elsewhere would act, unseen, in whatever account the session reaches."""
        with self._lock:
            if self._clients is None:
                raise RuntimeError(f"{service} call after the account's clients were released")
            client = self._clients.get(service)
            if client is None:
                # A boto3 session is not thread-safe, and accounts are opened side by side.
                with _SESSION_LOCK:
                    client = self._session.client(
                        service, region_name=self._region, endpoint_url=self._endpoint_url,
                        config=BOTO_CONFIG, **self._keys,
                    )
                client.meta.events.register("before-call", self._count_call)
                self._clients[service] = client
            return client

    @property
    def _iam(self) -> Any:
        """The IAM client, for the tests that hook its events."""
        return self._client("iam")

    @property
    def _sts(self) -> Any:
        return self._client("sts")

    @classmethod
    def connect(
        cls,
        profile: str | None = None,
        endpoint_url: str | None = None,
        role_arn: str | None = None,
        sessions: Sessions | None = None,
    ) -> Aws:
        """Open a session from a profile or the default chain (or take the run's one from
        `sessions`), then assume `role_arn` if given."""
        session = (sessions or Sessions()).get(profile)
        aws = cls(session, endpoint_url)
        if role_arn:
            aws = aws.assume_role(role_arn, endpoint_url)
        return aws

    def assume_role(self, role_arn: str, endpoint_url: str | None) -> Aws:
        response = self.sts(
            "assume_role",
            f"assume role {role_arn}",
            RoleArn=role_arn,
            RoleSessionName="iamctl",
        )
        # Clients of the same session: a new session would load IAM's and STS's service models
        # again (~12 MB each), so memory would grow with every account of a run.
        return Aws(self._session, endpoint_url, credentials=response["Credentials"])

    def release(self) -> None:
        """Drop the clients once the account needs no more calls (a plan over many accounts
        that will not apply): they are most of what an account keeps in memory. A call after
        this is a bug, and fails."""
        with self._lock:
            clients, self._clients = self._clients or {}, None
        for client in clients.values():
            client.close()

    def _count_call(self, **_: Any) -> None:
        with self._lock:
            self.calls += 1

    def identity(self) -> Identity:
        """Who the credentials are; asked once (they cannot change for this object)."""
        if self._identity is None:
            response = self.sts("get_caller_identity", "check which account the credentials reach")
            self._identity = Identity(account=response["Account"], arn=response["Arn"])
        return self._identity

    @property
    def region(self) -> str:
        """The region of this account's clients: where Secrets Manager keeps new credentials."""
        return self._region

    def access_key_id(self) -> str | None:
        """The access key id these credentials sign with (never the secret), if any."""
        if self._assumed_key_id:
            return self._assumed_key_id
        try:
            credentials = self._session.get_credentials()
        except BotoCoreError:
            return None
        return credentials.access_key if credentials is not None else None

    def call(
        self,
        service: str,
        operation: str,
        doing: str,
        retry_not_found: bool = False,
        **params: Any,
    ) -> dict[str, Any]:
        """Call an operation (boto3 method name) of any service (`iam`, `sts`,
        `secretsmanager`, `sso-admin`, ...) in this account; `doing` says why, for error
        messages. `retry_not_found`: IAM's NoSuchEntity right after a create is retried."""
        return self._call(service, operation, doing, retry_not_found, params)

    def sts(self, operation: str, doing: str, **params: Any) -> dict[str, Any]:
        return self.call("sts", operation, doing, **params)

    def iam(
        self, operation: str, doing: str, retry_not_found: bool = False, **params: Any
    ) -> dict[str, Any]:
        """Call an IAM operation (boto3 method name); `doing` says why, for error messages."""
        return self.call("iam", operation, doing, retry_not_found, **params)

    def pages(self, operation: str, doing: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a paginated IAM call, following `Marker` while `IsTruncated`."""
        while True:
            page = self.iam(operation, doing, **params)
            yield page
            if not page.get("IsTruncated"):
                return
            params["Marker"] = page["Marker"]

    def _call(
        self,
        service: str,
        operation: str,
        doing: str,
        retry_not_found: bool,
        params: dict[str, Any],
    ) -> dict[str, Any]:
        try:
            method = getattr(self._client(service), operation)
        except BotoCoreError as error:  # a region botocore refuses, a service it does not know
            raise boto_error(doing, operation, error) from None
        # The operation and its purpose only: parameters can hold a password.
        log.debug("%s: %s", operation_name(operation), doing)
        deadline = time.monotonic() + NOT_FOUND_RETRY_SECONDS
        transient_left = TRANSIENT_RETRIES
        delay = RETRY_FIRST_DELAY
        maybe_landed = False  # an attempt whose answer was lost may have been carried out
        while True:
            try:
                response: dict[str, Any] = method(**params)
                return response
            except ClientError as error:
                maybe_landed = maybe_landed or was_retried(error.response)
                failure = aws_error(doing, operation, error, maybe_landed, self._caller())
                retry = (
                    isinstance(failure, NoSuchEntityError)
                    and retry_not_found
                    and time.monotonic() < deadline
                )
                if isinstance(failure, TRANSIENT_ERRORS) and transient_left > 0:
                    transient_left -= 1
                    retry = True
                if not retry:
                    raise failure from None
            except BotoCoreError as error:
                raise boto_error(doing, operation, error, maybe_landed) from None
            except ResponseParserError:
                # Something other than AWS answered (a proxy's or an emulator's error page):
                # botocore has retried already. Its message would quote the whole page.
                raise AwsError(
                    doing,
                    operation_name(operation),
                    "InvalidResponse",
                    "the endpoint did not answer like AWS (check --endpoint-url or a proxy)",
                    maybe_landed=True,
                ) from None
            except NotImplementedError as error:
                # Only an emulator lacks an API (moto has no service-specific credentials).
                raise AwsError(
                    doing, operation_name(operation), "NotImplemented", str(error)
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_DELAY)

    def _caller(self) -> str | None:
        """Who the credentials are, if already asked (never a call of its own)."""
        return self._identity.arn if self._identity else None
