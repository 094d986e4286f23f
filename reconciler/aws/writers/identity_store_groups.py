"""Writers for IAM Identity Center's groups (`core/kinds/declared/identity_store_groups.py`).

A group created by this apply has no id in the plan: its members' changes find it by name.
"""

from __future__ import annotations

from typing import Any

from ...core.changes import Action, Change
from ...core.kinds.declared.identity_store_groups import (
    IDENTITY_STORE_GROUP,
    IDENTITY_STORE_GROUP_DESCRIPTION,
    IDENTITY_STORE_GROUP_MEMBER,
)
from ...core.payloads import tags_of, text_of
from ..identity_center import principal_id, store_call
from .base import WriteContext, writes


def store(ctx: WriteContext, operation: str, doing: str, **params: Any) -> dict[str, Any]:
    return store_call(ctx.aws, operation, doing, **params)


def group_id(ctx: WriteContext, name: str, known: str) -> str:
    return known or principal_id(ctx.aws, "GROUP", name, just_created=True)


@writes(IDENTITY_STORE_GROUP, Action.CREATE)
def create_group(ctx: WriteContext, change: Change) -> None:
    description = tags_of(change.after)["description"]
    store(ctx, "create_group", f"create Identity Center group {change.name}",
          DisplayName=change.name, **({"Description": description} if description else {}))


@writes(IDENTITY_STORE_GROUP, Action.DELETE)
def delete_group(ctx: WriteContext, change: Change) -> None:
    store(ctx, "delete_group", f"delete Identity Center group {change.name}",
          GroupId=group_id(ctx, change.name, change.target))


@writes(IDENTITY_STORE_GROUP_DESCRIPTION, Action.UPDATE)
def update_description(ctx: WriteContext, change: Change) -> None:
    store(ctx, "update_group", f"set the description of Identity Center group {change.name}",
          GroupId=group_id(ctx, change.name, change.target),
          Operations=[{"AttributePath": "description", "AttributeValue": text_of(change.after)}])


@writes(IDENTITY_STORE_GROUP_MEMBER, Action.CREATE)
def add_member(ctx: WriteContext, change: Change) -> None:
    user = store(ctx, "get_user_id", f"find Identity Center user {change.target}",
                 AlternateIdentifier={"UniqueAttribute": {
                     "AttributePath": "userName", "AttributeValue": change.target}})["UserId"]
    store(ctx, "create_group_membership",
          f"add {change.target} to Identity Center group {change.name}",
          GroupId=group_id(ctx, change.name, text_of(change.after)), MemberId={"UserId": user})


@writes(IDENTITY_STORE_GROUP_MEMBER, Action.DELETE)
def remove_member(ctx: WriteContext, change: Change) -> None:
    store(ctx, "delete_group_membership",
          f"remove {change.target} from Identity Center group {change.name}",
          MembershipId=text_of(change.before))
