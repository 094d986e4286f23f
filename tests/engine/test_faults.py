"""A misbehaving AWS: throttling, 5xx, lost answers, denied calls, missing credentials.

Every case ends either in success with a converged account (plan again: no changes), or in an
apply that stops with its report (done / failed with operation, entity and AWS error code / not
attempted) after which a second apply, without the fault, converges. The first part runs the whole
pipeline on in-process moto (`faultproxy.inject`); the last part runs the real CLI through
`faultproxy.FaultProxy` in front of the moto server.

Fault matrix. The fault hits the first call(s) of the operation; "lost": the call is carried out
and its answer replaced by a 500, so botocore's retry meets the result of the first attempt.
"ok": apply succeeds and a new plan is empty; "report": apply stops with its report, exit 1, and
a second apply converges; "same plan": the plan equals the one made without the fault.

| operation                      | throttled x2 | 5xx x2    | lost answer          | AccessDenied |
|--------------------------------|--------------|-----------|----------------------|--------------|
| CreateUser                     | ok           | ok        | ok (same path, tags) | report       |
| CreateGroup                    | ok           | ok        | ok (same path)       | report       |
| AttachUserPolicy               | ok           | ok        | ok (idempotent)      | report       |
| AddUserToGroup                 | ok           | ok        | ok (idempotent)      | report       |
| CreatePolicy                   | ok           | ok        | ok (same document)   | report       |
| CreateAccessKey                | ok           | ok        | ok (orphan deleted)  | report       |
| CreateLoginProfile             | ok           | ok        | ok (same password)   | report       |
| GetAccountAuthorizationDetails | same plan    | same plan | same plan            | 1-line error |

Beyond the matrix: NoSuchEntity right after a create (retried for a short window, then an error),
ConcurrentModification and EntityTemporarilyUnmodifiable (retried, then an error), throttling
past botocore's 10 attempts, a lost create whose name someone else took meanwhile with other
content (an error, never adopted), every answer of CreateAccessKey lost (no key left without its
secret), AccessDenied naming the caller, and, through the CLI, partial failure and re-run,
lost answers, a throttled read, denied and expired credentials, and no credentials at all.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.retries.standard import ExponentialBackoff

from reconciler.aws import retries as aws_module
from reconciler.aws.client import Aws
from reconciler.config.desired import load
from reconciler.core.errors import ApplyError, AwsError, IamctlError
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import AccountPlan, apply_account, plan_account
from tests.faultproxy import (
    ANY_WRITE,
    CALLER_ARN,
    CONCURRENT,
    DROPPED,
    EXPIRED,
    LOST,
    NOT_FOUND,
    SERVER_ERROR,
    THROTTLE,
    UNMODIFIABLE,
    Fault,
    FaultProxy,
    Faults,
    Rule,
    denied,
    inject,
)
from tests.files import write_account
from tests.moto_accounts import moto_account, session

# moto in this process (`moto_account`), besides the emulator some tests use.
pytestmark = pytest.mark.moto

ACCOUNT = "123456789012"
APP_READ_DOC: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
# One of every create the matrix covers, from an empty account.
ACCOUNT_FILE = f"""\
version: 1
account:
  id: "{ACCOUNT}"
policies:
  - name: app-read
    description: Read the app bucket
    document: {json.dumps(APP_READ_DOC)}
groups:
  - name: devs
    policies: [ReadOnlyAccess]
users:
  - name: alice
    path: /eng/
    tags: {{team: platform}}
    groups: [devs]
    policies: [app-read, job-function/ViewOnlyAccess]
    console: true
    access_keys: 1
"""






@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore waits up to 2**i seconds after the i-th throttling answer, our own retries up to
    2 s: here they wait a thousandth and a hundredth of that, with as many attempts."""
    monkeypatch.setattr(
        ExponentialBackoff,
        "_DEFAULT_BACKOFF_CONFIG",
        {"throttling_base_scale": 0.001, "non_throttling_base_scale": 0.0001},
    )
    monkeypatch.setattr(aws_module, "RETRY_FIRST_DELAY", 0.005)
    monkeypatch.setattr(aws_module, "RETRY_MAX_DELAY", 0.02)


