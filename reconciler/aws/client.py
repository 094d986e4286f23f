"""The boundary to AWS: every call of the project, to any service, goes through `Aws.call` or
`Aws.pages`.

This is the only module that makes a client, so every service of an account is reached with that
account's credentials and region, every call is counted (per service), and each service's
paging, retries and rate limit (its row in `services.py`) apply to every call of it. Every
failure leaves it as an `AwsError` saying what iamctl was doing (`errors.py` translates
botocore's).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, DataNotFoundError
from botocore.parsers import ResponseParserError

from ..core.errors import AwsError
from .connecting import watch_connections
from .errors import aws_error, boto_error, operation_name, was_retried
from .ratelimit import Clock, RateLimiter, SystemClock
from .retries import Retries, boto_config
from .services import Paging, Service, service_row
from .sessions import SESSION_LOCK, Sessions, client_keys, parse_timestamps_fast

log = logging.getLogger(__name__)

# IAM is global; its endpoint lives in us-east-1 for the commercial partition.
DEFAULT_REGION = "us-east-1"

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

    @property
    def session_name(self) -> str | None:
        """The session of assumed-role credentials (IAM Identity Center names it after the
        user who signed in), if any."""
        resource = self.arn.split(":", 5)[-1]
        parts = resource.split("/")
        return parts[2] if parts[0] == "assumed-role" and len(parts) >= 3 else None


class Aws:
    """The clients of one account, all made in one place (`_client`), with a thread-safe count
    of API calls made per service."""

    def __init__(
        self,
        session: boto3.Session,
        endpoint_url: str | None = None,
        credentials: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        region: str | None = None,
    ) -> None:
        """Clients from `session`, with its credentials or the given (assumed role) ones, in
        `region` (`--region`), else the session's (profile, AWS_REGION, AWS_DEFAULT_REGION).
        `clock`: what retries and rate limits wait with (tests give a fake one)."""
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._identity: Identity | None = None
        self._session = session
        self._endpoint_url = endpoint_url
        # Assumed-role credentials are given apart from the session they share: their key id,
        # not the session's, is what these clients sign with (see access_key_id).
        self._assumed_key_id = credentials["AccessKeyId"] if credentials else None
        self._keys = client_keys(credentials) if credentials else {}
        # Whether a region was given at all: IAM is global and needs none, but a regional
        # service (Secrets Manager) must not land in DEFAULT_REGION unasked (`region_chosen`).
        self._region_chosen = bool(region or session.region_name)
        self._region = region or session.region_name or DEFAULT_REGION
        self._clock: Clock = clock or SystemClock()
        self._clients: dict[str, Any] | None = {}
        self._limiters: dict[str, RateLimiter] = {}
        self._pagings: dict[tuple[str, str], Paging] = {}
        parse_timestamps_fast(session)

    def _client(self, service: str) -> Any:
        """This account's client for `service`, made on first use. The only place a client is
        made: each one signs with the account's credentials (an assumed role's, never the
        session's they were assumed from) in the account's region, with the service's retries.
        A client made elsewhere would act, unseen, in whatever account the session reaches."""
        with self._lock:
            if self._clients is None:
                raise RuntimeError(f"{service} call after the account's clients were released")
            client = self._clients.get(service)
            if client is None:
                with SESSION_LOCK:
                    client = self._session.client(
                        service, region_name=self._region, endpoint_url=self._endpoint_url,
                        config=boto_config(service_row(service)), **self._keys,
                    )
                watch_connections(client)
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
        region: str | None = None,
    ) -> Aws:
        """Open a session from a profile or the default chain (or take the run's one from
        `sessions`), then assume `role_arn` if given."""
        session = (sessions or Sessions()).get(profile)
        aws = cls(session, endpoint_url, region=region)
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
        region = self._region if self._region_chosen else None
        return Aws(self._session, endpoint_url, response["Credentials"], self._clock, region)

    def release(self) -> None:
        """Drop the clients once the account needs no more calls (a plan over many accounts
        that will not apply): they are most of what an account keeps in memory. A call after
        this is a bug, and fails."""
        with self._lock:
            clients, self._clients = self._clients or {}, None
        for client in clients.values():
            client.close()

    @property
    def calls(self) -> int:
        """API calls made so far, to every service (each attempt of our own retries counts;
        botocore's retries inside one attempt do not)."""
        with self._lock:
            return sum(self._calls.values())

    def calls_by_service(self) -> dict[str, int]:
        """`calls`, per service: {"iam": 12, "sso-admin": 3}."""
        with self._lock:
            return dict(self._calls)

    def _count(self, service: str) -> None:
        with self._lock:
            self._calls[service] += 1

    def identity(self) -> Identity:
        """Who the credentials are; asked once (they cannot change for this object)."""
        if self._identity is None:
            response = self.sts("get_caller_identity", "check which account the credentials reach")
            self._identity = Identity(account=response["Account"], arn=response["Arn"])
        return self._identity

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint the clients were made for (None: AWS's own)."""
        return self._endpoint_url

    @property
    def region(self) -> str:
        """The region of this account's clients: where Secrets Manager keeps new credentials."""
        return self._region

    @property
    def region_chosen(self) -> bool:
        """Whether `region` was given (option, profile or environment), not iamctl's default."""
        return self._region_chosen

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
        """Call an operation of any service in `services.py` (`iam`, `sts`, `sso-admin`,
        `identitystore`, `organizations`, `secretsmanager`) in this account:
        `aws.call("sso-admin", "describe_permission_set", "read permission set X", ...)`.
        `operation` is boto3's method name; errors name it as AWS does (`DescribePermissionSet`).
        `doing` says why, for error messages. `retry_not_found`: the service's "not found"
        answers right after a create are retried for a short window."""
        method, api = self._method(service, operation, doing)
        # The operation and its purpose only: parameters can hold a password.
        log.debug("%s: %s", api, doing)
        rules = service_row(service)
        limiter = self._limiter(rules)
        retries = Retries(rules, self._clock, retry_not_found)
        maybe_landed = False  # an attempt whose answer was lost may have been carried out
        while True:
            if limiter is not None:
                limiter.wait()
            self._count(service)
            try:
                response: dict[str, Any] = method(**params)
                return response
            except ClientError as error:
                maybe_landed = maybe_landed or was_retried(error.response)
                failure = aws_error(doing, api, error, maybe_landed, self._caller())
                if not retries.again(failure):
                    raise failure from None
            except BotoCoreError as error:
                raise boto_error(doing, api, error, maybe_landed) from None
            except ResponseParserError:
                raise unreadable_answer(doing, api) from None
            except NotImplementedError as error:
                # Only an emulator lacks an API (moto has no service-specific credentials).
                raise AwsError(doing, api, "NotImplemented", str(error)) from None

    def sts(self, operation: str, doing: str, **params: Any) -> dict[str, Any]:
        """`call` of an STS operation."""
        return self.call("sts", operation, doing, **params)

    def iam(
        self, operation: str, doing: str, retry_not_found: bool = False, **params: Any
    ) -> dict[str, Any]:
        """`call` of an IAM operation."""
        return self.call("iam", operation, doing, retry_not_found, **params)

    def pages(
        self, service: str, operation: str, doing: str, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every page of a listing of any service, each page one `call` (so with its retries,
        rate limit and count): `aws.pages("organizations", "list_accounts", "list accounts")`.

        The token names come from botocore's paginator model of the operation, else from the
        service's row (`Service.paging`). botocore's paginators themselves are not used: they
        make the calls on their own, so a page would miss what `call` adds (our retries,
        the rate limit, errors saying what iamctl was doing), and a page that fails ends
        their iteration with no way back in but a re-encoded starting token."""
        paging = self._paging(service, operation)
        token: object | None = None
        while True:
            page = self.call(service, operation, doing, **params)
            yield page
            following = paging.next_token(page)
            if following is None:
                return
            if following == token:  # AWS (or an emulator) would page forever
                raise AwsError(doing, self._api_name(service, operation), "RepeatedPageToken",
                               f"the same {paging.output_token} came back twice")
            token = params[paging.input_token] = following

    def _method(self, service: str, operation: str, doing: str) -> tuple[Any, str]:
        """The client's method for `operation`, and the operation's name in AWS's words."""
        try:
            client = self._client(service)
        except BotoCoreError as error:  # a region botocore refuses, a service it does not know
            raise boto_error(doing, operation_name(operation), error) from None
        return getattr(client, operation), client.meta.method_to_api_mapping[operation]

    def _api_name(self, service: str, operation: str) -> str:
        """`list_saml_providers` -> `ListSAMLProviders`, from the service's model."""
        mapping: Mapping[str, str] = self._client(service).meta.method_to_api_mapping
        return mapping.get(operation) or operation_name(operation)

    def _limiter(self, rules: Service) -> RateLimiter | None:
        """The account's limiter for the service's rate limit (shared by the services that
        name the same one), or None when it has none."""
        limit = rules.rate_limit
        if limit is None:
            return None
        with self._lock:
            if limit.name not in self._limiters:
                self._limiters[limit.name] = RateLimiter(limit.per_second, self._clock)
            return self._limiters[limit.name]

    def _paging(self, service: str, operation: str) -> Paging:
        key = (service, operation)
        with self._lock:
            known = self._pagings.get(key)
        if known is None:
            known = self._modelled_paging(service, operation) or service_row(service).paging
            if known is None:
                raise ValueError(f"{service} {operation}: no paging known for this listing")
            with self._lock:
                self._pagings[key] = known
        return known

    def _modelled_paging(self, service: str, operation: str) -> Paging | None:
        """The token names botocore's paginator model gives the operation, if it has one with
        a single token (every listing of the services in `services.py` has one)."""
        api = self._api_name(service, operation)
        try:
            with SESSION_LOCK:
                model = self._session._session.get_paginator_model(service)
            config = model.get_paginator(api)
        except (DataNotFoundError, ValueError):  # no paginators for the service, or the call
            return None
        tokens = config.get("input_token"), config.get("output_token")
        if not all(isinstance(token, str) for token in tokens):
            return None
        return Paging(config["input_token"], config["output_token"], config.get("more_results"))

    def _caller(self) -> str | None:
        """Who the credentials are, if already asked (never a call of its own)."""
        return self._identity.arn if self._identity else None


def unreadable_answer(doing: str, api: str) -> AwsError:
    """Something other than AWS answered (a proxy's or an emulator's error page): botocore has
    retried already. Its own message would quote the whole page."""
    return AwsError(
        doing,
        api,
        "InvalidResponse",
        "the endpoint did not answer like AWS (check --endpoint-url or a proxy)",
        maybe_landed=True,
    )
