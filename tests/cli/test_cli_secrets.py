"""The real `iamctl` command and the secrets it delivers: where new credentials may go, and what
a saved plan is trusted for."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli_flows import TUTORIAL, apply_saved
from tests.files import private_dir, private_file, write_account


@pytest.fixture
def account_file(tmp_path: Path) -> Path:
    return Path(write_account(tmp_path, TUTORIAL))


# Credential delivery: every target is checked before any change.

CREDENTIALS_HEADER = "User name,Password,Access key ID,Secret access key,Console login link\n"
SIGN_IN = "https://acme-sandbox.signin.aws.amazon.com/console"


def a_directory(target: Path) -> str:
    target.mkdir()
    return "not a regular file"


def a_foreign_file(target: Path) -> str:
    private_file(target, "name,notes\nadmin,keep me\n")
    return "not an iamctl credentials file"


def a_symlink_to_a_credentials_file(target: Path) -> str:
    elsewhere = private_file(target.parent.parent / "elsewhere.csv", CREDENTIALS_HEADER)
    target.symlink_to(elsewhere)
    return "symbolic link"


def a_csv_that_is_not_utf8(target: Path) -> str:
    private_file(target, CREDENTIALS_HEADER.encode() + b"admin,\xff\xfe,,,\n")
    return "cannot be read"


def a_file_others_can_read(target: Path) -> str:
    private_file(target, CREDENTIALS_HEADER, mode=0o644)
    return "open to other users"


@pytest.mark.parametrize(
    "arrange",
    # One of each kind; tests/test_credentials.py has every case of the check itself.
    [
        a_directory,
        a_foreign_file,
        a_symlink_to_a_credentials_file,
        a_csv_that_is_not_utf8,
        a_file_others_can_read,
    ],
)
def test_a_credentials_file_that_cannot_be_written_is_refused_before_any_change(
    run_iamctl, server_iam, account_file, tmp_path, arrange
):
    secrets = private_dir(tmp_path / "secrets")
    target = secrets / "admin_credentials.csv"
    reason = arrange(target)
    before = target.lstat()
    content = os.readlink(target) if target.is_symlink() else None

    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert str(target) in errors[0] and reason in errors[0]
    assert "nothing was changed" in errors[0]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "New credentials" not in result.stdout
    assert server_iam.list_users()["Users"] == []
    assert server_iam.list_account_aliases()["AccountAliases"] == []
    after = target.lstat()
    assert (after.st_mode, after.st_uid, after.st_mtime_ns) == (
        before.st_mode, before.st_uid, before.st_mtime_ns,
    )
    if content is not None:
        assert os.readlink(target) == content


def test_an_existing_credentials_file_of_iamctl_gets_the_new_rows(
    run_iamctl, account_file, tmp_path
):
    secrets = private_dir(tmp_path / "secrets")
    earlier = "admin,old-pw,,,https://old.signin.aws.amazon.com/console\n"
    target = private_file(secrets / "admin_credentials.csv", CREDENTIALS_HEADER + earlier)
    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 0, result.stderr
    rows = list(csv.reader(target.open()))
    assert rows[1] == earlier.strip().split(",")
    assert [row[4] for row in rows[2:]] == [SIGN_IN]
    assert f"New credentials for user admin: {target}" in result.stdout


@pytest.mark.parametrize("mode", [0o755, 0o750])
def test_a_secrets_dir_open_to_others_is_refused_and_left_alone(
    run_iamctl, server_iam, account_file, tmp_path, mode
):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    secrets.chmod(mode)
    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert str(secrets) in errors[0] and f"{mode:04o}" in errors[0]
    assert stat.S_IMODE(secrets.stat().st_mode) == mode  # never chmod-ed
    assert server_iam.list_users()["Users"] == []


def test_a_secrets_dir_of_another_user_is_refused(run_iamctl, server_iam, account_file, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a directory to another user needs root")
    secrets = private_dir(tmp_path / "secrets")
    os.chown(secrets, 65534, 65534)
    result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    assert result.code == 1
    assert "owned by another user" in result.stderr and str(secrets) in result.stderr
    assert server_iam.list_users()["Users"] == []


def test_a_secrets_dir_iamctl_creates_is_private_whatever_the_umask(
    run_iamctl, account_file, tmp_path
):
    secrets = tmp_path / "new" / "secrets"
    umask = os.umask(0)  # the child inherits it: directories would be made 0777
    try:
        result = run_iamctl("apply", str(account_file), "--yes", "--secrets-dir", str(secrets))
    finally:
        os.umask(umask)
    assert result.code == 0, result.stderr
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert stat.S_IMODE(secrets.parent.stat().st_mode) == 0o700  # made by iamctl too
    assert stat.S_IMODE((secrets / "admin_credentials.csv").stat().st_mode) == 0o600


# Saved plans: only the changes and the fingerprints are taken from the file.


def test_a_saved_plan_cannot_choose_the_sign_in_url_or_hide_human_steps(
    run_iamctl, server_iam, account_file, tmp_path
):
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    data = json.loads(saved.read_text())
    data["account"]["alias"] = "evil.example.com/phish?x="
    data["human_steps"] = []
    saved.write_text(json.dumps(data))

    result = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert result.code == 0, result.stderr
    assert "evil" not in result.stdout + result.stderr
    assert "! user admin: MFA required" in result.stdout
    links = [row["Console login link"] for row in csv.DictReader(
        (tmp_path / "s" / "admin_credentials.csv").open()
    )]
    assert links == [SIGN_IN]
    assert server_iam.list_account_aliases()["AccountAliases"] == ["acme-sandbox"]


@pytest.mark.parametrize("moved", ["tag on an unmanaged user", "status of an unmanaged key"])
def test_a_saved_plan_is_refused_when_only_the_account_moved(
    run_iamctl, server_iam, account_file, tmp_path, moved
):
    server_iam.create_user(UserName="contractor")
    key = server_iam.create_access_key(UserName="contractor")["AccessKey"]["AccessKeyId"]
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", str(account_file), "--out", str(saved)).code == 0
    if moved == "tag on an unmanaged user":
        server_iam.tag_user(UserName="contractor", Tags=[{"Key": "team", "Value": "x"}])
    else:
        server_iam.update_access_key(UserName="contractor", AccessKeyId=key, Status="Inactive")
    # The account changed in a way the plan does not show: a fresh plan has the same changes.
    fresh = tmp_path / "fresh.json"
    assert run_iamctl("plan", str(account_file), "--out", str(fresh)).code == 0
    assert json.loads(fresh.read_text())["changes"] == json.loads(saved.read_text())["changes"]

    result = apply_saved(run_iamctl, account_file, saved, tmp_path)
    assert result.code == 1
    assert "plan is stale" in result.stderr
    assert "modified outside iamctl" in result.stderr
    assert [user["UserName"] for user in server_iam.list_users()["Users"]] == ["contractor"]
