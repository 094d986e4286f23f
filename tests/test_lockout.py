"""Self-lockout from the access model: a plan after which the credentials running iamctl can no
longer make iamctl's calls, or start its next run, is marked; the rest is not (pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.core.access.documents import shipped
from reconciler.core.access.lockout import IAMCTL_ACTIONS, mark_self_lockout
from reconciler.core.diff import diff
from reconciler.core.mfa_policy import ENFORCE_MFA_POLICY_NAME, enforce_mfa_document
from reconciler.core.model import (
    Action,
    Caller,
    Change,
    Entity,
    Kind,
    ManagedPolicy,
    State,
    User,
)
from reconciler.core.payloads import PolicySpec, ReplacedPolicy
from reconciler.core.policydoc import canonical
from reconciler.core.trust import trust_document
from tests.factories import ACCOUNT_ID, ADMIN, READ_ONLY, live_group, live_role, live_user, state

IAM_FULL = "arn:aws:iam::aws:policy/IAMFullAccess"
DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll"
OWN = f"arn:aws:iam::{ACCOUNT_ID}:policy/"
KEY = "AKIARUNNER0"  # live_user's first key of `runner`
USER = Caller(user="runner", access_key_id=KEY)
ROLE = Caller(role="deployer")
GITHUB = "token.actions.githubusercontent.com"
OIDC_TRUST = trust_document({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}}]}, "aws")


def d(effect: str = "Allow", action: Any = "*") -> Any:
    return canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": action, "Resource": "*"}]})


def live() -> State:
    return state(
        live_user("runner", keys=1, groups=frozenset({"ops", "readers"}),
                  inline_policies={"own": d(action="s3:*")}),
        live_user("other", keys=1, groups=frozenset({"ops"})),
        live_group("ops", policies=frozenset({IAM_FULL})),
        live_group("readers", policies=frozenset({READ_ONLY})),
        live_role("deployer", trust=OIDC_TRUST, policies=frozenset({OWN + "Deploy"})),
        ManagedPolicy("Deploy", d(action="iam:*"), path="/", arn=OWN + "Deploy"),
    )


def marked(change: Change, caller: Caller, desired: State | None = None) -> str:
    (result,) = mark_self_lockout([change], desired or live(), live(), caller, shipped)
    return result.self_lockout


def delete(kind: Kind, name: str, target: str = "", **fields: Any) -> Change:
    return Change(Action.DELETE, kind, name, target=target, **fields)


LOST = "may no longer call iam:"


@pytest.mark.parametrize(("change", "caller", "expected"), [
    (delete(Kind.ACCESS_KEY, "runner", KEY), USER, "deletes the access key these credentials use"),
    (delete(Kind.ACCESS_KEY, "runner", "AKIAOTHER"), USER, ""),
    (Change(Action.UPDATE, Kind.ACCESS_KEY_STATUS, "runner", target=KEY, before="Active",
            after="Inactive"), USER, "deactivates the access key these credentials use"),
    # The group that gives iamctl's calls; the one that gives only reading leaves them.
    (delete(Kind.USER_GROUP, "runner", "ops"), USER, LOST),
    (delete(Kind.GROUP_MEMBER, "ops", "runner"), USER, LOST),
    (delete(Kind.GROUP_POLICY, "ops", IAM_FULL), USER, LOST),
    (delete(Kind.GROUP, "ops"), USER, LOST),
    (delete(Kind.USER, "runner"), USER, LOST),
    (delete(Kind.USER_GROUP, "other", "ops"), USER, ""),
    (delete(Kind.USER_INLINE_POLICY, "runner", "own"), USER, ""),  # s3 only: not iamctl's
    # Additive Denies take calls away too.
    (Change(Action.CREATE, Kind.USER_POLICY, "runner", target=DENY_ALL), USER, LOST),
    (Change(Action.UPDATE, Kind.USER_INLINE_POLICY, "runner", target="own",
            before=d(action="s3:*").text, after=d("Deny").text), USER, LOST),
    (Change(Action.CREATE, Kind.USER_POLICY, "runner", target=OWN + ENFORCE_MFA_POLICY_NAME),
     USER, LOST),
    # The role these credentials run as.
    (delete(Kind.ROLE_POLICY, "deployer", OWN + "Deploy"), ROLE, LOST),
    (delete(Kind.ROLE_POLICY, "deployer", OWN + "Deploy"), Caller(role="Deployer"), LOST),
    (Change(Action.UPDATE, Kind.POLICY_REPLACEMENT, "Deploy",
            before=ReplacedPolicy(PolicySpec("/", "", d(action="iam:*").text, {}, OWN + "Deploy"),
                                  (Entity("role", "deployer"),)),
            after=ReplacedPolicy(PolicySpec("/x/", "", d(action="iam:*").text),
                                 (Entity("role", "deployer"),))), ROLE, LOST),
    (Change(Action.UPDATE, Kind.ROLE_TRUST, "deployer", before=OIDC_TRUST.text,
            after=trust_document({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}, "aws").text), ROLE,
     "changes who may assume role deployer"),
    (delete(Kind.OIDC_CLIENT_ID, GITHUB, f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}",
            before="sts.amazonaws.com"), ROLE, "changes identity provider"),
    # Adding access never locks out; nor do changes to others, or unknown callers.
    (Change(Action.CREATE, Kind.USER_POLICY, "runner", target=ADMIN), USER, ""),
    (delete(Kind.USER_GROUP, "runner", "ops"), Caller(), ""),
    (delete(Kind.LOGIN_PROFILE, "runner"), USER, ""),
])
def test_self_lockout(change: Change, caller: Caller, expected: str) -> None:
    desired = live()
    if change.target == OWN + ENFORCE_MFA_POLICY_NAME:
        mfa = ManagedPolicy(ENFORCE_MFA_POLICY_NAME, canonical(enforce_mfa_document()))
        desired = State(**{**desired.__dict__, "policies": {
            **desired.policies, ENFORCE_MFA_POLICY_NAME: mfa}})
    reason = marked(change, caller, desired)
    assert (expected in reason) if expected else reason == "", reason


def test_mfa_enforced_on_the_caller_is_marked_through_the_whole_plan() -> None:
    """`mfa: enforced` makes the plan create the deny-without-MFA policy and attach it: calls
    made with an access key carry no MFA."""
    before = live()
    desired = State(**{**before.__dict__, "users": {**before.users, "runner": User(
        "runner", groups=frozenset({"ops", "readers"}), inline_policies=before.users[
            "runner"].inline_policies, policies=frozenset({OWN + ENFORCE_MFA_POLICY_NAME}))},
        "policies": {**before.policies, ENFORCE_MFA_POLICY_NAME: ManagedPolicy(
            ENFORCE_MFA_POLICY_NAME, canonical(enforce_mfa_document()), path="/")}})
    changes = [c for c in diff(desired, before).changes
               if c.kind in (Kind.POLICY, Kind.USER_POLICY)]
    result = mark_self_lockout(changes, desired, before, USER, shipped)
    attach = next(c for c in result if c.kind == Kind.USER_POLICY)
    assert LOST in attach.self_lockout


def test_iamctl_actions_are_the_bootstrap_apply_roles_calls() -> None:
    bootstrap = yaml.safe_load((Path(__file__).parent.parent / "examples" / "github-actions"
                                / "bootstrap.yaml").read_text())
    (policy,) = [p for p in bootstrap["policies"] if p["name"] == "iamctl-apply"]
    listed = {a for s in policy["document"]["Statement"]
              for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
              if a.startswith("iam:")}
    assert listed == set(IAMCTL_ACTIONS)
