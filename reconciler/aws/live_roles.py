"""Roles in the live account, for `live.py`: from the bulk read, and the two settings it lacks.

GetAccountAuthorizationDetails (Filter Role) gives each role's trust policy (URL-encoded, like
policy versions), instance profiles, attached and inline policies, permissions boundary and
tags, but not its description or maximum session duration: those come from ListRoles (1,000
roles a page), read only when the file manages one of them (`read_role_settings`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ..core.arns import tag_map
from ..core.policy import documents as policydoc
from ..core.policy.trust import trust_document
from ..core.state import Document, Role, State, aws_owned_path
from .client import Aws


def role_from_detail(item: Mapping[str, Any]) -> Role:
    """A RoleDetail of GetAccountAuthorizationDetails."""
    name = item["RoleName"]
    profiles = tuple(sorted(p["InstanceProfileName"] for p in item.get("InstanceProfileList", [])))
    trust = item.get("AssumeRolePolicyDocument")
    return Role(
        name=name,
        path=item.get("Path", "/"),
        # Compared by meaning as a trust policy: principals as AWS rewrites them (an account id
        # as its root ARN, in the role's partition) are no change.
        trust=trust_document(trust, partition_of(item)) if trust else Document(""),
        permissions_boundary=boundary_arn(item),
        policies=frozenset(p["PolicyArn"] for p in item.get("AttachedManagedPolicies", [])),
        inline_policies={
            p["PolicyName"]: policydoc.canonical(p["PolicyDocument"])
            for p in item.get("RolePolicyList", [])
        },
        tags=tag_map(item.get("Tags", [])),
        instance_profile=name in profiles,
        arn=item.get("Arn", ""),
        instance_profiles=profiles,
    )


def partition_of(item: Mapping[str, Any]) -> str:
    """`aws`, `aws-cn`, `aws-us-gov`: from the role's ARN."""
    arn = str(item.get("Arn", ""))
    return arn.split(":")[1] if arn.startswith("arn:") else "aws"


def boundary_arn(item: Mapping[str, Any]) -> str | None:
    """The permissions boundary of a UserDetail or RoleDetail (absent: none)."""
    boundary = item.get("PermissionsBoundary") or {}
    arn = boundary.get("PermissionsBoundaryArn")
    return str(arn) if arn else None


def set_apart(roles: Iterable[Role]) -> tuple[dict[str, Role], dict[str, Role]]:
    """The account's own roles, and those that belong to AWS (never changed nor pruned)."""
    own: dict[str, Role] = {}
    aws_owned: dict[str, Role] = {}
    for role in roles:
        (aws_owned if aws_owned_path(role.path) else own)[role.name] = role
    return own, aws_owned


def read_role_settings(aws: Aws, state: State) -> State:
    """Every live role's description ("" for none) and maximum session duration, from
    ListRoles: ceil(roles / 1,000) calls, whatever the number of roles the file manages."""
    settings: dict[str, tuple[str, int | None]] = {}
    for page in aws.pages(
        "iam", "list_roles", "read role descriptions and session durations", MaxItems=1000
    ):
        for item in page.get("Roles", []):
            settings[item["RoleName"]] = (
                item.get("Description") or "",
                item.get("MaxSessionDuration"),
            )
    roles = {
        name: replace(role, description=settings[name][0], max_session_duration=settings[name][1])
        if name in settings
        else role
        for name, role in state.roles.items()
    }
    return replace(state, roles=roles)
