"""The accounts of the multi-account CLI tests on the emulator: which one the test credentials
act in, which ones a role reaches, clients and credentials acting in each.

moto's server keeps an account for any id; a role named OrganizationAccountAccessRole can be
assumed in any of them with the test credentials.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3

from tests.files import write_account

HOME = "123456789012"  # moto's default account: where the test credentials act
OTHER = "111111111111"  # reached only by assuming a role
ROLE_ARN = f"arn:aws:iam::{OTHER}:role/OrganizationAccountAccessRole"
STRANGER = "222222222222"  # no credentials reach it


def credentials_in(server_url: str, account: str) -> dict[str, str]:
    """Temporary credentials acting in `account`, from assuming a role there."""
    sts = boto3.client("sts", endpoint_url=server_url, region_name="us-east-1")
    role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def iam_in(server_url: str, account: str) -> Any:
    """An IAM client acting in `account`: the default credentials, or a role assumed there."""
    credentials = {} if account == HOME else credentials_in(server_url, account)
    return boto3.client("iam", endpoint_url=server_url, region_name="us-east-1", **credentials)


THIRD = "444444444444"  # a second account reached only by assuming a role


SECRET_ARN = re.compile(
    r"^New credentials for user alice: AWS Secrets Manager secret "
    r"(arn:aws:secretsmanager:us-east-1:(\d{12}):secret:iamctl/credentials/alice-\w{6}) "
    r"\(readable only by that user\)$", re.M)


def files_reaching_by_role(directory: Path, body: str, *accounts: str) -> Path:
    """One account file per account in `directory`, each with `body` and the role that reaches
    its account; returns the directory."""
    for account in accounts:
        role = f"role_arn: arn:aws:iam::{account}:role/OrganizationAccountAccessRole\n"
        write_account(directory, body, f"{account}.yaml", account=account, settings=role)
    return directory
