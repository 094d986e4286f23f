"""Read IAM Identity Center's groups from its identity store: the store (ListInstances), its
users (ListUsers, once per client with the users' read: members are named by user name), its
groups (ListGroups), and the members of each group the files declare (ListGroupMemberships).
A user a declared group names
must be in the store or declared under `identity_center.users`, and a declared group must not
come from an external IdP: both are errors before any change.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from ...core.errors import IamctlError
from ...core.kinds.declared.identity_store_groups import StoreGroup
from ...core.state import State
from ..client import Aws
from ..identity_center import choose_instance, export_store, identity_store_id, store_users
from . import reads


@reads("identity_store_groups")
def read_groups(aws: Aws, live: State,
                wanted: Mapping[str, Any] | None) -> dict[str, StoreGroup]:
    if wanted is None:  # export: every group the store holds, when these credentials see it
        store = export_store(aws)
        if store is None:
            return {}
        return {name: group for name, group in _groups(aws, store, None).items()
                if not group.external}  # an IdP's groups cannot be declared
    choose_instance(aws, wanted)
    return _groups(aws, identity_store_id(aws), wanted)


def _groups(aws: Aws, store: str, wanted: Mapping[str, Any] | None) -> dict[str, StoreGroup]:
    """The store's groups; the members of those `wanted` names (all, for None)."""
    users = {user["UserId"]: user["UserName"] for user in store_users(aws)}
    _check_members(wanted or {}, set(users.values()))
    groups = {}
    for page in aws.pages("identitystore", "list_groups", "list Identity Center groups",
                          IdentityStoreId=store):
        for group in page.get("Groups", []):
            name = group["DisplayName"]
            external = bool(group.get("ExternalIds"))
            if external and wanted is not None and name in wanted:
                raise IamctlError(
                    f"identity_center.groups: group {name} is provisioned by an external IdP "
                    "(SCIM): declaring it would have two sources fight over it; name it in "
                    "assignments instead")
            memberships = _memberships(aws, store, group["GroupId"], users) \
                if wanted is None or name in wanted else {}
            groups[name] = StoreGroup(name, group.get("Description", ""),
                                      frozenset(memberships), group["GroupId"], external,
                                      memberships)
    return groups


def _memberships(aws: Aws, store: str, group_id: str, users: Mapping[str, str]) -> dict[str, str]:
    return {users.get(member["MemberId"].get("UserId", ""), member["MemberId"].get("UserId", "")):
            member["MembershipId"]
            for page in aws.pages("identitystore", "list_group_memberships",
                                  f"list the members of group {group_id}",
                                  IdentityStoreId=store, GroupId=group_id)
            for member in page.get("GroupMemberships", [])}


def _check_members(wanted: Mapping[str, StoreGroup], known: set[str]) -> None:
    """Each member must be in the store, or declared (this apply creates it first)."""
    for group in wanted.values():
        for user in sorted(group.members - known - group.users_declared):
            close = difflib.get_close_matches(user, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise IamctlError(f"identity_center.groups: group {group.name}: no user {user} in "
                              f"the identity store{hint}")
