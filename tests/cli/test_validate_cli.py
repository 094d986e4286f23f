"""`iamctl validate` as a user runs it: every error of the files in one run, offline."""

from __future__ import annotations

import re
from pathlib import Path

from tests.files import write_account, write_file
from tests.iamctl_runs import RunIamctl

# file:line:column: field: message, after the "error: " every error line starts with.
ERROR_LINE = re.compile(r"^error: (?P<file>[^:]+):(?P<line>\d+):\d+: (?P<field>[^:]+): .+$")

MANY_MISTAKES = """\
    policies:
      - name: Billing
        document:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allowed, Action: "aws-portal:View*", Resource: "*"}
    groups:
      - name: admins
        policies: [AdministratorAccess]
    users:
      - name: alice
        groups: [admin]
        policies: [ReadOnlyAcess]
      - name: bob
        policies: [Billing, billing]
    """


def error_lines(stderr: str) -> list[re.Match[str]]:
    lines = stderr.splitlines()
    matches = [ERROR_LINE.match(line) for line in lines]
    assert all(matches), stderr  # every line one error, in the one-line form
    return [match for match in matches if match]


def test_validate_reports_every_error_in_one_run(run_iamctl: RunIamctl, tmp_path: Path) -> None:
    path = write_account(tmp_path, MANY_MISTAKES)
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert result.stdout == ""
    errors = error_lines(result.stderr)
    assert [(e["line"], e["field"]) for e in errors] == [
        ("9", "policies[0].document.Statement[0].Effect"),  # a document check
        ("15", "users[0].groups[0]"),  # a reference to a group
        ("16", "users[0].policies[0]"),  # an AWS managed policy, offline
        ("18", "users[1].policies[1]"),  # an entry check
    ]


def test_validate_reports_the_errors_of_every_file_sorted_by_file_and_line(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    broken = write_file(tmp_path, "a.yaml", "version: 1\naccount: [unclosed\n")
    shapeless = write_account(tmp_path, """\
        users:
          - name: alice
            consol: true
          - name: bob
            access_keys: 3
        """, name="b.yaml", account="210987654321")
    result = run_iamctl("validate", shapeless, broken)
    assert result.code == 1
    errors = error_lines(result.stderr)
    # YAML that does not parse is one error: nothing in it can be checked further.
    assert [(Path(e["file"]).name, e["line"]) for e in errors] == [
        ("a.yaml", "2"), ("b.yaml", "6"), ("b.yaml", "8")]


def test_validate_catches_a_misspelt_aws_managed_policy_offline(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = write_account(tmp_path, """\
        users:
          - name: alice
            policies:
              - job-function/ViewOnlyAccess
              - ReadOnlyAcess
        """)
    result = run_iamctl("validate", path, env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {path}:8:")
    assert "users[0].policies[1]: unknown policy 'ReadOnlyAcess'" in line
    assert "(did you mean 'ReadOnlyAccess'?)" in line
    assert "refreshed on 20" in line and "write its ARN" in line


def test_an_aws_managed_policy_newer_than_the_list_is_usable_by_its_arn(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = write_account(tmp_path, """\
        users:
          - name: alice
            policies: ["arn:aws:iam::aws:policy/PolicyAwsPublishesNextWeek"]
        """)
    result = run_iamctl("validate", path)
    assert result.code == 0, result.stderr
