"""Roles as a user runs iamctl (the real command against a moto server): a file with roles
applies, plans in sync and applies again as a no-op; drift in every managed attribute is caught
and fixed; a trust policy AWS spells its own way is no change; prune deletes a role made by hand
but never AWS's own, nor the role running iamctl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from tests.files import REPO_ROOT, write_account
from tests.iamctl_runs import RunIamctl, assert_in_sync
from tests.provider_factories import saml_metadata

ACCOUNT = "123456789012"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"

ROLES = """\
    policies:
      - name: Boundary
        document:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Action: ["s3:*", "logs:*"], Resource: "*"}]
    roles:
      - name: deploy
        path: /ci/
        description: Deploys from CI
        assume_role_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {AWS: "210987654321"}
              Action: "sts:AssumeRole"
              Condition: {Bool: {"aws:MultiFactorAuthPresent": "true"}}
        max_session_duration: 7200
        permissions_boundary: Boundary
        policies: [ReadOnlyAccess]
        inline_policies:
          logs:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "logs:*", Resource: "*"}]
        tags: {team: platform}
        instance_profile: true
      - name: worker
        assume_role_policy_file: trust/ec2.json
        instance_profile: false
    """
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


def account_file(tmp_path: Path, body: str = ROLES) -> str:
    """The account file with `body`, beside the trust document it names."""
    return write_account(tmp_path, body, beside={"trust/ec2.json": json.dumps(EC2_TRUST)})


def plan_lines(run_iamctl: RunIamctl, path: str, detail: bool = False) -> list[str]:
    """The plan's change lines (with their indented detail lines when `detail`)."""
    planned = run_iamctl("plan", path)
    assert planned.code == 0, planned.stderr
    return [
        line.strip() for line in planned.stdout.splitlines()
        if line.startswith("  ") and (detail or not line.startswith("   "))
    ]


def applied(run_iamctl: RunIamctl, path: str) -> str:
    result = run_iamctl("apply", path, "--yes")
    assert result.code == 0, result.stdout + result.stderr
    return result.stdout


def test_a_file_with_roles_applies_plans_in_sync_and_applies_again_as_a_no_op(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path)
    assert plan_lines(run_iamctl, path) == [
        "+ policy Boundary",
        "+ role deploy [trust: account 210987654321 may assume role deploy]",
        "+ role deploy: attach ReadOnlyAccess [broadens]",
        "+ role deploy: inline policy logs [broadens]",
        "+ role deploy: instance profile deploy [unknown: who may launch instances with this "
        "profile is not modelled]",
        "+ role worker [trust: service ec2.amazonaws.com may assume role worker]",
    ]
    applied(run_iamctl, path)
    role = server_iam.get_role(RoleName="deploy")["Role"]
    assert (role["Path"], role["Description"], role["MaxSessionDuration"]) == (
        "/ci/", "Deploys from CI", 7200)
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY
    profile = server_iam.get_instance_profile(InstanceProfileName="deploy")["InstanceProfile"]
    assert (profile["Path"], [r["RoleName"] for r in profile["Roles"]]) == ("/ci/", ["deploy"])

    assert_in_sync(run_iamctl, path)
    again = run_iamctl("apply", path, "--yes")
    assert again.code == 0 and "No changes." in again.stdout, again.stdout


