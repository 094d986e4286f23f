"""`export` writes roles (not AWS's own) so that planning the exported file shows no change."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from reconciler.aws.client import Aws
from reconciler.aws.live import read_live
from reconciler.aws.live_roles import read_role_settings
from reconciler.config import desired
from reconciler.core.diff.diff import diff
from reconciler.engine.export import export_document
from tests.iamctl_runs import RunIamctl
from tests.live_accounts import make_roles


def exported(aws: Aws) -> tuple[Any, str]:
    live = read_live(aws, aws.identity())
    live = replace(live, state=read_role_settings(aws, live.state))
    return live, export_document(live)


def test_roles_are_written_with_every_field_and_aws_roles_left_out(
    moto_iam: Any, aws: Aws
) -> None:
    make_roles(moto_iam)
    _, text = exported(aws)
    roles = yaml.safe_load(text)["roles"]
    assert [role["name"] for role in roles] == ["bare", "deploy"]
    deploy = roles[1]
    assert deploy == {
        "name": "deploy",
        "path": "/ci/",
        "description": "Deploys",
        "assume_role_policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"}
            ],
        },
        "max_session_duration": 7200,
        "permissions_boundary": "Boundary",
        "policies": ["ReadOnlyAccess"],
        "inline_policies": {
            "logs": {"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]},
        },
        "tags": {"team": "platform"},
        "instance_profile": True,
    }
    assert roles[0]["instance_profile"] is False
    assert "AWSServiceRole" not in text


def test_the_exported_roles_plan_no_changes(moto_iam: Any, aws: Aws, tmp_path: Path) -> None:
    make_roles(moto_iam)
    moto_iam.create_role(
        RoleName="cross-account", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::012345678901:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }],
        }),
    )
    live, text = exported(aws)
    file = tmp_path / "account.yaml"
    file.write_text(text)
    (config,) = desired.load([str(file)])
    wanted = desired.resolve(config, live.aws_policies, live.identity.partition)
    result = diff(wanted, live.state)
    assert result.changes == ()
    assert not any(result.unmanaged.values())
    assert wanted.roles["deploy"].description == "Deploys"  # from ListRoles


def test_export_then_plan_through_the_cli(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    make_roles(server_iam)
    out = tmp_path / "account.yaml"
    export = run_iamctl("export", "--out", str(out))
    assert export.code == 0, export.stderr
    assert "3 roles (1 owned by AWS)" in export.stderr
    plan = run_iamctl("plan", str(out), "--detailed-exitcode")
    assert plan.code == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
