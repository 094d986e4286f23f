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
    users:
      - name: alice
        groups: [deployers]
    roles:
      - name: strong
        assume_role_policy:
          Version: "2012-10-17"
          Statement:
            - {{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}},
               Action: "sts:AssumeRole"}}
        policies: [AdministratorAccess]
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
# A member of the group may pass a role stronger than herself to a function she creates.
PASS_ROLE = """\
              - Effect: Allow
                Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]
                Resource: "*"
"""
METHOD = ("user alice can escalate: Create a function with a passed role and invoke it via "
          "group deployers: inline policy deploy > passes role strong")


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
    assert line.strip().startswith("~ group deployers: inline policy deploy [escalation: user "
                                   "alice can escalate: ")
    assert ("Plan: 0 to add, 1 to change, 0 to destroy, 0 human steps; 1 broadens access, "
            "1 privilege-escalation risk.") in text.stdout

    markdown = run_iamctl("plan", file, "--markdown").stdout
    new_access = markdown.index("**New access**")
    assert new_access < markdown.index("```diff")  # before the full plan
    assert "- `user alice` `gains 2 escalation methods: " in markdown
    assert "Create a function with a passed role and invoke it" in markdown
    assert "(by `~ group deployers: inline policy deploy`)" in markdown

    data = json.loads(run_iamctl("plan", file, "--json").stdout)
    (change,) = data["changes"]
    assert change["impact"] == "broadens"
    assert {"kind": "privilege-escalation", "principal": "user alice",
            "detail": METHOD.removeprefix("user alice can escalate: ")} in change["risks"]
    assert data["summary"]["broadening"] == 1 and data["summary"]["escalation"] == 1
    assert data["summary"]["principals_gaining_access"] == 1

    gated = run_iamctl("plan", file, "--fail-on", "escalation", "--detailed-exitcode")
    assert gated.code == 1  # wins over --detailed-exitcode's 2
    assert "[escalation: user alice can escalate: " in gated.stdout  # the plan is printed first
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
    assert "[escalation: user alice can escalate: " in gated.stdout
    risks = json.loads(run_iamctl("plan", account(tmp_path, READ + NAME_HOLDING_CALLERS),
                                  "--json").stdout)["changes"][0]["risks"]
    assert {"kind": "privilege-escalation", "principal": "user alice",
            "detail": "Create an access key for another user and act as that user via group "
                      "deployers: inline policy deploy"} in risks
    assert gated.stderr.splitlines()[-1] == (
        "error: --fail-on escalation: 1 change: ~ group deployers: inline policy deploy")

    own = run_iamctl("plan", account(tmp_path, READ + OWN_ON_ANY_PATH), "--fail-on", "escalation")
    assert own.code == 0, own.stderr
    assert "[escalation:" not in own.stdout