def test_drift_in_every_managed_role_attribute_is_caught_and_fixed(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path)
    applied(run_iamctl, path)
    iam = server_iam
    iam.update_role(RoleName="deploy", Description="edited in the console",
                    MaxSessionDuration=3600)
    iam.update_assume_role_policy(RoleName="deploy", PolicyDocument=json.dumps(EC2_TRUST))
    iam.delete_role_permissions_boundary(RoleName="deploy")
    iam.tag_role(RoleName="deploy", Tags=[{"Key": "team", "Value": "data"}])
    iam.attach_role_policy(RoleName="deploy", PolicyArn=ADMIN)  # attached by hand
    iam.delete_role_policy(RoleName="deploy", PolicyName="logs")
    iam.put_role_policy(RoleName="deploy", PolicyName="extra", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*",
                                                 "Resource": "*"}]}))
    iam.remove_role_from_instance_profile(InstanceProfileName="deploy", RoleName="deploy")
    iam.create_instance_profile(InstanceProfileName="worker")
    iam.add_role_to_instance_profile(InstanceProfileName="worker", RoleName="worker")

    lines = plan_lines(run_iamctl, path, detail=True)
    for expected in (
        '~ role deploy: description "edited in the console" -> "Deploys from CI", '
        "maximum session 1 h -> 2 h",
        "~ role deploy: trust policy [trust: account 210987654321 may assume role deploy]",
        "~ statement 1 (Allow):",  # the trust policy told statement by statement
        "+ principal AWS 210987654321",
        "- principal Service ec2.amazonaws.com",
        "+ role deploy: permissions boundary Boundary",
        '~ role deploy: tags: {"team": "data"} -> {"team": "platform"}',
        "- role deploy: detach AdministratorAccess",
        "+ role deploy: inline policy logs [broadens]",
        "- role deploy: inline policy extra",
        "+ role deploy: instance profile deploy",
        "- role worker: instance profile worker",
    ):
        # A line may end with its verdict: the role holds full access (attached by hand), so
        # a change iamctl cannot judge on it says so.
        assert any(line == expected or line.startswith(expected + " [") for line in lines), \
            "\n".join(lines)
    assert len(plan_lines(run_iamctl, path)) == 9, "\n".join(lines)

    applied(run_iamctl, path)
    assert_in_sync(run_iamctl, path)
    held = iam.list_attached_role_policies(RoleName="deploy")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in held] == [READ_ONLY]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles()[
        "InstanceProfiles"]] == ["deploy"]


def test_a_trust_policy_spelled_the_way_aws_stores_it_is_no_change(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path)
    applied(run_iamctl, path)
    # What AWS returns for the file's trust: the account id as its root ARN, lists, other order.
    server_iam.update_assume_role_policy(RoleName="deploy", PolicyDocument=json.dumps({
        "Statement": [{
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": ["true"]}},
            "Action": ["sts:AssumeRole"],
            "Principal": {"AWS": ["arn:aws:iam::210987654321:root"]},
            "Effect": "Allow",
        }],
        "Version": "2012-10-17",
    }))
    assert_in_sync(run_iamctl, path)


def test_prune_deletes_a_role_made_by_hand_and_never_aws_roles(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path, ROLES + "prune: true\n")
    applied(run_iamctl, path)
    iam = server_iam
    iam.create_role(RoleName="hand-made", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    iam.attach_role_policy(RoleName="hand-made", PolicyArn=READ_ONLY)
    iam.put_role_policy(RoleName="hand-made", PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                 "Resource": "*"}]}))
    iam.create_instance_profile(InstanceProfileName="hand-made")
    iam.add_role_to_instance_profile(InstanceProfileName="hand-made", RoleName="hand-made")
    iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")

    planned = run_iamctl("plan", path)
    lines = [line.strip() for line in planned.stdout.splitlines() if line.startswith("  ")]
    assert lines == [
        "- role hand-made (removes 1 instance profile, 1 attached policy, 1 inline policy)"
    ], planned.stdout
    assert "4 roles (1 owned by AWS)" in planned.stderr
    assert "AWSServiceRole" not in planned.stdout

    applied(run_iamctl, path)
    names = sorted(role["RoleName"] for role in iam.list_roles()["Roles"])
    assert names == ["AWSServiceRoleForElasticBeanstalk", "deploy", "worker"]
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles()[
        "InstanceProfiles"]] == ["deploy"]
    assert_in_sync(run_iamctl, path)


