"""Roles the file does not declare: listed as unmanaged, or pruned; never AWS's own, ignored ones,
or the role running iamctl. Plain data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.core.diff.attachments import entities_in
from reconciler.core.diff.diff import diff
from reconciler.core.plan.plan import make_plan
from reconciler.core.policy.documents import canonical
from reconciler.core.render.text import change_lines, extra_lines
from reconciler.core.state import Entity, Ignore, ManagedPolicy, Role
from tests.factories import (
    ACCOUNT_ID,
    ADMIN,
    EC2_TRUST,
    READ_ONLY,
    doc,
    live_policy,
    live_role,
    state,
)

SERVICE_LINKED = live_role(
    "AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/"
)
SSO = live_role("AWSReservedSSO_Admin_0123", path="/aws-reserved/sso.amazonaws.com/")


def account(*roles: Role) -> object:
    return state(live_role("declared"), SERVICE_LINKED, SSO, *roles)


def desired(prune: bool) -> object:
    return state(Role("declared", trust=EC2_TRUST), prune=prune,
                 ignore=Ignore(roles=("cdk-*",)))


def test_without_prune_undeclared_roles_are_listed_but_not_aws_ones_or_ignored() -> None:
    live = account(live_role("hand-made"), live_role("cdk-deploy"))
    result = diff(desired(prune=False), live)  # type: ignore[arg-type]
    assert result.changes == ()
    assert result.unmanaged == {"roles": ("hand-made",)}
    plan = make_plan(desired(prune=False), live, result)  # type: ignore[arg-type]
    assert "unmanaged roles (in the account, not in the file): 1: hand-made" in extra_lines(plan)


def test_prune_deletes_an_undeclared_role_with_what_it_holds() -> None:
    loaded = live_role(
        "hand-made", policies=frozenset({READ_ONLY}), inline_policies={"a": doc()},
        instance_profile=True, instance_profiles=("hand-made", "shared"),
    )
    more = live_role("more", policies=frozenset({READ_ONLY, ADMIN}),
                     inline_policies={"a": doc(), "b": doc()}, instance_profiles=("more",))
    live = account(loaded, more, live_role("cdk-deploy"))
    result = diff(desired(prune=True), live)  # type: ignore[arg-type]
    assert [change_lines(c)[0] for c in result.changes] == [
        "- role hand-made (removes 2 instance profiles, 1 attached policy, 1 inline policy)",
        "- role more (removes 1 instance profile, 2 attached policies, 2 inline policies)",
    ]
    assert result.kept == ()  # ignored and AWS's roles are kept without a word


def test_prune_keeps_the_role_running_iamctl_and_says_so() -> None:
    result = diff(desired(prune=True), account(live_role("Deployer")), caller_role="deployer")  # type: ignore[arg-type]
    assert result.changes == ()
    assert result.kept == ("role Deployer is not deleted: its credentials are running iamctl",)


CUSTOMER = f"arn:aws:iam::{ACCOUNT_ID}:policy/"


def test_prune_keeps_an_undeclared_policy_a_declared_role_attaches() -> None:
    arn = CUSTOMER + "Shared"
    desired_state = state(Role("app", trust=EC2_TRUST, policies=frozenset({arn})), prune=True)
    live = state(live_role("app", policies=frozenset({arn})), live_policy("Shared"),
                 live_role("other"))
    result = diff(desired_state, live)
    assert [change_lines(c)[0] for c in result.changes] == ["- role other"]
    assert result.kept == ("policy Shared is not deleted: the file attaches it to role app",)


def test_a_replaced_policy_does_not_go_back_to_a_role_prune_deletes() -> None:
    old = CUSTOMER + "a/Billing"
    desired_state = state(ManagedPolicy("Billing", canonical("{}"), path="/b/"), prune=True,
                          ignore=Ignore(roles=("kept",)))
    live = state(
        live_role("gone", policies=frozenset({old})),
        live_role("kept", policies=frozenset({old})),
        live_policy("Billing", "{}", path="/a/", attachment_count=2, attached_to=(
            Entity("role", "gone"), Entity("role", "kept"))),
    )
    replacement = diff(desired_state, live).changes[0]
    assert entities_in(replacement.after) == (Entity("role", "kept"),)


def test_a_boundary_goes_with_the_last_role_that_holds_it_in_one_apply() -> None:
    arn = CUSTOMER + "Boundary"
    boundary = replace(live_policy("Boundary"), boundary_count=1)
    pruned = live_role("hand-made", permissions_boundary=arn)
    result = diff(desired(prune=True), account(pruned, boundary))  # type: ignore[arg-type]
    assert {(c.kind.value, c.name) for c in result.changes} == {
        ("role", "hand-made"), ("policy", "Boundary")}


@pytest.mark.parametrize(
    "holder",
    ["ignored", "declared", "unseen"],
)
def test_a_boundary_that_someone_still_holds_after_apply_is_kept(holder: str) -> None:
    arn = CUSTOMER + "Boundary"
    # Declared: no role holds it yet, the file sets it on one. Unseen: the account counts a
    # holder iamctl does not see among the users and roles it read.
    boundary = replace(live_policy("Boundary"), boundary_count=0 if holder == "declared" else 1)
    roles = [live_role("cdk-deploy", permissions_boundary=arn)] if holder == "ignored" else []
    wanted = desired(prune=True)
    if holder == "declared":
        declared = replace(wanted.roles["declared"], permissions_boundary=arn)  # type: ignore[attr-defined]
        wanted = replace(wanted, roles={"declared": declared})  # type: ignore[type-var]
    live = state(live_role("declared"), boundary, *roles)
    result = diff(wanted, live)  # type: ignore[arg-type]
    assert all(c.name != "Boundary" for c in result.changes)
    assert result.kept == (
        "policy Boundary is not deleted: it is the permissions boundary of 1 user or role",)