@pytest.fixture
def account_file(tmp_path: Path) -> str:
    return write_account(tmp_path, ACCOUNT_FILE)




def connect(*rules: Rule) -> tuple[Aws, Faults]:
    aws = Aws(session())
    faults = Faults(*rules)
    inject(aws._iam, faults)
    return aws, faults


def plan(aws: Aws, path: str) -> AccountPlan:
    (config,) = load([path])
    return plan_account(config, aws)


def apply(aws: Aws, path: str, secrets: Path) -> AccountPlan:
    planned = plan(aws, path)
    apply_account(planned, SecretsSink(secrets, planned.plan.sign_in_url), lambda change: None)
    return planned


def assert_converged(path: str) -> None:
    """Plan again, with a client that sees no fault: nothing left to do."""
    aws, _ = connect()
    left = plan(aws, path).plan.changes
    assert left == (), left


def delivered_rows(secrets: Path) -> list[dict[str, str]]:
    with SecretsSink(secrets, "").path_for("alice").open() as handle:
        return list(csv.DictReader(handle))


def delivered_keys(secrets: Path) -> list[str]:
    with SecretsSink(secrets, "").path_for("alice").open() as handle:
        return [row["Access key ID"] for row in csv.DictReader(handle) if row["Access key ID"]]


def live_keys(iam: Any) -> list[str]:
    listed = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    return [key["AccessKeyId"] for key in listed]


WRITES = (
    "CreateUser",
    "CreateGroup",
    "AttachUserPolicy",
    "AddUserToGroup",
    "CreatePolicy",
    "CreateAccessKey",
    "CreateLoginProfile",
)
CONVERGING_FAULTS = {
    "throttling": lambda operation: Rule(operation, THROTTLE, first=2),
    "5xx": lambda operation: Rule(operation, SERVER_ERROR, first=2),
    "lost answer": lambda operation: Rule(operation, LOST),
}


@pytest.mark.parametrize("fault", CONVERGING_FAULTS)
@pytest.mark.parametrize("operation", WRITES)
def test_a_retried_write_converges(operation, fault, account_file, tmp_path):
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(CONVERGING_FAULTS[fault](operation))
        apply(aws, account_file, secrets)

        assert faults.faulted, "the fault must have happened"
        assert_converged(account_file)
        iam = boto3.client("iam", region_name="us-east-1")
        # Exactly one key, and it is the one whose secret was delivered.
        assert live_keys(iam) == delivered_keys(secrets)
        assert len(iam.list_policies(Scope="Local")["Policies"]) == 1


def test_a_lost_create_is_carried_out_once_and_answered_by_the_retry(account_file, tmp_path):
    with moto_account():
        aws, faults = connect(Rule("CreateUser", LOST), Rule("CreatePolicy", LOST))
        apply(aws, account_file, tmp_path / "secrets")
        # Each reached the emulator twice: the first attempt created, the retry found it there.
        assert faults.seen["CreateUser"] == 2 and faults.seen["CreatePolicy"] == 2
        user = boto3.client("iam", region_name="us-east-1").get_user(UserName="alice")["User"]
        assert user["Path"] == "/eng/"
        assert user["Tags"] == [{"Key": "team", "Value": "platform"}]


def test_a_lost_login_profile_answer_still_delivers_the_password(account_file, tmp_path):
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(Rule("CreateLoginProfile", LOST))
        apply(aws, account_file, secrets)
        assert faults.seen["CreateLoginProfile"] == 2
        assert any(len(row["Password"]) >= 20 for row in delivered_rows(secrets))
        boto3.client("iam", region_name="us-east-1").get_login_profile(UserName="alice")


