"""Read the IAM Identity Center account assignments of the permission sets the files name, and
resolve the names they write: groups and users through the identity store, accounts through
Organizations. Every name is checked here, before the plan: an unknown or ambiguous one is an
error at its place in the file, with a suggestion.

The calls, for S sets named, P groups and users named, and A_s accounts set s is provisioned
to (the floor: an assignment provisions its set to its account, so the accounts a set is
provisioned to are the only ones that can hold one of its assignments, and
ListAccountAssignments answers one set in one account):
  S  ListAccountsForProvisionedPermissionSet (a page more per further 100 accounts), none when
     the files declare the sets: the permission sets' read lists them and keeps them
  + sum(A_s) ListAccountAssignments (a page more per further 100 assignments)
  + P  GetGroupId / GetUserId, once per name whatever the sets that name it; none for a group
     or user the identity-store reads listed (they list them all when the files declare groups,
     users)
  + the organisation's read (`aws/organization.py`: 1 + 2 * (OUs + 1))
  + ListInstances, once per client, and one DescribeGroup / DescribeUser per principal found
  that the files do not name (the plan says its name).
The sets' ARNs come from the permission sets' reader when the files declare sets (it reads
them all); else ListPermissionSets and a DescribePermissionSet per set of the instance.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ...core.errors import ResourceNotFoundError
from ...core.kinds.declaration import LiveRead
from ...core.kinds.declared.assignments import (
    GROUP,
    LABELS,
    NEW,
    USER,
    Assignments,
    Grant,
    declared_principals,
)
from ...core.organization import Organization, TargetError, resolve_targets
from ...core.state import State
from ..client import Aws
from ..customer_policies import check_customer_policies
from ..identity_center import (
    choose_instance,
    identity_store_id,
    instance_arn,
    listed_users,
    store_users,
    visible,
)
from ..identity_center import principal_id as find_principal
from ..organization import organization_once, read_organization
from . import reads

notices = logging.getLogger("reconciler.notices")
# The identity store's unique attribute that names each kind of principal.
ID_FIELD = {GROUP: "GroupId", USER: "UserId"}


@reads("assignments")
def read_assignments(
    aws: Aws, live: State, wanted: Mapping[str, Assignments] | None
) -> Mapping[str, Assignments]:
    if wanted is None:
        return _read_all(aws, set_arns(aws, live), live) if visible(aws) else {}
    choose_instance(aws, wanted)
    arns = set_arns(aws, live)
    _check_sets(wanted, arns)
    org = organization_once(aws, live)
    ids = _listed_principals(aws, live)
    found = {name: resolved(aws, org, entries, arns.get(name, ""), live, ids)
             for name, entries in wanted.items()}
    found = {name: without_the_management_account(aws.identity().account, org, wanted[name],
                                                  assignments)
             for name, assignments in found.items()}
    check_customer_policies(aws, live, wanted, found)
    return LiveRead(found, org)  # the organisation, for the organization policies' readers


def without_the_management_account(own: str, org: Organization, entries: Assignments,
                                   found: Assignments) -> Assignments:
    """From a delegated administrator, IAM Identity Center does not manage the sets
    provisioned to the management account: naming that account is an error before any change;
    reaching it through `root` or an OU leaves it out, with a notice, and what the set holds
    there is out of reach (never planned for removal)."""
    if not org.management or own == org.management:
        return found
    targets = dict(found.targets)
    for ref, accounts in sorted(found.targets.items()):
        if org.management not in accounts:
            continue
        if ref != "root" and not ref.startswith("ou:"):
            raise entries.place(f"account:{ref}").error(
                f"account {org.management} is the organisation's management account: from a "
                f"delegated administrator (account {own}), IAM Identity Center does not manage "
                "permission sets there; assign it from the management account's file")
        targets[ref] = accounts - {org.management}
        notices.warning("permission set %s: %s leaves out the management account %s (a "
                        "delegated administrator cannot assign there)", entries.permission_set,
                        ref, org.management)
    return replace(found, targets=targets,
                   grants=frozenset(g for g in found.grants if g.account != org.management))


def _listed_principals(aws: Aws, live: State) -> dict[tuple[str, str], str]:
    """The ids of the groups and users the identity-store reads listed (each lists every one
    of the store when the files declare its kind; the groups' read lists the users too, to name
    their members): a name found there needs no GetGroupId or GetUserId."""
    groups = {(GROUP, name): group.group_id
              for name, group in live.declared.get("identity_store_groups", {}).items()
              if group.group_id}
    users = {(USER, str(user["UserName"])): str(user["UserId"])
             for user in listed_users(aws) or () if "UserName" in user and "UserId" in user}
    return {**groups, **users, **{
        (USER, name): user.user_id
        for name, user in live.declared.get("identity_store_users", {}).items()
        if user.user_id}}


def _read_all(aws: Aws, arns: Mapping[str, str], live: State) -> dict[str, Assignments]:
    """For export: every set's assignments; the organisation (for the accounts' names) is read
    only when there is one (an instance may stand in an account of no organisation)."""
    found = {name: read_set(aws, name, arn, accounts=_provisioned_read(live, name))
             for name, arn in sorted(arns.items())}
    if not any(assigned.grants for assigned in found.values()):
        return found
    org = read_organization(aws)
    return {name: replace(assigned, account_names=_names_of(
        org, {grant.account for grant in assigned.grants})) for name, assigned in found.items()}


def set_arns(aws: Aws, live: State) -> dict[str, str]:
    """The instance's sets, name -> ARN: as the permission sets' reader read them, else read."""
    if "permission_sets" in live.declared:
        return {name: found.arn for name, found in live.declared["permission_sets"].items()}
    instance = instance_arn(aws)
    arns = [arn for page in aws.pages("sso-admin", "list_permission_sets",
                                      "list permission sets", InstanceArn=instance)
            for arn in page.get("PermissionSets", [])]
    return {aws.call("sso-admin", "describe_permission_set", f"read permission set {arn}",
                     InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]["Name"]: arn
            for arn in arns}


def _check_sets(wanted: Mapping[str, Assignments], arns: Mapping[str, str]) -> None:
    for name, entries in wanted.items():
        if name not in arns and not entries.set_declared:
            close = difflib.get_close_matches(name, sorted(arns), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else \
                ": declare it under identity_center.permission_sets"
            raise entries.place("set").error(
                f"permission set '{name}' is neither declared nor in the instance{hint}")


def _provisioned_read(live: State, name: str) -> Sequence[str] | None:
    """The accounts the set is provisioned to, as the permission sets' reader listed them (it
    lists them for every set of the instance when the files declare sets); None: not read."""
    found = live.declared.get("permission_sets", {}).get(name)
    return None if found is None else tuple(found.accounts)


def resolved(aws: Aws, org: Organization, entries: Assignments, arn: str,
             live: State, ids: dict[tuple[str, str], str]) -> Assignments:
    """The set's live assignments, with what the file's names resolve to. `ids` holds the
    principals' ids already known, and keeps those found here for the next set: a name several
    sets assign is looked up once."""
    principal_ids = {(kind, name): _known_id(aws, entries, kind, name, ids)
                     for kind, name in sorted({(g.principal_type, g.principal)
                                               for g in entries.grants})}
    targets = {ref: _accounts(org, entries, ref)
               for ref in sorted({grant.account for grant in entries.grants})}
    known = {principal: name for (_, name), principal in principal_ids.items()}
    found = read_set(aws, entries.permission_set, arn, known,
                     _provisioned_read(live, entries.permission_set))
    reached = {account for accounts in targets.values() for account in accounts} | \
        {grant.account for grant in found.grants}
    return replace(found, principal_ids=principal_ids, targets=targets,
                   principal_names={**found.principal_names, **known},
                   account_names=_names_of(org, reached))


def _accounts(org: Organization, entries: Assignments, ref: str) -> frozenset[str]:
    try:
        reached = resolve_targets(org, [ref])
    except TargetError as error:
        raise entries.place(f"account:{ref}").error(str(error)) from None
    for note in reached.notes:
        notices.warning("permission set %s: %s", entries.permission_set, note)
    return reached.accounts


def _known_id(aws: Aws, entries: Assignments, kind: str, name: str,
              ids: dict[tuple[str, str], str]) -> str:
    if (kind, name) not in ids:
        found = principal_id(aws, entries, kind, name)
        if found.startswith(tuple(NEW.values())):  # depends on what this set's entries declare
            return found
        ids[kind, name] = found
    return ids[kind, name]


def principal_id(aws: Aws, entries: Assignments, kind: str, name: str) -> str:
    """The group (by DisplayName) or user (by UserName) of the identity store: its id."""
    try:
        return find_principal(aws, kind, name)
    except ResourceNotFoundError:
        if name in declared_principals(entries, kind):
            return NEW[kind] + name  # created by this apply, before its assignments
        known = _names(aws, kind)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise entries.place(f"{kind}:{name}").error(
            f"no {LABELS[kind]} '{name}' in the identity store{hint}") from None


def _names(aws: Aws, kind: str) -> list[str]:
    """Every group's or user's name: only to suggest one for a name that is not found. The
    users as listed once per client (the users' and groups' reads list them too)."""
    if kind != GROUP:
        return [str(user.get("UserName", "")) for user in store_users(aws)]
    # identitystore's ListGroups (spelt from the label: the apply role's check reads quoted
    # method names as IAM's, and IAM has a call of the same name).
    return [found.get("DisplayName", "") for page in aws.pages(
        "identitystore", f"list_{LABELS[kind]}s", f"list the {LABELS[kind]}s",
        IdentityStoreId=identity_store_id(aws)) for found in page.get("Groups", [])]


def read_set(aws: Aws, name: str, arn: str, known: Mapping[str, str] | None = None,
             accounts: Sequence[str] | None = None) -> Assignments:
    """The set's assignments: in each account it is provisioned to (`accounts` when the
    permission sets' read listed them, else listed here; none when the instance lacks the set
    yet), with the names of their principals (the accounts' are the caller's)."""
    if not arn:
        return Assignments(name)
    instance = instance_arn(aws)
    if accounts is None:
        accounts = provisioned(aws, instance, name, arn)
    grants = frozenset(
        Grant(found["PrincipalType"], found["PrincipalId"], account)
        for account in accounts
        for found in _assigned(aws, instance, name, arn, account))
    names = dict(known or {})
    for grant in sorted(grants):
        if grant.principal not in names:
            names[grant.principal] = principal_name(aws, grant.principal_type, grant.principal)
    return Assignments(name, grants, arn=arn, principal_names=names)


def provisioned(aws: Aws, instance: str, name: str, arn: str) -> list[str]:
    return [account for page in aws.pages(
        "sso-admin", "list_accounts_for_provisioned_permission_set",
        f"list the accounts permission set {name} is provisioned to",
        InstanceArn=instance, PermissionSetArn=arn) for account in page.get("AccountIds", [])]


def _assigned(aws: Aws, instance: str, name: str, arn: str,
              account: str) -> Iterable[dict[str, Any]]:
    for page in aws.pages("sso-admin", "list_account_assignments",
                          f"list the assignments of permission set {name} in {account}",
                          InstanceArn=instance, PermissionSetArn=arn, AccountId=account):
        yield from page.get("AccountAssignments", [])


def principal_name(aws: Aws, kind: str, principal: str) -> str:
    """A principal the files do not name, for the plan and export: its name, or its id when
    the identity store no longer has it."""
    store = identity_store_id(aws)
    operation, field = ("describe_group", "DisplayName") if kind == GROUP \
        else ("describe_user", "UserName")
    given: dict[str, Any] = {"IdentityStoreId": store, ID_FIELD[kind]: principal}
    try:
        found = aws.call("identitystore", operation, f"read {LABELS[kind]} {principal}",
                         **given)
    except ResourceNotFoundError:
        return principal
    return str(found.get(field) or principal)


def _names_of(org: Organization, accounts: Iterable[str]) -> dict[str, str]:
    return {account: org.accounts[account].name for account in accounts
            if account in org.accounts}
