"""Beside the pipeline, for the local emulator only: the IAM Identity Center calls moto lacks,
answered in the emulator's process, so a person trying iamctl's Identity Center sections
against `iamctl-emulator` can plan, apply and plan again.

moto (see CONTRIBUTING.md, "What the emulator cannot show") has no permission set boundary or
tag calls, no provisioning status, no `UpdateGroup`, and lists no account for a set that
assignments provision. These handlers keep what they are sent and answer it back, as AWS would
for a well-formed request; they check nothing AWS checks, so no test takes them as proof that
AWS accepts a call (the tests use Stubber and their own boundary hooks for that).

Installed by `emulator.serve` in the server's child process, after moto is imported.
"""

from __future__ import annotations

import json
from typing import Any


def install() -> None:
    from moto.identitystore.responses import IdentityStoreResponse
    from moto.ssoadmin.responses import SSOAdminResponse

    for name, handler in _SSO_ADMIN.items():
        setattr(SSOAdminResponse, name, handler)
    moto_accounts = SSOAdminResponse.list_accounts_for_provisioned_permission_set
    setattr(SSOAdminResponse, "list_accounts_for_provisioned_permission_set",  # noqa: B010
            _with_assigned_accounts(moto_accounts))
    setattr(IdentityStoreResponse, "update_group", _update_group)  # noqa: B010


def _store(response: Any, name: str) -> dict[str, Any]:
    """A dict kept on moto's backend of the request's account and region (reset with it)."""
    backend = response.ssoadmin_backend
    if not hasattr(backend, name):
        setattr(backend, name, {})
    found: dict[str, Any] = getattr(backend, name)
    return found


def _not_found(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("ResourceNotFoundException", message)


def _get_boundary(self: Any) -> str:
    arn = self._get_param("PermissionSetArn")
    boundaries = _store(self, "iamctl_boundaries")
    if arn not in boundaries:
        raise _not_found("The permission set has no permissions boundary")
    return json.dumps({"PermissionsBoundary": boundaries[arn]})


def _put_boundary(self: Any) -> str:
    _store(self, "iamctl_boundaries")[self._get_param("PermissionSetArn")] = \
        self._get_param("PermissionsBoundary")
    return "{}"


def _delete_boundary(self: Any) -> str:
    _store(self, "iamctl_boundaries").pop(self._get_param("PermissionSetArn"), None)
    return "{}"


def _list_tags(self: Any) -> str:
    tags = _store(self, "iamctl_tags").get(self._get_param("ResourceArn"), {})
    return json.dumps({"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]})


def _tag(self: Any) -> str:
    tags = _store(self, "iamctl_tags").setdefault(self._get_param("ResourceArn"), {})
    tags.update({tag["Key"]: tag.get("Value", "") for tag in self._get_param("Tags")})
    return "{}"


def _untag(self: Any) -> str:
    tags = _store(self, "iamctl_tags").get(self._get_param("ResourceArn"), {})
    for key in self._get_param("TagKeys"):
        tags.pop(key, None)
    return "{}"


def _provisioning_status(self: Any) -> str:
    # moto's ProvisionPermissionSet answers SUCCEEDED at once: asked later, it still has.
    return json.dumps({"PermissionSetProvisioningStatus": {
        "Status": "SUCCEEDED", "RequestId": self._get_param("ProvisionPermissionSetRequestId"),
        "PermissionSetArn": "", "AccountId": self.current_account}})


def _with_assigned_accounts(moto_accounts: Any) -> Any:
    def list_accounts(self: Any) -> str:
        """moto's accounts and those an assignment provisions the set to (AWS counts both)."""
        listed = json.loads(moto_accounts(self)).get("AccountIds", [])
        arn = self._get_param("PermissionSetArn")
        assigned = [a.target_id for a in self.ssoadmin_backend.account_assignments
                    if a.permission_set_arn == arn]
        return json.dumps({"AccountIds": sorted(set(listed) | set(assigned))})
    return list_accounts


def _update_group(self: Any) -> str:
    store_id, group_id = self._get_param("IdentityStoreId"), self._get_param("GroupId")
    store = self.identitystore_backend.identity_stores[store_id]
    if group_id not in store.groups:
        raise _not_found(f"no group {group_id}")
    group = store.groups[group_id]
    changed = {"displayName": "DisplayName", "description": "Description"}
    for operation in self._get_param("Operations"):
        field = changed.get(operation["AttributePath"])
        if field:
            group = group._replace(**{field: operation.get("AttributeValue", "")})
    store.groups[group_id] = group
    return "{}"


_SSO_ADMIN = {
    "get_permissions_boundary_for_permission_set": _get_boundary,
    "put_permissions_boundary_to_permission_set": _put_boundary,
    "delete_permissions_boundary_from_permission_set": _delete_boundary,
    "list_tags_for_resource": _list_tags,
    "tag_resource": _tag,
    "untag_resource": _untag,
    "describe_permission_set_provisioning_status": _provisioning_status,
}