def test_a_lost_access_key_answer_leaves_no_key_without_its_secret(account_file, tmp_path):
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(Rule("CreateAccessKey", LOST))
        apply(aws, account_file, secrets)
        # Two keys were made (one per attempt); the first one's secret never arrived.
        assert faults.seen["CreateAccessKey"] == 2
        assert faults.seen["DeleteAccessKey"] == 1
        iam = boto3.client("iam", region_name="us-east-1")
        assert live_keys(iam) == delivered_keys(secrets)


@pytest.mark.parametrize("operation", ["CreateUser", "CreateAccessKey", "AttachUserPolicy"])
def test_a_connection_dropped_after_the_request_converges(operation, account_file, tmp_path):
    # No answer at all (botocore retries ConnectionClosedError): the same as a lost answer.
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(Rule(operation, DROPPED))
        apply(aws, account_file, secrets)
        assert faults.faulted == [(operation, "ConnectionClosedError")]
        assert_converged(account_file)
        assert live_keys(boto3.client("iam", region_name="us-east-1")) == delivered_keys(secrets)


def test_every_access_key_answer_lost_deletes_every_key_made_then_converges(account_file, tmp_path):
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(Rule("CreateAccessKey", LOST, first=99))
        with pytest.raises(ApplyError) as raised:
            apply(aws, account_file, secrets)
        assert raised.value.failed == (
            "+ user alice: access key, delivered as a plain CSV file to the secrets directory")
        assert "ServiceFailure" in str(raised.value.error)
        assert "created by an attempt whose answer was lost" in str(raised.value.error)
        iam = boto3.client("iam", region_name="us-east-1")
        assert live_keys(iam) == []

        apply(connect()[0], account_file, secrets)
        assert_converged(account_file)
        assert live_keys(iam) == delivered_keys(secrets)


DENIED_DOING = {
    "CreateUser": "create user alice",
    "CreateGroup": "create group devs",
    "AttachUserPolicy": "attach app-read to user alice",
    "AddUserToGroup": "add user alice to group devs",
    "CreatePolicy": "create policy app-read",
    "CreateAccessKey": "create access key for user alice",
    "CreateLoginProfile": "create console password for user alice",
}


@pytest.mark.parametrize("operation", WRITES)
def test_access_denied_stops_apply_with_a_report_and_a_second_apply_converges(
    operation, account_file, tmp_path
):
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(Rule(operation, denied(f"iam:{operation}")))
        with pytest.raises(ApplyError) as raised:
            apply(aws, account_file, secrets)
        error = raised.value
        assert faults.seen[operation] == 1, "AccessDenied is not retried"
        assert isinstance(error.error, AwsError)
        assert str(error.error).startswith(
            f"{DENIED_DOING[operation]}: {operation}: AccessDenied: User: {CALLER_ARN} "
            f"is not authorized to perform: iam:{operation}"
        )
        assert error.failed is not None and error.failed.startswith("+ ")
        assert error.done or error.not_attempted
        assert "Traceback" not in str(error)

        apply(connect()[0], account_file, secrets)
        assert_converged(account_file)


READ = "GetAccountAuthorizationDetails"


@pytest.mark.parametrize(
    "rule",
    [Rule(READ, THROTTLE, first=2), Rule(READ, SERVER_ERROR, first=2), Rule(READ, LOST)],
    ids=["throttling", "5xx", "lost answer"],
)
def test_a_retried_read_plans_the_same_changes(rule, account_file, tmp_path):
    with moto_account():
        aws, _ = connect()
        apply(aws, account_file, tmp_path / "secrets")
        iam = boto3.client("iam", region_name="us-east-1")
        iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam.create_user(UserName="stray")
        expected = plan(connect()[0], account_file).plan.changes
        assert expected  # the drift

        faulty, faults = connect(rule)
        assert plan(faulty, account_file).plan.changes == expected
        assert faults.faulted


def test_a_denied_read_fails_the_plan_in_one_line(account_file):
    with moto_account():
        aws, _ = connect(Rule(READ, denied(f"iam:{READ}")))
        with pytest.raises(AwsError) as raised:
            plan(aws, account_file)
        message = str(raised.value)
        assert message.startswith(f"read users, groups, roles and policies: {READ}: AccessDenied: ")
        assert CALLER_ARN in message and "\n" not in message


