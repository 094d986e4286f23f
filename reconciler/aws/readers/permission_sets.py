"""Read the IAM Identity Center instance's permission sets: the instance (ListInstances: the
one `identity_center.instance_arn` names, else the only one), the sets (ListPermissionSets),
then seven calls per set (its description and settings, AWS managed and customer managed
policies, inline policy, boundary, tags, and the accounts it is provisioned to). sso-admin has
no bulk read; the client keeps the calls under the instance's 20 a second.

A set deleted between the list and its reads is left out, as if listed a moment later.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ...core.errors import IamctlError, ResourceNotFoundError
from ...core.kinds.declared.permission_sets import PermissionSet
from ...core.state import State
from ..answered_documents import answered_document
from ..client import Aws
from ..identity_center import choose_instance, instance_arn, visible
from . import reads


@reads("permission_sets")
def read_permission_sets(
    aws: Aws, live: State, wanted: Mapping[str, Any] | None
) -> dict[str, PermissionSet]:
    if wanted is None and not visible(aws):
        return {}
    if wanted is not None:
        choose_instance(aws, wanted)
    instance = instance_arn(aws)
    arns = [arn for page in aws.pages("sso-admin", "list_permission_sets",
                                      "list permission sets", InstanceArn=instance)
            for arn in page.get("PermissionSets", [])]
    found = [read_set(aws, instance, arn) for arn in arns]
    return {permission_set.name: permission_set for permission_set in found if permission_set}


def read_set(aws: Aws, instance: str, arn: str) -> PermissionSet | None:
    ask = _Ask(instance, arn)
    try:
        described = ask.call(aws, "describe_permission_set",
                             f"read permission set {arn}")["PermissionSet"]
        name = described["Name"]
        return PermissionSet(
            name=name, description=described.get("Description", ""),
            session_seconds=_seconds(described.get("SessionDuration")),
            relay_state=described.get("RelayState", ""),
            managed_policies=frozenset(_managed(aws, name, ask)),
            customer_policies=frozenset(_customer(aws, name, ask)),
            inline_policy=_inline(aws, name, ask), boundary=_boundary(aws, name, ask),
            tags=_tags(aws, name, instance, arn), arn=arn,
            accounts=_provisioned(aws, name, ask))
    except ResourceNotFoundError:
        return None


@dataclass(frozen=True)
class _Ask:
    """The instance and the set every per-set call names."""

    instance: str
    arn: str

    def call(self, aws: Aws, operation: str, doing: str) -> dict[str, Any]:
        return aws.call("sso-admin", operation, doing, InstanceArn=self.instance,
                        PermissionSetArn=self.arn)

    def pages(self, aws: Aws, operation: str, doing: str) -> Iterator[dict[str, Any]]:
        return aws.pages("sso-admin", operation, doing, InstanceArn=self.instance,
                         PermissionSetArn=self.arn)


def _seconds(written: Any) -> int:
    """AWS answers ISO 8601 (PT4H); an emulator may answer the seconds as a number, or a
    duration AWS would refuse (PT20H): read as it is, for the diff to set it right, never a
    traceback. What is not a duration at all is one error naming it."""
    if isinstance(written, int):
        return written
    found = _ISO_DURATION.fullmatch(written or "PT1H")
    if not found or not any(found.groups()):
        raise IamctlError(f"a permission set's session duration {written!r}: not an ISO 8601 "
                          "duration")
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + seconds


_ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")


def _managed(aws: Aws, name: str, ask: _Ask) -> list[str]:
    return [policy["Arn"] for page in ask.pages(
        aws, "list_managed_policies_in_permission_set",
        f"list the AWS managed policies of permission set {name}")
        for policy in page.get("AttachedManagedPolicies", [])]


def _customer(aws: Aws, name: str, ask: _Ask) -> list[str]:
    return [f"{ref.get('Path', '/')}{ref['Name']}" for page in ask.pages(
        aws, "list_customer_managed_policy_references_in_permission_set",
        f"list the customer managed policies of permission set {name}")
        for ref in page.get("CustomerManagedPolicyReferences", [])]


def _inline(aws: Aws, name: str, ask: _Ask) -> Any:
    written = ask.call(aws, "get_inline_policy_for_permission_set",
                       f"read the inline policy of permission set {name}").get("InlinePolicy", "")
    return answered_document(f"read the inline policy of permission set {name}", written)


def _boundary(aws: Aws, name: str, ask: _Ask) -> str | None:
    try:
        found = ask.call(aws, "get_permissions_boundary_for_permission_set",
                         f"read the permissions boundary of permission set {name}",
                         )["PermissionsBoundary"]
    except ResourceNotFoundError:  # AWS's answer for a set without one
        return None
    if "ManagedPolicyArn" in found:
        return str(found["ManagedPolicyArn"])
    reference = found["CustomerManagedPolicyReference"]
    return f"{reference.get('Path', '/')}{reference['Name']}"


def _tags(aws: Aws, name: str, instance: str, arn: str) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for page in aws.pages(
        "sso-admin", "list_tags_for_resource", f"read the tags of permission set {name}",
        InstanceArn=instance, ResourceArn=arn) for tag in page.get("Tags", [])}


def _provisioned(aws: Aws, name: str, ask: _Ask) -> tuple[str, ...]:
    """Kept, not just counted: the assignments' read takes them from here."""
    return tuple(account for page in ask.pages(
        aws, "list_accounts_for_provisioned_permission_set",
        f"list the accounts permission set {name} is provisioned to")
        for account in page.get("AccountIds", []))
