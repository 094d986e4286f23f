"""Every bad file of the corpus, through the real CLI: exit 1, one line naming the file and line,
no traceback, and no change to the account (apply --yes is what is run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bad_file_cases import BAD_FILES, CASES, expectation


def account_snapshot(iam) -> tuple[object, ...]:
    return (
        [u["UserName"] for u in iam.list_users()["Users"]],
        [g["GroupName"] for g in iam.list_groups()["Groups"]],
        [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
        iam.list_account_aliases()["AccountAliases"],
    )


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_bad_file_is_refused_by_apply_with_one_line(run_iamctl, server_iam, tmp_path, path: Path):
    before = account_snapshot(server_iam)
    result = run_iamctl("apply", str(path), "--yes", "--secrets-dir", str(tmp_path / "secrets"))
    expected, line = expectation(path)
    assert result.code == 1
    assert "Traceback" not in result.stderr
    errors = [text for text in result.stderr.splitlines() if text.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert f"{path}:{line}:" in errors[0], errors[0]
    assert expected in errors[0]
    assert result.stdout == ""
    assert account_snapshot(server_iam) == before


def test_two_files_declaring_one_user_name_both_places(run_iamctl, tmp_path):
    header = 'version: 1\naccount:\n  id: "123456789012"\nusers:\n'
    (tmp_path / "a.yaml").write_text(header + "  - name: admin\n")
    (tmp_path / "b.yaml").write_text(header + "  - name: Admin\n")
    result = run_iamctl("validate", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))
    assert result.code == 1
    assert "a.yaml:5" in result.stderr and "b.yaml:5" in result.stderr


def test_validate_refuses_a_policy_reference_that_would_break_markdown(run_iamctl):
    # validate is offline: a reference is checked without the AWS catalog or any account.
    path = BAD_FILES / "policy_ref_markdown.yaml"
    result = run_iamctl("validate", str(path))
    assert result.code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {path}:10:9: users[0].policies[1]: invalid policy ARN")
    assert "```" not in line


def test_ignore_pattern_matching_a_declared_user_names_both_places(run_iamctl, tmp_path):
    # Declared and ignored: iamctl would manage the user in full (its unused keys disabled and
    # all), whatever the ignore pattern in the other file says.
    header = 'version: 1\naccount:\n  id: "123456789012"\n'
    (tmp_path / "a.yaml").write_text(header + "users:\n  - name: admin\n  - name: cdk-deploy\n")
    (tmp_path / "b.yaml").write_text(header + "ignore:\n  users:\n    - ci-*\n    - CDK-*\n")
    result = run_iamctl("validate", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))
    assert result.code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {tmp_path / 'a.yaml'}:6:11: users[1].name: user 'cdk-deploy'")
    assert f"ignore.users pattern at {tmp_path / 'b.yaml'}:7:7" in line
