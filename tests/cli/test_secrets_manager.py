"""`apply --secrets-to secretsmanager`, through the real CLI against the moto server. moto stores
resource policies without enforcing them: the tests check the document itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.accounts import OTHER, SECRET_ARN, THIRD, credentials_in, files_reaching_by_role, iam_in
from tests.iamctl_runs import RunIamctl

ACCOUNT = "123456789012"
FILE = f"""\
version: 1
account:
  id: "{ACCOUNT}"
users:
  - name: bob
    console: true
    access_keys: 1
"""


@pytest.fixture
def secretsmanager(server_url: str) -> Any:
    return boto3.client("secretsmanager", endpoint_url=server_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_new_credentials_go_to_a_secret_only_the_user_reads(
    run_iamctl: RunIamctl, server_iam: Any, secretsmanager: Any, tmp_path: Path
) -> None:
    (tmp_path / "account.yaml").write_text(FILE)
    result = run_iamctl("apply", "account.yaml", "--yes", "--secrets-to", "secretsmanager",
                        cwd=tmp_path)
    assert result.code == 0, result.stderr
    arn = secretsmanager.describe_secret(SecretId="iamctl/credentials/bob")["ARN"]
    assert (f"New credentials for user bob: AWS Secrets Manager secret {arn} "
            "(readable only by that user)") in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["account.yaml"]
    value = json.loads(
        secretsmanager.get_secret_value(SecretId="iamctl/credentials/bob")["SecretString"])
    [key] = server_iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]
    assert value["User name"] == "bob" and value["Access key ID"] == key["AccessKeyId"]
    assert len(value["Secret access key"]) == 40 and len(value["Password"]) >= 24
    assert value["Console login link"] == f"https://{ACCOUNT}.signin.aws.amazon.com/console"
    for clear in (value["Secret access key"], value["Password"]):
        assert clear not in result.stdout + result.stderr
    bob = server_iam.get_user(UserName="bob")["User"]["Arn"]
    policy = json.loads(
        secretsmanager.get_resource_policy(SecretId="iamctl/credentials/bob")["ResourcePolicy"])
    deny, allow = policy["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == (
        "Deny", "*", "secretsmanager:GetSecretValue")
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": bob}}
    assert (allow["Effect"], allow["Principal"]) == ("Allow", {"AWS": bob})
    assert "secretsmanager:GetSecretValue" in allow["Action"]
    # Converged: nothing more to create, so a second apply touches no secret.
    before = secretsmanager.list_secret_version_ids(SecretId="iamctl/credentials/bob")
    again = run_iamctl("apply", "account.yaml", "--yes", "--secrets-to", "secretsmanager",
                       cwd=tmp_path)
    assert "No changes." in again.stdout
    after = secretsmanager.list_secret_version_ids(SecretId="iamctl/credentials/bob")
    # (moto reports the listing time as each version's dates: compare ids and stages.)
    assert [(v["VersionId"], v["VersionStages"]) for v in after["Versions"]] == [
        (v["VersionId"], v["VersionStages"]) for v in before["Versions"]]


def test_a_secret_iamctl_did_not_make_is_never_overwritten(
    run_iamctl: RunIamctl, server_iam: Any, secretsmanager: Any, tmp_path: Path
) -> None:
    (tmp_path / "account.yaml").write_text(FILE)
    secretsmanager.create_secret(Name="iamctl/credentials/bob", SecretString="someone's")
    result = run_iamctl("apply", "account.yaml", "--yes", "--secrets-to", "secretsmanager",
                        cwd=tmp_path)
    assert result.code == 1
    assert ("error: secret iamctl/credentials/bob exists and was not made by iamctl "
            "(no tag iamctl:managed=true); nothing was changed") in result.stderr
    assert server_iam.list_users()["Users"] == []
    value = secretsmanager.get_secret_value(SecretId="iamctl/credentials/bob")["SecretString"]
    assert value == "someone's"


def test_a_secrets_dir_beside_secrets_manager_is_a_usage_error(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = tmp_path / "account.yaml"
    path.write_text('version: 1\naccount:\n  id: "123456789012"\nusers:\n  - name: bob\n'
                    "    access_keys: 1\n")
    result = run_iamctl("apply", str(path), "--yes", "--secrets-to", "secretsmanager",
                        "--secrets-dir", str(tmp_path / "s"))
    assert result.code == 1
    assert result.stderr.strip() == (
        "error: --secrets-dir and --secrets-to secretsmanager exclude each other"
    )
    assert not (tmp_path / "s").exists()


def secretsmanager_in(server_url: str, account: str) -> Any:
    """A Secrets Manager client acting in `account`, through a role assumed there."""
    return boto3.client("secretsmanager", endpoint_url=server_url, region_name="us-east-1",
                        **credentials_in(server_url, account))


def test_secrets_manager_delivery_writes_into_the_account_of_the_user(
    run_iamctl: RunIamctl, server_url: str, secretsmanager: Any, tmp_path: Path
) -> None:
    # Two accounts, each reached by its own role, each with a user alice: each alice's secret
    # must be in her own account (where she can read it), under a policy naming her, never in
    # the account of the credentials iamctl started from, nor one secret shared by both.
    body = "users:\n  - name: alice\n    access_keys: 1\n"
    files_reaching_by_role(tmp_path / "accounts", body, OTHER, THIRD)
    result = run_iamctl("apply", str(tmp_path / "accounts"), "--yes",
                        "--secrets-to", "secretsmanager")
    assert result.code == 0, result.stderr
    assert secretsmanager.list_secrets()["SecretList"] == []  # none in the starting account
    reported = {account: arn for arn, account in SECRET_ARN.findall(result.stdout)}
    for account in (OTHER, THIRD):
        client = secretsmanager_in(server_url, account)
        [secret] = client.list_secrets()["SecretList"]
        assert reported.get(account) == secret["ARN"], result.stdout  # the report names it
        [key] = iam_in(server_url, account).list_access_keys(UserName="alice")["AccessKeyMetadata"]
        value = json.loads(client.get_secret_value(SecretId=secret["ARN"])["SecretString"])
        assert value["Access key ID"] == key["AccessKeyId"]
        assert value["Console login link"] == f"https://{account}.signin.aws.amazon.com/console"
        policy = json.loads(client.get_resource_policy(SecretId=secret["ARN"])["ResourcePolicy"])
        alice = f"arn:aws:iam::{account}:user/alice"
        assert [s["Principal"] for s in policy["Statement"]] == ["*", {"AWS": alice}]
        assert policy["Statement"][0]["Condition"] == {
            "StringNotEquals": {"aws:PrincipalArn": alice}}
