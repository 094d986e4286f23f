"""The floor of a plan: the reads it cannot avoid, made straight with boto3 and nothing else.

Run as its own process (like `iamctl plan`, through bench/launch.py), so both pay Python's
start-up and boto3's import. It makes the calls `reconciler.aws.live.read_live` makes, in the same
order and with the same parameters, then the ListRoles walk plan adds when its file manages a
role's description or maximum session duration (`--role-settings`), and throws the answers
away: no model, no diff, no file. The difference between a plan and this is what iamctl adds.
Usage (environment as for iamctl):

    python bench/floor.py [--aws-catalog] [--role-settings] [--role-arn ARN]...
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.exceptions import ClientError

NOT_READY = ("ReportInProgress", "ReportNotPresent", "ReportExpired")


def pages(iam: Any, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = getattr(iam, operation)(**params)
        yield page
        if not page.get("IsTruncated"):
            return
        params["Marker"] = page["Marker"]


def credential_report(iam: Any) -> None:
    delay = 0.25
    while True:
        try:
            iam.get_credential_report()
            return
        except ClientError as error:
            if error.response["Error"]["Code"] not in NOT_READY:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 4.0)


def password_policy(iam: Any) -> None:
    try:
        iam.get_account_password_policy()
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchEntity":
            raise


def identity_providers(iam: Any) -> None:
    """Two lists, then a get per provider (not paginated in IAM)."""
    for item in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=item["Arn"])
    for item in iam.list_saml_providers()["SAMLProviderList"]:
        iam.get_saml_provider(SAMLProviderArn=item["Arn"])


def read(session: boto3.Session, aws_catalog: bool, role_settings: bool) -> None:
    """One account's reads; the report is asked for first and fetched beside the rest."""
    session.client("sts").get_caller_identity()
    iam = session.client("iam")
    iam.generate_credential_report()
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(credential_report, iam)
        for _ in pages(iam, "get_account_authorization_details", MaxItems=1000,
                       Filter=["User", "Group", "Role", "LocalManagedPolicy"]):
            pass
        iam.list_account_aliases()
        iam.get_account_summary()
        password_policy(iam)
        if aws_catalog:
            for _ in pages(iam, "list_policies", Scope="AWS", MaxItems=1000):
                pass
        for _ in pages(iam, "list_virtual_mfa_devices", AssignmentStatus="Assigned", MaxItems=1000):
            pass
        identity_providers(iam)
        report.result()
    if role_settings:  # after the read, as plan reads them (reconciler/engine/run.py)
        for _ in pages(iam, "list_roles", MaxItems=1000):
            pass


def assumed(role_arn: str) -> boto3.Session:
    creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="floor")
    creds = creds["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                         aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/floor.py")
    parser.add_argument("--aws-catalog", action="store_true")
    parser.add_argument("--role-settings", action="store_true")
    parser.add_argument("--role-arn", action="append", default=[])
    args = parser.parse_args(argv)
    if not args.role_arn:
        read(boto3.Session(), args.aws_catalog, args.role_settings)
    for role_arn in args.role_arn:  # one account after the other
        read(assumed(role_arn), args.aws_catalog, args.role_settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
