"""The drift check as a user runs it (the real `iamctl` against a moto server): members added out
of band, what a replaced or pruned policy does to roles and ignored entities, names in another
case, and changes that would lock iamctl out."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import boto3
import pytest

from tests.files import write_account

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
POLICY = "arn:aws:iam::123456789012:policy/"
IAM_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*",
                                                  "Resource": "*"}]}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                               "Resource": "*"}]}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "sts:AssumeRole"}]})


def members(iam: Any, group: str) -> list[str]:
    return sorted(user["UserName"] for user in iam.get_group(GroupName=group)["Users"])


def attached_to_role(iam: Any, role: str) -> list[str]:
    return [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)[
        "AttachedPolicies"]]


# A new administrator is drift.

ADMINS = """\
    groups:
      - name: admins
        policies: [AdministratorAccess]
    users:
      - name: alice
        groups: [admins]
    ignore:
      users: ["cdk-*"]
    """


def test_a_member_added_out_of_band_to_a_declared_group_is_drift_and_removed(
    run_iamctl, server_iam, tmp_path
):
    path = write_account(tmp_path, ADMINS)
    assert run_iamctl("apply", path, "--yes").code == 0
    for user in ("eve", "cdk-deploy"):
        server_iam.create_user(UserName=user)
        server_iam.add_user_to_group(UserName=user, GroupName="admins")

    drift = run_iamctl("plan", path, "--detailed-exitcode")
    assert drift.code == 2, drift.stdout + drift.stderr
    assert "  - group admins: remove member eve\n" in drift.stdout
    assert (
        "  - group admins: remove member cdk-deploy (cdk-deploy matches ignore.users; a declared "
        "group's members are exactly the declared users that name it)\n" in drift.stdout
    )
    applied = run_iamctl("apply", path, "--yes")
    assert applied.code == 0, applied.stderr
    assert members(server_iam, "admins") == ["alice"]
    users = sorted(u["UserName"] for u in server_iam.list_users()["Users"])
    assert users == ["alice", "cdk-deploy", "eve"]  # only their membership was drift
    again = run_iamctl("plan", path, "--detailed-exitcode")
    assert again.code == 0, again.stdout


# Roles and ignored entities keep their permissions.


def test_a_policy_moved_to_another_path_goes_back_to_roles_and_ignored_users(
    run_iamctl, server_iam, tmp_path
):
    body = """\
        policies:
          - name: Billing
            path: PATH
            document: DOC
        users:
          - name: bob
            policies: [Billing]
        ignore:
          users: ["cdk-*"]
        """.replace("DOC", json.dumps(DOC))
    first = write_account(tmp_path, body.replace("PATH", "/a/"))
    assert run_iamctl("apply", first, "--yes").code == 0
    server_iam.create_role(RoleName="ci-deploy", AssumeRolePolicyDocument=TRUST)
    server_iam.attach_role_policy(RoleName="ci-deploy", PolicyArn=POLICY + "a/Billing")
    server_iam.create_user(UserName="cdk-bot")
    server_iam.attach_user_policy(UserName="cdk-bot", PolicyArn=POLICY + "a/Billing")

    path = write_account(tmp_path, body.replace("PATH", "/b/"))
    saved = tmp_path / "plan.json"
    planned = run_iamctl("plan", path, "--out", str(saved))
    assert (
        "-/+ policy Billing (path /a/ -> /b/ cannot change in place: detach from role "
        "ci-deploy, user bob, user cdk-bot; recreate; re-attach to role ci-deploy, user cdk-bot)"
        in planned.stdout
    ), planned.stdout
    assert "+ user bob: attach Billing" in planned.stdout
    (replacement,) = [c for c in json.loads(saved.read_text())["changes"]
                      if c["action"] == "replace"]
    assert replacement["after"]["attached"] == [
        {"kind": "role", "name": "ci-deploy"}, {"kind": "user", "name": "cdk-bot"}]

    applied = run_iamctl("apply", path, "--yes", "--plan", str(saved))
    assert applied.code == 0, applied.stderr
    assert attached_to_role(server_iam, "ci-deploy") == [POLICY + "b/Billing"]
    for user in ("bob", "cdk-bot"):
        held = server_iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
        assert [p["PolicyArn"] for p in held] == [POLICY + "b/Billing"]
    assert run_iamctl("plan", path, "--detailed-exitcode").code == 0


def test_prune_keeps_what_ignored_roles_and_users_still_use_and_says_why(
    run_iamctl, server_iam, tmp_path
):
    document = json.dumps(DOC)
    deploy = server_iam.create_policy(PolicyName="Deploy", PolicyDocument=document)
    server_iam.create_role(RoleName="ci-deploy", AssumeRolePolicyDocument=TRUST)
    server_iam.attach_role_policy(RoleName="ci-deploy", PolicyArn=deploy["Policy"]["Arn"])
    shared = server_iam.create_policy(PolicyName="Shared", PolicyDocument=document)
    server_iam.create_group(GroupName="deployers")
    server_iam.attach_group_policy(GroupName="deployers", PolicyArn=shared["Policy"]["Arn"])
    server_iam.create_user(UserName="cdk-bot")
    server_iam.add_user_to_group(UserName="cdk-bot", GroupName="deployers")
    old = server_iam.create_policy(PolicyName="Old", PolicyDocument=document)
    server_iam.create_user(UserName="leaver")
    server_iam.attach_user_policy(UserName="leaver", PolicyArn=old["Policy"]["Arn"])
    path = write_account(
        tmp_path, 'prune: true\nignore:\n  users: ["cdk-*"]\n  roles: ["ci-*"]\n'
    )

    planned = run_iamctl("plan", path)
    assert planned.stdout.count("  - ") == 2, planned.stdout
    assert "  - user leaver (removes 1 attached policy)" in planned.stdout
    assert "  - policy Old (detaches it from user leaver)" in planned.stdout
    for note in (
        "note: group deployers is not deleted: its members include user cdk-bot (matches "
        "ignore.users)",
        "note: policy Deploy is not deleted: attached to role ci-deploy (matches ignore.roles)",
        "note: policy Shared is not deleted: attached to group deployers (kept for its members)",
    ):
        assert note in planned.stdout, planned.stdout
    applied = run_iamctl("apply", path, "--yes")
    assert applied.code == 0, applied.stderr
    assert attached_to_role(server_iam, "ci-deploy") == [deploy["Policy"]["Arn"]]
    assert members(server_iam, "deployers") == ["cdk-bot"]
    held = server_iam.list_attached_group_policies(GroupName="deployers")["AttachedPolicies"]
    assert [p["PolicyName"] for p in held] == ["Shared"]
    assert run_iamctl("plan", path, "--detailed-exitcode").code == 0


# Names without regard to case.


def test_a_file_spelling_names_in_another_case_plans_no_create(run_iamctl, server_iam, tmp_path):
    server_iam.create_group(GroupName="admins")
    server_iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN_ARN)
    server_iam.create_user(UserName="alice")
    server_iam.add_user_to_group(UserName="alice", GroupName="admins")
    path = write_account(tmp_path, ADMINS.replace("admins", "Admins").replace("alice", "Alice"))
    planned = run_iamctl("plan", path, "--detailed-exitcode")
    assert planned.code == 0, planned.stdout + planned.stderr
    assert "No changes." in planned.stdout
    assert (
        "note: user Alice in the file is alice in the account (IAM names ignore case): planned "
        "as alice" in planned.stdout
    )


# Self-lockout: iamctl runs as a user of the account (moto's default caller is not one).


@pytest.fixture
def operator(server_iam, server_url) -> dict[str, str]:
    """A user `ops` with AdministratorAccess, through the group `admins` and directly, and an
    inline policy; the environment that runs iamctl with its access key."""
    server_iam.create_group(GroupName="admins")
    server_iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN_ARN)
    server_iam.create_user(UserName="ops")
    server_iam.add_user_to_group(UserName="ops", GroupName="admins")
    server_iam.attach_user_policy(UserName="ops", PolicyArn=ADMIN_ARN)
    server_iam.put_user_policy(UserName="ops", PolicyName="own", PolicyDocument=json.dumps(DOC))
    key = server_iam.create_access_key(UserName="ops")["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


OPS_AS_IS = """\
    groups:
      - name: admins
        policies: [AdministratorAccess]
    users:
      - name: ops
        groups: [admins]
        policies: [AdministratorAccess]
        inline_policies:
          own: DOC
    """.replace("DOC", json.dumps(DOC))


LOST = "user ops may no longer call iam:"
NO_GROUP = ("groups: [admins]\n", "groups: []\n")
NO_POLICY = ("policies: [AdministratorAccess]\n    inline", "policies: []\n    inline")
DENY_IAM = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]})


@pytest.mark.parametrize(
    ("edits", "lines"),
    [
        ([("policies: [AdministratorAccess]\n    inline_policies", "access_keys: 0\n"
           "    policies: [AdministratorAccess]\n    inline_policies")],
         {"- user ops: access key AKIA": "deletes the access key these credentials use"}),
        # Both ways it holds iamctl's calls taken away: each change that takes one is marked.
        ([NO_GROUP, NO_POLICY], {"- user ops: remove from group admins": LOST,
                                 "- user ops: detach AdministratorAccess": LOST}),
        ([NO_POLICY, ("  - name: admins\n    policies: [AdministratorAccess]\n",
                      "  - name: admins\n    policies: []\n")],
         {"- user ops: detach AdministratorAccess": LOST,
          "- group admins: detach AdministratorAccess": LOST}),
        # A Deny added takes them away as surely.
        ([("inline_policies:\n      own: ", f"inline_policies:\n      deny: {DENY_IAM}\n"
           "      own: ")], {"+ user ops: inline policy deny": LOST}),
    ],
    ids=["access key", "group membership and policy", "both policies", "a deny"],
)
def test_apply_refuses_to_lock_out_the_user_running_it(
    run_iamctl, server_iam, operator, tmp_path, edits, lines
):
    body = textwrap.dedent(OPS_AS_IS)
    for edit in edits:
        assert edit[0] in body
        body = body.replace(*edit)
    path = write_account(tmp_path, body)
    before = state_of(server_iam)

    planned = run_iamctl("plan", path, "--json", env=operator)
    marked = [c for c in json.loads(planned.stdout)["changes"] if c["self_lockout"]]
    assert len(marked) == len(lines), marked
    assert all(any(c["self_lockout"].startswith(reason) for c in marked)
               for reason in lines.values())

    refused = run_iamctl("apply", path, "--yes", env=operator)
    assert refused.code == 1
    for line, reason in lines.items():
        assert any(text.lstrip().startswith(line) and f"[SELF-LOCKOUT: {reason}" in text
                   for text in refused.stdout.splitlines()), (line, refused.stdout)
    (error,) = refused.stderr.strip().splitlines()[-1:]
    count = f"{len(lines)} change{'s' if len(lines) > 1 else ''}"
    assert error.startswith(f"error: refusing to apply {count} that would cut off the "
                            "credentials running iamctl: "), error
    assert error.endswith("pass --allow-self-lockout to apply them anyway; nothing was "
                          "changed"), error
    assert state_of(server_iam) == before


def test_a_redundant_grant_taken_away_is_no_lockout(run_iamctl, operator, tmp_path):
    """ops keeps AdministratorAccess directly: leaving the group takes none of iamctl's calls."""
    path = write_account(tmp_path, textwrap.dedent(OPS_AS_IS).replace(*NO_GROUP))
    planned = run_iamctl("plan", path, "--json", env=operator)
    assert [c["self_lockout"] for c in json.loads(planned.stdout)["changes"]] == [""]


