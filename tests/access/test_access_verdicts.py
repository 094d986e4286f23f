"""Every verdict of a plan comes from the access model: the ways a review walked around the old
per-statement classifier, each now caught with the principal who gains and what (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.changes import Action, Change, ChangeKind, Impact, Risk
from reconciler.core.diff.diff import Diff, diff
from reconciler.core.plan.plan import Plan, make_plan
from reconciler.core.policy.documents import canonical
from reconciler.core.policy.trust import trust_document
from reconciler.core.state import Group, ManagedPolicy, Role, SamlProvider, User
from tests.factories import (
    ACCOUNT_ID,
    ADMIN,
    READ_ONLY,
    live_group,
    live_policy,
    live_role,
    live_user,
    state,
)

OWN = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
ROLES = f"arn:aws:iam::{ACCOUNT_ID}:role/*"


def st(effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = "*",
       **more: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource, **more}


def d(*statements: dict[str, Any], version: str = "2012-10-17") -> Any:
    return canonical({"Version": version, "Statement": list(statements)})


def trust(principal: Any, **more: Any) -> Any:
    return trust_document({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **more}]}, "aws")


ACCOUNT_TRUST = trust({"AWS": ACCOUNT_ID})


def planned(desired: Any, live: Any) -> Plan:
    return make_plan(desired, live, diff(desired, live))


def risks(plan: Plan) -> set[tuple[str, str]]:
    return {(r.category, r.principal) for c in plan.changes for r in c.risks}


def escalates(plan: Plan) -> bool:
    return bool(plan.escalating)


# Trust: who may assume a role holding full access.


@pytest.mark.parametrize("principal, who", [
    ({"AWS": "*"}, "AWS *"),
    ({"AWS": "arn:aws:iam::999999999999:root"}, "account 999999999999"),
])
def test_making_an_admin_role_assumable_from_outside_is_admin_for_them(
        principal: Any, who: str) -> None:
    live = state(live_role("admin", trust=ACCOUNT_TRUST, policies=frozenset({ADMIN})))
    plan = planned(state(Role("admin", trust=trust(principal), policies=frozenset({ADMIN}))),
                   live)
    (change,) = plan.changes
    assert change.impact == Impact.BROADENS
    assert ("trust", who) in risks(plan) and ("admin", who) in risks(plan)
    assert escalates(plan)


def test_a_world_assumable_role_with_a_meaningless_condition_is_still_admin_for_everyone(
        ) -> None:
    live = state(live_role("admin", trust=ACCOUNT_TRUST, policies=frozenset({ADMIN})))
    loose = trust({"AWS": "*"}, Condition={"Bool": {"aws:SecureTransport": "true"}})
    plan = planned(state(Role("admin", trust=loose, policies=frozenset({ADMIN}))), live)
    assert ("admin", "AWS *") in risks(plan)


# Escalation methods: resource patterns, two actions together, what exists.


HARMLESS = Role("harmless", path="/", trust=trust({"Service": "lambda.amazonaws.com"}),
                inline_policies={"read": d(st(action="s3:GetObject"))},
                arn=f"arn:aws:iam::{ACCOUNT_ID}:role/harmless")


def grant(*statements: dict[str, Any]) -> Plan:
    """A user `dev` is given one inline policy, in an account with one role that may only
    read objects."""
    live = state(live_user("dev"), HARMLESS)
    desired = state(User("dev", inline_policies={"p": d(*statements)}), HARMLESS)
    return planned(desired, live)


@pytest.mark.parametrize("statements", [
    [st(action=["iam:PassRole"], resource=ROLES), st(action=["lambda:CreateFunction",
                                                             "lambda:InvokeFunction"])],
    [st(action="sts:AssumeRole", resource="arn:aws:iam::*:role/*")],
    [st(action="iam:AddUserToGroup", resource=f"arn:aws:iam::{ACCOUNT_ID}:group/*")],
    [st(action="iam:DeleteUserPermissionsBoundary", resource="*")],
    [st(action="lambda:UpdateFunctionCode")],
    [st(action="ssm:SendCommand")],
    [st(action="cloudformation:UpdateStack")],
    [st(action="codebuild:StartBuild")],
    [st(action="iam:CreateAccessKey", resource="arn:aws:iam::*:user/*${aws:username}*")],
])
def test_escalation_methods_granted_on_a_pattern_that_reaches_them_are_caught(
        statements: list[dict[str, Any]]) -> None:
    plan = grant(*statements)
    assert escalates(plan), [c.risks for c in plan.changes]
    assert any(r.principal == "user dev" for c in plan.changes for r in c.risks)


@pytest.mark.parametrize("statements", [
    [st(action="iam:*"), st("Deny", "iam:*")],  # allowed and denied
    # Passing only a role that may do less than the principal itself.
    [st(action="iam:PassRole", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/harmless"),
     st(action=["lambda:CreateFunction", "lambda:InvokeFunction", "s3:*"])],
    [st(action="iam:CreatePolicyVersion",
        Condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})],  # ended
    [st(action="iam:CreateAccessKey", resource="arn:aws:iam::*:user/${aws:username}")],  # own
    [st(action="iam:PassRole", resource=ROLES)],  # a role passed to nothing that runs code
])
def test_harmless_look_alikes_are_not_flagged(statements: list[dict[str, Any]]) -> None:
    plan = grant(*statements)
    assert not escalates(plan), [c.risks for c in plan.changes]


ADMIN_ROLE = Role("admin", path="/", trust=trust({"Service": "ec2.amazonaws.com"}),
                  policies=frozenset({ADMIN}), arn=f"arn:aws:iam::{ACCOUNT_ID}:role/admin")


def test_two_changes_that_only_together_make_a_method_both_carry_it() -> None:
    live = state(live_user("dev"), ADMIN_ROLE)
    desired = state(User("dev", inline_policies={
        "pass": d(st(action="iam:PassRole", resource=ROLES)),
        "run": d(st(action=["ec2:RunInstances"]))}), ADMIN_ROLE)
    plan = planned(desired, live)
    assert len(plan.changes) == 2
    assert all(c.impact == Impact.BROADENS and c.risks for c in plan.changes)


# AWS managed policies are judged by their document, not their name.


@pytest.mark.parametrize("name", ["AdministratorAccess-Amplify", "AWSLambda_FullAccess",
                                  "job-function/DataScientist"])
def test_attaching_an_aws_managed_policy_that_escalates_carries_the_risk(name: str) -> None:
    live = state(live_user("dev"))
    desired = state(User("dev", policies=frozenset({f"arn:aws:iam::aws:policy/{name}"})))
    assert escalates(planned(desired, live))


# Broadening that the old classifier called harmless.


def test_removing_a_guardrail_deny_broadens_with_the_risk_it_opens() -> None:
    both = d(st(action="iam:*"), st("Deny", "iam:*"))
    live = state(live_user("dev", inline_policies={"p": both}))
    plan = planned(state(User("dev", inline_policies={"p": d(st(action="iam:*"))})), live)
    (change,) = plan.changes
    assert change.impact == Impact.BROADENS and escalates(plan)


def test_dropping_a_condition_from_a_passrole_grant_broadens() -> None:
    runs = st(action=["lambda:CreateFunction", "lambda:InvokeFunction"])
    guarded = d(runs, st(action="iam:PassRole", resource=ROLES,
                         Condition={"StringEquals": {"iam:PassedToService": "nothing"}}))
    live = state(live_user("dev", inline_policies={"p": guarded}))
    plan = planned(state(User("dev", inline_policies={
        "p": d(runs, st(action="iam:PassRole", resource=ROLES))})), live)
    (change,) = plan.changes
    assert change.impact == Impact.BROADENS


def test_widening_a_resource_broadens_and_narrowing_it_narrows() -> None:
    sandbox = f"arn:aws:iam::{ACCOUNT_ID}:user/sandbox/*"
    narrow = d(st(action="iam:CreateAccessKey", resource=sandbox))
    wide = d(st(action="iam:CreateAccessKey", resource="*"))
    widened = planned(state(User("dev", inline_policies={"p": wide})),
                      state(live_user("dev", inline_policies={"p": narrow})))
    assert widened.changes[0].impact == Impact.BROADENS
    narrowed = planned(state(User("dev", inline_policies={"p": narrow})),
                       state(live_user("dev", inline_policies={"p": wide})))
    assert narrowed.changes[0].impact == Impact.NARROWS


def test_removing_a_permissions_boundary_broadens_with_what_it_opens() -> None:
    boundary = OWN + "ReadOnly"
    live = state(live_user("dev", policies=frozenset({ADMIN}), permissions_boundary=boundary),
                 live_policy("ReadOnly", d(st(action="s3:Get*"))))
    desired = state(User("dev", policies=frozenset({ADMIN})),
                    ManagedPolicy("ReadOnly", d(st(action="s3:Get*"))))
    plan = planned(desired, live)
    (change,) = [c for c in plan.changes if c.kind.value == "user_boundary"]
    assert change.impact == Impact.BROADENS and ("admin", "user dev") in risks(plan)


def test_replacing_a_boundary_with_administratoraccess_is_admin() -> None:
    live = state(live_user("dev", policies=frozenset({ADMIN}), permissions_boundary=READ_ONLY))
    plan = planned(state(User("dev", policies=frozenset({ADMIN}), permissions_boundary=ADMIN)),
                   live)
    assert ("admin", "user dev") in risks(plan)


def test_a_statement_subsumed_by_one_already_allowed_is_no_broadening() -> None:
    wide = d(st(action="s3:Get*"))
    live = state(live_user("dev", inline_policies={"wide": wide}))
    desired = state(User("dev", inline_policies={
        "wide": wide, "narrow": d(st(action="s3:GetObject", resource="arn:aws:s3:::x/*"))}))
    (change,) = planned(desired, live).changes
    assert change.impact == Impact.NEUTRAL


# `unknown` is never safe.


def test_an_old_version_is_judged_like_any_document() -> None:
    old = d(st(action=["iam:PassRole", "ec2:RunInstances"]), version="2008-10-17")
    plan = planned(state(User("dev", inline_policies={"p": old}), ADMIN_ROLE),
                   state(live_user("dev"), ADMIN_ROLE))
    (change,) = plan.changes
    assert change.impact == Impact.BROADENS and escalates(plan)


def test_new_saml_metadata_for_a_provider_an_admin_role_trusts_fails_the_escalation_gate(
        ) -> None:
    arn = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/corp"
    saml_trust = trust_document({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn},
        "Action": "sts:AssumeRoleWithSAML"}]}, "aws")
    live = state(live_role("admin", trust=saml_trust, policies=frozenset({ADMIN})))
    live = live.__class__(**{**live.__dict__, "saml_providers": {
        "corp": SamlProvider("corp", metadata="<old/>", arn=arn)}})
    desired = state(Role("admin", trust=saml_trust, policies=frozenset({ADMIN})))
    desired = desired.__class__(**{**desired.__dict__, "saml_providers": {
        "corp": SamlProvider("corp", metadata="<new/>")}})
    plan = planned(desired, live)
    (change,) = plan.changes
    assert change.impact == Impact.UNKNOWN and change.impact_reason
    assert escalates(plan)
    assert Risk("admin", change.risks[0].detail, "federated saml-provider/corp") in change.risks


def test_a_group_attachment_reaches_its_members_by_name() -> None:
    live = state(live_user("ann", groups=frozenset({"ops"})), live_group("ops"))
    desired = state(User("ann", groups=frozenset({"ops"})),
                    Group("ops", policies=frozenset({ADMIN})))
    plan = planned(desired, live)
    assert ("admin", "user ann") in risks(plan)
    assert plan.summary["principals_gaining_access"] == 1


def test_a_new_audience_for_a_provider_an_admin_role_trusts_fails_the_escalation_gate() -> None:
    """A client id added to an OIDC provider lets that audience's tokens in: where the role
    trusting the provider holds full access, the escalation gate must not pass it."""
    host = "token.actions.githubusercontent.com"
    arn = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host}"
    oidc_trust = trust_document({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn},
        "Action": "sts:AssumeRoleWithWebIdentity"}]}, "aws")
    live = state(live_role("admin", trust=oidc_trust, policies=frozenset({ADMIN})))
    desired = state(Role("admin", trust=oidc_trust, policies=frozenset({ADMIN})))
    added = Change(Action.CREATE, ChangeKind.OIDC_CLIENT_ID, host, target=arn, after="attacker-app")
    plan = make_plan(desired, live, Diff(changes=(added,), human_steps=()))
    (change,) = plan.changes
    assert change.impact == Impact.BROADENS
    assert escalates(plan)
    assert ("admin", f"federated {host}") in risks(plan)
