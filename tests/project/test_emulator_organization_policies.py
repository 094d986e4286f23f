"""Trying organization policies against the local emulator, as a person would from the guide:
an organisation of two OUs and three accounts; service control policies and a resource control
policy apply and plan in sync; an out-of-band detach and document edit are caught and put back;
a document over the quota and an SCP with a Principal fail `validate` at their line; a plan that
would leave an OU without an SCP is refused before any change.

moto enforces none of AWS's limits here (it would take the Principal, the size and the bare
OU): iamctl's own checks are what these show. AWS's refusals themselves are answered at the
boundary in tests/kinds/test_organization_policies.py.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.files import write_account
from tests.iamctl_runs import assert_in_sync


def client(url: str) -> Any:
    return boto3.client("organizations", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def organisation(url: str) -> dict[str, str]:
    """The root, two OUs (Workloads, Sandbox) and three member accounts, by name -> id."""
    org = client(url)
    org.create_organization(FeatureSet="ALL")
    ids = {"root": org.list_roots()["Roots"][0]["Id"]}
    for unit, names in (("Workloads", ("prod-api", "prod-web")), ("Sandbox", ("dev",))):
        ids[unit] = org.create_organizational_unit(
            ParentId=ids["root"], Name=unit)["OrganizationalUnit"]["Id"]
        for name in names:
            made = org.create_account(Email=f"{name}@example.com", AccountName=name)
            ids[name] = made["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=ids[name], SourceParentId=ids["root"],
                             DestinationParentId=ids[unit])
    return ids


def snapshot(url: str) -> dict[str, Any]:
    """What the organisation holds: the types enabled, each policy's content and targets."""
    org = client(url)
    root = org.list_roots()["Roots"][0]
    held: dict[str, Any] = {"enabled": sorted(t["Type"] for t in root["PolicyTypes"])}
    for policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        for summary in org.list_policies(Filter=policy_type)["Policies"]:
            content = org.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]
            targets = org.list_targets_for_policy(PolicyId=summary["Id"])["Targets"]
            held[summary["Name"]] = (content, sorted(t["TargetId"] for t in targets))
    return held


ONLY_EU: dict[str, Any] = {
    "Sid": "OnlyEu", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"],
    "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}
REGION_LOCK: dict[str, Any] = {"Version": "2012-10-17", "Statement": [ONLY_EU]}

BODY = """\
organization:
  service_control_policies:
    - name: FullAWSAccess
      aws_managed: true
      targets: everywhere
    - name: DenyLeaveOrganization
      description: Accounts stay in the organisation
      document:
        Version: "2012-10-17"
        Statement:
          - {Effect: Deny, Action: "organizations:LeaveOrganization", Resource: "*"}
      targets: [root]
    - name: RegionLock
      document_file: policies/region-lock.json
      targets: ["ou:Workloads", dev]
      tags: {owner: security}
  resource_control_policies:
    - name: RCPFullAWSAccess
      aws_managed: true
      targets: everywhere
    - name: S3OnlyOverTls
      document:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: "*"
            Condition: {BoolIfExists: {"aws:SecureTransport": "false"}}
      targets: [root]
"""


def write(directory: Any, body: str = BODY, document: dict[str, Any] | None = None) -> str:
    return write_account(directory, body, beside={
        "policies/region-lock.json": json.dumps(document or REGION_LOCK, indent=2)})


def test_policies_apply_plan_in_sync_and_drift_is_caught_and_put_back(run_iamctl, server_url,
                                                                       tmp_path):
    ids = organisation(server_url)
    path = write(tmp_path)
    checked = run_iamctl("validate", path)
    assert checked.code == 0, checked.stderr
    planned = run_iamctl("plan", path, "--detailed-exitcode")
    assert planned.code == 2, planned.stderr
    for line in ("+ organization root: enable service control policies (AWS attaches "
                 "FullAWSAccess to every target)",
                 "+ SCP DenyLeaveOrganization: attach to root (3 member accounts)",
                 "      adds a deny on organizations:LeaveOrganization in 3 accounts",
                 "+ SCP RegionLock: attach to ou:Workloads (2 member accounts)",
                 "+ RCP S3OnlyOverTls: attach to root (3 member accounts)",
                 "      adds a deny on s3:* (condition on aws:SecureTransport) in 3 accounts"):
        assert line in planned.stdout
    applied = run_iamctl("apply", path, "--yes")
    assert applied.code == 0, applied.stdout + applied.stderr
    held = snapshot(server_url)
    assert held["RegionLock"] == (json.dumps(REGION_LOCK, separators=(",", ":")),
                                  sorted([ids["Workloads"], ids["dev"]]))
    assert held["enabled"] == ["RESOURCE_CONTROL_POLICY", "SERVICE_CONTROL_POLICY"]
    assert_in_sync(run_iamctl, path)
    # Out of band, in the console: RegionLock taken off dev, and DenyLeaveOrganization edited.
    org = client(server_url)
    policies = {p["Name"]: p["Id"] for p in org.list_policies(
        Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    org.detach_policy(PolicyId=policies["RegionLock"], TargetId=ids["dev"])
    org.update_policy(PolicyId=policies["DenyLeaveOrganization"], Content=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "account:*",
                                                "Resource": "*"}]}))
    drift = run_iamctl("plan", path, "--detailed-exitcode")
    assert drift.code == 2, drift.stderr
    assert f"+ SCP RegionLock: attach to {ids['dev']} (dev) (1 member account)" in drift.stdout
    assert "~ SCP DenyLeaveOrganization: document (reaches 3 member accounts) [broadens]" \
        in drift.stdout
    assert "      adds a deny on organizations:LeaveOrganization in 3 accounts" in drift.stdout
    assert "      removes the deny on account:* in 3 accounts" in drift.stdout
    fixed = run_iamctl("apply", path, "--yes")
    assert fixed.code == 0, fixed.stdout + fixed.stderr
    assert snapshot(server_url) == held
    assert_in_sync(run_iamctl, path)


