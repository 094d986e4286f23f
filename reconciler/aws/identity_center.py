"""The account's IAM Identity Center instance and its identity store, for the Identity Center
kinds' readers and writers (`readers/`, `writers/`): the instances listed once per client
(ListInstances), the one the files name chosen by the readers (`choose_instance`) and used by
every call after them, and the identity store's groups and users found by name.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import AccessDeniedError, IamctlError
from ..core.kinds.declared._identity_center import Instance, declared_instance
from .client import Aws

# Per client: the instances ListInstances answered, and the one its calls use.
_LISTED: weakref.WeakKeyDictionary[Aws, list[dict[str, Any]]] = weakref.WeakKeyDictionary()
_CHOSEN: weakref.WeakKeyDictionary[Aws, dict[str, Any]] = weakref.WeakKeyDictionary()
notices = logging.getLogger("reconciler.notices")


def choose_instance(aws: Aws, wanted: Mapping[str, Any]) -> None:
    """The instance this client's calls use from now on: the one the files name
    (`identity_center.instance_arn`, carried on what they declare of each kind), else the
    account's only one. Each Identity Center reader calls it first, so the writers, which
    know only the client, act on the instance the plan read."""
    _CHOSEN[aws] = _matching(aws, declared_instance(wanted))


def instance_arn(aws: Aws) -> str:
    """The instance the client's calls use (`choose_instance`)."""
    return str(_instance(aws)["InstanceArn"])


def identity_store_id(aws: Aws) -> str:
    """The instance's identity store (`d-...`), which names groups and users: ListInstances'
    own pairing of the two, never another instance's store."""
    return str(_instance(aws)["IdentityStoreId"])


def _instance(aws: Aws) -> dict[str, Any]:
    if aws not in _CHOSEN:
        _CHOSEN[aws] = _matching(aws, None)
    return _CHOSEN[aws]


def _listed(aws: Aws) -> list[dict[str, Any]]:
    if aws not in _LISTED:
        _LISTED[aws] = [instance for page in aws.pages("sso-admin", "list_instances",
                                                       "find IAM Identity Center")
                        for instance in page.get("Instances", [])]
    return _LISTED[aws]


def _matching(aws: Aws, declared: Instance | None) -> dict[str, Any]:
    found = _listed(aws)
    arns = [str(instance["InstanceArn"]) for instance in found]
    if declared is not None:
        if declared.arn in arns:
            return found[arns.index(declared.arn)]
        raise declared.place.error(
            f"{declared.arn} is not an IAM Identity Center instance of {_where(aws)} "
            f"({_listing(arns)})")
    if len(found) == 1:
        return found[0]
    if found:
        raise IamctlError(
            f"identity_center: {len(found)} IAM Identity Center instances in {_where(aws, ',')} "
            f"({', '.join(arns)}): set identity_center.instance_arn to the one the files "
            "manage")
    raise IamctlError(
        f"identity_center: no IAM Identity Center instance in {_where(aws, ',')}; "
        f"{_RUN_WHERE}")


_RUN_WHERE = ("run iamctl with the organisation's management (or delegated administrator) "
              "account's credentials, in the instance's region")


def _where(aws: Aws, joint: str = " in") -> str:
    return f"account {aws.identity().account}{joint} region {aws.region}"


def _listing(arns: Sequence[str]) -> str:
    return f"it lists {', '.join(arns)}" if arns else f"it lists none: {_RUN_WHERE}"


_HIDDEN: weakref.WeakKeyDictionary[Aws, bool] = weakref.WeakKeyDictionary()


def visible(aws: Aws) -> bool:
    """For export: whether these credentials see an instance. Most accounts have none, and a
    role that may read IAM alone (IAMReadOnlyAccess) may not ask: export then leaves Identity
    Center out and says so, rather than failing."""
    if aws in _HIDDEN:
        return False
    try:
        instance_arn(aws)
    except (AccessDeniedError, IamctlError) as error:
        _HIDDEN[aws] = True  # said once, however many kinds ask
        notices.warning("export: IAM Identity Center left out: %s", error)
        return False
    return True


def export_store(aws: Aws) -> str | None:
    """For export: the identity store, or None when the instance is not visible (`visible`)."""
    return identity_store_id(aws) if visible(aws) else None


# Per client: its identity store's id and users.
_USERS: weakref.WeakKeyDictionary[Aws, tuple[str, list[dict[str, Any]]]] = \
    weakref.WeakKeyDictionary()


def store_users(aws: Aws) -> list[dict[str, Any]]:
    """Every user of the identity store as ListUsers answers them, fields included: the users'
    read, the groups' (members are named by user name) and the assignments' suggestions all
    need them, and the listing is the store's largest (a page per 100 users): read once per
    client. A client reads the account once per plan; its own writes to users
    (`forget_users`) have a plan after its apply list them again."""
    store = identity_store_id(aws)
    if aws not in _USERS or _USERS[aws][0] != store:  # listed, and of the instance chosen
        _USERS[aws] = store, [user for page in aws.pages(
            "identitystore", "list_users", "list Identity Center users", IdentityStoreId=store)
            for user in page.get("Users", [])]
    return _USERS[aws][1]


def listed_users(aws: Aws) -> list[dict[str, Any]] | None:
    """The store's users if this client has listed them (`store_users`), else None: a reader
    that needs only some ids asks for them one by one rather than list them all."""
    found = _USERS.get(aws)
    return found[1] if found is not None and found[0] == identity_store_id(aws) else None


def forget_users(aws: Aws) -> None:
    """The store's users changed through this client: `store_users` lists them again."""
    _USERS.pop(aws, None)


# How the identity store names groups and users uniquely.
_BY_NAME = {"GROUP": ("get_group_id", "displayName", "GroupId", "group"),
            "USER": ("get_user_id", "userName", "UserId", "user")}


def principal_id(aws: Aws, principal_type: str, name: str, just_created: bool = False) -> str:
    """The id of the identity store's group (by display name) or user (by user name);
    ResourceNotFoundError when the store has none of that name. `just_created`: made by this
    apply, so a name not found yet is tried again for a short window."""
    operation, attribute, field, label = _BY_NAME[principal_type]
    found = aws.call("identitystore", operation, f"find Identity Center {label} {name}",
                     retry_not_found=just_created, IdentityStoreId=identity_store_id(aws),
                     AlternateIdentifier={"UniqueAttribute": {"AttributePath": attribute,
                                                              "AttributeValue": name}})
    return str(found[field])


def store_call(aws: Aws, operation: str, doing: str, **params: Any) -> dict[str, Any]:
    """A write to the identity store (its not-found answers right after a create retried)."""
    return aws.call("identitystore", operation, doing, retry_not_found=True,
                    IdentityStoreId=identity_store_id(aws), **params)
