"""The account's IAM Identity Center instance and its identity store, for the Identity Center
kinds' readers and writers (`readers/`, `writers/`): found once per client (ListInstances), and
the identity store's groups and users found by name.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from ..core.errors import AccessDeniedError, IamctlError
from .client import Aws

_INSTANCES: weakref.WeakKeyDictionary[Aws, dict[str, Any]] = weakref.WeakKeyDictionary()
notices = logging.getLogger("reconciler.notices")


def instance_arn(aws: Aws) -> str:
    """The account's IAM Identity Center instance (read once per client)."""
    return str(_instance(aws)["InstanceArn"])


def identity_store_id(aws: Aws) -> str:
    """The instance's identity store (`d-...`), which names groups and users."""
    return str(_instance(aws)["IdentityStoreId"])


def _instance(aws: Aws) -> dict[str, Any]:
    if aws not in _INSTANCES:
        found = [instance
                 for page in aws.pages("sso-admin", "list_instances", "find IAM Identity Center")
                 for instance in page.get("Instances", [])]
        if len(found) != 1:
            where = f"account {aws.identity().account}, region {aws.region}"
            raise IamctlError(
                f"identity_center: {len(found) or 'no'} IAM Identity Center instances in "
                f"{where}; run iamctl with the organisation's management (or delegated "
                "administrator) account's credentials, in the instance's region")
        _INSTANCES[aws] = found[0]
    return _INSTANCES[aws]


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