def test_without_prune_a_role_made_by_hand_is_listed_as_unmanaged(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path)
    applied(run_iamctl, path)
    server_iam.create_role(RoleName="hand-made", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    server_iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")
    planned = run_iamctl("plan", path, "--detailed-exitcode")
    assert planned.code == 0, planned.stdout
    assert "unmanaged roles (in the account, not in the file): 1: hand-made" in planned.stdout


def test_a_new_path_is_a_human_step_and_nothing_is_deleted(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path)
    applied(run_iamctl, path)
    moved = account_file(tmp_path, ROLES.replace("path: /ci/", "path: /deploy/"))
    planned = run_iamctl("plan", moved, "--detailed-exitcode")
    assert planned.code == 3, planned.stdout + planned.stderr
    assert ("! role deploy: path /ci/ -> /deploy/ cannot change: IAM cannot move a role"
            in planned.stdout)
    assert run_iamctl("apply", moved, "--yes").code == 0
    assert server_iam.get_role(RoleName="deploy")["Role"]["Path"] == "/ci/"


def running_as_deployer(
    iam: Any, server_url: str, trust: dict[str, Any] = EC2_TRUST
) -> dict[str, str | None]:
    """The environment of credentials that assumed the role `deployer` (AdministratorAccess)."""
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="deployer", PolicyArn=ADMIN)
    sts = boto3.client("sts", endpoint_url=server_url, region_name="us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/deployer",
                            RoleSessionName="ci")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}


def test_apply_refuses_to_detach_a_policy_from_its_own_role(
    run_iamctl: RunIamctl, server_iam: Any, server_url: str, tmp_path: Path
) -> None:
    as_role = running_as_deployer(server_iam, server_url)
    trust = json.dumps(EC2_TRUST)
    path = account_file(tmp_path, f"roles:\n  - name: deployer\n    assume_role_policy: {trust}\n")
    refused = run_iamctl("apply", path, "--yes", env=as_role)
    assert refused.code == 1, refused.stdout + refused.stderr
    assert ("- role deployer: detach AdministratorAccess [SELF-LOCKOUT: role deployer may no "
            "longer call iam:GenerateCredentialReport, " in refused.stdout)
    held = server_iam.list_attached_role_policies(RoleName="deployer")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in held] == [ADMIN]


def test_prune_keeps_the_role_running_iamctl(
    run_iamctl: RunIamctl, server_iam: Any, server_url: str, tmp_path: Path
) -> None:
    as_role = running_as_deployer(server_iam, server_url)
    path = account_file(tmp_path, "prune: true\n")
    planned = run_iamctl("plan", path, "--detailed-exitcode", env=as_role)
    assert planned.code == 0, planned.stdout
    assert "note: role deployer is not deleted: its credentials are running iamctl" in (
        planned.stdout)


