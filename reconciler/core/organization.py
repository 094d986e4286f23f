"""The organisation as read (`aws/organization.py`), and the accounts a file's references reach.

Identity Center assignments and organization policies name their targets by account id,
account name, OU (`ou:NAME`, `ou:Parent/Child`) or `root`; `resolve_targets` turns such a list
into account ids, or one error line for the caller to place in the file. Pure.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ROOT = "root"
OU_PREFIX = "ou:"
_ACCOUNT_ID = re.compile(r"^\d{12}$")


class TargetError(ValueError):
    """A reference that names no target, or more than one: one line, without file or line."""


@dataclass(frozen=True)
class OrgAccount:
    id: str
    name: str
    # AWS's account state (`State`, else the older `Status`): ACTIVE, SUSPENDED,
    # PENDING_CLOSURE, ...; only an ACTIVE account is a target.
    status: str
    parent: str  # the root's or an OU's id

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class OrgUnit:
    id: str
    name: str
    parent: str


@dataclass(frozen=True)
class Organization:
    root: str  # the root's id (`r-...`)
    accounts: Mapping[str, OrgAccount]  # by id
    units: Mapping[str, OrgUnit]  # by id
    management: str = ""  # the management account's id (in the root's ARN)
    # The policy types enabled on the root (`SERVICE_CONTROL_POLICY`, ...), as ListRoots says.
    enabled_types: frozenset[str] = frozenset()

    def path(self, unit_id: str) -> str:
        """`Workloads/Prod`: the OU's name after its ancestors', from the root down."""
        names: list[str] = []
        node = unit_id
        while node in self.units:
            names.append(self.units[node].name)
            node = self.units[node].parent
        return "/".join(reversed(names))

    def accounts_under(self, node: str) -> list[OrgAccount]:
        """The accounts of the root, an OU with its sub-OUs', or an account itself."""
        if node in self.accounts:
            return [self.accounts[node]]
        if node == self.root:
            return list(self.accounts.values())
        inside = {node}
        # Parents come before children in no particular order: grow the set until it stops.
        while grown := {u.id for u in self.units.values() if u.parent in inside} - inside:
            inside |= grown
        return [account for account in self.accounts.values() if account.parent in inside]


@dataclass(frozen=True)
class Resolved:
    """What a list of references reaches."""

    accounts: frozenset[str]  # the ids of the active accounts reached
    # The node each reference names (root, OU or account id), in order, each once: what an
    # organization policy is attached to. A suspended account named directly is one.
    targets: tuple[str, ...]
    notes: tuple[str, ...]  # the accounts left out and why, for the plan to print


def resolve_targets(org: Organization, refs: Sequence[str]) -> Resolved:
    """The accounts `refs` reach; raises TargetError on the first reference that names no
    target or more than one. An account reached twice (by id and by name, or through its OU)
    is one; a suspended one is left out with a note."""
    targets = list(dict.fromkeys(find_target(org, ref) for ref in refs))
    reached = {a.id: a for node in targets for a in org.accounts_under(node)}
    skipped = sorted((a for a in reached.values() if not a.active), key=lambda a: a.id)
    return Resolved(
        accounts=frozenset(a.id for a in reached.values() if a.active),
        targets=tuple(targets),
        notes=tuple(f"account {a.id} ({a.name}) is {a.status}: skipped" for a in skipped),
    )


def find_target(org: Organization, ref: str) -> str:
    """The id of the one node `ref` names: the root, an OU or an account."""
    if ref == ROOT:
        return org.root
    if ref.startswith(OU_PREFIX):
        return _find_unit(org, ref[len(OU_PREFIX):])
    if _ACCOUNT_ID.match(ref):
        if ref not in org.accounts:
            raise TargetError(f"account {ref} is not in the organisation")
        return ref
    return _find_account(org, ref)


def _find_unit(org: Organization, path: str) -> str:
    """An OU whose path from the root is `path` or ends with `/path`: `Prod` is every OU named
    Prod, `Workloads/Prod` only the one under Workloads (AWS refuses two OUs of one name under
    one parent, so the whole path always names one)."""
    paths = {unit: org.path(unit) for unit in org.units}
    found = sorted(u for u, p in paths.items() if p == path or p.endswith("/" + path))
    if len(found) == 1:
        return found[0]
    if not found:
        hint = _suggestion(OU_PREFIX + path, _known(org))
        raise TargetError(f"no OU '{path}' in the organisation{hint}")
    candidates = ", ".join(f"{OU_PREFIX}{paths[u]} ({u})" for u in found)
    raise TargetError(f"{len(found)} OUs are named '{path}': {candidates}; "
                      "name one by its path (ou:Parent/Child)")


def _find_account(org: Organization, name: str) -> str:
    """The account named `name`. AWS lets two accounts share a name: then none is picked."""
    found = sorted(a.id for a in org.accounts.values() if a.name == name)
    if len(found) == 1:
        return found[0]
    if not found:
        hint = _suggestion(name, _known(org))
        raise TargetError(f"no account named '{name}' in the organisation{hint}")
    places = ", ".join(f"{a} (in {reference(org, org.accounts[a].parent)})" for a in found)
    raise TargetError(f"{len(found)} accounts are named '{name}': {places}; name one by its id")


def reference(org: Organization, node: str) -> str:
    """How a file names a node: `root`, `ou:Parent/Child`, an account's id."""
    if node == org.root:
        return ROOT
    return OU_PREFIX + org.path(node) if node in org.units else node


def _known(org: Organization) -> set[str]:
    """Every reference that names something: what a misspelt one is compared with (an OU
    written without `ou:` is one of the slips it catches)."""
    units = {OU_PREFIX + name for u in org.units.values() for name in (u.name, org.path(u.id))}
    return {ROOT, *(a.name for a in org.accounts.values()), *units}


def _suggestion(ref: str, known: Iterable[str]) -> str:
    """` (did you mean 'prod-api'?)`, or nothing when no known name is close. Case is the
    likeliest slip and the one difflib scores worst, so it is looked for first."""
    names = sorted(known)
    same = [name for name in names if name.casefold() == ref.casefold()]
    close = same or difflib.get_close_matches(ref, names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
