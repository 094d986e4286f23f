"""IAM Identity Center account assignments (`identity_center.assignments`): the file's entries,
their changes and how a plan says them. A kind declared once, here; its reader is
`aws/readers/assignments.py` (which resolves the names the file writes), its writers
`aws/writers/assignments.py`.

A declared set's assignments are exact: an assignment of a set the files list assignments for,
to a principal or an account they do not list, is drift and is removed. One set's assignments
may be split across entries and files: the entries of one set are merged. An entry grants each
of its groups and users the set in each account its `accounts` reach (ids, names, `ou:NAME`,
`ou:Parent/Child`, `root`). The names are the reader's to resolve (they need AWS): the live
model carries what each name resolved to, so that the diff stays pure.

Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from ...arns import sso_permission_set
from ...changes import Action, Change, ChangeKind, Impact, Risk
from ...payloads import tags as string_map
from ...payloads import tags_of
from ...state import Caller, State
from ..declaration import DeclaredKind, EntityKind, FileEntry, Place, PowersOf
from ..spec import CREATE, DELETE, Phase, spec
from ._identity_center import in_instance
from ._permission_set_access import ESCALATION, gained, permission_set, powers

ASSIGNMENT = ChangeKind.named("account_assignment")  # target: the set's ARN (empty: created now)

GROUP, USER = "GROUP", "USER"
LABELS = {GROUP: "group", USER: "user"}
FIELDS = {GROUP: "groups", USER: "users"}
PAYLOAD_FIELDS = ("account", "account_name", "principal", "principal_id", "principal_type",
                  "reach")


class Grant(NamedTuple):
    """One assignment: a principal holds the set in an account. Desired, by the names and
    references the file writes; live, by the principal's id and the account's id. (A tuple:
    the plan's fingerprint sorts the states' sets.)"""

    principal_type: str  # GROUP | USER
    principal: str
    account: str


@dataclass(frozen=True)
class Assignments:
    """One permission set's assignments."""

    permission_set: str
    grants: frozenset[Grant] = frozenset()
    # Desired only: where each name is written ("set", "GROUP:platform", "account:prod-api"),
    # the first place of each; and whether the files declare the set (`link`).
    places: Mapping[str, Place] = field(default_factory=dict, compare=False)
    set_declared: bool = False
    # Desired only: the groups and users `identity_center.groups` and `.users` declare, which
    # may not exist yet.
    groups_declared: frozenset[str] = frozenset()
    users_declared: frozenset[str] = frozenset()
    # Desired only: the customer managed policies the set names ("path" + "name"); a read-only
    # role to assume in each account, to check they exist there.
    customer_policies: frozenset[str] = frozenset()
    member_role: str | None = None
    # Live only: the set's ARN ("" when the instance lacks it yet), and what the reader
    # resolved the desired names to: (type, name) -> principal id, reference -> account ids.
    arn: str = ""
    principal_ids: Mapping[tuple[str, str], str] = field(default_factory=dict)
    targets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Live only, for the plan and export: principal id -> name, account id -> name.
    principal_names: Mapping[str, str] = field(default_factory=dict)
    account_names: Mapping[str, str] = field(default_factory=dict)

    def place(self, key: str) -> Place:
        return self.places[key]


def from_file(entry: FileEntry) -> Assignments:
    data = entry.data
    name = data["permission_set"]
    places = {"set": Place.at(entry, ("permission_set",))}
    principals: list[tuple[str, str]] = []
    for kind, written in FIELDS.items():
        for index, principal in enumerate(data.get(written, [])):
            places.setdefault(f"{kind}:{principal}", Place.at(entry, (written, index)))
            principals.append((kind, principal))
    if not principals:
        raise entry.error((), "an assignment names at least one group or user")
    for index, ref in enumerate(data["accounts"]):
        places.setdefault(f"account:{ref}", Place.at(entry, ("accounts", index)))
    grants = frozenset(Grant(kind, principal, ref) for kind, principal in principals
                       for ref in data["accounts"])
    return Assignments(name, grants, places)