def test_access_denied_without_the_caller_in_the_message_names_the_credentials(account_file):
    with moto_account():
        aws, _ = connect(Rule(READ, Fault(403, "AccessDenied", "Access denied")))
        with pytest.raises(AwsError) as raised:
            plan(aws, account_file)
        caller = aws.identity().arn
        assert str(raised.value).endswith(f"Access denied (credentials: {caller})")


# Retries of our own: NoSuchEntity right after a create, and IAM's "try again shortly" answers.


def test_no_such_entity_right_after_a_create_is_retried(account_file, tmp_path):
    with moto_account():
        aws, faults = connect(Rule("AttachUserPolicy", NOT_FOUND, first=2))
        apply(aws, account_file, tmp_path / "secrets")
        assert faults.faulted == [("AttachUserPolicy", "NoSuchEntity")] * 2
        assert_converged(account_file)


def test_no_such_entity_beyond_the_window_is_an_error(account_file, tmp_path, monkeypatch):
    monkeypatch.setattr(aws_module, "NOT_FOUND_RETRY_SECONDS", 0.2)
    with moto_account():
        aws, faults = connect(Rule("AttachUserPolicy", NOT_FOUND, first=10_000))
        with pytest.raises(ApplyError) as raised:
            apply(aws, account_file, tmp_path / "secrets")
        assert "AttachUserPolicy: NoSuchEntity" in str(raised.value.error)
        assert 2 < faults.seen["AttachUserPolicy"] < 100


@pytest.mark.parametrize(
    ("operation", "fault"),
    [("AddUserToGroup", CONCURRENT), ("AttachUserPolicy", UNMODIFIABLE)],
    ids=["ConcurrentModification", "EntityTemporarilyUnmodifiable"],
)
def test_try_again_shortly_answers_are_retried(operation, fault, account_file, tmp_path):
    with moto_account():
        aws, faults = connect(Rule(operation, fault, first=3))
        apply(aws, account_file, tmp_path / "secrets")
        assert [code for _, code in faults.faulted] == [fault.code] * 3
        assert_converged(account_file)


def test_try_again_shortly_answers_are_retried_a_bounded_number_of_times(account_file, tmp_path):
    with moto_account():
        aws, faults = connect(Rule("AddUserToGroup", CONCURRENT, first=10_000))
        with pytest.raises(ApplyError) as raised:
            apply(aws, account_file, tmp_path / "secrets")
        assert "AddUserToGroup: ConcurrentModification" in str(raised.value.error)
        assert faults.seen["AddUserToGroup"] == aws_module.TRANSIENT_RETRIES + 1


# botocore's standard retry mode, as configured.


def test_throttling_is_retried_ten_times(account_file, tmp_path):
    with moto_account():
        aws, faults = connect(Rule("CreateGroup", THROTTLE, first=10))
        apply(aws, account_file, tmp_path / "secrets")
        assert faults.seen["CreateGroup"] == 11
        assert_converged(account_file)


def test_throttling_past_ten_retries_stops_apply_and_a_second_apply_converges(
    account_file, tmp_path
):
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(Rule("CreateGroup", THROTTLE, first=11))
        with pytest.raises(ApplyError) as raised:
            apply(aws, account_file, secrets)
        expected = "create group devs: CreateGroup: Throttling: Rate exceeded"
        assert str(raised.value.error) == expected
        assert faults.seen["CreateGroup"] == 11
        apply(connect()[0], account_file, secrets)
        assert_converged(account_file)


@pytest.mark.parametrize("code", ["ThrottlingException", "RequestLimitExceeded"])
def test_other_throttling_codes_are_retried(code, account_file, tmp_path):
    with moto_account():
        aws, faults = connect(Rule("CreateGroup", Fault(400, code, "slow down"), first=2))
        apply(aws, account_file, tmp_path / "secrets")
        assert faults.seen["CreateGroup"] == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_answers_are_retried(status, account_file, tmp_path):
    with moto_account():
        aws, faults = connect(Rule("CreateGroup", Fault(status, "ServiceUnavailable", "x")))
        apply(aws, account_file, tmp_path / "secrets")
        assert faults.seen["CreateGroup"] == 2