def state_of(iam: Any) -> dict[str, Any]:
    return {
        "keys": [k["AccessKeyId"] for k in iam.list_access_keys(UserName="ops")[
            "AccessKeyMetadata"]],
        "groups": [g["GroupName"] for g in iam.list_groups_for_user(UserName="ops")["Groups"]],
        "policies": iam.list_attached_user_policies(UserName="ops")["AttachedPolicies"],
        "inline": iam.list_user_policies(UserName="ops")["PolicyNames"],
        "group policies": iam.list_attached_group_policies(GroupName="admins")[
            "AttachedPolicies"],
    }


def test_allow_self_lockout_applies_and_other_credentials_are_not_refused(
    run_iamctl, server_iam, operator, tmp_path
):
    path = write_account(tmp_path, textwrap.dedent(OPS_AS_IS).replace("groups: [admins]\n",
                                                                    "groups: []\n"))
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", path, "--out", str(saved), env=operator).code == 0
    # The same saved plan, applied by other credentials, cuts off nobody's.
    assert run_iamctl("apply", path, "--yes", "--plan", str(saved)).code == 0
    assert members(server_iam, "admins") == []
    server_iam.add_user_to_group(UserName="ops", GroupName="admins")
    allowed = run_iamctl("apply", path, "--yes", "--allow-self-lockout", env=operator)
    assert allowed.code == 0, allowed.stderr
    assert members(server_iam, "admins") == []