def key_of(assignments: Assignments) -> str:
    return assignments.permission_set


def merge(first: Assignments, other: Assignments) -> Assignments:
    """Two entries of one set: their assignments together, each name at its first place."""
    return replace(first, grants=first.grants | other.grants,
                   places={**other.places, **first.places})


def link(declared: Mapping[str, Assignments], others: Mapping[str, Iterable[str]],
         settings: Mapping[str, Any]) -> dict[str, Assignments]:
    """Each set's entries told whether the files declare the set (else the instance must hold
    it: the reader checks), which groups and users the files declare (one may be created by
    the same apply), the customer managed policies the declared set names (each must exist in
    every account it is assigned in), and the role to read those accounts with
    (`identity_center.member_role`)."""
    sets = others.get("permission_sets", {})
    by_name = {name.lower(): sets[name] for name in sets} if isinstance(sets, Mapping) else {}
    groups = frozenset(others.get("identity_store_groups", ()))
    users = frozenset(others.get("identity_store_users", ()))
    return {key: replace(found, set_declared=key.lower() in by_name, groups_declared=groups,
                         users_declared=users,
                         customer_policies=by_name[key.lower()].customer_policies
                         if key.lower() in by_name else frozenset(),
                         member_role=settings.get("member_role"))
            for key, found in declared.items()}


# A group or user the files declare and the store does not hold yet: its id is found by name
# when the assignment is made, after it is created (`aws/writers/assignments.py`).
NEW_GROUP = "new-group:"
NEW_USER = "new-user:"
NEW = {GROUP: NEW_GROUP, USER: NEW_USER}


def declared_principals(assignments: Assignments, kind: str) -> frozenset[str]:
    """The groups or users (by `kind`) the files declare."""
    return assignments.groups_declared if kind == GROUP else assignments.users_declared


# The diff.


def wanted_grants(wanted: Assignments, found: Assignments) -> frozenset[Grant]:
    """The file's grants by principal id and account id, as `found` resolved them."""
    return frozenset(
        Grant(grant.principal_type, found.principal_ids[(grant.principal_type, grant.principal)],
              account)
        for grant in wanted.grants for account in found.targets[grant.account])


def diff(desired: Mapping[str, Assignments], live: Mapping[str, Assignments],
         prune: bool) -> Iterable[Change]:
    # `prune` does not reach the sets the files list no assignment of: their assignments are
    # not read (a set the files name is read whole, which is what makes it exact).
    for name, wanted in desired.items():
        found = live.get(name, Assignments(name))
        want, have = wanted_grants(wanted, found), found.grants
        new = sorted(want - have)
        reach = Counter((grant.principal_type, grant.principal) for grant in new)
        for grant in new:
            given = {"reach": str(reach[(grant.principal_type, grant.principal)])}
            yield Change(Action.CREATE, ASSIGNMENT, name, found.arn,
                         after=payload(grant, found) | given)
        for grant in sorted(have - want):
            yield Change(Action.DELETE, ASSIGNMENT, name, found.arn,
                         before=payload(grant, found) | {"reach": ""})


def payload(grant: Grant, found: Assignments) -> dict[str, str]:
    """What the writer needs (ids) and what the plan says (names); a creation adds in how many
    accounts the plan gives the set to the principal."""
    return {"principal_type": grant.principal_type, "principal_id": grant.principal,
            "principal": found.principal_names.get(grant.principal, grant.principal),
            "account": grant.account,
            "account_name": found.account_names.get(grant.account, "")}


