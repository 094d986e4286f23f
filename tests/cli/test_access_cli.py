"""The access model as a reviewer and an attacker meet it: `iamctl plan --fail-on escalation`
and `iamctl access` against a moto server."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

ROLE = textwrap.dedent("""\
    version: 1
    account:
      id: "123456789012"
    roles:
      - name: admin
        assume_role_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {trust}
              Action: sts:AssumeRole
        policies: [AdministratorAccess]
    """)
ACCOUNT_TRUST = '{AWS: "123456789012"}'


def written(tmp_path: Path, text: str, name: str = "account.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_making_an_admin_role_world_assumable_fails_the_escalation_gate(
        run_iamctl: Any, tmp_path: Path) -> None:
    applied = run_iamctl("apply", written(tmp_path, ROLE.format(trust=ACCOUNT_TRUST)), "--yes")
    assert applied.code == 0, applied.stderr
    hostile = ROLE.format(trust='{AWS: "*"}') + textwrap.indent(textwrap.dedent("""\
        accept_risk:
          anyone: "a pull request that says all is well"
    """), "    ")
    assert "\n    accept_risk:\n      anyone:" in hostile
    planned = run_iamctl("plan", written(tmp_path, hostile), "--fail-on", "escalation")
    assert planned.code == 1, planned.stderr
    assert "AWS * gains full access via assumes role admin > policy AdministratorAccess" \
        in planned.stdout
    assert "--fail-on escalation: 1 change: ~ role admin: trust policy" in planned.stderr
    markdown = run_iamctl("plan", written(tmp_path, hostile), "--markdown")
    assert "- `AWS *` `can now may assume role admin; gains full access`" not in markdown.stdout
    assert "- `AWS *` `can now assume role admin; gains full access` (by `~ role admin: " \
        "trust policy`)" in markdown.stdout


def test_a_passrole_on_a_role_pattern_with_lambda_fails_the_escalation_gate(
        run_iamctl: Any, tmp_path: Path) -> None:
    assert run_iamctl("apply", written(tmp_path, ROLE.format(trust=ACCOUNT_TRUST)),
                      "--yes").code == 0
    dev = ROLE.format(trust=ACCOUNT_TRUST) + textwrap.dedent("""\
        users:
          - name: dev
            inline_policies:
              build:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: iam:PassRole
                    Resource: arn:aws:iam::123456789012:role/*
                  - Effect: Allow
                    Action: [lambda:CreateFunction, lambda:InvokeFunction]
                    Resource: "*"
        """)
    planned = run_iamctl("plan", written(tmp_path, dev), "--fail-on", "escalation")
    assert planned.code == 1, planned.stderr
    assert "user dev can escalate: " in planned.stdout
    assert "passes role admin" in planned.stdout


def test_access_lists_exactly_who_may_pass_roles_with_why(
        run_iamctl: Any, tmp_path: Path) -> None:
    text = ROLE.format(trust=ACCOUNT_TRUST) + textwrap.dedent("""\
        groups:
          - name: deployers
            inline_policies:
              pass:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: iam:PassRole
                    Resource: arn:aws:iam::123456789012:role/*
        users:
          - name: alice
            groups: [deployers]
          - name: bob
        """)
    answer = run_iamctl("access", written(tmp_path, text), "--action", "iam:PassRole")
    assert answer.code == 0, answer.stderr
    assert answer.stdout.splitlines() == [
        "2 principals may call iam:PassRole once the files are applied:",
        "  role admin  via policy AdministratorAccess",
        "  user alice  via group deployers: inline policy pass",
    ]
    as_json = json.loads(run_iamctl("access", written(tmp_path, text), "--action",
                                    "iam:PassRole", "--json").stdout)
    assert as_json == {"action": "iam:PassRole", "resource": "*", "principals": [
        {"principal": "role admin", "via": ["policy AdministratorAccess"],
         "conditional": False},
        {"principal": "user alice", "via": ["group deployers: inline policy pass"],
         "conditional": False}]}


def test_access_of_one_principal_marks_its_escalation(run_iamctl: Any, tmp_path: Path) -> None:
    text = ROLE.format(trust=ACCOUNT_TRUST) + textwrap.dedent("""\
        users:
          - name: dev
            inline_policies:
              keys:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: iam:CreateAccessKey
                    Resource: "*"
        """)
    answer = run_iamctl("access", written(tmp_path, text), "--principal", "dev")
    assert answer.code == 0, answer.stderr
    assert answer.stdout.startswith("user dev, once the files are applied:\n")
    assert "  ESCALATION: Create an access key for another user" in answer.stdout
    assert "  iam  1 of " in answer.stdout
    missing = run_iamctl("access", written(tmp_path, text), "--principal", "nobody")
    assert missing.code == 1 and "no principal 'nobody'" in missing.stderr
    both = run_iamctl("access", written(tmp_path, text))
    assert both.code == 1 and "exactly one of --action and --principal" in both.stderr


def calls(stderr: str) -> int:
    """The API calls of the read summary line: `... in N API calls (...)`."""
    line = next(line for line in stderr.splitlines() if " API calls (" in line)
    return int(line.split(" API calls (")[0].rsplit(" ", 1)[1].replace(",", ""))


def test_an_aws_managed_policy_the_plan_attaches_is_read_from_aws_and_counted(
        run_iamctl: Any, tmp_path: Path) -> None:
    """Its default version is read (GetPolicy, GetPolicyVersion): the verdict rests on AWS's
    document, not the package's copy, and the read summary counts the two calls."""
    holding = textwrap.dedent("""\
        version: 1
        account:
          id: "123456789012"
        users:
          - name: dev
            policies: [ReadOnlyAccess]
        """)
    assert run_iamctl("apply", written(tmp_path, holding), "--yes").code == 0
    in_sync = run_iamctl("plan", written(tmp_path, holding))
    attaching = run_iamctl("plan", written(tmp_path, holding.replace(
        "[ReadOnlyAccess]", "[ReadOnlyAccess, IAMFullAccess]")))
    assert attaching.code == 0, attaching.stderr
    assert calls(attaching.stderr) == calls(in_sync.stderr) + 2
    # IAMFullAccess, by its document: iam:* is full access by a route of the catalog.
    assert "[admin: user dev gains full access (by: " in attaching.stdout
