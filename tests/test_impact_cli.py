"""Permission impact as a reviewer meets it: the real `iamctl plan` against a moto server."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

ACCOUNT = """\
    version: 1
    account:
      id: "123456789012"
    groups:
      - name: deployers
        inline_policies:
          deploy:
            Version: "2012-10-17"
            Statement:
    {statements}
    """
READ = """\
              - Sid: Read
                Effect: Allow
                Action: [s3:GetObject, s3:ListBucket]
                Resource: "*"
              - Effect: Deny
                Action: s3:DeleteBucket
                Resource: "*"
"""
# The same permissions: statements swapped, actions re-cased and reordered, a string for a list.
READ_RESPELLED = """\
              - Effect: Deny
                Resource: ["*"]
                Action: [S3:deletebucket]
              - Action: [s3:listbucket, S3:GetObject, s3:GetObject]
                Resource: "*"
                Sid: Read
                Effect: Allow
"""
PASS_ROLE = """\
              - Effect: Allow
                Action: iam:PassRole
                Resource: "*"
"""


def account(tmp_path: Path, statements: str) -> str:
    path = tmp_path / "account.yaml"
    path.write_text(textwrap.dedent(ACCOUNT).format(statements=statements))
    return str(path)


def test_a_reordered_and_recased_policy_is_no_change(run_iamctl: Any, tmp_path: Path) -> None:
    assert run_iamctl("apply", account(tmp_path, READ), "--yes").code == 0
    planned = run_iamctl("plan", account(tmp_path, READ_RESPELLED), "--detailed-exitcode",
                         "--fail-on", "broadening")
    assert planned.code == 0, planned.stderr
    assert "No changes. The account matches the configuration." in planned.stdout


def test_pass_role_on_everything_is_marked_counted_and_gated(
    run_iamctl: Any, tmp_path: Path
) -> None:
    assert run_iamctl("apply", account(tmp_path, READ), "--yes").code == 0
    file = account(tmp_path, READ + PASS_ROLE)

    text = run_iamctl("plan", file)
    assert text.code == 0
    line = next(line for line in text.stdout.splitlines() if "inline policy deploy" in line)
    assert line.strip() == "~ group deployers: inline policy deploy [escalation: iam:PassRole on *]"
    assert ("Plan: 0 to add, 1 to change, 0 to destroy, 0 human steps; 1 broadens access, "
            "1 privilege-escalation risk.") in text.stdout

    markdown = run_iamctl("plan", file, "--markdown").stdout
    new_access = markdown.index("**New access**")
    assert new_access < markdown.index("```diff")  # before the full plan
    assert ("- `~ group deployers: inline policy deploy`: `escalation: iam:PassRole on *`"
            in markdown)

    data = json.loads(run_iamctl("plan", file, "--json").stdout)
    (change,) = data["changes"]
    assert change["impact"] == "broadens"
    assert change["risks"] == [{"kind": "privilege-escalation", "detail": "iam:PassRole on *"}]
    assert data["summary"]["broadening"] == 1 and data["summary"]["escalation"] == 1

    gated = run_iamctl("plan", file, "--fail-on", "escalation", "--detailed-exitcode")
    assert gated.code == 1  # wins over --detailed-exitcode's 2
    assert "[escalation: iam:PassRole on *]" in gated.stdout  # the plan is printed first
    assert gated.stderr.splitlines()[-1] == (
        "error: --fail-on escalation: 1 change: ~ group deployers: inline policy deploy")


def test_fail_on_passes_a_plan_that_only_narrows(run_iamctl: Any, tmp_path: Path) -> None:
    assert run_iamctl("apply", account(tmp_path, READ + PASS_ROLE), "--yes").code == 0
    narrowed = run_iamctl("plan", account(tmp_path, READ), "--fail-on", "broadening",
                          "--fail-on", "escalation", "--detailed-exitcode")
    assert narrowed.code == 2, narrowed.stderr
    assert "[" not in narrowed.stdout.split("inline policy deploy", 1)[1].splitlines()[0]


NAME_HOLDING_CALLERS = """\
              - Effect: Allow
                Action: iam:CreateAccessKey
                Resource: "arn:aws:iam::*:user/*${aws:username}*"
"""
OWN_ON_ANY_PATH = """\
              - Effect: Allow
                Action: iam:CreateAccessKey
                Resource: "arn:aws:iam::*:user/*/${aws:username}"
"""


def test_own_user_rule_gates_keys_for_users_whose_name_holds_the_callers(
    run_iamctl: Any, tmp_path: Path
) -> None:
    # Alice may create keys for alice-admin and admin-alice too: not her own.
    assert run_iamctl("apply", account(tmp_path, READ), "--yes").code == 0
    gated = run_iamctl("plan", account(tmp_path, READ + NAME_HOLDING_CALLERS),
                       "--fail-on", "escalation")
    assert gated.code == 1, gated.stderr
    assert "[escalation: iam:CreateAccessKey for other users]" in gated.stdout
    assert gated.stderr.splitlines()[-1] == (
        "error: --fail-on escalation: 1 change: ~ group deployers: inline policy deploy")

    own = run_iamctl("plan", account(tmp_path, READ + OWN_ON_ANY_PATH), "--fail-on", "escalation")
    assert own.code == 0, own.stderr
    assert "[escalation:" not in own.stdout
