"""Read the organisation (its root, OU tree and accounts, each with its parent) into
`core.organization.Organization`, for resolving the targets the files name.

From the root down, each parent (the root, then every OU) is asked for its OUs
(ListOrganizationalUnitsForParent) and its accounts (ListAccountsForParent): the accounts come
with their parent known, so no ListParents per account. With A accounts and O OUs, that is
`1 + 2 * (O + 1)` calls (ListRoots, then two listings per parent) while no parent holds more
than 20 OUs or 20 accounts, each further 20 under one parent a page more: at most
`3 + 2*O + A//20 + O//20` (and AWS may answer an empty page with a NextToken, one more call
each time). ListAccounts plus ListParents would cost `A/20 + A` on top of the OU tree.

Organizations is called from the management account or a delegated administrator only; any
other caller's AccessDenied or AWSOrganizationsNotInUse leaves as the client's AwsError.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..core.errors import AwsError
from ..core.kinds.declaration import LiveRead
from ..core.organization import OrgAccount, Organization, OrgUnit
from ..core.state import State
from .client import Aws

PAGE = 20  # the most both per-parent listings return a page (their MaxResults' maximum)


def organization_once(aws: Aws, live: State) -> Organization:
    """The organisation as another reader of this same read read it (a reader hands it on in
    its `LiveRead`'s context, or in the context's `organization`), else read now: once per plan
    for the assignments and both organization policy types, whichever runs first."""
    for read in live.declared.values():
        context = read.context if isinstance(read, LiveRead) else None
        found = getattr(context, "organization", context)
        if isinstance(found, Organization):
            return found
    return read_organization(aws)


def read_organization(aws: Aws) -> Organization:
    root, management, enabled = _root(aws)
    accounts: dict[str, OrgAccount] = {}
    units: dict[str, OrgUnit] = {}
    parents = [root]
    while parents:  # breadth first: an OU's children are asked for once it is known
        parent = parents.pop(0)
        for unit in _listed(aws, "list_organizational_units_for_parent",
                            "OrganizationalUnits", f"list the OUs in {parent}", parent):
            units[unit["Id"]] = OrgUnit(id=unit["Id"], name=unit["Name"], parent=parent)
            parents.append(unit["Id"])
        for account in _listed(aws, "list_accounts_for_parent", "Accounts",
                               f"list the accounts in {parent}", parent):
            accounts[account["Id"]] = _account(account, parent)
    return Organization(root=root, accounts=accounts, units=units, management=management,
                        enabled_types=enabled)


def _root(aws: Aws) -> tuple[str, str, frozenset[str]]:
    """The root's id, the management account's id, which its ARN holds
    (`arn:aws:organizations::111111111111:root/o-.../r-...`), and the policy types enabled on
    it: an organisation has exactly one root (the listing pages all the same, as any of
    Organizations' may answer an empty page with a NextToken)."""
    doing = "read the organisation's root"
    pages = aws.pages("organizations", "list_roots", doing)
    root = next((found for page in pages for found in page["Roots"]), None)
    if root is None:  # never from AWS; an emulator's or a proxy's answer
        raise AwsError(doing, "ListRoots", "NoRoot", "the organisation lists no root")
    arn = str(root.get("Arn", ""))
    enabled = frozenset(str(found["Type"]) for found in root.get("PolicyTypes", [])
                        if found.get("Status") == "ENABLED")
    return str(root["Id"]), arn.split(":")[4] if arn.count(":") >= 5 else "", enabled


def _listed(
    aws: Aws, operation: str, key: str, doing: str, parent: str
) -> Iterator[dict[str, Any]]:
    for page in aws.pages("organizations", operation, doing, ParentId=parent, MaxResults=PAGE):
        yield from page[key]


def _account(listed: dict[str, Any], parent: str) -> OrgAccount:
    # AWS is replacing `Status` (ACTIVE, SUSPENDED, PENDING_CLOSURE) with `State`, which adds
    # PENDING_ACTIVATION and CLOSED: read the new one where the answer has it.
    status = listed.get("State") or listed["Status"]
    return OrgAccount(id=listed["Id"], name=listed["Name"], status=status, parent=parent)
