"""Self-lockout, with plain data: which changes would cut off the credentials running iamctl."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from factories import ACCOUNT_ID, ADMIN, READ_ONLY, doc, live_group, live_role, live_user, state

from reconciler.core.lockout import mark_self_lockout
from reconciler.core.model import Action, Caller, Change, Entity, Kind, State
from reconciler.core.payloads import Attachments, PolicySpec, ReplacedPolicy
from reconciler.core.trust import trust_document

OPS = frozenset({"ops"})
POLICY = f"arn:aws:iam::{ACCOUNT_ID}:policy/Deploy"
LIVE = state(
    live_user("runner", keys=1, groups=OPS | {"empty"}, policies=frozenset({ADMIN}),
              inline_policies={"own": doc()}),
    live_user("other", keys=1, groups=OPS),
    live_group("ops", policies=frozenset({READ_ONLY})),
    live_group("empty"),
)
KEY = "AKIARUNNER0"  # live_user's first key of `runner`
USER = Caller(user="runner", access_key_id=KEY)
ROLE = Caller(role="deployer")


def attached(*entities: tuple[str, str]) -> Attachments:
    return Attachments(tuple(Entity(kind, name) for kind, name in entities))


def replaced(*entities: tuple[str, str], arn: str = "") -> ReplacedPolicy:
    return ReplacedPolicy(PolicySpec("/", "", "{}", {}, arn), attached(*entities).attached)


def delete(kind: Kind, name: str, target: str = "", **fields) -> Change:
    return Change(Action.DELETE, kind, name, target=target, **fields)


def deactivate(name: str, key: str) -> Change:
    return Change(Action.UPDATE, Kind.ACCESS_KEY_STATUS, name, target=key, before="Active",
                  after="Inactive")


REPLACE_ON_ROLE = Change(
    Action.UPDATE, Kind.POLICY_REPLACEMENT, "Deploy",
    before=replaced(("role", "deployer"), ("user", "other"), arn=POLICY),
    after=replaced(("role", "deployer")),
)


@pytest.mark.parametrize(
    ("change", "caller", "expected"),
    [
        (delete(Kind.ACCESS_KEY, "runner", KEY), USER,
         "deletes the access key these credentials use"),
        (delete(Kind.ACCESS_KEY, "Runner", KEY), USER,  # names ignore case
         "deletes the access key these credentials use"),
        (delete(Kind.ACCESS_KEY, "runner", "AKIAOTHER"), USER, ""),
        (delete(Kind.ACCESS_KEY, "other", "AKIAOTHER0"), USER, ""),
        # Deactivating the key (a rotation's or unused-credentials step) cuts off as surely.
        (deactivate("runner", KEY), USER, "deactivates the access key these credentials use"),
        (deactivate("runner", "AKIAOTHER"), USER, ""),
        (deactivate("other", "AKIAOTHER0"), USER, ""),
        (delete(Kind.USER_GROUP, "runner", "ops"), USER,
         "removes the user these credentials belong to from group ops, which gives it "
         "permissions"),
        (delete(Kind.USER_GROUP, "runner", "empty"), USER, ""),  # the group gives nothing
        (delete(Kind.USER_GROUP, "other", "ops"), USER, ""),
        (delete(Kind.GROUP_MEMBER, "ops", "runner"), USER,
         "removes the user these credentials belong to from group ops, which gives it "
         "permissions"),
        (delete(Kind.USER_POLICY, "runner", ADMIN), USER,
         "detaches AdministratorAccess from the user these credentials belong to"),
        (delete(Kind.USER_INLINE_POLICY, "runner", "own"), USER,
         "deletes inline policy own of the user these credentials belong to"),
        (delete(Kind.USER_POLICY, "other", ADMIN), USER, ""),
        (delete(Kind.GROUP_POLICY, "ops", READ_ONLY), USER,
         "detaches ReadOnlyAccess from group ops, through which these credentials get "
         "permissions"),
        (delete(Kind.GROUP_INLINE_POLICY, "ops", "x"), USER,
         "deletes inline policy x of group ops, through which these credentials get "
         "permissions"),
        (delete(Kind.GROUP, "ops"), USER,
         "deletes group ops, through which these credentials get permissions"),
        (delete(Kind.GROUP_POLICY, "ops", READ_ONLY), Caller(user="stranger"), ""),
        (delete(Kind.USER, "runner"), USER, "deletes the user these credentials belong to"),
        (delete(Kind.POLICY, "Deploy", POLICY, before=attached(("user", "runner"))), USER,
         "detaches policy Deploy from the user these credentials belong to"),
        (delete(Kind.POLICY, "Deploy", POLICY, before=attached(("group", "ops"))), USER,
         "detaches policy Deploy from group ops, through which these credentials get "
         "permissions"),
        (delete(Kind.POLICY, "Deploy", POLICY, before=attached(("group", "ops"))), ROLE, ""),
        (REPLACE_ON_ROLE, ROLE,
         "detaches policy Deploy from role deployer, which these credentials run as"),
        (REPLACE_ON_ROLE, Caller(role="Deployer"),
         "detaches policy Deploy from role deployer, which these credentials run as"),
        (REPLACE_ON_ROLE, USER, ""),
        # Adding never locks out; nor do changes to others, or unknown callers.
        (Change(Action.CREATE, Kind.USER_POLICY, "runner", target=ADMIN), USER, ""),
        (Change(Action.UPDATE, Kind.USER_TAGS, "runner", before={}, after={}), USER, ""),
        (delete(Kind.LOGIN_PROFILE, "runner"), USER, ""),
        (delete(Kind.USER_POLICY, "runner", ADMIN), Caller(), ""),
    ],
)
def test_self_lockout(change: Change, caller: Caller, expected: str) -> None:
    (marked,) = mark_self_lockout([change], LIVE, caller)
    assert marked.self_lockout == expected
    assert marked == change  # the mark says who runs iamctl, not what the change does


def test_after_assuming_a_role_the_caller_key_is_the_roles_not_the_sessions(aws):
    """The self-lockout check compares changes with the key in use: after AssumeRole that is the
    role session's key, never the key of the credentials that assumed it."""
    aws.iam("create_role", "create a role", RoleName="deployer",
            AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    assumed = aws.assume_role("arn:aws:iam::123456789012:role/deployer", None)
    own = aws.access_key_id()
    assert own is not None
    assert assumed.access_key_id() not in (None, own)


BOUNDARY = f"arn:aws:iam::{ACCOUNT_ID}:policy/Boundary"


def boundary(kind: Kind, action: Action, name: str) -> Change:
    before = None if action == Action.CREATE else BOUNDARY
    after = None if action == Action.DELETE else BOUNDARY
    return Change(action, kind, name, before=before, after=after)


@pytest.mark.parametrize(
    ("change", "caller", "expected"),
    [
        (delete(Kind.ROLE, "deployer"), ROLE,
         "deletes role deployer, which these credentials run as"),
        (delete(Kind.ROLE, "Deployer"), ROLE,  # names ignore case
         "deletes role Deployer, which these credentials run as"),
        (delete(Kind.ROLE, "other"), ROLE, ""),
        (delete(Kind.ROLE, "deployer"), USER, ""),
        (delete(Kind.ROLE_POLICY, "deployer", ADMIN), ROLE,
         "detaches AdministratorAccess from role deployer, which these credentials run as"),
        (delete(Kind.ROLE_INLINE_POLICY, "deployer", "own"), ROLE,
         "deletes inline policy own of role deployer, which these credentials run as"),
        (delete(Kind.INSTANCE_PROFILE, "deployer"), ROLE,
         "removes role deployer, which these credentials run as, from its instance profile"),
        (boundary(Kind.ROLE_BOUNDARY, Action.CREATE, "deployer"), ROLE,
         "sets a permissions boundary on role deployer, which these credentials run as"),
        (boundary(Kind.ROLE_BOUNDARY, Action.UPDATE, "deployer"), ROLE,
         "sets a permissions boundary on role deployer, which these credentials run as"),
        (boundary(Kind.USER_BOUNDARY, Action.CREATE, "runner"), USER,
         "sets a permissions boundary on the user these credentials belong to"),
        (boundary(Kind.USER_BOUNDARY, Action.UPDATE, "Runner"), USER,
         "sets a permissions boundary on the user these credentials belong to"),
        # A boundary removed takes nothing away; nor does a change to another entity.
        (boundary(Kind.ROLE_BOUNDARY, Action.DELETE, "deployer"), ROLE, ""),
        (boundary(Kind.USER_BOUNDARY, Action.DELETE, "runner"), USER, ""),
        (boundary(Kind.USER_BOUNDARY, Action.CREATE, "other"), USER, ""),
        (boundary(Kind.ROLE_BOUNDARY, Action.CREATE, "runner"), USER, ""),
        (Change(Action.CREATE, Kind.ROLE_POLICY, "deployer", target=ADMIN), ROLE, ""),
    ],
)
def test_self_lockout_through_roles_and_boundaries(
    change: Change, caller: Caller, expected: str
) -> None:
    (marked,) = mark_self_lockout([change], LIVE, caller)
    assert marked.self_lockout == expected


# A trust change on the caller's role, or its identity provider or audience removed: the running
# session survives, the next run cannot start.

GITHUB = "token.actions.githubusercontent.com"
GITHUB_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{GITHUB}"
OKTA_ARN = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/okta"
OPS_ACCOUNT = {"Effect": "Allow", "Principal": {"AWS": "111111111111"},
               "Action": "sts:AssumeRole"}
CI = {"Effect": "Allow", "Principal": {"Federated": GITHUB_ARN},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com",
                                     f"{GITHUB}:sub": "repo:acme/infra:ref:refs/heads/main"}}}


