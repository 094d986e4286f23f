"""The `checks:` section: CIS findings turned off by id, or made to fail validate and plan."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from reconciler.core.plan.check_settings import CHECK_IDS
from tests.files import REPO_ROOT, write_account
from tests.iamctl_runs import RunIamctl

# A console user without MFA holding AdministratorAccess directly: CIS 1.10, 1.15 and 1.16, and
# the account-wide 1.4, 1.8 and 1.9 (root keys and password policy left unmanaged).
ADMIN = textwrap.dedent("""\
    users:
      - name: alice
        console: true
        policies: [AdministratorAccess]
    """)


def cis_lines(stderr_or_stdout: str) -> list[str]:
    return [line for line in stderr_or_stdout.splitlines() if ": CIS " in line]


def shown_checks(text: str) -> set[str]:
    return {line.split(": CIS ", 1)[1].split(":", 1)[0] for line in cis_lines(text)}


def test_checks_disable_turns_findings_off_by_id(run_iamctl: RunIamctl, tmp_path: Path) -> None:
    plain = write_account(tmp_path, ADMIN, name="plain.yaml")
    tuned = write_account(tmp_path, ADMIN + 'checks:\n  disable: ["1.4", "1.8", "1.9", "1.15"]\n',
                          name="tuned.yaml", account="210987654321")
    before = run_iamctl("validate", plain)
    assert {"1.4", "1.8", "1.9", "1.15"} <= shown_checks(before.stderr)
    after = run_iamctl("validate", tuned)
    assert after.code == 0, after.stderr
    assert shown_checks(after.stderr) == {"1.10", "1.16"}


def test_checks_fail_on_fails_validate(run_iamctl: RunIamctl, tmp_path: Path) -> None:
    path = write_account(tmp_path, ADMIN + 'checks:\n  fail_on: ["1.16"]\n')
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert any(line.startswith("error: CIS 1.16: user alice: full administrator access")
               for line in result.stderr.splitlines())
    assert result.stderr.splitlines()[-1] == (
        "error: the validation fails: CIS 1.16 (1 finding) named in checks: fail_on")
    assert any(line.startswith("warning: CIS 1.10:") for line in result.stderr.splitlines())


def test_checks_fail_on_fails_the_plan_after_printing_it(
    run_iamctl: RunIamctl, server_iam: object, tmp_path: Path
) -> None:
    path = write_account(tmp_path, ADMIN + 'checks:\n  fail_on: ["1.16"]\n  disable: ["1.4"]\n')
    result = run_iamctl("plan", path, "--detailed-exitcode")
    assert result.code == 1, result.stdout + result.stderr
    assert "+ user alice" in result.stdout
    assert "error: CIS 1.16: user alice" in result.stdout
    assert "1.4" not in shown_checks(result.stdout)
    assert result.stderr.splitlines()[-1] == (
        "error: the plan fails: CIS 1.16 (1 finding) named in checks: fail_on")
    as_json = json.loads(run_iamctl("plan", path, "--json").stdout)
    warnings = as_json["accounts"][0]["warnings"] if "accounts" in as_json else as_json["warnings"]
    assert {(w["check"], w["fails"]) for w in warnings if w["check"] in ("1.10", "1.16")} == {
        ("1.10", False), ("1.16", True)}
    assert "1.4" not in {w["check"] for w in warnings}


def test_a_check_id_written_as_a_number_is_refused_at_its_line(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    path = write_account(tmp_path, ADMIN + "checks:\n  disable: [1.10]\n")
    result = run_iamctl("validate", path)
    assert result.code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {path}:9:") and 'checks.disable[0]' in line
    assert 'write "1.10"' in line


def test_the_schema_lists_every_check_id() -> None:
    schema = json.loads((REPO_ROOT / "schemas" / "iamctl.schema.json").read_text())
    assert tuple(schema["$defs"]["checkIds"]["items"]["enum"]) == CHECK_IDS
