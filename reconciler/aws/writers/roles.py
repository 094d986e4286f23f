"""Writers for roles: the role itself, the settings UpdateRole changes, its trust policy, its
instance profile, and its deletion. (Tags, attachments, inline policies and the boundary are
written by the shared writers of `attributes.py`.)

A trust policy that names a principal created a moment before (earlier in the same apply) can be
refused while IAM propagates it: CreateRole and UpdateAssumeRolePolicy are tried again for a
short window (`while_principal_propagates`).
"""

from __future__ import annotations

from typing import Any

from ...core.arns import tag_list
from ...core.changes import Action, Change, ChangeKind
from ...core.errors import EntityAlreadyExistsError, IamctlError
from ...core.payloads import PathSpec, RoleSettings, RoleSpec, payload_as, text_of
from ...core.policy.documents import canonical
from .base import WriteContext, call, create, listed, remove, while_principal_propagates, writes


@writes(ChangeKind.ROLE, Action.CREATE)
def create_role(ctx: WriteContext, change: Change) -> None:
    """CreateRole with everything it takes in one call: path, trust policy, description,
    maximum session, permissions boundary and tags."""
    name, spec = change.name, payload_as(change.after, RoleSpec)
    params: dict[str, Any] = {
        "RoleName": name,
        "Path": spec.path,
        "AssumeRolePolicyDocument": spec.trust,
    }
    optional = {
        "Description": spec.description,
        "MaxSessionDuration": spec.max_session_duration,
        "PermissionsBoundary": spec.permissions_boundary,
    }
    params.update({key: value for key, value in optional.items() if value is not None})
    if spec.tags:
        params["Tags"] = tag_list(spec.tags)

    def differs() -> str | None:
        role = ctx.aws.iam("get_role", f"check role {name}", RoleName=name)["Role"]
        path = role.get("Path", "/")
        if path != spec.path:
            return f"role {name} already exists, with path {path} instead of {spec.path}"
        if canonical(role.get("AssumeRolePolicyDocument", "{}")) != canonical(spec.trust):
            return f"role {name} already exists, with another trust policy"
        return None

    while_principal_propagates(
        ctx, lambda: create(ctx, "create_role", f"create role {name}", differs, **params)
    )


@writes(ChangeKind.ROLE_SETTINGS, Action.UPDATE)
def update_settings(ctx: WriteContext, change: Change) -> None:
    """UpdateRole with both settings, the one not changing at the value read: AWS keeps a
    setting left out, but the emulator resets it (to no description, or one hour)."""
    after = payload_as(change.after, RoleSettings)
    settings = {"Description": after.description, "MaxSessionDuration": after.max_session_duration}
    params = {key: value for key, value in settings.items() if value is not None}
    call(ctx, "update_role", f"change the settings of role {change.name}", RoleName=change.name,
         **params)


@writes(ChangeKind.ROLE_TRUST, Action.UPDATE)
def update_trust(ctx: WriteContext, change: Change) -> None:
    doing, trust = f"change the trust policy of role {change.name}", text_of(change.after)
    while_principal_propagates(
        ctx,
        lambda: call(
            ctx, "update_assume_role_policy", doing, RoleName=change.name, PolicyDocument=trust
        ),
    )


@writes(ChangeKind.INSTANCE_PROFILE, Action.CREATE)
def create_instance_profile(ctx: WriteContext, change: Change) -> None:
    """The instance profile of the role's name and path, holding the role. A profile of that
    name left empty (its role deleted by hand, say) is taken over when its path is the same."""
    name, path = change.name, payload_as(change.after, PathSpec).path
    doing = f"create instance profile {name} for role {name}"
    try:
        call(ctx, "create_instance_profile", doing, InstanceProfileName=name, Path=path)
    except EntityAlreadyExistsError:
        existing = call(ctx, "get_instance_profile", doing, InstanceProfileName=name)
        refuse_other_profile(existing["InstanceProfile"], name, path)
        if any(r["RoleName"] == name for r in existing["InstanceProfile"].get("Roles", [])):
            return  # an earlier attempt whose answer was lost did it all
    call(ctx, "add_role_to_instance_profile", f"add role {name} to instance profile {name}",
         InstanceProfileName=name, RoleName=name)


def refuse_other_profile(profile: dict[str, Any], name: str, path: str) -> None:
    roles = [r["RoleName"] for r in profile.get("Roles", []) if r["RoleName"] != name]
    if profile.get("Path", "/") != path or roles:
        holds = f", holding role {roles[0]}" if roles else ""
        raise IamctlError(
            f"create instance profile {name}: one of that name exists already, with path "
            f"{profile.get('Path')}{holds}; delete it or rename the role (run plan to see it)"
        )


@writes(ChangeKind.INSTANCE_PROFILE, Action.DELETE)
def delete_instance_profile(ctx: WriteContext, change: Change) -> None:
    leave_profile(ctx, change.name, change.name, delete=True)


def leave_profile(ctx: WriteContext, role: str, profile: str, delete: bool) -> None:
    """The role leaves the profile; the profile of the role's own name goes too. Already gone
    counts as done."""
    remove(ctx, "remove_role_from_instance_profile",
           f"remove role {role} from instance profile {profile}",
           InstanceProfileName=profile, RoleName=role)
    if delete:
        remove(ctx, "delete_instance_profile", f"delete instance profile {profile}",
               InstanceProfileName=profile)


@writes(ChangeKind.ROLE, Action.DELETE)
def delete_role(ctx: WriteContext, change: Change) -> None:
    """AWS refuses to delete a role that is in an instance profile or has policies: it leaves
    every profile (deleting the one of its name), its policies are detached and its inline
    policies deleted, then the role goes."""
    role = change.name
    for profile in listed(ctx, "list_instance_profiles_for_role", "InstanceProfiles",
                          RoleName=role):
        name = profile["InstanceProfileName"]
        leave_profile(ctx, role, name, delete=name == role)
    for attached in listed(ctx, "list_attached_role_policies", "AttachedPolicies", RoleName=role):
        remove(ctx, "detach_role_policy", f"delete role {role}: detach {attached['PolicyArn']}",
               RoleName=role, PolicyArn=attached["PolicyArn"])
    for policy in listed(ctx, "list_role_policies", "PolicyNames", RoleName=role):
        remove(ctx, "delete_role_policy", f"delete role {role}: delete inline policy {policy}",
               RoleName=role, PolicyName=policy)
    remove(ctx, "delete_role", f"delete role {role}", RoleName=role)
