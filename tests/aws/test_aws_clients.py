"""Every client of an account is made in one place (`Aws._client`): with that account's
credentials (an assumed role's, never those of the session it was assumed from) and region, its
calls counted. moto keeps one state per account, and credentials from `sts:AssumeRole` act in
the role's account: in process for the clients themselves, through the real CLI for what a
user meets (the credential report a plan reads, a region botocore refuses).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from reconciler.aws.client import Aws
from tests.accounts import HOME, OTHER, ROLE_ARN, iam_in
from tests.files import write_account
from tests.iamctl_runs import RunIamctl


@pytest.fixture
def in_moto() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.mark.usefixtures("in_moto")
def test_every_service_of_an_assumed_account_acts_in_that_account_and_region() -> None:
    session = boto3.Session(region_name="eu-west-1")
    aws = Aws(session).assume_role(ROLE_ARN, None)

    assert aws.sts("get_caller_identity", "who")["Account"] == OTHER
    user = aws.iam("create_user", "create user alice", UserName="alice")["User"]
    secret = aws.call("secretsmanager", "create_secret", "store", Name="s", SecretString="v")
    # A service no code of iamctl names yet gets the same credentials, through the same call.
    organization = aws.call("organizations", "create_organization", "create", FeatureSet="ALL")

    assert user["Arn"] == f"arn:aws:iam::{OTHER}:user/alice"
    assert secret["ARN"].startswith(f"arn:aws:secretsmanager:eu-west-1:{OTHER}:secret:s-")
    assert organization["Organization"]["MasterAccountId"] == OTHER
    assert aws.calls == 4  # every service's calls are counted
    assert session.client("secretsmanager").list_secrets()["SecretList"] == []
    assert session.client("iam").list_users()["Users"] == []


@pytest.mark.usefixtures("in_moto")
def test_the_session_s_own_account_is_reached_without_a_role() -> None:
    aws = Aws(boto3.Session(region_name="us-west-2"))
    secret = aws.call("secretsmanager", "create_secret", "store", Name="s", SecretString="v")
    assert secret["ARN"].startswith(f"arn:aws:secretsmanager:us-west-2:{HOME}:secret:s-")
    assert aws.calls == 1


@pytest.mark.usefixtures("in_moto")
def test_a_call_after_release_fails_rather_than_making_a_client_again() -> None:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    aws.sts("get_caller_identity", "who")
    aws.release()
    with pytest.raises(RuntimeError, match="iam call after the account's clients were released"):
        aws.iam("list_users", "list users")


def test_a_region_botocore_refuses_is_one_line_naming_what_was_done(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = tmp_path / "account.yaml"
    path.write_text(f'version: 1\naccount:\n  id: "{HOME}"\n')
    result = run_iamctl("plan", str(path), env={"AWS_DEFAULT_REGION": "us east 1"})
    assert result.code == 1
    assert result.stderr.strip() == (
        "error: check which account the credentials reach: GetCallerIdentity: "
        "InvalidRegionError: Provided region_name 'us east 1' doesn't match a supported format."
    )


def test_the_credential_report_is_read_in_the_account_of_the_role(
    run_iamctl: RunIamctl, server_url: str, tmp_path: Path
) -> None:
    # The same user in both accounts, with a key only in the starting one: a report read there
    # would say the role's account needs no key.
    home, other = iam_in(server_url, HOME), iam_in(server_url, OTHER)
    for iam in (home, other):
        iam.create_user(UserName="alice")
    home.create_access_key(UserName="alice")
    body = "users:\n  - name: alice\n    access_keys: 1\n"
    path = write_account(
        tmp_path, body, "other.yaml", account=OTHER, settings=f"role_arn: {ROLE_ARN}\n"
    )
    result = run_iamctl("plan", str(path), "--detailed-exitcode")
    assert result.code == 2, result.stderr
    assert "+ user alice: access key" in result.stdout
