"""Several accounts in one run, through the real `iamctl` against a moto server.

moto keeps one IAM state per account. Its default credentials act in 123456789012; credentials
from `sts:AssumeRole` on a role ARN of another account act in that account (moto lets any role be
assumed unless its authorization checks are switched on, which one test does on purpose).
"""

from __future__ import annotations

import csv
import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.accounts import HOME, OTHER, ROLE_ARN, STRANGER, credentials_in, iam_in
from tests.files import write_account

LOST = "333333333333"  # its file names a profile that does not exist
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
DIFF_LINE = re.compile(r"^(\+|-|~|!|-/\+) \S|^      ")  # a change, a human step, or its detail


def home_file(directory: Path) -> str:
    body = """\
        users:
          - name: alice
            console: true
            access_keys: 1
            mfa: required
            policies: [ReadOnlyAccess]
        """
    return write_account(
        directory, body, "home.yaml", account=HOME, settings="alias: home-sandbox\n"
    )


def other_file(directory: Path, reach: str = f"role_arn: {ROLE_ARN}\n") -> str:
    body = """\
        users:
          - name: bob
            access_keys: 1
            policies: [AdministratorAccess]
        """
    return write_account(directory, body, "other.yaml", account=OTHER, settings=reach)






def user_names(iam: Any) -> list[str]:
    return sorted(user["UserName"] for user in iam.list_users()["Users"])


def attached(iam: Any, user: str) -> list[str]:
    policies = iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    return [policy["PolicyArn"] for policy in policies]


def secrets_in(directory: Path) -> list[str]:
    """Every password and secret access key delivered under `directory`."""
    values = []
    for path in directory.rglob("*.csv"):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                values += [row["Password"], row["Secret access key"]]
    return [value for value in values if value]


def sections(markdown: str) -> dict[str, str]:
    """The Markdown comment cut at each `### Account` heading, by account id."""
    parts = markdown.split("### Account `")[1:]
    return {part[:12]: part for part in parts}


def diff_blocks(markdown: str) -> list[list[str]]:
    return [block.splitlines() for block in re.findall(r"```diff\n(.*?)```", markdown, re.S)]


def test_two_accounts_one_by_role_plan_apply_converge(run_iamctl, server_url, tmp_path):
    folder = tmp_path / "accounts"
    home_file(folder)
    other_file(folder)
    # A second file for the home account: files with the same account.id are one account.
    write_account(folder, "users:\n  - name: carol\n", "home-more.yaml", account=HOME)
    secrets = tmp_path / "secrets"

    planned = run_iamctl("plan", str(folder), "--detailed-exitcode")
    assert planned.code == 2, planned.stderr  # changes in both (and a human step in one)
    headers = re.findall(r"^Account (\d{12})", planned.stdout, re.M)
    assert headers == [HOME, OTHER]
    home_part, other_part = planned.stdout.split(f"Account {OTHER}")
    assert "+ user alice" in home_part and "+ user carol" in home_part
    assert "bob" not in home_part
    assert "+ user bob: attach AdministratorAccess" in other_part
    assert "alice" not in other_part and "carol" not in other_part
    assert "Plan: 5 to add, 1 to change, 0 to destroy, 1 human step" in home_part
    assert "Plan: 3 to add, 0 to change, 0 to destroy, 0 human steps" in other_part
    assert "Total for 2 accounts: 8 to add, 1 to change, 0 to destroy, 1 human step;" in (
        planned.stdout
    )

    applied = run_iamctl("apply", str(folder), "--yes", "--secrets-dir", str(secrets))
    assert applied.code == 0, applied.stderr
    assert f"Apply complete for account {HOME}" in applied.stdout
    assert f"Apply complete for account {OTHER}" in applied.stdout
    home, other = iam_in(server_url, HOME), iam_in(server_url, OTHER)
    assert user_names(home) == ["alice", "carol"]
    assert attached(home, "alice") == [READ_ONLY_ARN]
    assert home.list_account_aliases()["AccountAliases"] == ["home-sandbox"]
    assert user_names(other) == ["bob"]
    assert attached(other, "bob") == [ADMIN_ARN]
    assert other.list_account_aliases()["AccountAliases"] == []
    # Each account's new credentials go to its own folder.
    assert (secrets / HOME / "alice_credentials.csv").exists()
    assert (secrets / OTHER / "bob_credentials.csv").exists()
    delivered = secrets_in(secrets)
    assert len(delivered) == 3  # alice's password and key, bob's key

    again = run_iamctl("plan", str(folder), "--json", "--detailed-exitcode")
    assert again.code == 3, again.stdout  # alice's MFA is the most severe thing left
    document = json.loads(again.stdout)
    assert [entry["changes"] for entry in document["accounts"]] == [[], []]
    assert document["summary"] == {
        "add": 0, "change": 0, "destroy": 0, "human": 1, "broadening": 0, "escalation": 0,
        "unknown": 0, "principals_gaining_access": 0}
    markdown = run_iamctl("plan", str(folder), "--account", OTHER, "--markdown")
    assert markdown.code == 0, markdown.stderr
    assert sections(markdown.stdout).keys() == {OTHER}
    assert "No changes." in markdown.stdout
    for output in (applied, again, markdown):
        for secret in delivered:
            assert secret not in output.stdout + output.stderr

    in_sync = run_iamctl("plan", str(folder), "--account", OTHER, "--detailed-exitcode")
    assert in_sync.code == 0, in_sync.stdout
    assert HOME not in in_sync.stdout + in_sync.stderr


