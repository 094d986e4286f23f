"""Permission impact at the edges: documents without statements or with statements IAM would not
take, policies under a path, a policy changed in the same plan, groups. Plain data (no AWS).

The rule every case checks: whatever might grow access is `broadens` (or `unknown` when it cannot
be told), never `narrows` or `neutral`.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.impact import Context, assess, changed
from reconciler.core.model import Action, Change, Group, Impact, Kind, ManagedPolicy, User
from reconciler.core.payloads import PolicySpec, ReplacedPolicy
from reconciler.core.policydoc import canonical
from tests.factories import ACCOUNT_ID, READ_ONLY, live_group, live_policy, state

B, N, NEU, UNK = Impact.BROADENS, Impact.NARROWS, Impact.NEUTRAL, Impact.UNKNOWN
OWN = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
SPOT = "arn:aws:iam::aws:policy/aws-service-role/AWSEC2SpotServiceRolePolicy"  # holds a Deny
NOTHING = {"Version": "2012-10-17"}  # no Statement at all


def st(effect: str = "Allow", action: Any = "s3:GetObject", **more: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, **more}


def d(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


PASS_ROLE = d(st(action=["iam:PassRole", "s3:*"], Resource="*"))
READ = d(st(Resource="*"))
DENY = d(st("Deny", "s3:DeleteBucket", Resource="*"))

# before, after, expected impact, expected risk details
DOCUMENT_CHANGES: dict[str, tuple[Any, Any, Impact, list[str]]] = {
    "statements where there were none": (NOTHING, PASS_ROLE, B, ["iam:PassRole on *"]),
    "every statement removed": (READ, NOTHING, N, []),
    "a Deny removed with every statement": (DENY, NOTHING, B, []),
    "an Effect IAM does not know": (READ, d(st(Resource="*"), st("allow", "s3:*", Resource="*")),
                                    UNK, []),
    "a statement that is not an object": (READ, d(st(Resource="*"), "s3:*"), UNK, []),
    "the same action on another NotResource": (
        d(st(NotResource="arn:aws:s3:::a")),
        d(st(NotResource="arn:aws:s3:::a"), st(NotResource="arn:aws:s3:::b")), B, []),
    "the same action for another NotPrincipal": (
        d(st(Resource="*", NotPrincipal={"AWS": "111122223333"})),
        d(st(Resource="*", NotPrincipal={"AWS": "111122223333"}),
          st(Resource="*", NotPrincipal={"AWS": "444455556666"})), B, []),
}


@pytest.mark.parametrize("before,after,impact,risks", DOCUMENT_CHANGES.values(),
                         ids=list(DOCUMENT_CHANGES))
def test_document_changes(before: Any, after: Any, impact: Impact, risks: list[str]) -> None:
    got_impact, got_risks = changed(canonical(before), canonical(after))
    assert got_impact == impact
    assert [risk.detail for risk in got_risks] == risks


# "moving" is rewritten by this plan from harmless (live) to passing roles (desired); "lifting" the
# other way round, from a Deny (live) to nothing denied (desired).
DESIRED = state(
    ManagedPolicy("moving", canonical(PASS_ROLE)),
    ManagedPolicy("lifting", canonical(READ)),
    ManagedPolicy("escalator", canonical(PASS_ROLE), path="/team/"),
    Group("dev", policies=frozenset({OWN + "moving"})),
    Group("fresh"),
    User("ann", groups=frozenset({"dev"})),
)
LIVE = state(
    live_policy("moving", canonical(READ)),
    live_policy("lifting", canonical(DENY)),
    live_policy("escalator", canonical(PASS_ROLE), path="/team/"),
    live_policy("kept", canonical(PASS_ROLE)),
    live_group("dev", policies=frozenset({OWN + "moving"})),
    live_group("guarded", policies=frozenset({READ_ONLY}),
               inline_policies={"no-delete": canonical(DENY)}),
    live_group("walled", policies=frozenset({OWN + "lifting"})),
    live_group("readers", inline_policies={"read": canonical(READ)}),
)
CONTEXT = Context(DESIRED, LIVE)


def replacement(before: Any, after: Any) -> Change:
    return Change(Action.UPDATE, Kind.POLICY_REPLACEMENT, "moving",
                  before=ReplacedPolicy(PolicySpec("/", "", canonical(before).text)),
                  after=ReplacedPolicy(PolicySpec("/", "", canonical(after).text)))


# change, expected impact, expected risk kinds
CHANGES: dict[str, tuple[Change, Impact, list[str]]] = {
    "attach a policy this plan makes riskier: judged as it will be": (
        Change(Action.CREATE, Kind.USER_POLICY, "ann", target=OWN + "moving"),
        B, ["privilege-escalation"]),
    "join a group whose policy this plan makes riskier": (
        Change(Action.CREATE, Kind.USER_GROUP, "ann", target="dev"), B, ["privilege-escalation"]),
    "detach a policy whose live version denies: judged as it is": (
        Change(Action.DELETE, Kind.USER_POLICY, "ann", target=OWN + "lifting"), B, []),
    "attach a live policy the file does not declare": (
        Change(Action.CREATE, Kind.USER_POLICY, "ann", target=OWN + "kept"),
        B, ["privilege-escalation"]),
    "attach a policy under a path": (
        Change(Action.CREATE, Kind.USER_POLICY, "ann", target=OWN.rstrip("/") + "/team/escalator"),
        B, ["privilege-escalation"]),
    "detach an AWS managed policy with a Deny under a path": (
        Change(Action.DELETE, Kind.USER_POLICY, "ann", target=SPOT), B, []),
    "leave a group whose inline Deny follows a policy known by name only": (
        Change(Action.DELETE, Kind.USER_GROUP, "ann", target="guarded"), B, []),
    "new group": (Change(Action.CREATE, Kind.GROUP, "fresh"), NEU, []),
    "group with a Deny deleted": (Change(Action.DELETE, Kind.GROUP, "walled"), B, []),
    "group that only allowed deleted": (Change(Action.DELETE, Kind.GROUP, "readers"), N, []),
    "policy deleted that iamctl cannot read": (
        Change(Action.DELETE, Kind.POLICY, "vanished"), UNK, []),
    "new inline policy without statements": (
        Change(Action.CREATE, Kind.USER_INLINE_POLICY, "ann", target="x",
               after=canonical(NOTHING).text), NEU, []),
    "inline policy without statements removed": (
        Change(Action.DELETE, Kind.USER_INLINE_POLICY, "ann", target="x",
               before=canonical(NOTHING).text), N, []),
    "new inline policy with a statement that is not an object": (
        Change(Action.CREATE, Kind.USER_INLINE_POLICY, "ann", target="x",
               after=canonical(d("s3:*")).text), B, []),
    "policy recreated with PassRole": (replacement(READ, PASS_ROLE), B, ["privilege-escalation"]),
    "policy recreated with its Deny gone": (replacement(DENY, READ), B, []),
    "policy recreated as it was": (replacement(READ, READ), NEU, []),
}


@pytest.mark.parametrize("change,impact,risk_kinds", CHANGES.values(), ids=list(CHANGES))
def test_changes(change: Change, impact: Impact, risk_kinds: list[str]) -> None:
    got_impact, got_risks = assess(change, CONTEXT)
    assert got_impact == impact
    assert [risk.kind for risk in got_risks] == risk_kinds
