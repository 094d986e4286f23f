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
from moto.core import DEFAULT_ACCOUNT_ID
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
        f"{day(7)}, deleted from {day(14)})"
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
