"""API calls at real AWS page sizes: what a read that moto answered in one page would cost."""

from __future__ import annotations

import math
from collections.abc import Mapping

GAAD = "GetAccountAuthorizationDetails"
# IAM's default page size when a call sends no MaxItems, and the largest it accepts.
DEFAULT_MAX_ITEMS = 100
LARGEST_MAX_ITEMS = 1000


def gaad_pages(entities: int, max_items: int | None) -> int:
    """Pages of GetAccountAuthorizationDetails for `entities` users, groups, policies and roles.

    Assumes each page holds MaxItems entities across its lists, the most AWS returns; AWS
    documents that a page may hold fewer, so this is the lower bound of real AWS's count.
    """
    size = min(max_items or DEFAULT_MAX_ITEMS, LARGEST_MAX_ITEMS)
    return max(1, math.ceil(entities / size))


def calls_at_real_page_sizes(
    calls: Mapping[str, int], max_items: Mapping[str, int], entities: int
) -> int:
    """`calls` (by action, as moto received them) with every GetAccountAuthorizationDetails read
    counted at AWS's page size. moto answers that call in one page whatever MaxItems says; it
    does page ListPolicies, ListVirtualMFADevices and ListRoles by MaxItems (1,000 a page, as AWS
    at most), so those counts stand."""
    real = dict(calls)
    if real.get(GAAD):
        real[GAAD] *= gaad_pages(entities, max_items.get(GAAD))
    return sum(real.values())
