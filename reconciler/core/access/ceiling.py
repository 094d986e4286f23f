"""The ceiling service control policies put on a member account: its principals can do at most
what an Allow permits at every level from the root down to the account, minus any Deny on that
path (the Organizations User Guide, "SCP evaluation"). The management account and service-linked
roles are never limited. `iamctl access` caps each answer for an account of the organisation
whose management account's files are in the run, with the policies as the files leave them.

Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..changes import Change
from ..kinds.declaration import LiveRead
from ..kinds.declared._org_policy_diff import outcome
from ..kinds.declared._org_policy_model import SCP, OrgPolicy, PolicyContext
from ..kinds.declared.service_control_policies import CHANGES as SCP_CHANGES
from ..organization import Organization
from ..payloads import tags_of
from ..policy.documents import as_dict
from ..state import State
from .conditions import Facts, Verdict
from .grants import Answer, Grant, decide, grants_of


@dataclass(frozen=True)
class Level:
    """One node of the path and the statements of the SCPs attached there."""

    node: str  # as the files name it: root, ou:Workloads, an account's id
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class Ceiling:
    account: str
    levels: tuple[Level, ...]  # from the root down to the account

    def decide(self, action: str, resource: str) -> Answer:
        """Whether the SCPs let the action through somewhere in `resource`: the least of the
        levels' answers; `via` names the level that stops (or may stop) it."""
        verdict, via = Verdict.YES, tuple[str, ...]()
        for level in self.levels:
            found = decide(level.grants, action.lower(), resource, Facts())
            if found.verdict < verdict:
                verdict, via = found.verdict, (f"the service control policies on {level.node}",)
        return Answer(verdict, via)


def ceilings(desired: State, live: State) -> Mapping[str, Ceiling]:
    """Each member account's ceiling once the files are applied, from the management account's
    desired and live states; empty when its files declare no service control policies, or
    SCPs are off and stay off (nothing is limited)."""
    read = live.declared.get(SCP.section)
    if SCP.section not in desired.declared or not isinstance(read, LiveRead) \
            or not isinstance(read.context, PolicyContext):
        return {}
    wanted: Mapping[str, OrgPolicy] = desired.declared[SCP.section]
    managed = read.only(lambda name: not desired.ignore.matches(SCP.section, name))
    result = outcome(SCP, wanted, managed, read.context, desired.prune)
    if not result.enabled:
        return {}
    attached: dict[str, list[Grant]] = {}
    for name, nodes in result.after.items():
        document = result.document(name, wanted)
        grants = grants_of(as_dict(document), f"SCP {name}") if document else ()
        for node in nodes:
            attached.setdefault(node, []).extend(grants)
    context, org = read.context, read.context.organization
    return {account: Ceiling(account, tuple(
        Level(context.node_name(node), tuple(attached.get(node, ())))
        for node in _path(org, account)))
        for account in org.accounts if account != org.management}


def _path(org: Organization, account: str) -> list[str]:
    """The root, the OUs down to the account, the account."""
    path = [account]
    node = org.accounts[account].parent
    while node in org.units:
        path.append(node)
        node = org.units[node].parent
    path.append(org.root)
    return list(reversed(path))


# Self-lockout: iamctl may run in a delegated administrator account, which SCPs limit.

# The Organizations calls iamctl makes (its readers' and writers'), besides IAM's.
ORGANIZATIONS_CALLS = tuple(f"organizations:{name}" for name in (
    "ListRoots", "ListOrganizationalUnitsForParent", "ListAccountsForParent", "ListPolicies",
    "DescribePolicy", "ListTargetsForPolicy", "ListTagsForResource", "CreatePolicy",
    "UpdatePolicy", "DeletePolicy", "AttachPolicy", "DetachPolicy", "TagResource",
    "UntagResource", "EnablePolicyType"))
_SCP_CHANGES = frozenset({SCP_CHANGES.target, SCP_CHANGES.document})


def lost_calls(desired: State, live: State, calls: Iterable[str]) -> tuple[str, ...]:
    """The calls the account running iamctl may make under the SCPs now and may not (surely or
    maybe) once the files are applied: none from the management account, which SCPs never
    limit, nor when the files declare no SCPs."""
    after = ceilings(desired, live).get(live.account.id)
    if after is None:
        return ()
    # Before: the policies as they are (none declared, none pruned); no ceiling when SCPs are
    # off, which limits nothing.
    before = ceilings(replace(desired, declared={SCP.section: {}}, prune=False),
                      live).get(live.account.id)
    return tuple(call for call in calls
                 if (before is None or before.decide(call, "*").verdict == Verdict.YES)
                 and after.decide(call, "*").verdict != Verdict.YES)


def cuts_off_by_ceiling(change: Change, lost: Sequence[str], live: State) -> str:
    """Why an SCP change on the running account's path is SELF-LOCKOUT, or ""."""
    read = live.declared.get(SCP.section)
    if not lost or change.kind not in _SCP_CHANGES or not isinstance(read, LiveRead) \
            or not isinstance(read.context, PolicyContext):
        return ""
    org = read.context.organization
    node = tags_of(change.after or change.before).get("node", "")
    if change.kind == SCP_CHANGES.target and node not in _path(org, live.account.id):
        return ""
    shown = ", ".join(lost[:3]) + (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
    return (f"the service control policies would deny account {live.account.id}, where "
            f"iamctl runs (a delegated administrator), {shown} (of the calls iamctl makes)")
