"""`iamctl export` as a user runs it: what the file manages, and where it may be written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.iamctl_runs import RunIamctl

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


def bare_entities(iam: Any) -> None:
    """A user, a role and a policy with no tags and no description, as the console makes them."""
    iam.create_user(UserName="bob")
    iam.create_role(RoleName="bare", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_policy(PolicyName="BucketRead", PolicyDocument=json.dumps(DOC))


def entry(data: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in data[section] if item["name"] == name)
    return found


def test_export_manages_empty_tags_and_descriptions_so_drift_on_them_shows(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    bare_entities(server_iam)
    out = tmp_path / "account.yaml"
    assert run_iamctl("export", "--out", str(out)).code == 0
    data = yaml.safe_load(out.read_text())
    assert entry(data, "users", "bob")["tags"] == {}
    assert entry(data, "roles", "bare")["tags"] == {}
    assert entry(data, "roles", "bare")["description"] == ""
    assert entry(data, "policies", "BucketRead")["tags"] == {}
    assert entry(data, "policies", "BucketRead")["description"] == ""
    in_sync = run_iamctl("plan", str(out), "--detailed-exitcode")
    assert in_sync.code == 0, in_sync.stdout + in_sync.stderr

    # Someone tags the user and describes the role in the console: the plan must show it.
    server_iam.tag_user(UserName="bob", Tags=[{"Key": "team", "Value": "ops"}])
    server_iam.update_role(RoleName="bare", Description="clicked in the console")
    drift = run_iamctl("plan", str(out), "--detailed-exitcode")
    assert drift.code == 2, drift.stdout + drift.stderr
    assert "user bob: tags" in drift.stdout
    assert "role bare" in drift.stdout and "clicked in the console" in drift.stdout


def test_export_out_refuses_to_overwrite_a_file_without_force(
    run_iamctl: RunIamctl, server_iam: Any, tmp_path: Path
) -> None:
    server_iam.create_user(UserName="bob")
    out = tmp_path / "account.yaml"
    out.write_text("# my hand-edited file\n")

    refused = run_iamctl("export", "--out", str(out))
    assert refused.code == 1
    assert out.read_text() == "# my hand-edited file\n"
    message = refused.stderr.strip().splitlines()
    assert len(message) == 1 and "--force" in message[0] and str(out) in message[0]
    assert "Traceback" not in refused.stderr

    forced = run_iamctl("export", "--out", str(out), "--force")
    assert forced.code == 0, forced.stderr
    assert "name: bob" in out.read_text()
