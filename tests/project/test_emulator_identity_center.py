"""Trying IAM Identity Center against the local emulator, as a person would from the guide: an
organisation of two OUs and four accounts, two groups and two permission sets apply, plan in
sync, and an out-of-band assignment and policy are caught and removed.

The emulator answers the sso-admin calls moto lacks itself (`reconciler/emulator_gaps.py`);
they prove nothing of AWS (tests/kinds/ test the calls at the boundary), only that the guide's
walk-through works against `iamctl-emulator`.
"""

from __future__ import annotations

from typing import Any

import boto3

from tests.files import write_account
from tests.iamctl_runs import assert_in_sync


def client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def organisation(url: str) -> dict[str, str]:
    org = client("organizations", url)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    accounts = {}
    for unit, names in (("Workloads", ("prod-api", "prod-web")), ("Sandbox", ("dev-1", "dev-2"))):
        ou = org.create_organizational_unit(ParentId=root, Name=unit)["OrganizationalUnit"]["Id"]
        for name in names:
            made = org.create_account(Email=f"{name}@example.com", AccountName=name)
            accounts[name] = made["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=accounts[name], SourceParentId=root, DestinationParentId=ou)
    sso = client("sso-admin", url)
    store = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    for user in ("alice", "bob"):
        client("identitystore", url).create_user(
            IdentityStoreId=store, UserName=user, DisplayName=user,
            Name={"GivenName": user, "FamilyName": "Doe"})
    return accounts


BODY = """\
identity_center:
  groups:
    - {name: platform, description: Platform team, members: [alice]}
    - {name: developers, members: [alice, bob]}
  permission_sets:
    - name: PlatformAdmin
      session_duration: 4h
      managed_policies: [AdministratorAccess]
      permissions_boundary: {managed: PowerUserAccess}
      tags: {team: platform}
    - name: Developer
      managed_policies: [ReadOnlyAccess]
  assignments:
    - {permission_set: PlatformAdmin, groups: [platform], accounts: ["ou:Workloads"]}
    - {permission_set: Developer, groups: [developers], accounts: [root]}
"""


def test_an_organisation_applies_plans_in_sync_and_drift_is_caught(run_iamctl, server_url,
                                                                     tmp_path):
    accounts = organisation(server_url)
    path = write_account(tmp_path, BODY)
    assert run_iamctl("validate", path).code == 0
    planned = run_iamctl("plan", path)
    assert planned.code == 0, planned.stderr
    # AdministratorAccess within a PowerUserAccess boundary: no full access, but the
    # escalation methods PowerUserAccess leaves, judged by the access model; ReadOnlyAccess none.
    assert f"+ permission set PlatformAdmin: assign group platform in {accounts['prod-api']} " \
           "(prod-api) [escalation: group platform can escalate: " in planned.stdout
    assert "(permission set PlatformAdmin) in 2 accounts" in planned.stdout
    assert f"+ permission set Developer: assign group developers in {accounts['prod-api']} " \
           "(prod-api) [broadens]" in planned.stdout
    applied = run_iamctl("apply", path, "--yes")
    assert applied.code == 0, applied.stderr
    assert_in_sync(run_iamctl, path)
    # Out of band: Developer given to the platform group in dev-1, and a policy attached.
    sso = client("sso-admin", server_url)
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    arns = {sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)
            ["PermissionSet"]["Name"]: arn
            for arn in sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]}
    store = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    platform = client("identitystore", server_url).get_group_id(
        IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {
            "AttributePath": "displayName", "AttributeValue": "platform"}})["GroupId"]
    sso.create_account_assignment(
        InstanceArn=instance, TargetId=accounts["dev-1"], TargetType="AWS_ACCOUNT",
        PermissionSetArn=arns["Developer"], PrincipalType="GROUP", PrincipalId=platform)
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=instance, PermissionSetArn=arns["Developer"],
        ManagedPolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    drift = run_iamctl("plan", path, "--detailed-exitcode")
    assert drift.code == 2, drift.stderr
    assert f"- permission set Developer: unassign group platform in {accounts['dev-1']} " \
           "(dev-1)" in drift.stdout
    assert "- permission set Developer: detach AWS managed policy IAMFullAccess" in drift.stdout
    assert run_iamctl("apply", path, "--yes").code == 0
    assert_in_sync(run_iamctl, path)


def test_a_misspelled_group_fails_at_plan_and_prune_removes_an_undeclared_set(
        run_iamctl, server_url, tmp_path):
    organisation(server_url)
    path = write_account(tmp_path, BODY)
    assert run_iamctl("apply", path, "--yes").code == 0
    misspelled = write_account(tmp_path / "typo", BODY.replace("groups: [platform]",
                                                               "groups: [platfrom]"))
    refused = run_iamctl("plan", misspelled)
    assert refused.code == 1
    assert "no group 'platfrom' in the identity store (did you mean 'platform'?)" in \
        refused.stderr
    assert_in_sync(run_iamctl, path)  # nothing was changed
    # A set made by hand, assigned nowhere: prune deletes it.
    sso = client("sso-admin", server_url)
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    sso.create_permission_set(InstanceArn=instance, Name="ByHand")
    listed = run_iamctl("plan", path)
    assert "unmanaged permission sets (in the account, not in the file): 1: ByHand" in \
        listed.stdout
    pruned = write_account(tmp_path / "prune", "prune: true\n" + BODY)
    applied = run_iamctl("apply", pruned, "--yes")
    assert applied.code == 0, applied.stderr
    assert "- permission set ByHand" in applied.stdout
    assert_in_sync(run_iamctl, pruned)
