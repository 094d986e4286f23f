"""What a permission set gives its holders, judged by the access model (handed in as
`PowersOf`: the kinds sit below the model): shared by the permission sets' changes and the
assignments'. A module of `declared/` whose name starts with `_` declares no kind.

Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...changes import Action, Change, Risk
from ...state import Document, State
from ..declaration import PowersOf

ADMIN, ESCALATION = "admin", "privilege-escalation"  # as the access model names them
# The changes of a set that may add to what it grants.
_GRANTING = {("permission_set_managed_policy", Action.CREATE),
             ("permission_set_customer_policy", Action.CREATE),
             ("permission_set_inline_policy", Action.CREATE),
             ("permission_set_inline_policy", Action.UPDATE),
             ("permission_set_boundary", Action.UPDATE),
             ("permission_set_boundary", Action.DELETE)}


def permission_set(name: str, state: State) -> Any:
    """The set of that name in the state (its `PermissionSet`), or None."""
    sets: Mapping[str, Any] = state.declared.get("permission_sets", {})
    return next((found for key, found in sets.items() if key.lower() == name.lower()), None)


def role_parts(held: Any) -> tuple[frozenset[str], Document | None, str | None]:
    """What the access model judges of a set (its `PermissionSet`): its AWS managed policies,
    inline policy and boundary, an AWS managed one only (a customer managed boundary is each
    account's own document, never read here)."""
    boundary = held.boundary if held.boundary and held.boundary.startswith("arn:") else None
    return held.managed_policies, held.inline_policy, boundary


def powers(held: Any, powers_of: PowersOf) -> set[tuple[str, str]]:
    return set(powers_of(*role_parts(held)))


def gained(principal: str, where: str, before: set[tuple[str, str]],
           after: set[tuple[str, str]], customer: frozenset[str]) -> tuple[Risk, ...]:
    """Full access gained, else each escalation method gained; a customer managed policy is
    each account's own document, never judged: a risk too, so no gate passes on it."""
    if any(category == ADMIN for category, _ in after - before):
        return (Risk(ADMIN, f"full access {where}", principal),)
    found = [Risk(category, f"{detail} {where}", principal)
             for category, detail in sorted(after - before) if category == ESCALATION]
    found += [Risk(ESCALATION, f"whatever customer managed policy {reference} grants, not "
                               f"judged {where}", principal) for reference in sorted(customer)]
    return tuple(found)


def set_change_risks(change: Change, desired: State, live: State,
                     powers_of: PowersOf) -> tuple[Risk, ...]:
    """A change to the policies of a set provisioned to accounts: what its holders there gain,
    the set as the files leave it against the set as it is."""
    if (change.kind.value, change.action) not in _GRANTING:
        return ()
    found, wanted = permission_set(change.name, live), permission_set(change.name, desired)
    if found is None or wanted is None or not found.provisioned_to:
        return ()  # held by no one yet: its assignments are judged on the set as declared
    where = f"(permission set {change.name}) in " + (
        "1 account" if found.provisioned_to == 1 else f"{found.provisioned_to} accounts")
    return gained(f"holders of permission set {change.name}", where,
                  powers(found, powers_of), powers(wanted, powers_of),
                  wanted.customer_policies - found.customer_policies)
