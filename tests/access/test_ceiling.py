"""The service control policies' ceiling on a member account (`access/ceiling.py`): an Allow at
every level from the root down, less every Deny on the path."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.core.access.ceiling import (
    ORGANIZATIONS_CALLS,
    Ceiling,
    Level,
    ceilings,
    cuts_off_by_ceiling,
    lost_calls,
)
from reconciler.core.access.conditions import Verdict
from reconciler.core.access.grants import Grant, grants_of
from reconciler.core.access.lockout import mark_self_lockout
from reconciler.core.changes import Change
from reconciler.core.kinds.declaration import LiveRead
from reconciler.core.kinds.declared._org_policy_model import SCP, OrgPolicy, PolicyContext
from reconciler.core.kinds.declared.service_control_policies import CHANGES
from reconciler.core.kinds.declared.service_control_policies import KIND as SCP_KIND
from reconciler.core.organization import OrgAccount, Organization, OrgUnit
from reconciler.core.policy.documents import canonical
from reconciler.core.state import Account, Caller, Ignore, State

FULL = grants_of({"Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]},
                 "SCP FullAWSAccess")


def deny(action: str, condition: dict[str, Any] | None = None) -> tuple[Grant, ...]:
    statement: dict[str, Any] = {"Effect": "Deny", "Action": [action], "Resource": ["*"]}
    if condition:
        statement["Condition"] = condition
    return grants_of({"Statement": [statement]}, "SCP Guardrail")


def ceiling(*levels: tuple[Grant, ...]) -> Ceiling:
    return Ceiling("222222222222", tuple(Level(f"node{i}", grants)
                                         for i, grants in enumerate(levels)))


def test_a_deny_anywhere_on_the_path_stops_the_action_and_names_the_level():
    found = ceiling(FULL, FULL + deny("organizations:leaveorganization"), FULL).decide(
        "organizations:LeaveOrganization", "*")
    assert (found.verdict, found.via) == (Verdict.NO, ("the service control policies on "
                                                       "node1",))


def test_an_action_allowed_at_every_level_passes():
    assert ceiling(FULL, FULL).decide("iam:CreateUser", "*").verdict == Verdict.YES


def test_a_level_whose_allow_list_omits_the_action_stops_it():
    only_s3 = grants_of({"Statement": [{"Effect": "Allow", "Action": ["s3:*"],
                                        "Resource": ["*"]}]}, "SCP OnlyS3")
    stopped = ceiling(FULL, only_s3, FULL)
    assert stopped.decide("iam:CreateUser", "*").verdict == Verdict.NO
    assert stopped.decide("s3:GetObject", "*").verdict == Verdict.YES


def test_a_deny_under_a_condition_iamctl_cannot_decide_may_stop_it():
    region = {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}
    found = ceiling(FULL + deny("ec2:runinstances", region)).decide("ec2:RunInstances", "*")
    assert found.verdict == Verdict.MAYBE


def test_a_level_with_no_policy_allows_nothing():
    assert ceiling(FULL, ()).decide("s3:GetObject", "*").verdict == Verdict.NO


# Self-lockout from a delegated administrator account, which SCPs limit.

MANAGEMENT, ADMIN_ACCOUNT, OTHER = "111111111111", "222222222222", "333333333333"
FULL_DOC = canonical({"Version": "2012-10-17",
                      "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
DENY_LEAVE = canonical({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]})
DENY_ORGANIZATIONS = canonical({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "organizations:*", "Resource": "*"}]})


def organisation_states(running: str, deny_targets: tuple[str, ...]) -> tuple[State, State]:
    """The running account's desired and live states: an organisation whose root holds
    FullAWSAccess, with accounts in OUs Admin and Other; the files attach a deny of every
    Organizations call to `deny_targets`."""
    org = Organization(root="r-1", management=MANAGEMENT, units={
        "ou-admin": OrgUnit("ou-admin", "Admin", "r-1"),
        "ou-other": OrgUnit("ou-other", "Other", "r-1")}, accounts={
        MANAGEMENT: OrgAccount(MANAGEMENT, "management", "ACTIVE", "r-1"),
        ADMIN_ACCOUNT: OrgAccount(ADMIN_ACCOUNT, "admin", "ACTIVE", "ou-admin"),
        OTHER: OrgAccount(OTHER, "other", "ACTIVE", "ou-other")})
    nodes = ("r-1", "ou-admin", "ou-other", MANAGEMENT, ADMIN_ACCOUNT, OTHER)
    full = OrgPolicy("FullAWSAccess", document=FULL_DOC, targets=nodes, aws_managed=True,
                     policy_id="p-FullAWSAccess")
    every = {"FullAWSAccess": full}
    live = State(Account(running), declared={
        SCP.section: LiveRead(every, PolicyContext(org, True, every))})
    desired = State(Account(running), declared={SCP.section: {
        "DenyOrganizations": OrgPolicy("DenyOrganizations", document=DENY_ORGANIZATIONS,
                                       targets=deny_targets)}})
    return desired, live


def scp_changes(desired: State, live: State) -> list[Change]:
    return list(SCP_KIND.diff(desired.declared[SCP.section], live.declared[SCP.section],
                              False))


def test_a_deny_of_organizations_calls_on_the_delegated_administrators_path_is_self_lockout():
    desired, live = organisation_states(ADMIN_ACCOUNT, ("ou:Admin",))
    lost = lost_calls(desired, live, ORGANIZATIONS_CALLS)
    assert "organizations:AttachPolicy" in lost
    [attach] = [c for c in scp_changes(desired, live) if c.kind == CHANGES.target]
    reason = cuts_off_by_ceiling(attach, lost, live)
    assert reason.startswith("the service control policies would deny account 222222222222, "
                             "where iamctl runs (a delegated administrator), organizations:")


def test_the_same_deny_elsewhere_or_from_the_management_account_cuts_nobody_off():
    desired, live = organisation_states(ADMIN_ACCOUNT, ("ou:Other",))
    assert lost_calls(desired, live, ORGANIZATIONS_CALLS) == ()
    desired, live = organisation_states(MANAGEMENT, ("root",))
    assert lost_calls(desired, live, ORGANIZATIONS_CALLS) == ()  # SCPs never limit it


def test_the_plan_marks_that_change_self_lockout_for_the_role_running_iamctl_there():
    """Through the lockout check every plan runs (moto keeps one organisation per account, so a
    delegated administrator's run cannot be emulated: the states are built here)."""
    desired, live = organisation_states(ADMIN_ACCOUNT, ("ou:Admin",))
    marked = mark_self_lockout(scp_changes(desired, live), desired, live,
                               Caller(role="iamctl-apply"), lambda arn: None)
    [attach] = [c for c in marked if c.kind == CHANGES.target]
    assert "organizations:" in attach.self_lockout


def test_a_guardrail_ignore_names_stays_in_the_ceiling_whatever_prune_does():
    """`ignore` keeps a policy out of iamctl's hands, prune included: its Deny still caps the
    accounts under it, as the plan leaves it attached."""
    desired, live = organisation_states(ADMIN_ACCOUNT, ())
    read = live.declared[SCP.section]
    assert isinstance(read, LiveRead) and isinstance(read.context, PolicyContext)
    guardrail = OrgPolicy("aws-guardrails-leave", document=DENY_LEAVE, targets=("ou-admin",),
                          policy_id="p-guardrail")
    every = {**read.context.every, guardrail.name: guardrail}
    live = replace(live, declared={SCP.section: LiveRead(
        every, PolicyContext(read.context.organization, True, every))})
    desired = replace(desired, prune=True, declared={SCP.section: {}},
                      ignore=Ignore.of({SCP.section: ("aws-guardrails-*",)}))
    capped = ceilings(desired, live)[ADMIN_ACCOUNT]
    assert capped.decide("organizations:LeaveOrganization", "*").verdict == Verdict.NO
