"""Permission impact of role and boundary changes: who may assume a role, what a boundary caps."""

from __future__ import annotations

from reconciler.core.diff import diff
from reconciler.core.escalation import TRUST
from reconciler.core.model import Impact, Kind, Risk, Role, User
from reconciler.core.plan import make_plan
from reconciler.core.policydoc import canonical
from tests.factories import ACCOUNT_ID, ADMIN, EC2_TRUST, live_role, live_user, state

BOUNDARY = f"arn:aws:iam::{ACCOUNT_ID}:policy/Boundary"


def trust(*accounts: str) -> object:
    return canonical(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": list(accounts)},
                 "Action": "sts:AssumeRole"}
            ],
        }
    )


def planned(desired: object, live: object) -> list[tuple[Kind, Impact, tuple[Risk, ...]]]:
    plan = make_plan(desired, live, diff(desired, live))  # type: ignore[arg-type]
    return [(c.kind, c.impact, c.risks) for c in plan.changes]


def test_a_trust_policy_that_adds_a_principal_broadens_and_names_it() -> None:
    live = state(live_role("r", trust=trust("111111111111")))
    desired = state(Role("r", trust=trust("111111111111", "222222222222")))
    assert planned(desired, live) == [
        (Kind.ROLE_TRUST, Impact.BROADENS, (Risk(TRUST, "AWS 222222222222"),))
    ]


def test_a_trust_policy_that_drops_a_principal_narrows() -> None:
    live = state(live_role("r", trust=trust("111111111111", "222222222222")))
    desired = state(Role("r", trust=trust("111111111111")))
    assert planned(desired, live) == [(Kind.ROLE_TRUST, Impact.NARROWS, ())]


def test_a_new_role_broadens_with_its_principals_as_risks() -> None:
    desired = state(Role("r", trust=EC2_TRUST, policies=frozenset({ADMIN})))
    assert planned(desired, state()) == [
        (Kind.ROLE, Impact.BROADENS, (Risk(TRUST, "Service ec2.amazonaws.com"),)),
        (Kind.ROLE_POLICY, Impact.BROADENS, (Risk("admin", "* on *"),)),
    ]


def test_removing_a_boundary_broadens_and_adding_one_narrows() -> None:
    with_boundary = live_role("r", permissions_boundary=BOUNDARY)
    assert planned(state(Role("r", trust=EC2_TRUST)), state(with_boundary)) == [
        (Kind.ROLE_BOUNDARY, Impact.BROADENS, ())
    ]
    desired = state(User("u", permissions_boundary=BOUNDARY))
    assert planned(desired, state(live_user("u"))) == [(Kind.USER_BOUNDARY, Impact.NARROWS, ())]


def test_deleting_a_role_narrows() -> None:
    plan_changes = planned(state(prune=True), state(live_role("gone")))
    assert plan_changes == [(Kind.ROLE, Impact.NARROWS, ())]


def condition_trust(condition: dict[str, object]) -> object:
    statement: dict[str, object] = {
        "Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return canonical({"Version": "2012-10-17", "Statement": [statement]})


def test_a_trusted_principal_under_new_terms_broadens_without_naming_it_again() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    live = state(live_role("r", trust=condition_trust(mfa)))
    desired = state(Role("r", trust=condition_trust({})))  # the MFA condition dropped
    assert planned(desired, live) == [(Kind.ROLE_TRUST, Impact.BROADENS, ())]


def test_a_deny_added_to_a_trust_policy_narrows() -> None:
    allow = {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}
    deny = {"Effect": "Deny", "Principal": {"AWS": "111111111111"}, "Action": "sts:TagSession"}
    live = state(live_role("r", trust=canonical({"Version": "2012-10-17", "Statement": [allow]})))
    desired = state(Role("r", trust=canonical(
        {"Version": "2012-10-17", "Statement": [allow, deny]})))
    assert planned(desired, live) == [(Kind.ROLE_TRUST, Impact.NARROWS, ())]
