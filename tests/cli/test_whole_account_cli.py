"""Putting an existing account under iamctl, as a user would: export, plan, edit, apply, prune."""

from __future__ import annotations

import json

import yaml

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def populate(iam) -> None:
    """An account somebody built by hand in the console."""
    arn = iam.create_policy(PolicyName="BucketRead", PolicyDocument=json.dumps(DOC),
                            Description="Read the bucket", Tags=[{"Key": "owner", "Value": "data"}])
    arn = arn["Policy"]["Arn"]
    iam.create_group(GroupName="readers", Path="/teams/")
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
    iam.put_group_policy(GroupName="readers", PolicyName="extra", PolicyDocument=json.dumps(DOC))
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "data"}])
    iam.add_user_to_group(UserName="alice", GroupName="readers")
    iam.create_login_profile(UserName="alice", Password="Aa1!aaaaaaaaaaaaaa")
    iam.create_access_key(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_account_alias(AccountAlias="hand-built")
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True)
    leaver(iam)


def leaver(iam) -> None:
    """A user with everything that blocks DeleteUser in AWS."""
    iam.create_user(UserName="leaver")
    iam.create_login_profile(UserName="leaver", Password="Aa1!aaaaaaaaaaaaaa")
    iam.create_access_key(UserName="leaver")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="leaver")
    serial = serial["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="leaver", SerialNumber=serial, AuthenticationCode1="111111",
                          AuthenticationCode2="222222")
    iam.add_user_to_group(UserName="leaver", GroupName="readers")
    iam.attach_user_policy(UserName="leaver", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.put_user_policy(UserName="leaver", PolicyName="own", PolicyDocument=json.dumps(DOC))


def test_export_plan_edit_apply_prune(run_iamctl, server_iam, tmp_path):
    populate(server_iam)
    exported = tmp_path / "account.yaml"
    result = run_iamctl("export", "--out", str(exported))
    assert result.code == 0, result.stderr

    planned = run_iamctl("plan", str(exported), "--detailed-exitcode")
    assert planned.code == 0, planned.stdout + planned.stderr
    assert "No changes. The account matches the configuration." in planned.stdout

    data = yaml.safe_load(exported.read_text())
    policy = next(p for p in data["policies"] if p["name"] == "BucketRead")
    policy["document"]["Statement"][0]["Action"] = ["s3:GetObject", "s3:ListBucket"]
    data["users"] = [u for u in data["users"] if u["name"] != "leaver"]
    exported.write_text(yaml.safe_dump(data, sort_keys=False))

    edited = run_iamctl("plan", str(exported))
    assert "~ policy BucketRead: document (new default version)" in edited.stdout
    assert any(line.strip().startswith("+") and "s3:ListBucket" in line
               for line in edited.stdout.splitlines())
    assert "unmanaged users (in the account, not in the file): 1: leaver" in edited.stdout
    assert run_iamctl("apply", str(exported), "--yes").code == 0

    data["prune"] = True
    exported.write_text(yaml.safe_dump(data, sort_keys=False))
    pruning = run_iamctl("plan", str(exported))
    assert "- user leaver (removes console password, 1 access key, 1 MFA device" in pruning.stdout
    applied = run_iamctl("apply", str(exported), "--yes")
    assert applied.code == 0, applied.stderr
    assert [u["UserName"] for u in server_iam.list_users()["Users"]] == ["alice"]
    assert server_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    members = server_iam.get_group(GroupName="readers")["Users"]
    assert [u["UserName"] for u in members] == ["alice"]
    final = run_iamctl("plan", str(exported), "--detailed-exitcode")
    assert final.code == 0, final.stdout
    assert "No changes. The account matches the configuration." in final.stdout
