"""Roles the file does not declare: listed as unmanaged, or pruned; never AWS's own, ignored ones,
or the role running iamctl. Plain data."""

from __future__ import annotations

from reconciler.core.diff import diff
from reconciler.core.model import Ignore, Role
from reconciler.core.plan import make_plan
from reconciler.core.render import change_lines, extra_lines
from tests.factories import EC2_TRUST, READ_ONLY, doc, live_role, state

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
    result = diff(desired(prune=True), account(loaded, live_role("cdk-deploy")))  # type: ignore[arg-type]
    assert [change_lines(c)[0] for c in result.changes] == [
        "- role hand-made (removes 2 instance profiles, 1 attached policy, 1 inline policy)"
    ]
    assert result.kept == ()  # ignored and AWS's roles are kept without a word


def test_prune_keeps_the_role_running_iamctl_and_says_so() -> None:
    result = diff(desired(prune=True), account(live_role("Deployer")), caller_role="deployer")  # type: ignore[arg-type]
    assert result.changes == ()
    assert result.kept == ("role Deployer is not deleted: its credentials are running iamctl",)
