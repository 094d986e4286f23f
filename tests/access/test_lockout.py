"""Self-lockout from the access model: a plan after which the credentials running iamctl can no
longer make iamctl's calls, or start its next run, is marked; the rest is not (pure)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import yaml

from reconciler.core.access.documents import shipped
from reconciler.core.access.lockout import IAMCTL_ACTIONS, mark_self_lockout
from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.diff import diff
from reconciler.core.payloads import PolicySpec, ReplacedPolicy
from reconciler.core.policy.documents import canonical
from reconciler.core.policy.mfa_policy import ENFORCE_MFA_POLICY_NAME, enforce_mfa_document
from reconciler.core.policy.trust import trust_document
from reconciler.core.state import Caller, Entity, ManagedPolicy, State, User
from tests.factories import ACCOUNT_ID, ADMIN, READ_ONLY, live_group, live_role, live_user, state
from tests.files import REPO_ROOT

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


def delete(kind: ChangeKind, name: str, target: str = "", **fields: Any) -> Change:
    return Change(Action.DELETE, kind, name, target=target, **fields)


LOST = "may no longer call iam:"


@pytest.mark.parametrize(("change", "caller", "expected"), [
    (delete(ChangeKind.ACCESS_KEY, "runner", KEY), USER,
     "deletes the access key these credentials use"),
    (delete(ChangeKind.ACCESS_KEY, "runner", "AKIAOTHER"), USER, ""),
    (Change(Action.UPDATE, ChangeKind.ACCESS_KEY_STATUS, "runner", target=KEY, before="Active",
            after="Inactive"), USER, "deactivates the access key these credentials use"),
    # The group that gives iamctl's calls; the one that gives only reading leaves them.
    (delete(ChangeKind.USER_GROUP, "runner", "ops"), USER, LOST),
    (delete(ChangeKind.GROUP_MEMBER, "ops", "runner"), USER, LOST),
    (delete(ChangeKind.GROUP_POLICY, "ops", IAM_FULL), USER, LOST),
    (delete(ChangeKind.GROUP, "ops"), USER, LOST),
    (delete(ChangeKind.USER, "runner"), USER, LOST),
    (delete(ChangeKind.USER_GROUP, "other", "ops"), USER, ""),
    (delete(ChangeKind.USER_INLINE_POLICY, "runner", "own"), USER, ""),  # s3 only: not iamctl's
    # Additive Denies take calls away too.
    (Change(Action.CREATE, ChangeKind.USER_POLICY, "runner", target=DENY_ALL), USER, LOST),
    (Change(Action.UPDATE, ChangeKind.USER_INLINE_POLICY, "runner", target="own",
            before=d(action="s3:*").text, after=d("Deny").text), USER, LOST),
    (Change(Action.CREATE, ChangeKind.USER_POLICY, "runner", target=OWN + ENFORCE_MFA_POLICY_NAME),
     USER, LOST),
    # The role these credentials run as.
    (delete(ChangeKind.ROLE_POLICY, "deployer", OWN + "Deploy"), ROLE, LOST),
    (delete(ChangeKind.ROLE_POLICY, "deployer", OWN + "Deploy"), Caller(role="Deployer"), LOST),
    (Change(Action.REPLACE, ChangeKind.POLICY, "Deploy",
            before=ReplacedPolicy(PolicySpec("/", "", d(action="iam:*").text, {}, OWN + "Deploy"),
                                  (Entity("role", "deployer"),)),
            after=ReplacedPolicy(PolicySpec("/x/", "", d(action="iam:*").text),
                                 (Entity("role", "deployer"),))), ROLE, LOST),
    (Change(Action.UPDATE, ChangeKind.ROLE_TRUST, "deployer", before=OIDC_TRUST.text,
            after=trust_document({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}, "aws").text), ROLE,
     "changes who may assume role deployer"),
    (delete(ChangeKind.OIDC_CLIENT_ID, GITHUB, f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}",
            before="sts.amazonaws.com"), ROLE, "removes client id sts.amazonaws.com"),
    # Adding access never locks out; nor do changes to others, or unknown callers.
    (Change(Action.CREATE, ChangeKind.USER_POLICY, "runner", target=ADMIN), USER, ""),
    (delete(ChangeKind.USER_GROUP, "runner", "ops"), Caller(), ""),
    (delete(ChangeKind.LOGIN_PROFILE, "runner"), USER, ""),
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
               if c.kind in (ChangeKind.POLICY, ChangeKind.USER_POLICY)]
    result = mark_self_lockout(changes, desired, before, USER, shipped)
    attach = next(c for c in result if c.kind == ChangeKind.USER_POLICY)
    assert LOST in attach.self_lockout


def test_iamctl_actions_are_the_bootstrap_apply_roles_calls() -> None:
    bootstrap = yaml.safe_load((REPO_ROOT / "examples" / "github-actions"
                                / "bootstrap.yaml").read_text())
    (policy,) = [p for p in bootstrap["policies"] if p["name"] == "iamctl-apply"]
    listed = {a for s in policy["document"]["Statement"]
              for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
              if a.startswith("iam:")}
    assert listed == set(IAMCTL_ACTIONS)


LIVE = live()


# A trust change on the caller's role, or its identity provider or audience removed: the running
# session survives, the next run cannot start.

GITHUB_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"
OKTA_ARN = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/okta"
OPS_ACCOUNT = {"Effect": "Allow", "Principal": {"AWS": "111111111111"},
               "Action": "sts:AssumeRole"}
CI = {"Effect": "Allow", "Principal": {"Federated": GITHUB_ARN},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com",
                                     f"{GITHUB}:sub": "repo:acme/infra:ref:refs/heads/main"}}}


def trust(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def retrust(before: str, after: str, name: str = "deployer") -> Change:
    return Change(Action.UPDATE, ChangeKind.ROLE_TRUST, name, before=before, after=after)


def with_condition(statement: dict[str, Any], **condition: dict[str, Any]) -> dict[str, Any]:
    return {**statement, "Condition": condition}


NOT_SURE = "(iamctl cannot tell which principal assumed it)"
WHO = "changes who may assume role deployer, which these credentials run as"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (retrust(trust(OPS_ACCOUNT, CI), trust(OPS_ACCOUNT)),
         f"{WHO}: Federated {GITHUB_ARN} no longer admitted as before {NOT_SURE}"),
        (retrust(trust(OPS_ACCOUNT, CI), trust(CI), name="Deployer"),  # names ignore case
         "changes who may assume role Deployer, which these credentials run as: AWS "
         f"arn:aws:iam::111111111111:root no longer admitted as before {NOT_SURE}"),
        # A condition added narrows who gets in; one removed, or a principal added, does not.
        (retrust(trust(OPS_ACCOUNT),
                 trust(with_condition(OPS_ACCOUNT, Bool={"aws:MultiFactorAuthPresent": "true"}))),
         f"{WHO}: AWS arn:aws:iam::111111111111:root no longer admitted as before {NOT_SURE}"),
        (retrust(trust(with_condition(OPS_ACCOUNT, Bool={"aws:MultiFactorAuthPresent": "true"})),
                 trust(OPS_ACCOUNT)), ""),
        (retrust(trust(CI), trust(CI, OPS_ACCOUNT)), ""),
        # The same trust spelled another way (an account id, its root ARN) changes nothing.
        (retrust(trust(OPS_ACCOUNT),
                 trust({**OPS_ACCOUNT, "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                        "Action": ["STS:AssumeRole"]})), ""),
        (retrust(trust(OPS_ACCOUNT), trust(OPS_ACCOUNT, {**OPS_ACCOUNT, "Effect": "Deny"})),
         f"{WHO}: a Deny added for AWS arn:aws:iam::111111111111:root {NOT_SURE}"),
        (retrust("not JSON", trust(OPS_ACCOUNT)),
         f"{WHO}, and iamctl cannot read the trust policy to tell whether it still admits the "
         "principal that assumed the role"),
        (retrust(trust(OPS_ACCOUNT, CI), trust(OPS_ACCOUNT), name="other"), ""),
    ],
)
def test_a_trust_change_on_the_callers_role_is_self_lockout(change: Change, expected: str) -> None:
    (marked,) = mark_self_lockout([change], LIVE, LIVE, ROLE, shipped)
    assert marked.self_lockout == expected
    (as_user,) = mark_self_lockout([change], LIVE, LIVE, USER, shipped)
    assert as_user.self_lockout == ""


def live_with_role(*statements: dict[str, Any]) -> State:
    role = live_role("Deployer", trust=trust_document(trust(*statements), "aws"))
    return replace(LIVE, roles={"Deployer": role})


def remove_client_id(client: str, arn: str = GITHUB_ARN, url: str = GITHUB) -> Change:
    return Change(Action.DELETE, ChangeKind.OIDC_CLIENT_ID, url, target=arn, before=client)


EKS = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
EKS_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{EKS}"
REQUIRES = ("removes client id sts.amazonaws.com, which role Deployer, which these credentials "
            "run as, requires of this provider's tokens")


@pytest.mark.parametrize(
    ("live", "change", "expected"),
    [
        (live_with_role(CI), remove_client_id("sts.amazonaws.com"), REQUIRES),
        (live_with_role(OPS_ACCOUNT, CI), remove_client_id("STS.amazonaws.com"),
         REQUIRES.replace("client id sts.", "client id STS.")),
        # An audience the trust does not accept is not the one in use.
        (live_with_role(CI), remove_client_id("other-app"), ""),
        (live_with_role(with_condition(CI, StringLike={f"{GITHUB}:aud": "sts.*"})),
         remove_client_id("sts.amazonaws.com"), REQUIRES),
        # Without an audience condition, any client id of the provider may be the one in use.
        (live_with_role(with_condition(CI, StringEquals={f"{GITHUB}:sub": "repo:acme/x:*"})),
         remove_client_id("other-app"),
         "removes client id other-app of a provider that role Deployer, which these credentials "
         "run as, trusts for any audience"),
        # A provider the caller's role does not trust.
        (live_with_role(CI), remove_client_id("sts.amazonaws.com", EKS_ARN, EKS), ""),
        (live_with_role(OPS_ACCOUNT), remove_client_id("sts.amazonaws.com"), ""),
        # The provider deleted (pruned, or its URL changed in the file): the same, for any
        # client id; a SAML provider too.
        (live_with_role(CI), delete(ChangeKind.OIDC_PROVIDER, GITHUB, GITHUB_ARN),
         "deletes a provider that role Deployer, which these credentials run as, trusts"),
        (live_with_role(CI), delete(ChangeKind.OIDC_PROVIDER, EKS, EKS_ARN), ""),
        (live_with_role({"Effect": "Allow", "Principal": {"Federated": OKTA_ARN},
                         "Action": "sts:AssumeRoleWithSAML"}),
         delete(ChangeKind.SAML_PROVIDER, "okta", OKTA_ARN),
         "deletes a provider that role Deployer, which these credentials run as, trusts"),
        (live_with_role(CI), delete(ChangeKind.SAML_PROVIDER, "okta", OKTA_ARN), ""),
        # Adding a client id takes nothing away.
        (live_with_role(CI), Change(Action.CREATE, ChangeKind.OIDC_CLIENT_ID, GITHUB,
                                    target=GITHUB_ARN,
                                    after="sts.amazonaws.com"), ""),
    ],
)
def test_removing_the_provider_or_client_id_the_callers_role_needs_is_self_lockout(
    live: State, change: Change, expected: str
) -> None:
    (marked,) = mark_self_lockout([change], live, live, ROLE, shipped)
    assert marked.self_lockout == expected
    (as_user,) = mark_self_lockout([change], live, live, USER, shipped)
    assert as_user.self_lockout == ""


def test_a_trust_that_drops_one_of_two_conditions_still_admits_the_caller() -> None:
    both = with_condition(CI, StringEquals={f"{GITHUB}:aud": "sts.amazonaws.com",
                                            f"{GITHUB}:sub": "repo:acme/infra:ref:refs/heads/main"},
                          Bool={"aws:MultiFactorAuthPresent": "true"})
    (marked,) = mark_self_lockout([retrust(trust(both), trust(CI))], LIVE, LIVE, ROLE, shipped)
    assert marked.self_lockout == ""
    (marked,) = mark_self_lockout([retrust(trust(CI), trust(both))], LIVE, LIVE, ROLE, shipped)
    assert marked.self_lockout.startswith(f"{WHO}: Federated {GITHUB_ARN} no longer admitted")


def test_deleting_a_principal_the_callers_role_trusts_is_self_lockout() -> None:
    """Role chaining: whoever assumed the caller's role may be a user or role its trust names
    by ARN; deleting that one stops the next run as surely as a trust change."""
    base = f"arn:aws:iam::{ACCOUNT_ID}:role/ci-base"
    live = live_with_role({"Effect": "Allow", "Principal": {"AWS": [
        base, f"arn:aws:iam::{ACCOUNT_ID}:user/Runner"]}, "Action": "sts:AssumeRole"})
    users = {name: replace(user, arn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}")
             for name, user in live.users.items()}
    live = replace(live, users=users, roles={**live.roles, "ci-base": live_role("ci-base"),
                                             "other": live_role("other")})
    marks = [marked.self_lockout for marked in mark_self_lockout([
        delete(ChangeKind.ROLE, "ci-base"), delete(ChangeKind.USER,
                                                   "runner"), delete(ChangeKind.ROLE, "other"),
        delete(ChangeKind.USER, "other"),
    ], live, live, ROLE, shipped)]
    assert marks == [
        "deletes role ci-base, which role Deployer, which these credentials run as, trusts",
        "deletes user runner, which role Deployer, which these credentials run as, trusts",
        "", "",
    ]


def test_a_role_the_caller_could_assume_does_not_keep_its_calls() -> None:
    """The credentials running iamctl sign as the user: detaching its own grant locks it out,
    even though it may assume a role that holds every call (this run does not assume it)."""
    assume = OWN + "assume"
    before = state(
        live_user("runner", keys=1, policies=frozenset({IAM_FULL, assume})),
        ManagedPolicy("assume", d(action="sts:AssumeRole"), path="/", arn=assume),
        live_role("admin", trust=trust_document(trust({
            "Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}),
            "aws"), policies=frozenset({ADMIN})),
    )
    change = delete(ChangeKind.USER_POLICY, "runner", IAM_FULL)
    (marked,) = mark_self_lockout([change], before, before, USER, shipped)
    assert LOST in marked.self_lockout, marked.self_lockout