def test_apply_refuses_to_detach_a_policy_from_the_role_it_runs_as(
    run_iamctl, server_iam, server_url, tmp_path
):
    body = "policies:\n  - {name: Deploy, description: DESCRIPTION, document: DOC}\n"
    body = body.replace("DOC", json.dumps(IAM_DOC))  # the role's only source of iamctl's calls
    assert run_iamctl("apply", write_account(tmp_path, body.replace("DESCRIPTION", "v1")),
                      "--yes").code == 0
    server_iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)
    server_iam.attach_role_policy(RoleName="deployer", PolicyArn=POLICY + "Deploy")
    sts = boto3.client("sts", endpoint_url=server_url, region_name="us-east-1")
    creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                            RoleSessionName="ci")["Credentials"]
    as_role = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
               "AWS_SESSION_TOKEN": creds["SessionToken"]}

    path = write_account(tmp_path, body.replace("DESCRIPTION", "v2"))
    refused = run_iamctl("apply", path, "--yes", env=as_role)
    assert refused.code == 1, refused.stdout + refused.stderr
    assert "[SELF-LOCKOUT: role deployer may no longer call iam:" in refused.stdout
    assert "--allow-self-lockout" in refused.stderr
    assert sorted(attached_to_role(server_iam, "deployer")) == [POLICY + "Deploy"]
    described = server_iam.get_policy(PolicyArn=POLICY + "Deploy")["Policy"]
    assert described.get("Description") == "v1"
