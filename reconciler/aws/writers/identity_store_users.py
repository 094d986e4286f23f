"""Writers for IAM Identity Center's users (`core/kinds/declared/identity_store_users.py`).

A user created by this apply has no id in the plan: the group memberships and assignments
that name it find it by name when they are made (`identity_store_groups.py`, `assignments.py`).
Each write has the client list the store's users again (`identity_center.forget_users`): what
a plan on the same client reads after the apply must be the store as the apply left it.
"""

from __future__ import annotations

from typing import Any

from ...core.changes import Action, Change
from ...core.kinds.declared.identity_store_users import (
    IDENTITY_STORE_USER,
    IDENTITY_STORE_USER_FIELDS,
)
from ...core.payloads import tags_of
from ..identity_center import forget_users, principal_id
from .base import WriteContext, writes
from .identity_store_groups import store

# UpdateUser's attribute paths, by the file's field.
ATTRIBUTE_PATHS = {"user_name": "userName", "display_name": "displayName",
                   "given_name": "name.givenName", "family_name": "name.familyName",
                   "email": "emails"}


def emails(address: str) -> list[dict[str, Any]]:
    """The user's one email, its primary (the store holds at most one)."""
    return [{"Value": address, "Type": "work", "Primary": True}]


def user_id(ctx: WriteContext, name: str, known: str) -> str:
    return known or principal_id(ctx.aws, "USER", name, just_created=True)


@writes(IDENTITY_STORE_USER, Action.CREATE)
def create_user(ctx: WriteContext, change: Change) -> None:
    given = tags_of(change.after)
    # Identity Center requires the display name and both names (the API model leaves them out).
    forget_users(ctx.aws)
    store(ctx, "create_user", f"create Identity Center user {change.name}",
          UserName=change.name, DisplayName=given["display_name"],
          Name={"GivenName": given["given_name"], "FamilyName": given["family_name"]},
          **({"Emails": emails(given["email"])} if given["email"] else {}))


@writes(IDENTITY_STORE_USER, Action.DELETE)
def delete_user(ctx: WriteContext, change: Change) -> None:
    forget_users(ctx.aws)
    store(ctx, "delete_user", f"delete Identity Center user {change.name}",
          UserId=user_id(ctx, change.name, change.target))


@writes(IDENTITY_STORE_USER_FIELDS, Action.UPDATE)
def update_fields(ctx: WriteContext, change: Change) -> None:
    wanted = tags_of(change.after)
    # The emails are a multi-valued attribute: UpdateUser replaces the list whole, with the
    # keys in SCIM's spelling.
    operations = [{"AttributePath": ATTRIBUTE_PATHS[name],
                   "AttributeValue": [{"value": value, "type": "work", "primary": True}]
                   if name == "email" else value}
                  for name, value in sorted(wanted.items())]
    forget_users(ctx.aws)
    store(ctx, "update_user", f"update Identity Center user {change.name}",
          UserId=user_id(ctx, change.name, change.target), Operations=operations)