def test_unknown_account_filter_is_an_error_before_reading_aws(run_iamctl, tmp_path):
    home_file(tmp_path)
    other_file(tmp_path)
    result = run_iamctl("plan", str(tmp_path), "--account", "999999999999")
    assert result.code == 1
    assert "999999999999" in result.stderr
    assert HOME in result.stderr and OTHER in result.stderr  # the accounts the files declare
    assert "read " not in result.stderr  # no account was read
    assert result.stdout == ""


def test_markdown_comment_for_two_accounts(run_iamctl, server_url, server_iam, tmp_path):
    # Hand-made drift in the home account: carol has a policy the file does not give her.
    server_iam.create_user(UserName="carol")
    server_iam.attach_user_policy(UserName="carol", PolicyArn=READ_ONLY_ARN)
    many = "".join(f"  - name: user{index:02}\n" for index in range(60))
    body = "users:\n  - name: carol\n  - name: dave\n    mfa: required\n" + many
    folder = tmp_path / "accounts"
    write_account(folder, body, "home.yaml", account=HOME, settings="alias: home-sandbox\n")
    # The other account through a named profile: its credentials act there, the default ones
    # do not, so the guard passes only if the profile is used. No credentials in the
    # environment: they would win over the file's profile.
    other_file(folder, reach="profile: other-admin\n")
    profile = "\n".join(f"{k} = {v}" for k, v in credentials_in(server_url, OTHER).items())
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(
        f"[other-admin]\n{profile}\n"
        "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )

    result = run_iamctl(
        "plan",
        str(folder),
        "--markdown",
        "--detailed-exitcode",
        env={"AWS_SHARED_CREDENTIALS_FILE": str(credentials_file), "AWS_ACCESS_KEY_ID": None,
             "AWS_SECRET_ACCESS_KEY": None},
    )
    assert result.code == 2, result.stderr
    assert result.stdout.startswith("<!-- iamctl-plan -->\n")
    by_account = sections(result.stdout)
    assert list(by_account) == [HOME, OTHER]
    home, other = by_account[HOME], by_account[OTHER]
    assert "**Plan: 61 to add, 1 to change, 1 to destroy, 1 human step" in home
    assert "**Plan: 3 to add, 0 to change, 0 to destroy, 0 human steps" in other
    (home_block,) = diff_blocks(home)
    (other_block,) = diff_blocks(other)
    for line in home_block + other_block:
        assert DIFF_LINE.match(line), line
    assert {line[0] for line in home_block} == {"+", "-", "~", "!"}
    assert "- user carol: detach ReadOnlyAccess" in home_block
    # The long plan is folded; the short one is not.
    assert "<details>" in home and home.index("<details>") < home.index("```diff")
    assert "<details>" not in other
    assert "**Human steps**" in home and "- `` user dave: MFA required" in home
    assert "**Human steps**" not in other
    assert "warning: CIS" in other  # AdministratorAccess attached directly to bob
    assert "Total for 2 accounts: 64 to add, 1 to change, 1 to destroy, 1 human step;" in other


@dataclass
class Enforcement:
    """moto checking every request against the caller's IAM policies, for one test."""

    server_url: str
    env: dict[str, str]

    def stop(self) -> None:
        set_moto_authorization(self.server_url, "inf")


def set_moto_authorization(server_url: str, free_requests: str) -> None:
    """moto authorizes every request after `free_requests` ("inf": never; "0": at once)."""
    request = urllib.request.Request(
        f"{server_url}/moto-api/reset-auth",
        data=free_requests.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},  # else the body is read as a form, and lost
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def operator_without_assume_role(server_url: str, server_iam: Any) -> Iterator[Enforcement]:
    """Credentials of an IAM user that may manage IAM but not assume roles, with moto enforcing."""
    server_iam.create_user(UserName="operator")
    allow_iam = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["iam:*", "sts:GetCallerIdentity"], "Resource": "*"}
        ],
    }
    server_iam.put_user_policy(
        UserName="operator", PolicyName="iam-only", PolicyDocument=json.dumps(allow_iam)
    )
    key = server_iam.create_access_key(UserName="operator")["AccessKey"]
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    enforcement = Enforcement(server_url, env)
    set_moto_authorization(server_url, "0")
    try:
        yield enforcement
    finally:
        enforcement.stop()  # the server outlives this test