def test_a_quota_error_is_not_retried(account_file, tmp_path):
    # IAM's LimitExceeded (unlike LimitExceededException elsewhere) is a quota, not throttling.
    with moto_account():
        quota = Fault(409, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
        aws, faults = connect(Rule("AddUserToGroup", quota))
        with pytest.raises(ApplyError):
            apply(aws, account_file, tmp_path / "secrets")
        assert faults.seen["AddUserToGroup"] == 1


# A retried create that finds the name taken by something else is never adopted.


def take_name_after_the_plan(operation: str, iam: Any) -> None:
    if operation == "CreateUser":
        iam.create_user(UserName="alice", Path="/elsewhere/")
        return
    other = {**APP_READ_DOC, "Statement": [{**APP_READ_DOC["Statement"][0], "Action": "s3:*"}]}
    iam.create_policy(
        PolicyName="app-read", Description="Read the app bucket", PolicyDocument=json.dumps(other)
    )


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("CreateUser", "user alice already exists, with path /elsewhere/ instead of /eng/"),
        ("CreatePolicy", "policy app-read already exists, with another document"),
    ],
)
def test_a_retried_create_that_finds_something_else_is_an_error(
    operation, expected, account_file, tmp_path
):
    secrets = tmp_path / "secrets"
    with moto_account():
        aws, faults = connect(Rule(operation, SERVER_ERROR))  # the first attempt did not land
        planned = plan(aws, account_file)
        take_name_after_the_plan(operation, boto3.client("iam", region_name="us-east-1"))
        with pytest.raises(ApplyError) as raised:
            apply_account(planned, SecretsSink(secrets, ""), lambda change: None)
        assert f"{operation}: EntityAlreadyExists: {expected}" in str(raised.value.error)


def test_a_name_taken_since_the_plan_is_an_error_on_the_first_answer(account_file, tmp_path):
    with moto_account():
        aws, _ = connect()
        planned = plan(aws, account_file)
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="alice", Path="/eng/", Tags=[{"Key": "team", "Value": "platform"}])
        with pytest.raises(ApplyError) as raised:
            apply_account(planned, SecretsSink(tmp_path / "s", ""), lambda change: None)
        assert "CreateUser: EntityAlreadyExists: User alice already exists" in str(
            raised.value.error
        )
        apply(connect()[0], account_file, tmp_path / "s")
        assert_converged(account_file)


# Credentials that cannot be used, and failures of botocore's own.


@pytest.mark.parametrize(
    "failure",
    [
        TokenRetrievalError(provider="sso", error_msg="Token has expired and refresh failed"),
        UnauthorizedSSOTokenError(),
        SSOTokenLoadError(error_msg="the SSO session has expired or is invalid"),
    ],
    ids=type,
)
def test_credentials_that_cannot_be_loaded_are_one_line_with_what_to_do(failure, monkeypatch):
    aws = Aws(session())

    def fail(**_: Any) -> None:
        raise failure

    monkeypatch.setattr(aws._sts, "get_caller_identity", fail)
    with pytest.raises(IamctlError) as raised:
        aws.identity()
    message = str(raised.value)
    assert message.startswith("check which account the credentials reach: AWS credentials could")
    assert str(failure) in message and "aws sso login" in message and "\n" not in message