def test_validate_points_at_a_document_over_the_quota_and_a_principal_in_an_scp(run_iamctl,
                                                                               tmp_path):
    """A RegionLock of 5,121 characters once minified (what apply would send), and a
    Principal written into DenyLeaveOrganization: each one line at its place, exit 1."""
    short = len(json.dumps(REGION_LOCK, separators=(",", ":")))
    padded = {**REGION_LOCK, "Statement": [
        {**ONLY_EU, "Sid": "OnlyEu" + "x" * (5121 - short)}]}
    big = run_iamctl("validate", write(tmp_path / "big", document=padded))
    assert big.code == 1
    [line] = big.stderr.splitlines()
    assert line.endswith(":17:22: organization.service_control_policies[2].document_file: "
                         "policies/region-lock.json: 5,121 characters as sent (minified): "
                         "AWS allows 5,120 in a service control policy"), line
    principal = BODY.replace('{Effect: Deny, Action: "organizations:LeaveOrganization"',
                             '{Effect: Deny, Principal: "*", '
                             'Action: "organizations:LeaveOrganization"')
    named = run_iamctl("validate", write(tmp_path / "principal", principal))
    assert named.code == 1
    [line] = named.stderr.splitlines()
    assert ":14:39: organization.service_control_policies[1].document.Statement[0]." \
           "Principal: a service control policy has no Principal" in line, line


def test_a_plan_that_would_leave_an_ou_without_an_scp_is_refused_before_any_change(
        run_iamctl, server_url, tmp_path):
    """The allow-list strategy half done: FullAWSAccess taken off the Sandbox and nothing put
    there. AWS would refuse the detach half-way through apply (moto would not): the plan says
    so first, and apply changes nothing, not even the policies it could have made."""
    organisation(server_url)
    path = write(tmp_path)
    assert run_iamctl("apply", path, "--yes").code == 0
    before = snapshot(server_url)
    allow_list = BODY.replace(
        "    - name: FullAWSAccess\n      aws_managed: true\n      targets: everywhere\n",
        "    - name: FullAWSAccess\n      aws_managed: true\n"
        "      targets: [root, \"ou:Workloads\", prod-api, prod-web, dev, \"123456789012\"]\n"
        "    - name: DenyClose\n      document: {Version: \"2012-10-17\", Statement: "
        "[{Effect: Deny, Action: \"account:CloseAccount\", Resource: \"*\"}]}\n"
        "      targets: [\"ou:Workloads\"]\n").replace("targets: [root]\n", "targets: []\n", 1)
    refused_path = write(tmp_path / "allow-list", allow_list)
    for command in (("plan", refused_path), ("apply", refused_path, "--yes")):
        refused = run_iamctl(*command)
        assert refused.code == 1
        assert refused.stderr.splitlines() == [
            f"error: {refused_path}:8:7: organization.service_control_policies[0].targets: "
            "the plan would leave ou:Sandbox without any service control policy, which AWS "
            "refuses; attach another there (such as FullAWSAccess) in the same files"]
        assert "done:" not in refused.stdout
    assert snapshot(server_url) == before  # DenyClose not even created