def risks(change: Change, desired: State, live: State, powers_of: PowersOf) -> tuple[Risk, ...]:
    """What an assignment made gives its principal, judged by the access model on the set's
    policies, said once per principal however many accounts (the same phrase on each of its
    changes): `group platform gains full access (permission set PlatformAdmin) in 14
    accounts`, else each escalation method. What iamctl cannot see (a set neither declared nor
    read, a customer managed policy, whose document is each account's) is a risk too: a
    gate must not pass on it."""
    if change.action != CREATE:
        return ()
    found = tags_of(change.after)
    principal = f"{LABELS[found['principal_type']]} {found['principal']}"
    where = f"(permission set {change.name}) in " + \
        ("1 account" if found["reach"] == "1" else f"{found['reach']} accounts")
    held = permission_set(change.name, desired) or permission_set(change.name, live)
    if held is None:
        return (Risk(ESCALATION, f"whatever it grants, not read {where}: declare it under "
                                 "identity_center.permission_sets to have it judged", principal),)
    return gained(principal, where, set(), powers(held, powers_of), held.customer_policies)


# How a plan says them, and what they do to access.


def describe(change: Change) -> tuple[str, list[str]]:
    created = change.action == CREATE
    found = tags_of(change.after if created else change.before)
    account = found["account"] + (f" ({found['account_name']})" if found["account_name"] else "")
    verb = "assign" if created else "unassign"
    return (f"permission set {change.name}: {verb} {LABELS[found['principal_type']]} "
            f"{found['principal']} in {account}"), []


def judged(change: Change) -> tuple[Impact, str]:
    # An assignment made gives the principal the set's access in the account (its
    # AWSReservedSSO_ role there); one removed takes it away. Never neutral.
    if change.action == CREATE:
        return Impact.BROADENS, ""
    return Impact.NARROWS, ""


def cuts_off(change: Change, caller: Caller, account: str) -> str:
    """The credentials running iamctl are a session of this set's role in this account: an
    assignment of the set removed here may be the one they come through (which principal the
    session belongs to is not known), and the next run could not get in."""
    own = sso_permission_set(caller.role or "")
    if change.action != DELETE or own is None or own.lower() != change.name.lower():
        return ""
    found = tags_of(change.before)
    if found["account"] != account:
        return ""
    return (f"removes permission set {change.name} from {LABELS[found['principal_type']]} "
            f"{found['principal']} in this account, where the credentials running iamctl are a "
            "session of that set: it may be theirs")


def _payload(data: object) -> Mapping[str, str]:
    found = string_map(data)
    if tuple(sorted(found)) != PAYLOAD_FIELDS:
        raise ValueError("expected the fields " + ", ".join(PAYLOAD_FIELDS))
    if found["principal_type"] not in LABELS:
        raise ValueError("principal_type: expected GROUP or USER")
    return found


def to_file(found: Assignments) -> list[dict[str, Any]]:
    """The entries export writes for one set: one per principal kind and set of accounts
    (principals of one kind holding the set in the same accounts share an entry), by names and
    account ids."""
    accounts: dict[tuple[str, str], set[str]] = {}
    for grant in found.grants:
        accounts.setdefault((grant.principal_type, grant.principal), set()).add(grant.account)
    entries: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (kind, principal), reached in sorted(accounts.items()):
        name = found.principal_names.get(principal, principal)
        entries.setdefault((kind, tuple(sorted(reached))), []).append(name)
    return [{"permission_set": found.permission_set, FIELDS[kind]: sorted(names),
             "accounts": list(reached)}
            for (kind, reached), names in sorted(entries.items())]


KIND = DeclaredKind(
    entity=EntityKind("assignments", "permission set assigned",
                      "permission sets assigned", name_field="permission_set",
                      depends_on=("permission_sets",), within=("identity_center",)),
    changes=(
        # After the sets are made (ROLES); removed before a set is deleted (DELETE_PROVIDERS).
        spec(ASSIGNMENT, Phase.PASSWORD_POLICY, [CREATE, DELETE], describe,
             before=_payload, after=_payload, access=judged),
    ),
    from_file=from_file,
    key_of=key_of,
    check=None,
    diff=diff,
    to_file=to_file,
    ignorable=False,  # a set's assignments are exact once the files list any
    merge=merge,
    link=in_instance(link),
    cuts_off=cuts_off,
    risks=risks,
)
