"""`iamctl access` for the accounts of an organisation: a member account's answers are capped by
the service control policies on its path, as the management account's files in the same run
leave them; the management account is never limited. Against a moto server (moto keeps the
organisation and evaluates no SCP: the cap is iamctl's own reading of the policies)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import boto3

from tests.accounts import HOME

DENY_LEAVE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}


def organisation(server_url: str) -> str:
    """An organisation managed from HOME with one OU, Workloads, holding one member account;
    its id."""
    orgs = boto3.client("organizations", endpoint_url=server_url, region_name="us-east-1")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    unit = orgs.create_organizational_unit(ParentId=root, Name="Workloads")
    created = orgs.create_account(Email="prod@example.com", AccountName="prod")
    member = created["CreateAccountStatus"]["AccountId"]
    orgs.move_account(AccountId=member, SourceParentId=root,
                      DestinationParentId=unit["OrganizationalUnit"]["Id"])
    return str(member)


def files(tmp_path: Path, member: str, scps: str) -> list[str]:
    management = tmp_path / "management.yaml"
    management.write_text(textwrap.dedent(f"""\
        version: 1
        account:
          id: "{HOME}"
        users:
          - name: root-admin
            policies: [AdministratorAccess]
        organization:
          service_control_policies:
        """) + textwrap.indent(textwrap.dedent(scps), "    "))
    workload = tmp_path / "prod.yaml"
    workload.write_text(textwrap.dedent(f"""\
        version: 1
        account:
          id: "{member}"
          role_arn: arn:aws:iam::{member}:role/OrganizationAccountAccessRole
        users:
          - name: prod-admin
            policies: [AdministratorAccess]
        """))
    return [str(management), str(workload)]


FULL_AND_DENY = f"""\
    - name: FullAWSAccess
      aws_managed: true
      targets: everywhere
    - name: DenyLeaveOrganization
      document: {json.dumps(DENY_LEAVE)}
      targets: ["ou:Workloads"]
    """


def test_a_deny_on_the_members_path_leaves_nobody_there_who_may_leave(
        run_iamctl: Any, server_url: str, tmp_path: Path) -> None:
    member = organisation(server_url)
    found = run_iamctl("access", *files(tmp_path, member, FULL_AND_DENY),
                       "--action", "organizations:LeaveOrganization", "--json")
    assert found.code == 0, found.stderr
    answers = json.loads(found.stdout)
    assert [p["principal"] for p in answers[member]["principals"]] == []
    assert answers[member]["service_control_policies"] == {
        "verdict": "deny", "by": ["the service control policies on ou:Workloads"]}
    # The management account is never limited by SCPs, and holds no ceiling.
    assert "user root-admin" in [p["principal"] for p in answers[HOME]["principals"]]
    assert "service_control_policies" not in answers[HOME]
    text = run_iamctl("access", *files(tmp_path, member, FULL_AND_DENY),
                      "--action", "organizations:LeaveOrganization")
    assert "the organisation's ceiling: the service control policies on ou:Workloads deny " \
        "it in this account" in text.stdout


def test_without_the_deny_the_members_admin_may_leave(
        run_iamctl: Any, server_url: str, tmp_path: Path) -> None:
    member = organisation(server_url)
    only_full = FULL_AND_DENY.split("    - name: DenyLeaveOrganization")[0]
    found = run_iamctl("access", *files(tmp_path, member, only_full),
                       "--action", "organizations:LeaveOrganization", "--json")
    assert found.code == 0, found.stderr
    answers = json.loads(found.stdout)
    assert [p["principal"] for p in answers[member]["principals"]] == ["user prod-admin"]
    assert answers[member]["service_control_policies"]["verdict"] == "allow"


def test_an_allow_list_on_the_path_caps_what_the_members_admin_may_do(
        run_iamctl: Any, server_url: str, tmp_path: Path) -> None:
    """Allow-list strategy: FullAWSAccess on the root and the management account only, an
    allow-list SCP on the OU and the account: the member's admin may do only what the list
    names, whatever its IAM policies allow."""
    member = organisation(server_url)
    allow_list = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "ec2:Describe*"], "Resource": "*"}]}
    scps = f"""\
        - name: FullAWSAccess
          aws_managed: true
          targets: [root, "{HOME}"]
        - name: OnlyStorage
          document: {json.dumps(allow_list)}
          targets: ["ou:Workloads", "{member}"]
        """
    both = files(tmp_path, member, scps)
    iam = run_iamctl("access", *both, "--action", "iam:CreateUser", "--json")
    assert iam.code == 0, iam.stderr
    assert json.loads(iam.stdout)[member]["principals"] == []
    storage = run_iamctl("access", *both, "--action", "s3:GetObject", "--json")
    assert [p["principal"] for p in json.loads(storage.stdout)[member]["principals"]] == \
        ["user prod-admin"]
    profile = run_iamctl("access", *both, "--principal", "prod-admin", "--account", member,
                         "--account", HOME, "--json")
    assert profile.code == 0, profile.stderr
    found = json.loads(profile.stdout)  # the one account that holds prod-admin
    assert found["admin"] is False
    assert set(found["services"]) == {"s3", "ec2"}

