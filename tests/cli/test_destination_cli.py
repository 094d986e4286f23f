"""Where new credentials go, through the real CLI against the moto server: `plan` takes
apply's delivery options and names each new secret's destination in every form, and
`apply --plan` delivers there or refuses before any change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyrage import x25519

from tests.accounts import OTHER, SECRET_ARN, THIRD, files_reaching_by_role
from tests.files import write_account
from tests.iamctl_runs import RunIamctl
from tests.markdown_checks import assert_inert, fences, tokens

ACCOUNT = "123456789012"


def recipient() -> str:
    return str(x25519.Identity.generate().to_public())


def account_file(tmp_path: Path, deliver_to: str | None = None) -> Path:
    line = f"\n    deliver_to: {deliver_to}" if deliver_to else ""
    return Path(write_account(tmp_path, f"users:\n  - name: bob\n    access_keys: 1{line}\n"))


def users(server_iam: Any) -> list[str]:
    return [user["UserName"] for user in server_iam.list_users()["Users"]]


def test_plan_names_the_recipient_beside_the_new_key_in_every_form(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    key = recipient()
    path = str(account_file(tmp_path, key))
    where = f"encrypted to age recipient {key} (a file in the secrets directory)"

    text = run_iamctl("plan", path)
    assert text.code == 0, text.stderr
    assert f"  + user bob: access key, delivered {where}\n" in text.stdout

    as_json = run_iamctl("plan", path, "--json")
    [new_key] = [c for c in json.loads(as_json.stdout)["changes"] if c["kind"] == "access_key"]
    assert new_key["destination"] == {"to": "age", "recipient": key, "directory": None}

    markdown = run_iamctl("plan", path, "--markdown")
    assert_inert(markdown.stdout)
    spans = [t.content for t in tokens(markdown.stdout) if t.type == "code_inline"]
    assert where in spans
    (block,) = fences(markdown.stdout)
    assert f"+ user bob: access key, delivered {where}" in block.content


def test_plan_takes_apply_s_delivery_options(run_iamctl: RunIamctl, tmp_path: Path) -> None:
    path = str(account_file(tmp_path, recipient()))
    by_secret = run_iamctl("plan", path, "--secrets-to", "secretsmanager")
    assert by_secret.code == 0, by_secret.stderr
    assert ("+ user bob: access key, delivered to AWS Secrets Manager secret "
            f"iamctl/credentials/bob (account {ACCOUNT}, region us-east-1)") in by_secret.stdout

    to_dir = run_iamctl("plan", str(account_file(tmp_path)), "--secrets-dir", "out/s")
    assert "+ user bob: access key, delivered as a plain CSV file to secrets directory out/s" in (
        to_dir.stdout)

    both = run_iamctl("plan", path, "--secrets-to", "secretsmanager", "--secrets-dir", "s")
    assert both.code == 1
    assert "--secrets-dir and --secrets-to secretsmanager exclude each other" in both.stderr


def test_apply_of_a_saved_plan_told_to_deliver_elsewhere_refuses_before_any_change(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    path = str(account_file(tmp_path, recipient()))
    saved = str(tmp_path / "plan.json")
    made = run_iamctl("plan", path, "--secrets-to", "secretsmanager", "--out", saved)
    assert made.code == 0, made.stderr

    result = run_iamctl("apply", path, "--plan", saved, "--yes", "--secrets-dir",
                        str(tmp_path / "s"))

    assert result.code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"error: {saved}: the plan delivers the new access key of user bob "
                            "to AWS Secrets Manager secret iamctl/credentials/bob")
    assert error.endswith("nothing was changed")
    assert "Traceback" not in result.stderr
    assert users(server_iam) == []
    assert not (tmp_path / "s").exists()


def test_a_saved_plan_edited_to_another_recipient_delivers_nowhere(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    owner, attacker = recipient(), recipient()
    path = str(account_file(tmp_path, owner))
    saved = tmp_path / "plan.json"
    assert run_iamctl("plan", path, "--secrets-dir", "s", "--out", str(saved)).code == 0
    data = json.loads(saved.read_text())
    for change in data["changes"]:
        if change["destination"]:
            change["destination"]["recipient"] = attacker
    saved.write_text(json.dumps(data))

    result = run_iamctl("apply", path, "--plan", str(saved), "--yes", "--secrets-dir", "s",
                        cwd=tmp_path)

    assert result.code == 1
    assert f"the plan delivers the new access key of user bob encrypted to age recipient " \
           f"{attacker}" in result.stderr
    assert users(server_iam) == []
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("plan_dir", [None, "s"])
def test_apply_of_a_saved_plan_delivers_where_the_plan_said(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path, plan_dir: str | None
) -> None:
    key = recipient()
    path = str(account_file(tmp_path, key))
    saved = str(tmp_path / "plan.json")
    where = ["--secrets-dir", plan_dir] if plan_dir else []
    assert run_iamctl("plan", path, *where, "--out", saved, cwd=tmp_path).code == 0

    result = run_iamctl("apply", path, "--plan", saved, "--yes", "--secrets-dir", "s",
                        cwd=tmp_path)

    assert result.code == 0, result.stderr
    # Apply names the directory it was given, which the plan either named too or left open.
    assert (f"done: + user bob: access key, delivered encrypted to age recipient {key} "
            "(a file in secrets directory s)") in result.stdout
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["bob_credentials.csv.age"]
    assert users(server_iam) == ["bob"]


def test_the_secret_a_plan_names_is_where_apply_puts_it_in_each_account(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    # Accounts reached through roles: the plan names each user's secret in the account of the
    # user (and the region of its clients), which is where apply stores it.
    body = "users:\n  - name: alice\n    access_keys: 1\n"
    files_reaching_by_role(tmp_path / "accounts", body, OTHER, THIRD)
    options = ["--secrets-to", "secretsmanager"]
    planned = run_iamctl("plan", str(tmp_path / "accounts"), *options, "--json")
    assert planned.code == 0, planned.stderr
    named = {
        entry["account"]["id"]: change["destination"]
        for entry in json.loads(planned.stdout)["accounts"]
        for change in entry["changes"] if change["destination"]
    }
    assert named == {
        account: {"to": "secretsmanager", "secret": "iamctl/credentials/alice",
                  "account": account, "region": "us-east-1"}
        for account in (OTHER, THIRD)
    }
    applied = run_iamctl("apply", str(tmp_path / "accounts"), *options, "--yes")
    assert applied.code == 0, applied.stderr
    stored = {account: arn for arn, account in SECRET_ARN.findall(applied.stdout)}
    for account, where in named.items():
        assert stored[account].startswith(
            f"arn:aws:secretsmanager:{where['region']}:{where['account']}:secret:{where['secret']}-")
