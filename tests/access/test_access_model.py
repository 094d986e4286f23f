"""The access model: who may do what, through which policy and which roles (pure)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from reconciler.core.access.conditions import Facts, Verdict, judge
from reconciler.core.access.grants import PolicySet, grants_of
from reconciler.core.access.model import AccessModel
from reconciler.core.access.principals import EVERYONE, Principal
from reconciler.core.policy.documents import canonical
from reconciler.core.policy.meaning import meaning
from reconciler.core.policy.trust import trust_document
from reconciler.core.state import Group, ManagedPolicy, Role, User
from tests.factories import ACCOUNT_ID, state

NOW = datetime(2026, 12, 7, tzinfo=timezone.utc)
ROLES = f"arn:aws:iam::{ACCOUNT_ID}:role/*"
OWN = f"arn:aws:iam::{ACCOUNT_ID}:policy/"


def st(effect: str = "Allow", action: Any = "s3:GetObject", resource: Any = "*",
       **more: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource, **more}


def d(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def policy_set(*statements: dict[str, Any]) -> PolicySet:
    return PolicySet(grants_of(meaning(d(*statements)), "policy p"))


def decide(policies: PolicySet, action: str, resource: str = "*", **facts: Any) -> Verdict:
    return policies.decide(action.lower(), resource, Facts(now=NOW, **facts)).verdict


# Grants: Allow, Deny, boundaries, wildcards, resources.


@pytest.mark.parametrize("statements, action, resource, expected", [
    ([st(action="s3:Get*")], "s3:GetObject", "arn:aws:s3:::x/y", Verdict.YES),
    ([st(action="s3:Get*")], "s3:PutObject", "*", Verdict.NO),
    ([st(action="iam:*"), st("Deny", "iam:*")], "iam:PassRole", ROLES, Verdict.NO),
    ([st(action="iam:PassRole", resource="arn:aws:iam::123456789012:role/*")],
     "iam:PassRole", "arn:*:iam::*:role/*", Verdict.YES),
    ([st(action="iam:PassRole", resource="arn:aws:iam::123456789012:role/harmless")],
     "iam:PassRole", "arn:aws:iam::123456789012:role/admin", Verdict.NO),
    ([st(action="sts:AssumeRole", resource="arn:aws:s3:::bucket/*")],
     "sts:AssumeRole", ROLES, Verdict.NO),
    # A Deny on part of the resources leaves the rest allowed: not a full NO.
    ([st(action="iam:PassRole"), st("Deny", "iam:PassRole", "arn:aws:iam::*:role/admin")],
     "iam:PassRole", ROLES, Verdict.MAYBE),
    # NotAction allows everything else; NotResource everything but the named resources.
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "iam:PassRole", "*",
     Verdict.NO),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "lambda:CreateFunction",
     "*", Verdict.YES),
    ([{"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:role/a"}],
     "iam:PassRole", ROLES, Verdict.YES),
    # A condition iamctl cannot decide: maybe; one that ended in 2020: no.
    ([st(action="iam:PassRole", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})],
     "iam:PassRole", "*", Verdict.MAYBE),
    ([st(action="iam:PassRole",
         Condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})],
     "iam:PassRole", "*", Verdict.NO),
    ([st(action="iam:*"), st("Deny", "iam:*", Condition={"Bool": {"aws:MultiFactorAuthPresent":
                                                                  "false"}})],
     "iam:CreateUser", "*", Verdict.MAYBE),
])
def test_a_principal_may_do_what_an_allow_names_and_no_deny_takes_away(
        statements: list[dict[str, Any]], action: str, resource: str, expected: Verdict) -> None:
    assert decide(policy_set(*statements), action, resource) == expected


def test_a_boundary_caps_the_identity_policies() -> None:
    capped = PolicySet(policy_set(st(action="*")).grants,
                       boundary=policy_set(st(action="s3:*")).grants)
    assert decide(capped, "s3:GetObject") == Verdict.YES
    assert decide(capped, "iam:CreateUser") == Verdict.NO


def test_own_user_resources_do_not_count_for_other_users() -> None:
    own = policy_set(st(action="iam:CreateAccessKey",
                        resource="arn:aws:iam::123456789012:user/${aws:username}"))
    facts = Facts(username="ann", now=NOW)
    users = "arn:aws:iam::123456789012:user/*"
    assert own.decide("iam:createaccesskey", users, facts).verdict == Verdict.YES
    assert own.decide("iam:createaccesskey", users, facts, other_user=True).verdict == Verdict.NO
    sneaky = policy_set(st(action="iam:CreateAccessKey",
                           resource="arn:aws:iam::123456789012:user/*${aws:username}*"))
    assert sneaky.decide("iam:createaccesskey", users, facts, other_user=True).verdict == \
        Verdict.YES


@pytest.mark.parametrize("condition, facts, expected", [
    ({"StringEquals": {"aws:username": "ann"}}, {"username": "ann"}, Verdict.YES),
    ({"StringEquals": {"aws:username": "ann"}}, {"username": "bob"}, Verdict.NO),
    ({"StringNotEquals": {"aws:username": "ann"}}, {"username": "bob"}, Verdict.YES),
    ({"StringEquals": {"aws:username": "ann"}}, {}, Verdict.NO),  # a role has no username
    ({"StringEqualsIfExists": {"aws:username": "ann"}}, {}, Verdict.YES),
    ({"StringEquals": {"aws:PrincipalTag/team": "ops"}}, {"tags": {"team": "ops"}}, Verdict.YES),
    ({"StringEquals": {"aws:PrincipalTag/team": "ops"}}, {}, Verdict.MAYBE),  # tags unknown
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"username": "ann"}, Verdict.MAYBE),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {}, Verdict.YES),
    ({"DateGreaterThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}, {}, Verdict.MAYBE),
])
def test_conditions_are_decided_from_what_is_known_of_the_principal(
        condition: dict[str, Any], facts: dict[str, Any], expected: Verdict) -> None:
    assert judge(meaning(d(st(Condition=condition)))["Statement"][0]["Condition"],
                 Facts(now=NOW, **facts)) == expected


# The model: principals, groups, roles and chains.


def role(name: str, trust: dict[str, Any], *policies: str, **fields: Any) -> Role:
    return Role(name, path="/", trust=trust_document(trust, "aws"), policies=frozenset(policies),
                arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", **fields)


def trusting(principal: Any, action: str = "sts:AssumeRole", **more: Any) -> dict[str, Any]:
    return d({"Effect": "Allow", "Principal": principal, "Action": action, **more})


ADMIN_DOC = d(st(action="*"))


POLICIES = (ManagedPolicy("admin", canonical(ADMIN_DOC)),
            ManagedPolicy("assume", canonical(d(st(action="sts:AssumeRole", resource=ROLES)))))


def unread(arn: str) -> dict[str, Any] | None:
    return None


def model_of(*entities: Any) -> AccessModel:
    return AccessModel.of(state(*entities, *POLICIES), unread, now=NOW)


def test_a_group_gives_its_members_its_policies() -> None:
    model = model_of(User("ann", groups=frozenset({"ops"})),
                     Group("ops", policies=frozenset({OWN + "admin"})))
    answer = model.answer(Principal("user", "ann"), "iam:CreateUser", "*")
    assert answer.verdict == Verdict.YES and answer.via == ("group ops: policy admin",)


def test_a_role_anyone_may_assume_gives_everyone_its_access() -> None:
    model = model_of(role("open", trusting({"AWS": "*"}), OWN + "admin"))
    assert EVERYONE in model.principals()
    answer = model.answer(EVERYONE, "iam:CreateUser", "*")
    assert answer.verdict == Verdict.YES
    assert answer.via == ("assumes role open", "policy admin")


def test_a_foreign_account_reaches_a_role_that_trusts_it() -> None:
    model = model_of(role("vendor", trusting({"AWS": "arn:aws:iam::999999999999:root"}),
                          OWN + "admin"))
    assert model.answer(Principal("account", "999999999999"), "s3:GetObject", "*").verdict == \
        Verdict.YES


def test_trusting_the_account_needs_an_identity_policy_and_chains_follow() -> None:
    model = model_of(
        User("ann", policies=frozenset({OWN + "assume"})), User("bob"),
        role("hop", trusting({"AWS": ACCOUNT_ID}), OWN + "assume"),
        role("admin", trusting({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/hop"}), OWN + "admin"),
    )
    ann, bob = Principal("user", "ann"), Principal("user", "bob")
    assert set(model.reachable(ann)) == {"hop", "admin"}
    assert model.reachable(bob) == {}
    answer = model.answer(ann, "iam:CreateUser", "*")
    assert answer.via == ("assumes role hop (policy assume)", "assumes role admin", "policy admin")


def test_a_policy_iamctl_could_not_read_leaves_the_principal_incomplete() -> None:
    model = model_of(User("ann", policies=frozenset({"arn:aws:iam::aws:policy/Unread"})))
    assert model.incomplete(Principal("user", "ann")) == ("policy Unread",)


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
        resource: str, own: bool) -> None:
    facts = Facts(username="ann", now=NOW)
    for action in ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"):
        policies = policy_set(st(action=action, resource=[resource]))
        other = policies.decide(action.lower(), "arn:aws:iam::1:user/*", facts, other_user=True)
        assert (other.verdict == Verdict.NO) == own, resource
