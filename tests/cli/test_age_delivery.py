"""Delivery to a person: new credentials encrypted to the user's age key, through the real CLI."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path
from typing import Any

import pyrage
import pytest
from pyrage import x25519

from tests.iamctl_runs import RunIamctl

ACCOUNT = "123456789012"


def config(tmp_path: Path, recipient: str) -> Path:
    path = tmp_path / "account.yaml"
    path.write_text(f"""\
version: 1
account:
  id: "{ACCOUNT}"
users:
  - name: ci-bot
    access_keys: 1
    console: true
    deliver_to: {recipient}
  - name: plain
    access_keys: 1
""")
    return path


def test_credentials_reach_only_the_recipient(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    identity = x25519.Identity.generate()
    secrets = tmp_path / "secrets"
    result = run_iamctl("apply", str(config(tmp_path, str(identity.to_public()))), "--yes",
                        "--secrets-dir", str(secrets))
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in secrets.iterdir()) == [
        "ci-bot_credentials.csv.age", "plain_credentials.csv"]
    encrypted = secrets / "ci-bot_credentials.csv.age"
    assert stat.S_IMODE(encrypted.stat().st_mode) == 0o600
    assert f"New credentials for user ci-bot: {encrypted}" in result.stdout
    rows = list(csv.DictReader(io.StringIO(
        pyrage.decrypt(encrypted.read_bytes(), [identity]).decode())))
    [key] = server_iam.list_access_keys(UserName="ci-bot")["AccessKeyMetadata"]
    assert len(rows) == 1 and rows[0]["Access key ID"] == key["AccessKeyId"]
    secret, password = rows[0]["Secret access key"], rows[0]["Password"]
    assert len(secret) == 40 and len(password) >= 24
    for clear in (secret, password):
        assert clear not in result.stdout + result.stderr
        for file in tmp_path.rglob("*"):
            assert not file.is_file() or clear.encode() not in file.read_bytes(), file


@pytest.mark.parametrize("earlier", ["a file", "a link"])
def test_an_earlier_encrypted_file_or_a_link_is_refused_before_any_change(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path, earlier: str
) -> None:
    """iamctl cannot merge into a file it cannot decrypt: it is never overwritten; a link there
    (even one pointing nowhere) is never followed nor replaced."""
    recipient = str(x25519.Identity.generate().to_public())
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    target, elsewhere = secrets / "ci-bot_credentials.csv.age", tmp_path / "elsewhere"
    if earlier == "a file":
        target.write_bytes(b"earlier")
    else:
        target.symlink_to(elsewhere)
    result = run_iamctl("apply", str(config(tmp_path, recipient)), "--yes",
                        "--secrets-dir", str(secrets))
    assert result.code == 1
    assert "ci-bot_credentials.csv.age exists" in result.stderr
    assert "nothing was changed" in result.stderr
    assert server_iam.list_users()["Users"] == []
    assert not elsewhere.exists()
    assert target.is_symlink() or target.read_bytes() == b"earlier"


def test_a_bad_recipient_is_a_validate_error(run_iamctl: RunIamctl, tmp_path: Path) -> None:
    good = str(x25519.Identity.generate().to_public())
    broken = good[:-1] + ("q" if good[-1] != "q" else "p")  # right shape, wrong checksum
    for recipient, message in (
        ("ssh-ed25519", "invalid age recipient 'ssh-ed25519'"),
        (broken, "not a valid age public key"),
    ):
        result = run_iamctl("validate", str(config(tmp_path, recipient)))
        assert result.code == 1
        assert result.stderr.startswith(f"error: {tmp_path / 'account.yaml'}:8:17: "
                                        "users[0].deliver_to: "), result.stderr
        assert message in result.stderr