def test_one_account_failing_does_not_stop_the_others(
    run_iamctl, server_url, tmp_path, operator_without_assume_role
):
    enforced = operator_without_assume_role
    files = [
        str(home_file(tmp_path)),
        str(other_file(tmp_path)),  # AssumeRole is denied to the operator
        # The credentials reach the home account, not this one: the guard refuses it.
        write_account(tmp_path, "users:\n  - name: mallory\n", "stranger.yaml", account=STRANGER),
        write_account(
            tmp_path, "users: []\n", "lost.yaml", account=LOST,
            settings="profile: no-such-profile\n",
        ),
    ]

    markdown = run_iamctl("plan", *files, "--markdown", "--detailed-exitcode", env=enforced.env)
    assert markdown.code == 1, markdown.stderr
    by_account = sections(markdown.stdout)
    assert list(by_account) == [HOME, OTHER, STRANGER, LOST]
    assert "+ user alice" in by_account[HOME]
    assert "AccessDenied" in by_account[OTHER] and ROLE_ARN in by_account[OTHER]
    assert "refusing to continue" in by_account[STRANGER]
    # The environment's credentials win over the file's profile (no-such-profile): they reach
    # the home account, and the guard refuses.
    assert "refusing to continue" in by_account[LOST]
    assert "3 account(s) failed to plan" in markdown.stdout

    saved = tmp_path / "plan.json"
    as_json = run_iamctl("plan", *files, "--json", "--out", str(saved), env=enforced.env)
    assert as_json.code == 1
    document = json.loads(as_json.stdout)
    entries = {entry["account"]["id"]: entry for entry in document["accounts"]}
    assert "error" not in entries[HOME]
    assert entries[HOME]["summary"] == {
        "add": 4, "change": 1, "destroy": 0, "human": 1, "broadening": 1, "escalation": 0,
        "unknown": 0, "principals_gaining_access": 0}
    assert document["summary"] == entries[HOME]["summary"]  # failed accounts add nothing
    assert "AccessDenied" in entries[OTHER]["error"] and "changes" not in entries[OTHER]
    assert HOME in entries[STRANGER]["error"] and "changes" not in entries[STRANGER]
    assert "refusing to continue" in entries[LOST]["error"]

    # An account whose own plan failed is never applied; the others are.
    applied = run_iamctl(
        "apply", *files, "--yes", "--secrets-dir", str(tmp_path / "s"), env=enforced.env
    )
    assert applied.code == 1
    assert "+ user alice" in applied.stdout
    assert f"Apply complete for account {HOME}" in applied.stdout
    assert f"error: account {OTHER}: " in applied.stderr and "AccessDenied" in applied.stderr
    assert f"error: account {STRANGER}: " in applied.stderr
    enforced.stop()
    assert user_names(iam_in(server_url, HOME)) == ["alice", "operator"]  # never mallory
    assert user_names(iam_in(server_url, OTHER)) == []

    # A plan with a failed account is not saved: it could not be applied as a whole.
    assert "not saving" in as_json.stderr
    assert not saved.exists()
