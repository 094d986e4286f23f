"""The credential lifecycle as a user runs it, over simulated weeks: the CLI in-process against
in-process moto, whose key objects are backdated through its backend between runs (the moto
server runs in another process, out of reach of that)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends

from reconciler.cli import cli

ROTATING = f"""\
version: 1
account:
  id: "{DEFAULT_ACCOUNT_ID}"
users:
  - name: ci-bot
    access_keys: {{count: 1, rotate_after_days: 90, overlap_days: 7}}
"""

Iamctl = Callable[..., Any]


@pytest.fixture
def iamctl(moto_iam: Any, tmp_path: Path) -> Iamctl:
    """Runs `iamctl ARGS...` in this process (so moto's backend stays reachable)."""

    def run(*args: str) -> Any:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return run


def backend() -> Any:
    return iam_backends[DEFAULT_ACCOUNT_ID]["global"]


def pass_days(days: int) -> None:
    """Time passes for the keys: moto dates them at creation and never ages them itself."""
    for user in backend().users.values():
        for key in user.access_keys:
            key.create_date -= timedelta(days=days)


def keys_of(iam: Any, user: str) -> list[tuple[str, str]]:
    listed = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return [(k["AccessKeyId"], k["Status"]) for k in sorted(listed, key=lambda k: k["CreateDate"])]


def plan_body(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith("  ")]


def test_rotation_over_simulated_weeks(iamctl: Iamctl, moto_iam: Any, tmp_path: Path) -> None:
    config = tmp_path / "account.yaml"
    config.write_text(ROTATING)
    secrets = str(tmp_path / "secrets")
    iamctl("apply", str(config), "--yes", "--secrets-dir", secrets)
    [(first, _)] = keys_of(moto_iam, "ci-bot")
    timeline: dict[int, list[str]] = {}
    for week in range(1, 17):
        pass_days(7)
        # apply prints the plan it carries out, as `plan` would.
        applied = iamctl("apply", str(config), "--yes", "--secrets-dir", secrets).output
        timeline[week] = [line for line in plan_body(applied) if not line.startswith("done:")]
        keys = keys_of(moto_iam, "ci-bot")
        assert 1 <= len(keys) <= 2
        assert any(status == "Active" for _, status in keys), f"week {week}: no active key"
    # Week 13: the key is 91 days old. Week 14: the new key is 7 days old. Week 15: 14 days.
    assert all(timeline[week] == [] for week in range(1, 13))
    assert timeline[13] == [
        f"+ user ci-bot: access key (rotation: {first} is 91 days old; it is deactivated from "
        f"{day(7)}, deleted from {day(14)}), delivered as a plain CSV file to secrets "
        f"directory {secrets}"
    ]
    [second] = [key for key, _ in keys_of(moto_iam, "ci-bot") if key != first]
    assert timeline[14] == [
        f"~ user ci-bot: access key {first}: Active -> Inactive (rotation: new key {second} is "
        f"7 days old; {first} is deleted from {day(7)})"
    ]
    assert timeline[15] == [
        f"- user ci-bot: access key {first} (rotation: new key {second} is 14 days old)"
    ]
    assert timeline[16] == []
    assert keys_of(moto_iam, "ci-bot") == [(second, "Active")]


def day(offset: int) -> str:
    """Today plus `offset` days: the CLI dates steps from the real clock."""
    from datetime import datetime, timezone

    return (datetime.now(timezone.utc) + timedelta(days=offset)).date().isoformat()


UNUSED = f"""\
version: 1
account:
  id: "{DEFAULT_ACCOUNT_ID}"
  unused_credentials: {{disable_after_days: 45}}
users:
  - name: bob
    access_keys: 1
  - name: carol
"""


def used(user: str, days_ago: int) -> None:
    """Marks the user's keys last used `days_ago` (moto never records use itself)."""
    from datetime import datetime, timezone

    from moto.iam.models import AccessKeyLastUsed

    when = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days_ago)
    for key in backend().users[user].access_keys:
        key.last_used = AccessKeyLastUsed(when, "s3", "us-east-1")


def test_unused_key_and_password_are_disabled(iamctl: Iamctl, moto_iam: Any,
                                              tmp_path: Path) -> None:
    config = tmp_path / "account.yaml"
    config.write_text(UNUSED)
    for name in ("bob", "carol"):
        moto_iam.create_user(UserName=name)
    bob_key = moto_iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    moto_iam.create_login_profile(UserName="carol", Password="Initial-Passw0rd!")
    used("bob", 50)
    backend().users["carol"].password_last_used = (
        backend().users["carol"].create_date - timedelta(days=60)
    )
    out = iamctl("apply", str(config), "--yes").output
    shown = plan_body(out)
    assert any(
        line.startswith(f"~ user bob: access key {bob_key}: Active -> Inactive (unused: last used ")
        and line.endswith("(50 days ago))")
        for line in shown
    ), out
    assert any(line.startswith("- user carol: console password (login profile) (unused: last "
                               "used ") for line in shown), out
    assert keys_of(moto_iam, "bob") == [(bob_key, "Inactive")]
    assert backend().users["carol"].password is None
    # Converged: the inactive key counts toward access_keys: 1, no replacement is created.
    assert "No changes." in iamctl("plan", str(config)).output


def test_a_stale_report_is_confirmed_before_disabling(
    iamctl: Iamctl, moto_iam: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credential report can be hours old: a key it shows unused but that GetAccessKeyLastUsed
    shows used since is left alone."""
    from reconciler.aws import live

    config = tmp_path / "account.yaml"
    config.write_text(UNUSED)
    moto_iam.create_user(UserName="bob")
    moto_iam.create_user(UserName="carol")
    moto_iam.create_access_key(UserName="bob")
    used("bob", 50)
    # live's own name for it, which the patch below replaces
    stale = live.fetch_report(live_aws())  # type: ignore[attr-defined]
    monkeypatch.setattr(live, "fetch_report", lambda aws, **_: stale)
    used("bob", 1)
    assert "No changes." in iamctl("plan", str(config)).output
    assert [status for _, status in keys_of(moto_iam, "bob")] == ["Active"]


def live_aws() -> Any:
    import boto3

    from reconciler.aws.client import Aws

    return Aws(boto3.Session(region_name="us-east-1"))
