"""Users' SSH public keys (`ssh_public_keys:`): the kind declared in a module of its own, tested
in one place: the file's checks, the diff, the plan lines, a saved plan, and plan and apply
against the emulator (exact for the users named, in sync after apply, drift caught, the apply
role of examples/github-actions/bootstrap.yaml allowing every call).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reconciler.aws.client import Aws
from reconciler.config.desired import load
from reconciler.core.changes import Action, Change, Impact
from reconciler.core.kinds.changes import access_of
from reconciler.core.kinds.declared.ssh_public_keys import (
    KIND,
    SSH_PUBLIC_KEY,
    SSH_PUBLIC_KEY_STATUS,
    SshPublicKey,
    diff,
    fingerprint,
    key_body,
    key_of,
)
from reconciler.core.plan.plan import Plan, change_to_dict, plan_from_dict, plan_to_dict
from reconciler.core.plan.targets import owner_of
from reconciler.core.render.text import change_lines
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import apply_account, plan_account
from tests.files import write_account
from tests.iamctl_runs import assert_in_sync
from tests.project.test_bootstrap import Recorder, apply_role_allows

# Made with `ssh-keygen -t rsa -b 2048 -C alice@laptop`; `ssh-keygen -lf` printed FINGERPRINT.
LAPTOP = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCj0vLVbp5eaOS52vKVXBmGRXl9vok3JAh/Uno506k13+PvN8nlb37"
    "WEOFSccAj6NZmPRZzjcGYWbYBwWPLuNk8W1f+T1HYf+nfG8islLfLBMHKir/Tg1G0BH4ux/oacr7NWoYYvyCfYE+DXV9"
    "RIREG3s9h8QmI/PJ2vHWk9DY3M/LfrbtTFZ6gT7wOL23IpRkloQL5ZTBzVVLCHK4IFsEjhOVXDSigitQlCDYFhN0G6f"
    "aTsDOHyoRdqe0K+IwDJPh2IHx7jHI9TOIwcstELQGSZtpr0fzJVMCDf5smcAbsdf5RbLguxv7gSUrZknamO0Ckl+J4k"
    "iP1ZU3FCUi4a3Nz alice@laptop"
)
FINGERPRINT = "SHA256:caqFiLCFN23DAU9YO4oBybVCVnp+hET/CS9KMe0A/Cw"
# `ssh-keygen -t rsa -b 1024`: too short for IAM.
SHORT = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDBc+/2yjWFd4FOYIwrITwIB/WxwKrbrXIYG9CEie3j1iNVzq2CdEtJ"
    "tk1hSkNWkr+lIdtOJauOtbAz08fwsmyc/md4a18tcOOhCNzOmvkPohC8iZfgUg/3mYmh+2KSfwvF37cj3SybjfsM0Vqb"
    "3KivRpq66v4Ec0EnwhPlKmyl0w== root@vm"
)


def new_key(comment: str = "") -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    written = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                            serialization.PublicFormat.OpenSSH).decode()
    return f"{written} {comment}".strip()


def keys_file(directory: Path, entries: str, users: str = "[alice, bob]") -> str:
    body = "users:\n" + "".join(f"  - name: {name}\n" for name in users.strip("[]").split(", "))
    return write_account(directory, body + entries)


# The key as the file writes it.


def test_the_fingerprint_is_the_one_ssh_keygen_prints():
    assert fingerprint(key_body(LAPTOP)) == FINGERPRINT


def test_the_comment_is_not_part_of_the_key():
    assert key_body(LAPTOP) == key_body(LAPTOP.rsplit(" ", 1)[0] + " alice@elsewhere")
    assert key_body(LAPTOP) == " ".join(LAPTOP.split()[:2])


@pytest.mark.parametrize(("written", "reason"), [
    (SHORT, "a 1024-bit key: AWS accepts RSA keys of 2048 bits or more"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice", "not an ssh-rsa public key"),
    ("ssh-rsa not*base64", "the key material is not base64"),
    ("ssh-rsa " + LAPTOP.split()[1][:40], "the key material is not an ssh-rsa key"),
])
def test_a_key_iam_would_refuse_is_refused(written, reason):
    with pytest.raises(ValueError, match=reason.replace("+", r"\+")):
        key_body(written)


def test_validate_points_at_a_short_key(run_iamctl, tmp_path):
    path = keys_file(tmp_path, f"ssh_public_keys:\n  - user: alice\n    key: {SHORT}\n")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert result.stderr.strip() == (
        f"error: {path}:9:10: ssh_public_keys[0].key: a 1024-bit key: AWS accepts RSA keys of 2048 "
        "bits or more")


def test_validate_refuses_a_key_of_a_user_the_files_do_not_declare(run_iamctl, tmp_path):
    path = keys_file(tmp_path, f"ssh_public_keys:\n  - user: alicia\n    key: {LAPTOP}\n")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert "ssh_public_keys[0].user: user 'alicia' is not declared (did you mean 'alice'?)" \
        in result.stderr


def test_validate_refuses_a_key_listed_twice_for_one_user(run_iamctl, tmp_path):
    other_comment = LAPTOP.rsplit(" ", 1)[0] + " again"
    entries = (f"ssh_public_keys:\n  - user: alice\n    key: {LAPTOP}\n"
               f"  - user: alice\n    key: {other_comment}\n")
    result = run_iamctl("validate", keys_file(tmp_path, entries))
    assert result.code == 1
    assert f"SSH public key alice {FINGERPRINT} is already declared at" in result.stderr


def test_validate_refuses_a_sixth_key_of_one_user(run_iamctl, tmp_path):
    entries = "ssh_public_keys:\n" + "".join(
        f"  - user: alice\n    key: {new_key()}\n" for _ in range(6))
    result = run_iamctl("validate", keys_file(tmp_path, entries))
    assert result.code == 1
    assert "ssh_public_keys[5].key: user alice has 5 keys before this one: AWS allows 5" \
        in result.stderr


def test_validate_counts_the_keys(run_iamctl, tmp_path):
    path = keys_file(tmp_path, f"ssh_public_keys:\n  - user: alice\n    key: {LAPTOP}\n")
    result = run_iamctl("validate", path)
    assert result.code == 0, result.stderr
    assert "2 users" in result.stdout and "1 SSH public key" in result.stdout


# The diff: exact for the users named, whatever prune says.


def key(user: str, written: str, active: bool = True, key_id: str = "") -> SshPublicKey:
    return SshPublicKey(user, key_body(written), active, key_id)


def by_key(*keys: SshPublicKey) -> dict[str, SshPublicKey]:
    return {key_of(k): k for k in keys}


@pytest.mark.parametrize("prune", [False, True])
def test_a_named_user_has_exactly_the_keys_listed_and_others_keep_theirs(prune):
    other, bobs = new_key(), new_key()
    desired = by_key(key("alice", LAPTOP))
    live = by_key(key("alice", other, key_id="APKAOLD"), key("bob", bobs, key_id="APKABOB"))
    changes = list(diff(desired, live, prune))
    assert changes == [
        Change(Action.CREATE, SSH_PUBLIC_KEY, "alice", FINGERPRINT,
               after={"body": key_body(LAPTOP), "status": "Active"}),
        Change(Action.DELETE, SSH_PUBLIC_KEY, "alice", fingerprint(key_body(other)),
               before="APKAOLD"),
    ]


def test_a_status_change_is_an_update_of_the_key_found():
    desired = by_key(key("alice", LAPTOP, active=False))
    live = by_key(key("alice", LAPTOP, key_id="APKA1"))
    (change,) = diff(desired, live, False)
    assert change == Change(Action.UPDATE, SSH_PUBLIC_KEY_STATUS, "alice", FINGERPRINT,
                            before={"id": "APKA1", "status": "Active"}, after="Inactive")
    assert change_lines(change)[0] == (
        f"~ user alice: SSH public key {FINGERPRINT} (APKA1): Active -> Inactive")
    assert list(diff(desired, by_key(key("alice", LAPTOP, False, "APKA1")), False)) == []


def test_the_plan_lines_name_the_user_and_the_fingerprint():
    create, delete = (
        Change(Action.CREATE, SSH_PUBLIC_KEY, "alice", FINGERPRINT,
               after={"body": key_body(LAPTOP), "status": "Active"}),
        Change(Action.DELETE, SSH_PUBLIC_KEY, "alice", FINGERPRINT, before="APKA1"))
    assert change_lines(create)[0] == f"+ user alice: SSH public key {FINGERPRINT}"
    assert change_lines(delete)[0] == f"- user alice: SSH public key {FINGERPRINT} (APKA1)"


def test_a_users_keys_are_the_users_changes_for_target():
    key = Change(Action.CREATE, SSH_PUBLIC_KEY, "alice", FINGERPRINT)
    assert owner_of(key) == ("users", "alice")


def test_a_key_is_a_way_in_for_the_same_permissions():
    judge = access_of(SSH_PUBLIC_KEY)
    assert callable(judge)
    create = Change(Action.CREATE, SSH_PUBLIC_KEY, "alice", FINGERPRINT)
    assert judge(create) == (Impact.NEUTRAL, "")
    assert judge(Change(Action.DELETE, SSH_PUBLIC_KEY, "alice", FINGERPRINT)) == \
        (Impact.NARROWS, "")
    status = access_of(SSH_PUBLIC_KEY_STATUS)
    assert callable(status)
    assert status(Change(Action.UPDATE, SSH_PUBLIC_KEY_STATUS, "a", after="Inactive")) == \
        (Impact.NARROWS, "")


def test_a_saved_plan_keeps_the_changes_and_refuses_an_edited_key():
    create = Change(Action.CREATE, SSH_PUBLIC_KEY, "alice", FINGERPRINT,
                    after={"body": key_body(LAPTOP), "status": "Active"})
    plan = Plan("123456789012", None, (create,))
    data = plan_to_dict(plan)
    assert plan_from_dict(data) == plan
    edited = change_to_dict(create)
    edited["after"] = {"body": SHORT, "status": "Active"}
    data["changes"][0] = edited
    with pytest.raises(ValueError, match="1024-bit key"):
        plan_from_dict(data)
    edited["after"] = {"body": key_body(LAPTOP), "status": "Active", "extra": "x"}
    with pytest.raises(ValueError, match="expected the fields body, status"):
        plan_from_dict(data)


# Against the emulator.


def test_keys_apply_plan_in_sync_and_drift_is_caught(run_iamctl, server_iam, tmp_path):
    laptop, desktop, bobs = LAPTOP, new_key("alice@desktop"), new_key()
    server_iam.create_user(UserName="bob")
    server_iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=bobs)
    entries = (f"ssh_public_keys:\n  - user: alice\n    key: {laptop}\n"
               f"  - user: alice\n    key: {desktop}\n    status: Inactive\n")
    path = keys_file(tmp_path, entries, users="[alice, bob]")
    applied = run_iamctl("apply", path, "--yes")
    assert applied.code == 0, applied.stderr
    assert f"+ user alice: SSH public key {FINGERPRINT}" in applied.stdout
    assert statuses(server_iam, "alice") == {key_body(laptop): "Active",
                                             key_body(desktop): "Inactive"}
    assert_in_sync(run_iamctl, path)
    # Out of band: a third key for alice, the desktop key made active. Bob is not named: his
    # key is neither read nor touched.
    server_iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=new_key())
    desktop_id = key_id(server_iam, "alice", desktop)
    server_iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=desktop_id, Status="Active")
    drift = run_iamctl("plan", path, "--detailed-exitcode")
    assert drift.code == 2, drift.stderr
    assert "0 SAML providers, 3 SSH public keys in" in drift.stderr  # alice's: bob's not read
    assert "- user alice: SSH public key SHA256:" in drift.stdout
    assert f"~ user alice: SSH public key {fingerprint(key_body(desktop))} ({desktop_id}): " \
           "Active -> Inactive" in drift.stdout
    assert run_iamctl("apply", path, "--yes").code == 0
    assert statuses(server_iam, "alice") == {key_body(laptop): "Active",
                                             key_body(desktop): "Inactive"}
    assert statuses(server_iam, "bob") == {key_body(bobs): "Active"}
    assert_in_sync(run_iamctl, path)


def test_the_section_absent_leaves_every_key_alone(run_iamctl, server_iam, tmp_path):
    server_iam.create_user(UserName="alice")
    server_iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=LAPTOP)
    path = keys_file(tmp_path, "", users="[alice]")
    assert_in_sync(run_iamctl, path)
    # Not managed, so not counted either.
    assert "SSH public key" not in run_iamctl("plan", path).stderr


def test_the_apply_role_allows_every_call_of_plan_and_apply(moto_iam, tmp_path):
    aws = Aws(boto3.Session(region_name="us-east-1"))
    recorder = Recorder(aws)
    moto_iam.create_user(UserName="alice")
    moto_iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=new_key())
    entries = (f"ssh_public_keys:\n  - user: alice\n    key: {LAPTOP}\n"
               f"  - user: alice\n    key: {new_key()}\n    status: Inactive\n")
    (config,) = load([keys_file(tmp_path, entries, users="[alice]")])
    recorder.phase = "plan"
    planned = plan_account(config, aws)
    recorder.phase = "apply"
    apply_account(planned, SecretsSink(tmp_path, planned.plan.sign_in_url), lambda change: None)
    called = recorder.operations("plan") | recorder.operations("apply")
    assert {"GetSSHPublicKey", "UploadSSHPublicKey", "UpdateSSHPublicKey",
            "DeleteSSHPublicKey"} <= called
    assert apply_role_allows(called) == []
    # The declaration names the calls no built-in kind makes, for self-lockout's list.
    assert {"iam:GetSSHPublicKey", "iam:UploadSSHPublicKey", "iam:UpdateSSHPublicKey"} == \
        set(KIND.iam_actions) <= {f"iam:{name}" for name in called}


def statuses(iam: Any, user: str) -> dict[str, str]:
    found = {}
    for listed in iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]:
        body = iam.get_ssh_public_key(UserName=user, SSHPublicKeyId=listed["SSHPublicKeyId"],
                                      Encoding="SSH")["SSHPublicKey"]["SSHPublicKeyBody"]
        found[key_body(body)] = listed["Status"]
    return found


def key_id(iam: Any, user: str, written: str) -> str:
    found: str = next(
        listed["SSHPublicKeyId"]
        for listed in iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]
        if key_body(iam.get_ssh_public_key(
            UserName=user, SSHPublicKeyId=listed["SSHPublicKeyId"],
            Encoding="SSH")["SSHPublicKey"]["SSHPublicKeyBody"]) == key_body(written))
    return found
