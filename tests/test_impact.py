"""Permission impact of changes: table-driven, pure (no AWS)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.core.diff import diff
from reconciler.core.impact import Context, assess, changed
from reconciler.core.model import Action, Change, Group, Impact, Kind, ManagedPolicy, Risk, User
from reconciler.core.plan import make_plan, plan_from_dict, plan_to_dict
from reconciler.core.policydoc import canonical
from tests.factories import ACCOUNT_ID, ADMIN, READ_ONLY, live_group, live_policy, state

B, N, NEU, UNK = Impact.BROADENS, Impact.NARROWS, Impact.NEUTRAL, Impact.UNKNOWN
PASSROLE = Risk("privilege-escalation", "iam:PassRole on *")


def st(effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = "*",
       **more: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource, **more}


def d(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}

# before, after, expected impact, expected risk details
DOCUMENT_CHANGES: dict[str, tuple[Any, Any, Impact, list[str]]] = {
    "same meaning": (d(st(action="s3:GetObject")), d(st(action="S3:getobject")), NEU, []),
    "an action added": (d(st()), d(st(action=["s3:GetObject", "s3:PutObject"])), B, []),
    "an action removed": (d(st(action=["s3:GetObject", "s3:PutObject"])), d(st()), N, []),
    "a statement removed": (d(st(), st(action="ec2:*")), d(st()), N, []),
    "a Deny added": (d(st()), d(st(), st("Deny", "s3:DeleteObject")), N, []),
    "a Deny removed": (d(st(), st("Deny", "s3:DeleteObject")), d(st()), B, []),
    "a Deny narrowed": (d(st("Deny", ["s3:*"])), d(st("Deny", "s3:Delete*")), B, []),
    "an action already allowed by a wildcard": (
        d(st(action="s3:Get*")), d(st(action="s3:Get*"), st(action="s3:GetObject")), NEU, []),
    "a wildcard inside an allowed one": (
        d(st(action="s3:*")), d(st(action=["s3:*"]), st(action="s3:Get*", Sid="Read")), NEU, []),
    "a wildcard wider than the allowed one": (
        d(st(action="s3:Get*")), d(st(action="s3:*")), B, []),
    "the same action on another resource": (
        d(st(resource="arn:aws:s3:::a")), d(st(resource="arn:aws:s3:::b")), B, []),
    "the same action without its condition": (
        d(st(Condition=MFA)), d(st()), B, []),
    "a statement split in two": (
        d(st(action=["s3:GetObject", "s3:PutObject"])),
        d(st(action="s3:GetObject"), st(action="s3:PutObject")), NEU, []),
    "PassRole on * added": (
        d(st()), d(st(), st(action="iam:PassRole")), B, ["iam:PassRole on *"]),
    "PassRole on one role": (
        d(st()), d(st(action="iam:PassRole", resource="arn:aws:iam::1:role/app")), B, []),
    "PassRole already there": (
        d(st(action="iam:PassRole")), d(st(action=["iam:PassRole", "s3:GetObject"])), B, []),
    "iam:Put*": (d(st()), d(st(action="iam:Put*Policy", resource="arn:aws:iam::1:user/x")), B,
                 ["iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"]),
    "own access keys only": (
        d(st()), d(st(action="iam:CreateAccessKey",
                      resource="arn:aws:iam::1:user/${aws:username}")), B, []),
    "access keys of others": (
        d(st()), d(st(action="iam:CreateAccessKey", resource="arn:aws:iam::1:user/*")), B,
        ["iam:CreateAccessKey for other users"]),
    "policy versions": (
        d(st()), d(st(action="iam:CreatePolicyVersion", resource="arn:aws:iam::1:policy/p")), B,
        ["iam:CreatePolicyVersion"]),
    "sts:AssumeRole on *": (d(st()), d(st(action="sts:AssumeRole")), B, ["sts:AssumeRole on *"]),
    "full admin": (d(st()), d(st(action="*")), B, ["* on *"]),
    "admin through NotAction": (
        d(st()), d({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), B,
        ["every action but iam:* on *"]),
    "a new trusted principal": (
        d(st(action="sts:AssumeRole", resource=None, Principal={"AWS": "111122223333"})),
        d(st(action="sts:AssumeRole", resource=None,
             Principal={"AWS": ["111122223333", "444455556666"]})),
        B, ["AWS 444455556666"]),
    "another Version": (d(st()), {"Version": "2008-10-17", "Statement": [st()]}, UNK, []),
}


@pytest.mark.parametrize("before,after,impact,risks", DOCUMENT_CHANGES.values(),
                         ids=list(DOCUMENT_CHANGES))
def test_document_changes(before: Any, after: Any, impact: Impact, risks: list[str]) -> None:
    for doc in (before, after):  # trust statements have no Resource
        for statement in doc["Statement"]:
            if statement.get("Resource", "") is None:
                del statement["Resource"]
    got_impact, got_risks = changed(canonical(before), canonical(after))
    assert got_impact == impact
    assert [risk.detail for risk in got_risks] == risks


# `${aws:username}` is the caller's user name, which never holds a "/": a resource whose last
# segment is exactly the variable reaches that one user, on any path. Anything else beside the
# variable in that segment, or a default value (used when the caller has no user name, e.g. a
# role), reaches other users.
OWN_USER_RESOURCES = {
    "arn:aws:iam::1:user/${aws:username}": True,
    "arn:aws:iam::*:user/${aws:username}": True,
    "arn:aws:iam::1:user/team/${aws:username}": True,
    "arn:aws:iam::1:user/*/${aws:username}": True,
    "arn:aws:iam::1:user/*${aws:username}*": False,
    "arn:aws:iam::1:user/${aws:username}*": False,
    "arn:aws:iam::1:user/*${aws:username}": False,
    "arn:aws:iam::1:user/${aws:username}-admin": False,
    "arn:aws:iam::1:user/admin-${aws:username}": False,
    "arn:aws:iam::1:user/${aws:username}?": False,
    "arn:aws:iam::1:user/${aws:username, 'admin'}": False,
    "arn:aws:iam::1:user/${aws:username}/*": False,
}


@pytest.mark.parametrize("resource,own", OWN_USER_RESOURCES.items())
def test_own_user_rule_accepts_only_a_resource_that_can_match_the_caller_alone(
    resource: str, own: bool
) -> None:
    for action in ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"):
        after = d(st(action=action, resource=[resource]))
        _, got_risks = changed(canonical(d(st())), canonical(after))
        expected = [] if own else [f"{action} for other users"]
        assert [risk.detail for risk in got_risks] == expected, resource


ESCALATOR = canonical(d(st(action=["iam:PassRole", "s3:*"])))
DENYING = canonical(d(st("Deny", "s3:DeleteBucket")))
OWN = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
DESIRED = state(
    ManagedPolicy("escalator", ESCALATOR),
    Group("dev", policies=frozenset({OWN + "escalator"})),
    Group("empty"),
    User("ann", groups=frozenset({"dev"})),
    User("bob"),
)
LIVE = state(
    live_policy("escalator", ESCALATOR), live_policy("denying", DENYING),
    live_group("guarded", policies=frozenset({OWN + "denying"})),
    live_group("readers", policies=frozenset({READ_ONLY})),
)
CONTEXT = Context(DESIRED, LIVE)

# change, expected impact, expected risk kinds
CHANGES: dict[str, tuple[Change, Impact, list[str]]] = {
    "attach AdministratorAccess": (
        Change(Action.CREATE, Kind.USER_POLICY, "ann", target=ADMIN), B, ["admin"]),
    "attach IAMFullAccess": (
        Change(Action.CREATE, Kind.GROUP_POLICY, "dev",
               target="arn:aws:iam::aws:policy/IAMFullAccess"),
        B, ["privilege-escalation"] * 13),
    "attach ReadOnlyAccess (known by name only)": (
        Change(Action.CREATE, Kind.USER_POLICY, "ann", target=READ_ONLY), B, []),
    "attach a customer policy that passes roles": (
        Change(Action.CREATE, Kind.GROUP_POLICY, "dev", target=OWN + "escalator"),
        B, ["privilege-escalation"]),
    "detach a customer policy": (
        Change(Action.DELETE, Kind.GROUP_POLICY, "dev", target=OWN + "escalator"), N, []),
    "detach a Deny": (
        Change(Action.DELETE, Kind.USER_POLICY, "ann", target=OWN + "denying"), B, []),
    "detach AWSDenyAll": (
        Change(Action.DELETE, Kind.USER_POLICY, "ann",
               target="arn:aws:iam::aws:policy/AWSDenyAll"), B, []),
    "detach ReadOnlyAccess (no Deny in it)": (
        Change(Action.DELETE, Kind.USER_POLICY, "ann", target=READ_ONLY), N, []),
    "detach an AWS policy newer than iamctl's data": (
        Change(Action.DELETE, Kind.USER_POLICY, "ann",
               target="arn:aws:iam::aws:policy/PolicyAwsPublishedLastWeek"), UNK, []),
    "join a group with an escalation": (
        Change(Action.CREATE, Kind.USER_GROUP, "ann", target="dev"),
        B, ["privilege-escalation"]),
    "join an empty group": (Change(Action.CREATE, Kind.USER_GROUP, "bob", target="empty"), B, []),
    "leave a group with a Deny": (
        Change(Action.DELETE, Kind.USER_GROUP, "ann", target="guarded"), B, []),
    "leave a reading group": (
        Change(Action.DELETE, Kind.USER_GROUP, "ann", target="readers"), N, []),
    "new inline policy": (
        Change(Action.CREATE, Kind.USER_INLINE_POLICY, "ann", target="x",
               after=ESCALATOR.text), B, ["privilege-escalation"]),
    "new inline Deny": (
        Change(Action.CREATE, Kind.USER_INLINE_POLICY, "ann", target="x",
               after=DENYING.text), N, []),
    "inline policy removed": (
        Change(Action.DELETE, Kind.GROUP_INLINE_POLICY, "dev", target="x",
               before=ESCALATOR.text), N, []),
    "new user with a group": (Change(Action.CREATE, Kind.USER, "ann"), B, []),
    "new user with nothing": (Change(Action.CREATE, Kind.USER, "bob"), NEU, []),
    "user deleted": (Change(Action.DELETE, Kind.USER, "old"), N, []),
    "new policy, not attached yet": (Change(Action.CREATE, Kind.POLICY, "escalator"), NEU, []),
    "Deny policy deleted": (Change(Action.DELETE, Kind.POLICY, "denying"), B, []),
    "new access key (same permissions)": (Change(Action.CREATE, Kind.ACCESS_KEY, "ann"), NEU, []),
    "console password removed": (Change(Action.DELETE, Kind.LOGIN_PROFILE, "ann"), N, []),
    "access key deactivated (rotation, unused)": (
        Change(Action.UPDATE, Kind.ACCESS_KEY_STATUS, "ann", target="AKIAOLD", before="Active",
               after="Inactive"), N, []),
    "user tags (ABAC)": (Change(Action.UPDATE, Kind.USER_TAGS, "ann"), UNK, []),
    "account alias": (Change(Action.UPDATE, Kind.ALIAS, ACCOUNT_ID), NEU, []),
}


@pytest.mark.parametrize("change,impact,risk_kinds", CHANGES.values(), ids=list(CHANGES))
def test_changes(change: Change, impact: Impact, risk_kinds: list[str]) -> None:
    got_impact, got_risks = assess(change, CONTEXT)
    assert got_impact == impact
    assert [risk.kind for risk in got_risks] == risk_kinds


def test_plan_counts_and_saves_impact() -> None:
    live = state(live_group("dev"))
    plan = make_plan(DESIRED, live, diff(DESIRED, live))
    attach = next(c for c in plan.changes if c.kind == Kind.GROUP_POLICY)
    assert attach.impact == B and PASSROLE in attach.risks
    assert plan.summary["broadening"] == len(plan.broadening) >= 3
    assert plan.summary["escalation"] == 2  # the attachment and ann's membership
    saved = plan_from_dict(json.loads(json.dumps(plan_to_dict(plan))))
    assert [(c.impact, c.risks) for c in saved.changes] == [
        (c.impact, c.risks) for c in plan.changes]
    assert plan_to_dict(plan)["changes"][0]["impact"] in {i.value for i in Impact}
