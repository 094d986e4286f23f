"""New credentials that AWS made but iamctl could not deliver: they are deleted again.

In-process moto. The write fails after the first file was written (a full disk, at the file
boundary), or the secrets directory is taken away while apply runs (from a botocore hook, right
after AWS answered CreateAccessKey). The command itself runs in-process (`cli.main`) where its
report is what is checked.
"""

from __future__ import annotations

import csv
import errno
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from reconciler.aws.client import Aws
from reconciler.cli import main
from reconciler.config.desired import load
from reconciler.core.errors import ApplyError, AwsError
from reconciler.delivery import private_files
from reconciler.delivery.credentials import CSV_HEADER, SecretsSink
from reconciler.engine.run import apply_account, plan_account
from tests.files import write_account

ACCOUNT_FILE = """\
version: 1
account:
  id: "123456789012"
  alias: acme-sandbox
users:
  - name: alice
    console: true
    access_keys: 1
  - name: bob
    access_keys: 1
"""
SIGN_IN = "https://acme-sandbox.signin.aws.amazon.com/console"


@pytest.fixture
def iam(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr("moto.iam.models.PARTITION_NAMES", ["aws"], raising=False)
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def account_file(tmp_path: Path) -> str:
    return write_account(tmp_path, ACCOUNT_FILE)


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    return tmp_path / "secrets"


def disk_full_after(monkeypatch: pytest.MonkeyPatch, writes: int) -> list[Path]:
    """Every write of a credentials file after the first `writes` fails as on a full disk."""
    real = private_files.write_private_file
    written: list[Path] = []

    def write(path: Path, data: bytes) -> None:
        if len(written) >= writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)
        written.append(path)

    monkeypatch.setattr(private_files, "write_private_file", write)
    return written


