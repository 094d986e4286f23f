"""Read IAM Identity Center's users from its identity store: the store (ListInstances) and its
users, fields included (ListUsers, a page per 100 users; once per client, whichever of this
read and the groups' asks first). A declared user must not come from an external IdP: an
error before any change.

The store compares user names without regard to case: a user the files declare is keyed as the
files write it (a name differing only in case is then a change of its user name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...core.errors import IamctlError
from ...core.kinds.declared.identity_store_users import StoreUser
from ...core.state import State
from ..client import Aws
from ..identity_center import choose_instance, export_store, store_users
from . import reads


@reads("identity_store_users")
def read_users(aws: Aws, live: State,
               wanted: Mapping[str, StoreUser] | None) -> dict[str, StoreUser]:
    if wanted is None:  # export: every user the store holds, when these credentials see it
        if export_store(aws) is None:
            return {}
        return {user.user_name: user for user in _users(aws)
                if not user.external}  # an IdP's users cannot be declared
    choose_instance(aws, wanted)
    found = _users(aws)
    declared = {name.lower(): name for name in wanted}
    users = {declared.get(user.user_name.lower(), user.user_name): user for user in found}
    for name in wanted:
        if name in users and users[name].external:
            raise IamctlError(
                f"identity_center.users: user {name} is provisioned by an external IdP (SCIM): "
                "declaring it would have two sources fight over it; name it in groups and "
                "assignments instead")
    return users


def _users(aws: Aws) -> list[StoreUser]:
    return [store_user(user) for user in store_users(aws)]


def store_user(user: Mapping[str, Any]) -> StoreUser:
    """A user as ListUsers answers it; its email is its primary one (else its first)."""
    name = user.get("Name", {})
    return StoreUser(user["UserName"], user.get("DisplayName", ""), name.get("GivenName", ""),
                     name.get("FamilyName", ""), primary_email(user.get("Emails", [])),
                     user["UserId"], bool(user.get("ExternalIds")))


def primary_email(emails: Iterable[Mapping[str, Any]]) -> str | None:
    listed = list(emails)
    chosen = next((email for email in listed if email.get("Primary")), None) or \
        next(iter(listed), None)
    return None if chosen is None else str(chosen.get("Value", "")) or None
