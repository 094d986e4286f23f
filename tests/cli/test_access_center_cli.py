"""`iamctl access --action` through IAM Identity Center: who may perform an action through the
permission sets the files assign, in which accounts, capped by the organisation's service
control policies when the same files declare them. Against the emulator (moto, with the
sso-admin calls it lacks answered by `reconciler/emulator_gaps.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.files import write_account
from tests.project.test_emulator_identity_center import organisation

BODY = """\
identity_center:
  groups:
    - {name: platform, members: [alice]}
    - {name: developers, members: [alice, bob]}
  permission_sets:
    - name: PlatformAdmin
      managed_policies: [AdministratorAccess]
    - name: Developer
      managed_policies: [ReadOnlyAccess]
    - name: Deployer
      customer_managed_policies: [{name: Deploy, path: /}]
  assignments:
    - {permission_set: PlatformAdmin, groups: [platform], accounts: ["ou:Workloads"]}
    - {permission_set: Developer, groups: [developers], accounts: [root]}
    - {permission_set: Deployer, users: [bob], accounts: [dev-1]}
"""
DENY_USERS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}
GUARDRAIL = f"""\
organization:
  service_control_policies:
    - {{name: FullAWSAccess, aws_managed: true, targets: everywhere}}
    - name: NoIamUsers
      document: {json.dumps(DENY_USERS)}
      targets: [prod-web]
"""


def answer(run_iamctl: Any, path: str, action: str) -> dict[str, Any]:
    found = run_iamctl("access", path, "--action", action, "--json")
    assert found.code == 0, found.stderr
    result: dict[str, Any] = json.loads(found.stdout)
    return result


def test_who_may_act_through_identity_center_and_in_which_accounts(
        run_iamctl: Any, server_url: str, tmp_path: Path) -> None:
    accounts = organisation(server_url)
    path = write_account(tmp_path, BODY)
    creating = answer(run_iamctl, path, "iam:CreateUser")["identity_center"]
    by_principal = {g["principal"]: g for g in creating}
    platform = by_principal["group platform"]
    assert (platform["permission_set"], platform["via"]) == \
        ("PlatformAdmin", ["policy AdministratorAccess"])
    assert platform["accounts"] == sorted([accounts["prod-api"], accounts["prod-web"]])
    assert platform["conditional_in"] == []
    # ReadOnlyAccess creates no user; a customer managed policy is each account's own: maybe.
    assert "group developers" not in by_principal
    assert by_principal["user bob"]["conditional_in"] == [accounts["dev-1"]]
    reading = answer(run_iamctl, path, "s3:GetObject")["identity_center"]
    developers = next(g for g in reading if g["principal"] == "group developers")
    assert len(developers["accounts"]) == 5  # root: every account, the management one too
    text = run_iamctl("access", path, "--action", "iam:CreateUser").stdout
    assert "may call iam:CreateUser through IAM Identity Center once the files are applied:" \
        in text
    assert "group platform  via permission set PlatformAdmin > policy AdministratorAccess in " \
        "2 accounts" in text


def test_the_organisations_ceiling_caps_what_a_set_gives_in_each_account(
        run_iamctl: Any, server_url: str, tmp_path: Path) -> None:
    accounts = organisation(server_url)
    path = write_account(tmp_path, BODY + GUARDRAIL)
    platform = next(g for g in answer(run_iamctl, path, "iam:CreateUser")["identity_center"]
                    if g["principal"] == "group platform")
    assert platform["accounts"] == [accounts["prod-api"]]  # prod-web's SCP denies it
