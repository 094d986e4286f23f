"""Writers for groups: the group itself, its path, members it must lose, and its deletion."""

from __future__ import annotations

from ...core.changes import Action, Change, ChangeKind
from ...core.diff.attachments import entities_in
from ...core.errors import (
    IamctlError,
    NoSuchEntityError,
)
from ...core.payloads import PathSpec, payload_as
from .base import WriteContext, create, leave_group, remove, writes


@writes(ChangeKind.GROUP, Action.CREATE)
def create_group(ctx: WriteContext, change: Change) -> None:
    name, path = change.name, payload_as(change.after, PathSpec).path

    def differs() -> str | None:
        group = ctx.aws.iam("get_group", f"check group {name}", GroupName=name)["Group"]
        if group.get("Path", "/") != path:
            return f"group {name} already exists, with path {group.get('Path')} instead of {path}"
        return None

    create(ctx, "create_group", f"create group {name}", differs, GroupName=name, Path=path)


@writes(ChangeKind.GROUP_MEMBER, Action.DELETE)
def remove_member(ctx: WriteContext, change: Change) -> None:
    leave_group(ctx, user=change.target, group=change.name)


@writes(ChangeKind.GROUP, Action.DELETE)
def delete_group(ctx: WriteContext, change: Change) -> None:
    """AWS refuses to delete a group with members or policies: remove them first. Its members
    must be among those the plan named: a user added since is not iamctl's to remove."""
    group = change.name
    doing = f"delete group {group}"
    try:
        pages = list(ctx.aws.pages("iam", "get_group", doing, GroupName=group))
        attached = list(
            ctx.aws.pages("iam", "list_attached_group_policies", doing, GroupName=group)
        )
        inline = list(ctx.aws.pages("iam", "list_group_policies", doing, GroupName=group))
    except NoSuchEntityError:
        return
    members = [u["UserName"] for page in pages for u in page["Users"]]
    refuse_unnamed_members(change, members)
    for user in members:
        leave_group(ctx, user, group)
    for policy in (p for page in attached for p in page["AttachedPolicies"]):
        remove(
            ctx,
            "detach_group_policy",
            f"detach policy from group {group}",
            GroupName=group,
            PolicyArn=policy["PolicyArn"],
        )
    for name in (n for page in inline for n in page["PolicyNames"]):
        remove(
            ctx,
            "delete_group_policy",
            f"delete inline policy of group {group}",
            GroupName=group,
            PolicyName=name,
        )
    remove(ctx, "delete_group", doing, GroupName=group)


def refuse_unnamed_members(change: Change, members: list[str]) -> None:
    planned = {entity.name for entity in entities_in(change.before)}
    unnamed = [name for name in members if name not in planned]
    if unnamed:
        raise IamctlError(
            f"group {change.name} now also has member(s) {', '.join(unnamed)}, which the plan "
            "did not name; nothing was removed: run plan again"
        )
