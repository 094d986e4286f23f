"""One `call`/`pages` pair for every service (`aws/client.py`, rows in `aws/services.py`): each
service's paging token, retries and rate limit, and its calls counted apart.

botocore's `Stubber` answers in place of AWS where the answer's shape is the point (pages,
tokens, error codes); a `before-send` hook answers where botocore's own retries must run (a
Stubber answer skips them); in-process moto where a real listing pages (Organizations); the real
CLI where a user meets the result (an error line).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries.standard import ExponentialBackoff
from botocore.stub import Stubber
from moto import mock_aws

from reconciler.aws.client import Aws
from reconciler.aws.ratelimit import RateLimiter
from reconciler.aws.retries import RETRY_FIRST_DELAY
from reconciler.core.errors import AccessDeniedError, AwsError
from tests.faultproxy import CALLER_ARN, FaultProxy, Faults, Rule, denied
from tests.iamctl_runs import RunIamctl

INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
SETS = [f"{INSTANCE.replace('instance', 'permissionSet')}/ps-{n:016x}" for n in range(3)]


class FakeClock:
    """Time that passes only when someone sleeps (or the test moves it)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def aws(clock: FakeClock) -> Aws:
    return Aws(boto3.Session(region_name="us-east-1"), clock=clock)


@pytest.fixture
def fast_botocore_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore waits up to 2**i seconds after the i-th throttling answer: here a thousandth."""
    monkeypatch.setattr(
        ExponentialBackoff,
        "_DEFAULT_BACKOFF_CONFIG",
        {"throttling_base_scale": 0.001, "non_throttling_base_scale": 0.0001},
    )


# Paging: the token of each service, from botocore's paginator model or the service's row.


def test_sso_admin_permission_sets_are_read_across_two_pages_with_next_token(aws: Aws) -> None:
    with Stubber(aws._client("sso-admin")) as stubber:
        stubber.add_response("list_permission_sets",
                             {"PermissionSets": SETS[:2], "NextToken": "page-2"},
                             {"InstanceArn": INSTANCE, "MaxResults": 2})
        # Stubber checks the second call sends the first page's token.
        stubber.add_response("list_permission_sets", {"PermissionSets": SETS[2:]},
                             {"InstanceArn": INSTANCE, "MaxResults": 2, "NextToken": "page-2"})
        pages = list(aws.pages("sso-admin", "list_permission_sets", "list permission sets",
                               InstanceArn=INSTANCE, MaxResults=2))
        stubber.assert_no_pending_responses()
    assert [page["PermissionSets"] for page in pages] == [SETS[:2], SETS[2:]]
    assert aws.calls_by_service() == {"sso-admin": 2}


def test_iam_pages_stop_when_not_truncated_even_with_a_marker(aws: Aws) -> None:
    # IAM's paginator model says IsTruncated decides, not the Marker's presence.
    with Stubber(aws._iam) as stubber:
        stubber.add_response("list_policies", {"Policies": [], "IsTruncated": True,
                                               "Marker": "m1"}, {"Scope": "AWS"})
        stubber.add_response("list_policies", {"Policies": [], "IsTruncated": False,
                                               "Marker": "m2"}, {"Scope": "AWS", "Marker": "m1"})
        pages = list(aws.pages("iam", "list_policies", "list AWS managed policies", Scope="AWS"))
    assert len(pages) == 2


def test_a_listing_botocore_has_no_paginator_for_pages_by_the_service_s_row(aws: Aws) -> None:
    # ListSecretVersionIds takes NextToken, but botocore models no paginator for it.
    versions = [{"VersionId": str(n) * 32} for n in (1, 2)]
    with Stubber(aws._client("secretsmanager")) as stubber:
        stubber.add_response("list_secret_version_ids",
                             {"Versions": versions[:1], "NextToken": "t"}, {"SecretId": "s"})
        stubber.add_response("list_secret_version_ids", {"Versions": versions[1:]},
                             {"SecretId": "s", "NextToken": "t"})
        pages = list(aws.pages("secretsmanager", "list_secret_version_ids", "list versions",
                               SecretId="s"))
    assert [v for page in pages for v in page["Versions"]] == versions


def test_a_token_that_comes_back_unchanged_is_an_error_not_an_endless_read(aws: Aws) -> None:
    with Stubber(aws._client("sso-admin")) as stubber:
        stubber.add_response("list_instances", {"Instances": [], "NextToken": "same"}, {})
        stubber.add_response("list_instances", {"Instances": [], "NextToken": "same"},
                             {"NextToken": "same"})
        with pytest.raises(AwsError) as raised:
            list(aws.pages("sso-admin", "list_instances", "list Identity Center instances"))
    assert str(raised.value) == (
        "list Identity Center instances: ListInstances: RepeatedPageToken: "
        "the same NextToken came back twice"
    )


@pytest.mark.usefixtures("fast_botocore_retries")
def test_organizations_list_accounts_pages_against_moto() -> None:
    with mock_aws():
        aws = Aws(boto3.Session(region_name="us-east-1"))
        aws.call("organizations", "create_organization", "create", FeatureSet="ALL")
        for n in range(4):
            aws.call("organizations", "create_account", "create account",
                     Email=f"a{n}@example.com", AccountName=f"a{n}")
        pages = list(aws.pages("organizations", "list_accounts", "list accounts", MaxResults=2))
    names = sorted(account["Name"] for page in pages for account in page["Accounts"])
    assert len(pages) == 3  # the management account and four others, two a page
    assert names[:4] == ["a0", "a1", "a2", "a3"] and len(names) == 5
    assert aws.calls_by_service() == {"organizations": 1 + 4 + 3}


# Rate limit: Identity Center's 20 requests a second, kept by the client itself.


def test_identity_center_calls_are_spaced_at_twenty_a_second_and_iam_calls_never_wait(
    aws: Aws, clock: FakeClock
) -> None:
    with (
        Stubber(aws._client("sso-admin")) as admin,
        Stubber(aws._client("identitystore")) as store,
        Stubber(aws._iam) as iam,
    ):
        for _ in range(3):
            admin.add_response("list_instances", {"Instances": []}, {})
        store.add_response("list_groups", {"Groups": []}, {"IdentityStoreId": "d-1"})
        for _ in range(3):
            iam.add_response("list_account_aliases", {"AccountAliases": []}, {})
        aws.call("sso-admin", "list_instances", "list instances")
        # The same instance behind both APIs: one limiter, so this one waits its slot too.
        aws.call("identitystore", "list_groups", "list groups", IdentityStoreId="d-1")
        aws.call("sso-admin", "list_instances", "list instances")
        assert clock.sleeps == [0.05, 0.05]
        for _ in range(3):
            aws.call("iam", "list_account_aliases", "read the alias")
        assert clock.sleeps == [0.05, 0.05]
        clock.now += 1.0  # a quiet second: the next call goes at once
        aws.call("sso-admin", "list_instances", "list instances")
    assert clock.sleeps == [0.05, 0.05]
    assert aws.calls_by_service() == {"sso-admin": 3, "identitystore": 1, "iam": 3}


def test_the_limiter_waits_only_for_what_is_left_of_the_interval() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20.0, clock)
    assert limiter.wait() == 0
    clock.now += 0.02
    assert round(limiter.wait(), 6) == 0.03
    clock.now += 0.2
    assert limiter.wait() == 0
    assert clock.sleeps == [0.03]


# Retries: botocore's throttling retries and our own, per service.


class Raw:
    """The body of an answer made up in a `before-send` hook."""

    def __init__(self, body: dict[str, Any]) -> None:
        self._body = json.dumps(body).encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def answer_after_throttling(client: Any, throttled: int, body: dict[str, Any]) -> list[str]:
    """Answer the client's calls: ThrottlingException `throttled` times, then `body`. Returns
    the list of requests sent, as botocore's retries send them."""
    sent: list[str] = []

    def send(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        if len(sent) <= throttled:
            error = {"__type": "ThrottlingException", "message": "Rate exceeded"}
            return AWSResponse(request.url, 400, {}, Raw(error))
        return AWSResponse(request.url, 200, {}, Raw(body))

    client.meta.events.register_first("before-send", send)
    return sent


@pytest.mark.usefixtures("fast_botocore_retries")
def test_throttling_of_identity_center_is_retried_by_botocore_and_counted_once(aws: Aws) -> None:
    sent = answer_after_throttling(aws._client("sso-admin"), 2, {"PermissionSets": SETS})
    answer = aws.call("sso-admin", "list_permission_sets", "list permission sets",
                      InstanceArn=INSTANCE)
    assert answer["PermissionSets"] == SETS
    assert len(sent) == 3
    assert aws.calls_by_service() == {"sso-admin": 1}


@pytest.mark.usefixtures("fast_botocore_retries")
def test_throttling_past_the_retries_is_one_error_naming_the_operation(aws: Aws) -> None:
    sent = answer_after_throttling(aws._client("sso-admin"), 1000, {})
    with pytest.raises(AwsError) as raised:
        aws.call("sso-admin", "list_permission_sets", "list permission sets",
                 InstanceArn=INSTANCE)
    assert len(sent) == 11  # the first attempt and ten retries
    assert str(raised.value).startswith(
        "list permission sets: ListPermissionSets: ThrottlingException: Rate exceeded")
    assert raised.value.maybe_landed  # botocore retried: an attempt may have been carried out


def test_organizations_concurrent_modification_is_retried_with_backoff(
    aws: Aws, clock: FakeClock
) -> None:
    with Stubber(aws._client("organizations")) as stubber:
        for _ in range(2):
            stubber.add_client_error("attach_policy", "ConcurrentModificationException",
                                     "being modified", 409)
        stubber.add_response("attach_policy", {}, {"PolicyId": "p-1", "TargetId": "ou-1"})
        aws.call("organizations", "attach_policy", "attach policy p-1 to ou-1",
                 PolicyId="p-1", TargetId="ou-1")
    assert clock.sleeps == [RETRY_FIRST_DELAY, 2 * RETRY_FIRST_DELAY]
    assert aws.calls_by_service() == {"organizations": 3}  # each attempt of our own counts


def test_another_service_s_code_of_the_same_name_is_not_retried(
    aws: Aws, clock: FakeClock
) -> None:
    # identitystore's ConflictException also means "name taken": never retried.
    with Stubber(aws._client("identitystore")) as stubber:
        stubber.add_client_error("create_group", "ConflictException", "exists", 409)
        with pytest.raises(AwsError) as raised:
            aws.call("identitystore", "create_group", "create group platform",
                     IdentityStoreId="d-1", DisplayName="platform")
    assert raised.value.code == "ConflictException"
    assert clock.sleeps == []  # no retry (and, a first call, no rate-limit slot)


def test_sso_admin_not_found_right_after_a_create_is_retried_when_asked(
    aws: Aws, clock: FakeClock
) -> None:
    with Stubber(aws._client("sso-admin")) as stubber:
        stubber.add_client_error("describe_permission_set", "ResourceNotFoundException",
                                 "not found", 400)
        stubber.add_response("describe_permission_set", {"PermissionSet": {"Name": "Admin"}},
                             {"InstanceArn": INSTANCE, "PermissionSetArn": SETS[0]})
        answer = aws.call("sso-admin", "describe_permission_set", "read permission set Admin",
                          retry_not_found=True, InstanceArn=INSTANCE, PermissionSetArn=SETS[0])
    assert answer["PermissionSet"]["Name"] == "Admin"
    assert RETRY_FIRST_DELAY in clock.sleeps


# Counting, per service.


def test_calls_are_counted_per_service_and_in_total() -> None:
    with mock_aws():
        aws = Aws(boto3.Session(region_name="us-east-1"))
        aws.identity()
        aws.call("iam", "create_user", "create user alice", UserName="alice")
        list(aws.pages("iam", "list_users", "list users"))
        aws.call("secretsmanager", "create_secret", "store", Name="s", SecretString="v")
    assert aws.calls_by_service() == {"sts": 1, "iam": 2, "secretsmanager": 1}
    assert aws.calls == 4


def test_a_service_without_a_row_is_refused_before_any_call(aws: Aws) -> None:
    with pytest.raises(ValueError, match="'s3' has no row in aws/services.py"):
        aws.call("s3", "list_buckets", "list buckets")
    assert aws.calls == 0


# Errors name the operation as AWS does.


def test_an_error_names_the_operation_as_aws_spells_it(aws: Aws) -> None:
    # `get_saml_provider` is AWS's GetSAMLProvider, not "GetSamlProvider".
    with Stubber(aws._iam) as stubber:
        stubber.add_client_error("get_saml_provider", "AccessDenied", "denied", 403)
        with pytest.raises(AccessDeniedError) as raised:
            aws.iam("get_saml_provider", "read SAML provider okta", SAMLProviderArn="a" * 20)
    assert raised.value.operation == "GetSAMLProvider"


@pytest.fixture
def proxy(server_url: str) -> Iterator[FaultProxy]:
    running = FaultProxy(server_url)
    yield running
    running.stop()


def test_cli_error_line_names_the_operation_as_aws_spells_it(
    run_iamctl: RunIamctl, proxy: FaultProxy, server_iam: Any, tmp_path: Path
) -> None:
    arn = server_iam.create_saml_provider(
        Name="okta", SAMLMetadataDocument="<md>" + "x" * 1000 + "</md>")["SAMLProviderArn"]
    proxy.faults = Faults(Rule("GetSAMLProvider", denied("iam:GetSAMLProvider")))
    path = tmp_path / "account.yaml"
    path.write_text('version: 1\naccount:\n  id: "123456789012"\n')
    result = run_iamctl("plan", str(path), env={"AWS_ENDPOINT_URL": proxy.url})
    assert result.code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        f"error: read SAML provider {arn}: GetSAMLProvider: AccessDenied: User: {CALLER_ARN}")