def trust(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def retrust(before: str, after: str, name: str = "deployer") -> Change:
    return Change(Action.UPDATE, Kind.ROLE_TRUST, name, before=before, after=after)


def with_condition(statement: dict, **condition: dict) -> dict:
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
    (marked,) = mark_self_lockout([change], LIVE, ROLE)
    assert marked.self_lockout == expected
    (as_user,) = mark_self_lockout([change], LIVE, USER)
    assert as_user.self_lockout == ""


def live_with_role(*statements: dict) -> State:
    role = live_role("Deployer", trust=trust_document(trust(*statements), "aws"))
    return replace(LIVE, roles={"Deployer": role})


def remove_client_id(client: str, arn: str = GITHUB_ARN, url: str = GITHUB) -> Change:
    return Change(Action.DELETE, Kind.OIDC_CLIENT_ID, url, target=arn, before=client)


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
        (live_with_role(CI), delete(Kind.OIDC_PROVIDER, GITHUB, GITHUB_ARN),
         "deletes a provider that role Deployer, which these credentials run as, trusts"),
        (live_with_role(CI), delete(Kind.OIDC_PROVIDER, EKS, EKS_ARN), ""),
        (live_with_role({"Effect": "Allow", "Principal": {"Federated": OKTA_ARN},
                         "Action": "sts:AssumeRoleWithSAML"}),
         delete(Kind.SAML_PROVIDER, "okta", OKTA_ARN),
         "deletes a provider that role Deployer, which these credentials run as, trusts"),
        (live_with_role(CI), delete(Kind.SAML_PROVIDER, "okta", OKTA_ARN), ""),
        # Adding a client id takes nothing away.
        (live_with_role(CI), Change(Action.CREATE, Kind.OIDC_CLIENT_ID, GITHUB, target=GITHUB_ARN,
                                    after="sts.amazonaws.com"), ""),
    ],
)
def test_removing_the_provider_or_client_id_the_callers_role_needs_is_self_lockout(
    live: State, change: Change, expected: str
) -> None:
    (marked,) = mark_self_lockout([change], live, ROLE)
    assert marked.self_lockout == expected
    (as_user,) = mark_self_lockout([change], live, USER)
    assert as_user.self_lockout == ""


def test_a_trust_that_drops_one_of_two_conditions_still_admits_the_caller() -> None:
    both = with_condition(CI, StringEquals={f"{GITHUB}:aud": "sts.amazonaws.com",
                                            f"{GITHUB}:sub": "repo:acme/infra:ref:refs/heads/main"},
                          Bool={"aws:MultiFactorAuthPresent": "true"})
    (marked,) = mark_self_lockout([retrust(trust(both), trust(CI))], LIVE, ROLE)
    assert marked.self_lockout == ""
    (marked,) = mark_self_lockout([retrust(trust(CI), trust(both))], LIVE, ROLE)
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
        delete(Kind.ROLE, "ci-base"), delete(Kind.USER, "runner"), delete(Kind.ROLE, "other"),
        delete(Kind.USER, "other"),
    ], live, ROLE)]
    assert marks == [
        "deletes role ci-base, which role Deployer, which these credentials run as, trusts",
        "deletes user runner, which role Deployer, which these credentials run as, trusts",
        "", "",
    ]
