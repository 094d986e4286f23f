"""A saved plan on its own, as Terraform users expect: `apply PLANFILE` (no files named, no
question asked, every check of `apply --plan` kept) and `show PLANFILE`, through the real
`iamctl` against a moto server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.accounts import OTHER, ROLE_ARN, iam_in
from tests.files import write_account

BODY = """\
users:
  - name: alice
    tags: {team: a}
groups:
  - name: devs
"""


@pytest.fixture
def saved(run_iamctl, tmp_path: Path) -> Path:
    """`plan --out plan.json` of a file in tmp_path, run from tmp_path (paths as given)."""
    write_account(tmp_path, BODY)
    made = run_iamctl("plan", "account.yaml", "--out", "plan.json", cwd=tmp_path)
    assert made.code == 0, made.stderr
    return tmp_path / "plan.json"


def users(iam: Any) -> list[str]:
    return sorted(user["UserName"] for user in iam.list_users()["Users"])


def test_apply_planfile_alone_applies_without_asking(run_iamctl, server_iam, saved, tmp_path):
    result = run_iamctl("apply", "plan.json", cwd=tmp_path)  # stdin empty: no answer to give
    assert result.code == 0, result.stderr
    assert "Apply these changes?" not in result.stdout + result.stderr
    assert "+ user alice" in result.stdout
    assert "Apply complete for account" in result.stdout
    assert users(server_iam) == ["alice"]
    again = run_iamctl("plan", "account.yaml", "--detailed-exitcode", cwd=tmp_path)
    assert again.code == 0, again.stdout


def test_apply_with_files_and_a_saved_plan_does_not_ask_either(
    run_iamctl, server_iam, saved, tmp_path
):
    result = run_iamctl("apply", "account.yaml", "--plan", "plan.json", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert users(server_iam) == ["alice"]


def test_apply_planfile_alone_refuses_a_stale_plan(run_iamctl, server_iam, saved, tmp_path):
    server_iam.create_group(GroupName="devs")  # made by hand since the plan
    result = run_iamctl("apply", "plan.json", cwd=tmp_path)
    assert result.code == 1
    assert "plan is stale" in result.stderr and "run plan again" in result.stderr
    assert users(server_iam) == []


def test_apply_planfile_alone_refuses_files_edited_since(run_iamctl, server_iam, saved, tmp_path):
    write_account(tmp_path, BODY + "  - name: ops\n")
    result = run_iamctl("apply", "plan.json", cwd=tmp_path)
    assert result.code == 1
    assert "the plan was made from other configuration than account.yaml" in result.stderr
    assert users(server_iam) == []


def test_apply_planfile_alone_refuses_files_named_by_hand(run_iamctl, server_iam, saved, tmp_path):
    write_account(tmp_path, "users:\n  - name: mallory\n", "other.yaml")
    document = json.loads(saved.read_text())
    document["files"] = ["other.yaml"]
    saved.write_text(json.dumps(document))
    result = run_iamctl("apply", "plan.json", cwd=tmp_path)
    assert result.code == 1
    assert "the plan was made from other configuration than other.yaml" in result.stderr
    assert users(server_iam) == []


def test_apply_planfile_alone_refuses_a_hand_edited_change(
    run_iamctl, server_iam, saved, tmp_path
):
    document = json.loads(saved.read_text())
    for change in document["changes"]:
        if change["kind"] == "user":
            change["name"] = "mallory"
    saved.write_text(json.dumps(document))
    result = run_iamctl("apply", "plan.json", cwd=tmp_path)
    assert result.code == 1 and "plan is stale" in result.stderr
    assert users(server_iam) == []


def test_apply_planfile_alone_from_elsewhere_names_the_missing_file(
    run_iamctl, server_iam, saved, tmp_path
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_iamctl("apply", str(saved), cwd=elsewhere)
    assert result.code == 1
    assert result.stderr == (
        f"error: {saved}: the plan was made from account.yaml, which is not there: run apply "
        "in the directory plan ran in, or name the files (apply FILE... --plan PLANFILE)\n")
    assert users(server_iam) == []


def test_apply_planfile_without_its_files_recorded_asks_for_them(
    run_iamctl, server_iam, saved, tmp_path
):
    document = json.loads(saved.read_text())
    del document["files"]  # a plan saved before plans named their files
    saved.write_text(json.dumps(document))
    result = run_iamctl("apply", "plan.json", cwd=tmp_path)
    assert result.code == 1
    assert result.stderr == (
        "error: plan.json: the plan does not name the files it was made from; name them: "
        "apply FILE... --plan plan.json\n")


def test_apply_planfile_with_a_second_plan_is_a_usage_error(run_iamctl, saved, tmp_path):
    result = run_iamctl("apply", "plan.json", "--plan", "plan.json", cwd=tmp_path)
    assert result.code == 1
    assert "a saved plan is given once" in result.stderr


def test_the_saved_plan_names_its_files(saved):
    assert json.loads(saved.read_text())["files"] == ["account.yaml"]


def test_show_prints_the_saved_plan_as_plan_printed_it(run_iamctl, saved, tmp_path):
    # (JSON: the saved document itself; a plan made now would differ in the report's age.)
    for form in ([], ["--markdown"]):
        planned = run_iamctl("plan", "account.yaml", *form, cwd=tmp_path)
        shown = run_iamctl("show", "plan.json", *form, cwd=tmp_path)
        assert shown.code == 0, shown.stderr
        assert shown.stdout == planned.stdout, form
    assert json.loads(run_iamctl("show", "plan.json", "--json", cwd=tmp_path).stdout) == (
        json.loads(saved.read_text()))


def test_apply_and_show_a_plan_of_several_accounts(run_iamctl, server_url, tmp_path):
    write_account(tmp_path, BODY)
    write_account(tmp_path, "users:\n  - name: bob\n", "other.yaml", account=OTHER,
                  settings=f"role_arn: {ROLE_ARN}\n")
    made = run_iamctl("plan", ".", "--out", "plan.json", cwd=tmp_path)
    assert made.code == 0, made.stderr
    shown = run_iamctl("show", "plan.json", cwd=tmp_path)
    assert shown.code == 0, shown.stderr
    assert shown.stdout == made.stdout
    assert "+ user bob" in shown.stdout and "+ user alice" in shown.stdout
    applied = run_iamctl("apply", "plan.json", cwd=tmp_path)
    assert applied.code == 0, applied.stderr
    assert users(iam_in(server_url, OTHER)) == ["bob"]


def test_show_of_a_file_that_is_not_a_plan_is_one_error(run_iamctl, tmp_path):
    write_account(tmp_path, BODY)
    result = run_iamctl("show", "account.yaml", cwd=tmp_path)
    assert result.code == 1
    assert result.stderr.startswith("error: account.yaml: not a saved iamctl plan")
    assert len(result.stderr.splitlines()) == 1


def test_show_json_and_markdown_together_is_a_usage_error(run_iamctl, saved, tmp_path):
    result = run_iamctl("show", "plan.json", "--json", "--markdown", cwd=tmp_path)
    assert result.code == 1 and "cannot be used together" in result.stderr