def test_the_roles_example_applies_and_plans_in_sync(
    run_iamctl: RunIamctl, server_iam: Any
) -> None:
    example = str(REPO_ROOT / "examples" / "roles" / "account.yaml")
    server_iam.create_role(RoleName="cdk-hnb659fds-deploy-role",
                           AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    applied(run_iamctl, example)
    assert_in_sync(run_iamctl, example)
    profile = server_iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert (profile["Path"], [r["RoleName"] for r in profile["Roles"]]) == ("/app/", ["web"])
    assert server_iam.get_role(RoleName="developer")["Role"]["MaxSessionDuration"] == 14400


def test_a_saved_plan_with_roles_applies_as_saved(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = account_file(tmp_path)
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", path, "--out", str(saved)).code == 0
    kinds = [change["kind"] for change in json.loads(saved.read_text())["changes"]]
    assert kinds == ["policy", "role", "role_policy", "role_inline_policy", "instance_profile",
                     "role"]
    result = run_iamctl("apply", path, "--yes", "--plan", str(saved))
    assert result.code == 0, result.stdout + result.stderr
    assert_in_sync(run_iamctl, path)


def test_prune_keeps_roles_other_aws_services_create(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    """OrganizationAccountAccessRole and its kind live outside AWS's reserved paths: prune
    keeps them (and Control Tower's policy, and IAM Identity Center's SAML provider), with a
    note each; a declared one is managed as usual."""
    admin_trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "sts:AssumeRole"}]})
    for name, path in (("OrganizationAccountAccessRole", "/"), ("AWSControlTowerExecution", "/"),
                       ("AWSControlTowerAdmin", "/service-role/"),
                       ("stacksets-exec-5d1b0c6f0e2a4a3b9c8d7e6f5a4b3c2d", "/"),
                       ("hand-made", "/")):
        server_iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=admin_trust)
        server_iam.attach_role_policy(RoleName=name, PolicyArn=ADMIN)
    server_iam.create_policy(PolicyName="AWSControlTowerAdminPolicy", Path="/service-role/",
                             PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                                 "Effect": "Allow", "Action": "ec2:DescribeAvailabilityZones",
                                 "Resource": "*"}]}))
    sso = "AWSSSO_0123456789abcdef_DO_NOT_DELETE"
    server_iam.create_saml_provider(Name=sso, SAMLMetadataDocument=saml_metadata())
    path = account_file(tmp_path, "prune: true\n")

    planned = run_iamctl("plan", path)
    assert planned.code == 0, planned.stderr
    assert [line.strip() for line in planned.stdout.splitlines() if line.startswith("  - ")] == [
        "- role hand-made (removes 1 attached policy)"]
    for kept in (
        "note: role OrganizationAccountAccessRole is not deleted: created by AWS Organizations, "
        "the management account's administrator access to an account it created",
        "note: role AWSControlTowerExecution is not deleted: created by AWS Control Tower",
        "note: role AWSControlTowerAdmin is not deleted: created by AWS Control Tower",
        "note: role stacksets-exec-5d1b0c6f0e2a4a3b9c8d7e6f5a4b3c2d is not deleted: created by "
        "AWS CloudFormation StackSets",
        "note: policy AWSControlTowerAdminPolicy is not deleted: created by AWS Control Tower",
        f"note: SAML provider {sso} is not deleted: created by AWS IAM Identity Center",
    ):
        assert kept in planned.stdout, planned.stdout
    applied(run_iamctl, path)
    names = {role["RoleName"] for role in server_iam.list_roles()["Roles"]}
    assert "hand-made" not in names
    assert {"OrganizationAccountAccessRole", "AWSControlTowerExecution", "AWSControlTowerAdmin",
            "stacksets-exec-5d1b0c6f0e2a4a3b9c8d7e6f5a4b3c2d"} <= names

    declared = account_file(tmp_path, "prune: true\nroles:\n"
                            "  - name: OrganizationAccountAccessRole\n"
                            f"    assume_role_policy: {admin_trust}\n"
                            "    policies: [ReadOnlyAccess]\n")
    assert plan_lines(run_iamctl, declared) == [
        "+ role OrganizationAccountAccessRole: attach ReadOnlyAccess [broadens]",
        "- role OrganizationAccountAccessRole: detach AdministratorAccess",
    ]


def refused_and_marked(run_iamctl: RunIamctl, path: str, env: dict[str, str | None],
                       marked: list[str]) -> None:
    """Plan marks exactly these lines SELF-LOCKOUT; apply refuses them and changes nothing."""
    planned = run_iamctl("plan", path, env=env)
    assert planned.code == 0, planned.stderr
    found = [line.strip().split(" [trust:")[0] for line in planned.stdout.splitlines()
             if "[SELF-LOCKOUT:" in line]
    assert found == marked, planned.stdout
    refused = run_iamctl("apply", path, "--yes", env=env)
    assert refused.code == 1, refused.stdout + refused.stderr
    assert "would cut off the credentials running iamctl" in refused.stderr
    assert "nothing was changed" in refused.stderr


def test_a_trust_change_on_the_role_running_iamctl_is_self_lockout(
    run_iamctl: RunIamctl, server_iam: Any, server_url: str, tmp_path: Path
) -> None:
    """The running session would survive it; the next run, assuming the role as before, not."""
    as_role = running_as_deployer(server_iam, server_url)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "sts:AssumeRole"}]})
    path = account_file(tmp_path, "roles:\n  - name: deployer\n"
                                  f"    assume_role_policy: {trust}\n"
                                  "    policies: [AdministratorAccess]\n")
    refused_and_marked(run_iamctl, path, as_role, [
        "~ role deployer: trust policy [SELF-LOCKOUT: changes who may assume role deployer, "
        "which these credentials run as: Service ec2.amazonaws.com no longer admitted as "
        "before (iamctl cannot tell which principal assumed it)]"])
    role = server_iam.get_role(RoleName="deployer")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}