def test_a_read_timeout_may_have_landed(monkeypatch):
    # botocore has retried it already; the last attempt may have been carried out.
    aws = Aws(session())

    def time_out(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/")

    monkeypatch.setattr(aws._iam, "create_user", time_out)
    with pytest.raises(AwsError) as raised:
        aws.iam("create_user", "create user alice", UserName="alice")
    assert raised.value.code == "ReadTimeoutError" and raised.value.maybe_landed


# The real CLI, through a fault proxy in front of the moto server.


@pytest.fixture
def proxy(server_url: str) -> Iterator[FaultProxy]:
    running = FaultProxy(server_url)
    yield running
    running.stop()


def cli_file(tmp_path: Path) -> str:
    path = tmp_path / "cli.yaml"
    path.write_text(ACCOUNT_FILE)
    return str(path)


def no_traceback(result: Any) -> bool:
    return "Traceback" not in result.stderr + result.stdout


def test_cli_partial_failure_reports_and_a_second_apply_converges(
    run_iamctl, proxy, server_iam, tmp_path
):
    path, secrets = cli_file(tmp_path), str(tmp_path / "secrets")
    proxy.faults = Faults(Rule(ANY_WRITE, denied("iam:AttachGroupPolicy"), at=3))
    via_proxy = {"AWS_ENDPOINT_URL": proxy.url}

    failed = run_iamctl("apply", path, "--yes", "--secrets-dir", secrets, env=via_proxy)
    assert failed.code == 1, failed.stderr
    assert no_traceback(failed)
    lines = failed.stderr.splitlines()
    assert any(line.startswith("Apply stopped on account 123456789012") for line in lines)
    assert sum(line.strip().startswith("done:") for line in lines) >= 1
    (failure,) = [line for line in lines if line.strip().startswith("failed:")]
    assert f": AccessDenied: User: {CALLER_ARN} is not authorized" in failure
    assert "(credentials:" not in failure  # AWS's message names the caller already
    assert any(line.strip().startswith("not attempted:") for line in lines)
    assert "Run apply again" in failed.stderr

    proxy.faults = Faults()
    again = run_iamctl("apply", path, "--yes", "--secrets-dir", secrets, env=via_proxy)
    assert again.code == 0, again.stderr
    planned = run_iamctl("plan", path, "--detailed-exitcode")
    assert planned.code == 0, planned.stdout
    assert "No changes." in planned.stdout


def test_cli_lost_answers_still_converge(run_iamctl, proxy, server_iam, tmp_path):
    path, secrets = cli_file(tmp_path), tmp_path / "secrets"
    proxy.faults = Faults(
        Rule("CreateUser", LOST), Rule("CreatePolicy", LOST), Rule("CreateAccessKey", DROPPED)
    )
    applied = run_iamctl(
        "apply", path, "--yes", "--secrets-dir", str(secrets), env={"AWS_ENDPOINT_URL": proxy.url}
    )
    assert applied.code == 0, applied.stderr
    assert proxy.faults.seen["CreateUser"] == 2 and proxy.faults.seen["CreateAccessKey"] == 2
    assert live_keys(server_iam) == delivered_keys(secrets)
    assert run_iamctl("plan", path, "--detailed-exitcode").code == 0


def test_cli_throttled_reads_still_plan(run_iamctl, proxy, server_iam, tmp_path):
    server_iam.create_user(UserName="alice", Path="/eng/")
    proxy.faults = Faults(Rule("GetCallerIdentity", SERVER_ERROR), Rule(READ, THROTTLE, first=1))
    planned = run_iamctl("plan", cli_file(tmp_path), env={"AWS_ENDPOINT_URL": proxy.url})
    assert planned.code == 0, planned.stderr
    assert proxy.faults.seen[READ] == 2
    assert "+ user alice: attach app-read" in planned.stdout
    assert "+ user alice\n" not in planned.stdout  # the read saw alice


def one_error_line(result: Any) -> str:
    assert result.code == 1
    assert no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


def test_cli_denied_read_is_one_line(run_iamctl, proxy, server_iam, tmp_path):
    proxy.faults = Faults(Rule(READ, denied(f"iam:{READ}")))
    planned = run_iamctl("plan", cli_file(tmp_path), env={"AWS_ENDPOINT_URL": proxy.url})
    line = one_error_line(planned)
    assert line.startswith(f"error: read users, groups, roles and policies: {READ}: AccessDenied: ")
    assert CALLER_ARN in line


def test_cli_expired_credentials_are_one_line_with_what_to_do(
    run_iamctl, proxy, server_iam, tmp_path
):
    proxy.faults = Faults(Rule("GetCallerIdentity", EXPIRED))
    planned = run_iamctl("plan", cli_file(tmp_path), env={"AWS_ENDPOINT_URL": proxy.url})
    line = one_error_line(planned)
    assert "GetCallerIdentity: ExpiredToken:" in line
    assert "aws sso login" in line


def test_cli_without_credentials_is_one_line_with_what_to_do(run_iamctl, server_iam, tmp_path):
    nothing: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith("AWS_") and "ENDPOINT" not in name
    }
    planned = run_iamctl(
        "plan",
        cli_file(tmp_path),
        env={
            **nothing,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",  # no instance metadata to wait for
        },
    )
    line = one_error_line(planned)
    assert line.startswith("error: check which account the credentials reach: no AWS credentials")
    assert "AWS_PROFILE" in line and "AWS_ACCESS_KEY_ID" in line


