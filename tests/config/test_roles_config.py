"""Roles in the file: fields, trust policies inline or in a file, boundaries, ignore.roles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.config.desired import load, resolve
from reconciler.core.errors import ConfigError
from reconciler.core.policy.documents import canonical
from reconciler.core.state import Ignore, Role
from tests.files import write_account

ACCOUNT = "123456789012"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
CATALOG = {"ReadOnlyAccess": READ_ONLY}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TRUST_YAML = (
    '{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: '
    'ec2.amazonaws.com}, Action: "sts:AssumeRole"}]}'
)
BOUNDARY = (
    "policies:\n"
    "  - name: Boundary\n"
    '    document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:*", '
    'Resource: "*"}]}\n'
)


def state_of(file: str):
    [config] = load([file])
    return resolve(config, CATALOG)


def test_every_role_field_reaches_the_state(tmp_path: Path) -> None:
    file = write_account(
        tmp_path,
        BOUNDARY
        + f"""
roles:
  - name: deploy
    path: /ci/
    description: Deploys from CI
    assume_role_policy: {TRUST_YAML}
    max_session_duration: 7200
    permissions_boundary: Boundary
    policies: [ReadOnlyAccess]
    inline_policies:
      logs:
        Version: "2012-10-17"
        Statement: [{{Effect: Allow, Action: "logs:*", Resource: "*"}}]
    tags: {{team: platform}}
    instance_profile: true
""",
    )
    role = state_of(file).roles["deploy"]
    assert role == Role(
        name="deploy",
        path="/ci/",
        description="Deploys from CI",
        trust=canonical(TRUST),
        max_session_duration=7200,
        permissions_boundary=f"arn:aws:iam::{ACCOUNT}:policy/Boundary",
        policies=frozenset({READ_ONLY}),
        inline_policies={
            "logs": canonical(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
                }
            )
        },
        tags={"team": "platform"},
        instance_profile=True,
    )
    assert role.trust is not None and json.loads(role.trust.text) == TRUST  # as written


def test_accept_risk_reaches_the_state_by_kind(tmp_path: Path) -> None:
    public = ('{Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", '
              'Action: "sts:AssumeRole"}]}')
    file = write_account(tmp_path, f"""
roles:
  - name: public
    assume_role_policy: {public}
    accept_risk: {{anyone: reviewed with security}}
""")
    assert state_of(file).roles["public"].accept_risk == {"anyone": "reviewed with security"}


def test_absent_fields_are_unmanaged_and_permissions_exact(tmp_path: Path) -> None:
    file = write_account(
        tmp_path, f"roles:\n  - name: bare\n    assume_role_policy: {TRUST_YAML}\n"
    )
    role = state_of(file).roles["bare"]
    assert (role.path, role.description, role.max_session_duration) == (None, None, None)
    assert (role.tags, role.instance_profile) == (None, None)
    assert role.policies == frozenset() and role.inline_policies == {}
    assert role.permissions_boundary is None


def test_the_trust_policy_file_is_relative_to_the_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "trust").mkdir()
    (tmp_path / "trust" / "ec2.json").write_text(json.dumps(TRUST), encoding="utf-8")
    file = write_account(
        tmp_path, "roles:\n  - name: r\n    assume_role_policy_file: trust/ec2.json\n"
    )
    assert state_of(file).roles["r"].trust == canonical(TRUST)


def test_a_trust_policy_file_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "trust.json").write_text("[1, 2]", encoding="utf-8")
    file = write_account(
        tmp_path, "roles:\n  - name: r\n    assume_role_policy_file: trust.json\n"
    )
    expected = r":6:30: roles\[0\].assume_role_policy_file: trust.json: a trust policy must be"
    with pytest.raises(ConfigError, match=expected):
        state_of(file)


def test_a_user_boundary_resolves_like_a_policy_reference(tmp_path: Path) -> None:
    file = write_account(
        tmp_path, "users:\n  - name: alice\n    permissions_boundary: ReadOnlyAccess\n"
    )
    assert state_of(file).users["alice"].permissions_boundary == READ_ONLY


def test_a_boundary_in_another_case_takes_the_declared_spelling(tmp_path: Path) -> None:
    file = write_account(
        tmp_path,
        BOUNDARY + f"roles:\n  - name: r\n    assume_role_policy: {TRUST_YAML}\n"
        "    permissions_boundary: boundary\n",
    )
    boundary = state_of(file).roles["r"].permissions_boundary
    assert boundary == f"arn:aws:iam::{ACCOUNT}:policy/Boundary"


def test_ignore_roles_patterns(tmp_path: Path) -> None:
    file = write_account(tmp_path, 'ignore:\n  roles: ["cdk-*", "OrganizationAccountAccessRole"]\n')
    ignore = state_of(file).ignore
    assert ignore == Ignore(roles=("cdk-*", "OrganizationAccountAccessRole"))
    assert ignore.matches("roles", "CDK-hnb659fds-deploy-role")
    assert not ignore.matches("users", "cdk-user")


def test_role_policies_listed_twice_in_another_case_are_an_error(tmp_path: Path) -> None:
    file = write_account(
        tmp_path,
        f"roles:\n  - name: r\n    assume_role_policy: {TRUST_YAML}\n"
        "    policies: [ReadOnlyAccess, readonlyaccess]\n",
    )
    with pytest.raises(ConfigError, match=r"roles\[0\].policies\[1\]: policy 'readonlyaccess'"):
        state_of(file)


def test_role_inline_policies_are_held_to_the_role_quota(tmp_path: Path) -> None:
    actions = ", ".join(f'"s3:GetObject{i:04d}"' for i in range(600))
    statement = f'{{Effect: Allow, Action: [{actions}], Resource: "*"}}'
    document = f'{{Version: "2012-10-17", Statement: [{statement}]}}'
    file = write_account(
        tmp_path,
        f"roles:\n  - name: r\n    assume_role_policy: {TRUST_YAML}\n"
        f"    inline_policies:\n      big: {document}\n",
    )
    with pytest.raises(ConfigError, match="more than the 10240 AWS allows"):
        state_of(file)


def test_the_schema_accepts_every_kind_of_trust_finding_and_no_other() -> None:
    from reconciler.config.schema import load_schema
    from reconciler.core.policy.trust_findings import TRUST_CHECKS

    accept_risk = load_schema()["$defs"]["role"]["properties"]["accept_risk"]
    assert tuple(accept_risk["properties"]) == TRUST_CHECKS
    assert accept_risk["additionalProperties"] is False