GITHUB_URL = "token.actions.githubusercontent.com"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_URL}"
CI_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": GITHUB_PROVIDER},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {f"{GITHUB_URL}:aud": "sts.amazonaws.com",
                                   f"{GITHUB_URL}:sub": "repo:acme/infra:ref:refs/heads/main"}}}]}


def test_removing_the_client_id_the_ci_role_needs_is_self_lockout(
    run_iamctl: RunIamctl, server_iam: Any, server_url: str, tmp_path: Path
) -> None:
    server_iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB_URL}", ClientIDList=["sts.amazonaws.com", "other-app"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    as_role = running_as_deployer(server_iam, server_url, CI_TRUST)
    path = account_file(tmp_path, f"oidc_providers:\n  - url: https://{GITHUB_URL}\n"
                                  "    client_ids: [other-app]\n")
    refused_and_marked(run_iamctl, path, as_role, [
        f"- OIDC provider {GITHUB_URL}: remove client id sts.amazonaws.com [SELF-LOCKOUT: removes "
        "client id sts.amazonaws.com, which role deployer, which these credentials run as, "
        "requires of this provider's tokens]"])
    # Another client id goes without a mark: the role's trust does not accept it.
    kept = account_file(tmp_path, f"oidc_providers:\n  - url: https://{GITHUB_URL}\n"
                                  "    client_ids: [sts.amazonaws.com]\n")
    planned = run_iamctl("plan", kept, env=as_role)
    assert f"- OIDC provider {GITHUB_URL}: remove client id other-app" in planned.stdout
    assert "SELF-LOCKOUT" not in planned.stdout
    provider = server_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=GITHUB_PROVIDER)
    assert sorted(provider["ClientIDList"]) == ["other-app", "sts.amazonaws.com"]


def test_moving_the_ci_role_to_another_provider_url_is_self_lockout(
    run_iamctl: RunIamctl, server_iam: Any, server_url: str, tmp_path: Path
) -> None:
    """A provider's URL cannot change in place: the file's new URL is a new provider, and prune
    deletes the old one, which the running role's trust (as the account holds it) names."""
    server_iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB_URL}", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    as_role = running_as_deployer(server_iam, server_url, CI_TRUST)
    moved = json.dumps(CI_TRUST).replace(GITHUB_URL, f"{GITHUB_URL}/acme")
    path = account_file(tmp_path, f"prune: true\noidc_providers:\n"
                                  f"  - url: https://{GITHUB_URL}/acme\n"
                                  "    client_ids: [sts.amazonaws.com]\n"
                                  "roles:\n  - name: deployer\n"
                                  f"    assume_role_policy: {moved}\n"
                                  "    policies: [AdministratorAccess]\n")
    refused_and_marked(run_iamctl, path, as_role, [
        "~ role deployer: trust policy [SELF-LOCKOUT: changes who may assume role deployer, "
        f"which these credentials run as: Federated {GITHUB_PROVIDER} no longer admitted as "
        "before (iamctl cannot tell which principal assumed it)]",
        f"- OIDC provider {GITHUB_URL} [SELF-LOCKOUT: deletes a provider that role deployer, "
        "which these credentials run as, trusts]"])
    assert server_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == [
        {"Arn": GITHUB_PROVIDER}]


def test_pruning_the_role_the_running_role_is_assumed_from_is_self_lockout(
    run_iamctl: RunIamctl, server_iam: Any, server_url: str, tmp_path: Path
) -> None:
    """Role chaining: the running role's trust names the role its credentials come from."""
    server_iam.create_role(RoleName="ci-base", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    chained = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci-base"},
        "Action": "sts:AssumeRole"}]}
    as_role = running_as_deployer(server_iam, server_url, chained)
    refused_and_marked(run_iamctl, account_file(tmp_path, "prune: true\n"), as_role, [
        "- role ci-base [SELF-LOCKOUT: deletes role ci-base, which role deployer, which these "
        "credentials run as, trusts]"])
    assert server_iam.get_role(RoleName="ci-base")["Role"]["RoleName"] == "ci-base"
