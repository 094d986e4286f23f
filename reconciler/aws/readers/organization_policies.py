"""Read an organisation's service control and resource control policies, each type only when
the files declare it (or for export), and check the targets the files name: an unknown or
ambiguous one is an error at its place in the file, with a suggestion, before the plan.

The calls, for P policies of a type (AWS's own included):
  1 ListPolicies (a page more per further 20 policies)
  + P DescribePolicy (the document and description: the listing has no content)
  + P ListTargetsForPolicy (a page more per further 20 targets)
  + T ListTagsForResource, for the T policies the files declare with `tags` (all, for export)
  + the organisation's read (`aws/organization.py`), once for both types and the Identity
    Center assignments' reader.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from ...core.errors import AwsError
from ...core.kinds.declaration import LiveRead
from ...core.kinds.declared._org_policy_model import (
    RCP,
    SCP,
    OrgPolicy,
    PolicyContext,
    PolicyType,
)
from ...core.organization import Organization, TargetError, find_target, reference
from ...core.state import State
from ..answered_documents import answered_document
from ..client import Aws
from ..organization import organization_once
from . import reads

notices = logging.getLogger("reconciler.notices")
PAGE = 20  # the most ListPolicies and ListTargetsForPolicy return a page


@reads(SCP.section)
def read_service_control_policies(aws: Aws, live: State,
                                  wanted: Mapping[str, OrgPolicy] | None) -> LiveRead:
    return read_policies(aws, SCP, live, wanted)


@reads(RCP.section)
def read_resource_control_policies(aws: Aws, live: State,
                                   wanted: Mapping[str, OrgPolicy] | None) -> LiveRead:
    return read_policies(aws, RCP, live, wanted)


def read_policies(aws: Aws, policy_type: PolicyType, live: State,
                  wanted: Mapping[str, OrgPolicy] | None) -> LiveRead:
    if any(isinstance(read, LiveRead) and isinstance(read.context, _Unseen)
           for read in live.declared.values()):
        return LiveRead({}, _Unseen())  # export: no organisation, said by the other type
    org = organization_once(aws, live) if wanted is not None \
        else _exported_organization(aws, live)
    if org is None:
        return LiveRead({}, _Unseen())
    enabled = policy_type.api in org.enabled_types
    if wanted is None and not enabled:
        # Export: a type the organisation does not use is left out; its organisation read is
        # handed on to the other type's reader all the same.
        return LiveRead({}, PolicyContext(org, False, {}))
    for policy in (wanted or {}).values():
        _check_targets(org, policy)
    every: dict[str, OrgPolicy] = {}
    for summary in _listed(aws, "list_policies", "Policies",
                           f"list the {policy_type.plural}", Filter=policy_type.api):
        tagged = wanted is None or (summary["Name"] in wanted
                                    and wanted[summary["Name"]].tags is not None)
        found = _read_policy(aws, org, summary, tagged)
        if found is not None:
            every[found.name] = found
    context = PolicyContext(org, enabled, every)
    return LiveRead(every, context)


def _exported_organization(aws: Aws, live: State) -> Organization | None:
    """For export: the organisation, or None (said once, for both types) when these
    credentials see none, as from an account of no organisation or a member account."""
    try:
        return organization_once(aws, live)
    except AwsError as error:
        if error.code not in _NOT_SEEN:
            raise
        notices.warning("export: organization policies left out: %s", error)
        return None


class _Unseen:
    """Export's read context when these credentials see no organisation: the other type's
    reader neither asks again nor says so again."""


_NOT_SEEN = frozenset({"AccessDenied", "AccessDeniedException",
                       "AWSOrganizationsNotInUseException"})


def _check_targets(org: Organization, policy: OrgPolicy) -> None:
    for ref in policy.targets:
        try:
            find_target(org, ref)
        except TargetError as error:
            place = policy.places.get(ref)
            if place is None:
                raise
            raise place.error(str(error)) from None


def _read_policy(aws: Aws, org: Organization, summary: Mapping[str, Any],
                 tagged: bool) -> OrgPolicy | None:
    """A policy deleted between the list and its reads is left out, as if listed later."""
    policy_id, name = str(summary["Id"]), str(summary["Name"])
    try:
        described = aws.call("organizations", "describe_policy", f"read policy {name}",
                             PolicyId=policy_id)["Policy"]
        nodes = tuple(str(target["TargetId"]) for target in _listed(
            aws, "list_targets_for_policy", "Targets", f"list the targets of policy {name}",
            PolicyId=policy_id))
        tags = _tags(aws, name, policy_id) if tagged and not summary.get("AwsManaged") else None
    except AwsError as error:
        if error.code not in _GONE:
            raise
        return None
    every_node = {org.root, *org.units, *org.accounts}
    return OrgPolicy(
        name=name, description=str(described["PolicySummary"].get("Description", "")),
        document=answered_document(f"read policy {name}", described.get("Content")),
        targets=tuple(sorted(nodes)),
        everywhere=bool(every_node) and every_node <= set(nodes), tags=tags,
        aws_managed=bool(summary.get("AwsManaged")), policy_id=policy_id,
        target_names=tuple(reference(org, node) for node in sorted(nodes)))


# How Organizations says a policy is gone: its own codes (DescribePolicy, ListTargetsForPolicy:
# PolicyNotFoundException; ListTagsForResource: TargetNotFoundException), not the
# ResourceNotFoundException of other services.
_GONE = frozenset({"PolicyNotFoundException", "TargetNotFoundException"})


def _tags(aws: Aws, name: str, policy_id: str) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in _listed(
        aws, "list_tags_for_resource", "Tags", f"read the tags of policy {name}",
        ResourceId=policy_id)}


def _listed(aws: Aws, operation: str, key: str, doing: str,
            **params: Any) -> Iterator[dict[str, Any]]:
    paged = {"MaxResults": PAGE} if operation != "list_tags_for_resource" else {}
    for page in aws.pages("organizations", operation, doing, **params, **paged):
        yield from page.get(key, [])