def iamctl(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def apply_cli(capsys: pytest.CaptureFixture[str], path: str, secrets: Path) -> tuple[int, str, str]:
    return iamctl(
        capsys, "apply", path, "--yes", "--secrets-dir", str(secrets), "--parallelism", "1"
    )


def keys_of(iam: Any, user: str) -> list[str]:
    return [key["AccessKeyId"] for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]


def has_login_profile(iam: Any, user: str) -> bool:
    try:
        iam.get_login_profile(UserName=user)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_key_that_cannot_be_delivered_is_deleted_and_the_report_says_so(
    iam, account_file, secrets, capsys
):
    with pytest.MonkeyPatch.context() as disk:
        written = disk_full_after(disk, writes=1)  # alice's password gets through
        code, out, err = apply_cli(capsys, account_file, secrets)

    assert code == 1
    assert [path.name for path in written] == ["alice_credentials.csv"]
    assert keys_of(iam, "alice") == []  # created, then deleted again
    assert has_login_profile(iam, "alice")  # delivered, so kept
    failed = next(line for line in err.splitlines() if "failed:" in line)
    assert "+ user alice: access key" in failed
    assert "could not deliver the new access key of user alice" in failed
    assert "No space left on device" in failed
    assert "deleted access key AKIA" in failed
    assert "again, so no key exists without its secret" in failed
    # Only the file written in this run is named; bob's was never written.
    assert f"New credentials for user alice: {secrets / 'alice_credentials.csv'}" in out
    assert "New credentials for user bob" not in out
    assert not (secrets / "bob_credentials.csv").exists()
    assert [row["Access key ID"] for row in rows(secrets / "alice_credentials.csv")] == [""]

    # The next plan still wants the key: nothing claims that it exists.
    code, out, _ = iamctl(capsys, "plan", account_file)
    assert code == 0
    assert "+ user alice: access key" in out and "No changes" not in out

    code, out, err = apply_cli(capsys, account_file, secrets)  # the disk has room again
    assert code == 0, err
    delivered = [row["Access key ID"] for row in rows(secrets / "alice_credentials.csv")]
    assert delivered == keys_of(iam, "alice")
    assert iamctl(capsys, "plan", account_file, "--detailed-exitcode")[0] == 0


def test_a_password_that_cannot_be_delivered_is_deleted_and_the_report_says_so(
    iam, account_file, secrets, capsys, monkeypatch
):
    # alice's file from an earlier run: it exists, but this run writes nothing new to it.
    secrets.mkdir(mode=0o700)
    earlier = secrets / "alice_credentials.csv"
    earlier.write_text(",".join(CSV_HEADER) + "\nalice,old,,,https://old/console\n")
    earlier.chmod(0o600)
    disk_full_after(monkeypatch, writes=0)
    code, out, err = apply_cli(capsys, account_file, secrets)

    assert code == 1
    assert not has_login_profile(iam, "alice")
    assert keys_of(iam, "alice") == []  # never attempted
    failed = next(line for line in err.splitlines() if "failed:" in line)
    assert "could not deliver the new console password of user alice" in failed
    assert "deleted the console password of user alice again" in failed
    assert "New credentials" not in out
    assert [row["Password"] for row in rows(earlier)] == ["old"]

    code, out, _ = iamctl(capsys, "plan", account_file)
    assert "+ user alice: console password" in out


def take_directory_away(aws: Aws, directory: Path) -> None:
    """Right after AWS answers CreateAccessKey, the secrets directory becomes a plain file: a
    failure of the file system itself, whoever runs the test (root ignores permissions)."""

    def hook(**_: Any) -> None:
        if directory.is_dir():
            shutil.rmtree(directory)
            directory.write_text("not a directory any more\n")

    aws._iam.meta.events.register("after-call.iam.CreateAccessKey", hook)


def test_a_directory_gone_mid_apply_leaves_no_key_without_its_secret(iam, account_file, secrets):
    aws = Aws(boto3.Session(region_name="us-east-1"))
    (config,) = load([account_file])
    planned = plan_account(config, aws)
    take_directory_away(aws, secrets)
    sink = SecretsSink(secrets, planned.plan.sign_in_url)

    with pytest.raises(ApplyError) as raised:
        apply_account(planned, sink, lambda change: None, parallelism=1)

    message = str(raised.value.error)
    assert "could not deliver the new access key of user" in message
    assert "so no key exists without its secret" in message
    users = [user["UserName"] for user in iam.list_users()["Users"]]
    assert users and all(keys_of(iam, user) == [] for user in users)
    assert sink.written == {"alice": secrets / "alice_credentials.csv"}  # the password, before


def test_a_key_that_cannot_be_delivered_nor_deleted_says_how_to_delete_it(
    iam, account_file, secrets, monkeypatch
):
    aws = Aws(boto3.Session(region_name="us-east-1"))
    (config,) = load([account_file])
    planned = plan_account(config, aws)
    disk_full_after(monkeypatch, writes=1)
    real = aws.iam

    def no_delete(operation: str, doing: str, retry_not_found: bool = False, **params: Any) -> Any:
        if operation == "delete_access_key":
            raise AwsError(doing, "DeleteAccessKey", "AccessDenied", "not allowed")
        return real(operation, doing, retry_not_found, **params)

    monkeypatch.setattr(aws, "iam", no_delete)
    sink = SecretsSink(secrets, planned.plan.sign_in_url)
    with pytest.raises(ApplyError) as raised:
        apply_account(planned, sink, lambda change: None, parallelism=1)

    (key,) = keys_of(iam, "alice")
    message = str(raised.value.error)
    assert "could not deliver the new access key of user alice" in message
    assert "AccessDenied" in message
    assert f"aws iam delete-access-key --user-name alice --access-key-id {key}" in message


def record_calls(aws: Aws) -> list[str]:
    calls: list[str] = []
    aws._iam.meta.events.register(
        "before-call.iam", lambda model, **_: calls.append(model.name)
    )
    return calls


def test_the_alias_is_set_before_any_credential_is_made(iam, account_file, secrets):
    aws = Aws(boto3.Session(region_name="us-east-1"))
    (config,) = load([account_file])
    planned = plan_account(config, aws)
    calls = record_calls(aws)
    apply_account(planned, SecretsSink(secrets, planned.plan.sign_in_url), lambda change: None)

    alias = calls.index("CreateAccountAlias")
    assert alias < calls.index("CreateLoginProfile") and alias < calls.index("CreateAccessKey")
    assert alias < calls.index("CreateUser")
    for name in ("alice", "bob"):
        assert {row["Console login link"] for row in rows(secrets / f"{name}_credentials.csv")} == {
            SIGN_IN
        }


def test_an_alias_that_cannot_be_set_stops_apply_before_any_credential(
    iam, account_file, secrets, monkeypatch
):
    aws = Aws(boto3.Session(region_name="us-east-1"))
    (config,) = load([account_file])
    planned = plan_account(config, aws)
    real = aws.iam

    def taken(operation: str, doing: str, retry_not_found: bool = False, **params: Any) -> Any:
        if operation == "create_account_alias":
            raise AwsError(doing, "CreateAccountAlias", "AccessDenied", "not allowed")
        return real(operation, doing, retry_not_found, **params)

    monkeypatch.setattr(aws, "iam", taken)
    with pytest.raises(ApplyError) as raised:
        apply_account(planned, SecretsSink(secrets, planned.plan.sign_in_url), lambda c: None)
    assert raised.value.failed == "~ account alias: (none) -> acme-sandbox"
    assert raised.value.done == []
    assert iam.list_users()["Users"] == []
    assert not secrets.exists() or list(secrets.iterdir()) == []
