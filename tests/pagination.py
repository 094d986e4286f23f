"""Make moto paginate: serve IAM list answers in pages of N items, as real AWS does.

moto answers most IAM list calls (GetAccountAuthorizationDetails among them) in one page, so code
that forgets `Marker` passes every test against it. `paginate(aws, 3)` hooks the `Aws` object's IAM
client: each call still reaches moto (and is counted in `aws.calls`), but its answer is replaced
by one page of the full listing, with `IsTruncated` and a `Marker` that the next call must send.

The full listing is read with a separate client on the same emulator, which `aws.calls` does not
count, so the count of calls equals the count of pages served.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import boto3
from botocore import xform_name

from reconciler.aws.client import Aws

# Operation -> the list keys of its answer, in the order AWS fills its pages.
LIST_KEYS: Mapping[str, tuple[str, ...]] = {
    "GetAccountAuthorizationDetails": (
        "UserDetailList", "GroupDetailList", "RoleDetailList", "Policies",
    ),
    "ListPolicies": ("Policies",),
    "ListVirtualMFADevices": ("VirtualMFADevices",),
    "ListAccessKeys": ("AccessKeyMetadata",),
    "ListMFADevices": ("MFADevices",),
    "ListUsers": ("Users",),
    "ListGroups": ("Groups",),
    "ListGroupsForUser": ("Groups",),
    "ListAttachedUserPolicies": ("AttachedPolicies",),
    "ListAttachedGroupPolicies": ("AttachedPolicies",),
    "ListUserPolicies": ("PolicyNames",),
    "ListGroupPolicies": ("PolicyNames",),
    "ListUserTags": ("Tags",),
    "ListPolicyVersions": ("Versions",),
    "ListRoles": ("Roles",),
    "ListInstanceProfilesForRole": ("InstanceProfiles",),
    "ListAttachedRolePolicies": ("AttachedPolicies",),
    "ListRolePolicies": ("PolicyNames",),
}

_MARKER_PREFIX = "test-page-"


class Paginator:
    """Counts the pages served per operation (`pages["ListPolicies"]`)."""

    def __init__(self, aws: Aws, page_size: int, operations: tuple[str, ...]) -> None:
        self.page_size = page_size
        # Several paginators may hook one client: each serves only the calls it marked.
        self._context_key = f"test_page_{id(self)}"
        self.pages: Counter[str] = Counter()
        # The listing a sequence of pages is cut from: read on its first page, like a snapshot.
        self._listings: dict[str, list[tuple[str, Any]]] = {}
        client = aws._iam
        # A second client on the same emulator, without the call counter, reads full listings.
        self._reader = boto3.client(
            "iam",
            region_name=client.meta.region_name,
            endpoint_url=client.meta.endpoint_url,
        )
        for operation in operations:
            client.meta.events.register_first(
                f"before-parameter-build.iam.{operation}", self._take_marker)
        # On the service-wide event and last: after botocore's own handler there has decoded the
        # policy documents of moto's answer (the full listing's documents are decoded already).
        client.meta.events.register_last("after-call.iam", self._serve_page)

    def _take_marker(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """Keep this page's marker from moto (it would read it as its own) and remember it."""
        marker = params.pop("Marker", None)
        max_items = params.pop("MaxItems", None)
        context[self._context_key] = {
            "offset": int(marker[len(_MARKER_PREFIX):]) if marker else 0,
            "size": min(self.page_size, max_items or self.page_size),
            "params": dict(params),
        }

    def _serve_page(
        self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        request = context.get(self._context_key)
        if request is None or "Error" in parsed:
            return
        operation = model.name
        keys = LIST_KEYS[operation]
        offset, size = request["offset"], request["size"]
        listing_key = f"{operation} {sorted(request['params'].items())}"
        if offset == 0 or listing_key not in self._listings:
            self._listings[listing_key] = self._full_listing(operation, keys, request["params"])
        items = self._listings[listing_key]
        page = items[offset:offset + size]
        for key in keys:
            parsed[key] = [item for k, item in page if k == key]
        parsed["IsTruncated"] = offset + size < len(items)
        parsed.pop("Marker", None)
        if parsed["IsTruncated"]:
            parsed["Marker"] = f"{_MARKER_PREFIX}{offset + size}"
        self.pages[operation] += 1

    def _full_listing(
        self, operation: str, keys: tuple[str, ...], params: dict[str, Any]
    ) -> list[tuple[str, Any]]:
        """Every item of the listing as (key, item), following moto's own markers if any."""
        method = getattr(self._reader, xform_name(operation))
        items: list[tuple[str, Any]] = []
        request = dict(params)
        while True:
            answer = method(**request)
            items += [(key, item) for key in keys for item in answer.get(key, [])]
            if not answer.get("IsTruncated"):
                return items
            request["Marker"] = answer["Marker"]


def paginate(aws: Aws, page_size: int, operations: tuple[str, ...] | None = None) -> Paginator:
    """Serve the given operations (default: every one in LIST_KEYS) in pages of `page_size`."""
    return Paginator(aws, page_size, operations or tuple(LIST_KEYS))