def test_the_proxy_listens_on_loopback_only_and_stops(server_url):
    running = FaultProxy(server_url)
    assert running.url.startswith("http://127.0.0.1:")
    iam = boto3.client("iam", endpoint_url=running.url, region_name="us-east-1")
    iam.list_users()
    running.stop()
    with pytest.raises(Exception):  # noqa: B017 (any connection failure will do)
        boto3.client(
            "iam",
            endpoint_url=running.url,
            region_name="us-east-1",
            config=BotoConfig(retries={"max_attempts": 1}, connect_timeout=1),
        ).list_users()


def test_a_lost_alias_answer_is_not_mistaken_for_a_taken_alias(tmp_path):
    path = tmp_path / "alias.yaml"
    path.write_text(f'version: 1\naccount:\n  id: "{ACCOUNT}"\n  alias: acme-sandbox\n')
    with moto_account():
        aws, faults = connect(Rule("CreateAccountAlias", LOST))
        apply(aws, str(path), tmp_path / "secrets")
        assert faults.seen["CreateAccountAlias"] == 2
        assert_converged(str(path))


def test_a_lost_policy_version_answer_at_the_version_limit_converges(tmp_path):
    """The first attempt made the fifth version; the retry meets the limit of five."""
    document = {**APP_READ_DOC, "Statement": [{**APP_READ_DOC["Statement"][0], "Action": "s3:*"}]}
    path = tmp_path / "policy.yaml"
    path.write_text(
        f'version: 1\naccount:\n  id: "{ACCOUNT}"\npolicies:\n  - name: app-read\n'
        f"    document: {json.dumps(document)}\n"
    )
    with moto_account():
        iam = boto3.client("iam", region_name="us-east-1")
        arn = iam.create_policy(PolicyName="app-read", PolicyDocument=json.dumps(APP_READ_DOC))
        for _ in range(3):
            iam.create_policy_version(
                PolicyArn=arn["Policy"]["Arn"], PolicyDocument=json.dumps(APP_READ_DOC)
            )
        aws, faults = connect(Rule("CreatePolicyVersion", LOST))
        apply(aws, str(path), tmp_path / "secrets")
        assert faults.seen["CreatePolicyVersion"] == 2
        assert_converged(str(path))


@dataclass(frozen=True)
class HtmlPage(Fault):
    """What a proxy or an emulator answers when it is not AWS that answers."""

    def body(self) -> bytes:
        return b"<!doctype html><html><title>500 Internal Server Error</title></html>"


def test_an_answer_that_is_not_from_aws_is_one_clear_error(account_file, tmp_path):
    with moto_account():
        aws, _ = connect(Rule("CreateUser", HtmlPage(200, "", "")))
        with pytest.raises(ApplyError) as raised:
            apply(aws, account_file, tmp_path / "secrets")
        error = raised.value.error
        assert isinstance(error, AwsError) and error.code == "InvalidResponse"
        assert "<html" not in str(raised.value)
