"""`export` and `mfa enroll` reach an account the way `plan` and `apply` do: the profile, the
endpoint, a role to assume, and the account guard, through the real `iamctl` against a moto
server. They read no file, so `--role-arn` and `--account` stand for `account.role_arn` and
`account.id`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.accounts import HOME, OTHER, ROLE_ARN, STRANGER, credentials_in, iam_in
from tests.files import write_account
from tests.terminal import on_terminal


def exported(path: Path) -> tuple[str, list[str]]:
    """The account id and user names of an exported file."""
    data = yaml.safe_load(path.read_text())
    return data["account"]["id"], [user["name"] for user in data.get("users", [])]


def mfa_devices(iam: Any, user: str) -> list[str]:
    return [device["SerialNumber"] for device in iam.list_mfa_devices(UserName=user)["MFADevices"]]


@pytest.mark.process
def test_export_and_mfa_enroll_assume_the_role_named(run_iamctl, server_url, tmp_path):
    other, home = iam_in(server_url, OTHER), iam_in(server_url, HOME)
    other.create_user(UserName="bob")
    out = tmp_path / "other.yaml"
    result = run_iamctl("export", "--role-arn", ROLE_ARN, "--account", OTHER, "--out", str(out))
    assert result.code == 0, result.stderr
    assert exported(out) == (OTHER, ["bob"])

    enroll = ["mfa", "enroll", "bob", "--role-arn", ROLE_ARN, "--account", OTHER]
    code, shown = on_terminal(server_url, enroll, iam=other)
    assert code == 0, shown
    assert len(mfa_devices(other, "bob")) == 1
    assert home.list_virtual_mfa_devices()["VirtualMFADevices"] == []


@pytest.mark.process
def test_export_and_mfa_enroll_use_the_profile_and_endpoint_options(
    run_iamctl, server_url, tmp_path
):
    # The profile's credentials act in the other account, the default ones in the home account:
    # `--account` passes only if the profile is used. No AWS_ENDPOINT_URL: only the option.
    other = iam_in(server_url, OTHER)
    other.create_user(UserName="bob")
    credentials = tmp_path / "credentials"
    keys = "\n".join(f"{k} = {v}" for k, v in credentials_in(server_url, OTHER).items())
    credentials.write_text(f"[other-admin]\n{keys}\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_ENDPOINT_URL": None}
    reach = ["--profile", "other-admin", "--endpoint-url", server_url, "--account", OTHER]

    out = tmp_path / "other.yaml"
    result = run_iamctl("export", *reach, "--out", str(out), env=env)
    assert result.code == 0, result.stderr
    assert exported(out) == (OTHER, ["bob"])

    code, shown = on_terminal(server_url, ["mfa", "enroll", "bob", *reach], env=env, iam=other)
    assert code == 0, shown
    assert len(mfa_devices(other, "bob")) == 1


@pytest.mark.parametrize("command", ["plan", "export", "mfa enroll"])
@pytest.mark.process
def test_every_command_refuses_an_account_the_credentials_do_not_reach(
    command, run_iamctl, server_url, server_iam, tmp_path
):
    server_iam.create_user(UserName="alice")
    stranger = write_account(
        tmp_path, "users:\n  - name: alice\n", "stranger.yaml", account=STRANGER
    )
    out = tmp_path / "exported.yaml"
    if command == "mfa enroll":
        code, shown = on_terminal(server_url, ["mfa", "enroll", "alice", "--account", STRANGER])
        stderr = shown.replace("\r\n", "\n")
    else:
        args = [str(stranger)] if command == "plan" else ["--account", STRANGER, "--out", str(out)]
        result = run_iamctl(command, *args)
        code, stderr = result.code, result.stderr
    declared = f"{stranger}: account.id" if command == "plan" else "--account"
    assert code == 1
    assert f"error: {declared} is {STRANGER} but the credentials reach account {HOME} (" in stderr
    assert stderr.rstrip().endswith("); refusing to continue"), stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert server_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert mfa_devices(server_iam, "alice") == []
