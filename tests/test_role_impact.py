"""Permission impact of role and boundary changes: who may assume a role, what a boundary caps."""

from __future__ import annotations

from reconciler.core.diff import diff
from reconciler.core.escalation import TRUST
from reconciler.core.impact import Context, assess
from reconciler.core.model import Action, Change, Impact, Kind, Risk, Role, User
from reconciler.core.payloads import PathSpec
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


# Trust policies judged directly, statement shapes that the plan tests above do not reach.


def judged(before: list[dict[str, object]], after: list[dict[str, object]],
           version: str = "2012-10-17") -> tuple[Impact, tuple[Risk, ...]]:
    old = {"Version": "2012-10-17", "Statement": before}
    new = {"Version": version, "Statement": after}
    change = Change(Action.UPDATE, Kind.ROLE_TRUST, "r", before=canonical(old).text,
                    after=canonical(new).text)
    return assess(change, Context(state(), state()))


def allow(principal: object, **extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


def deny(principal: object) -> dict[str, object]:
    return {"Effect": "Deny", "Principal": principal, "Action": "sts:AssumeRole"}


A, B = {"AWS": "111111111111"}, {"AWS": "222222222222"}
COND_X = {"Condition": {"StringEquals": {"sts:ExternalId": "x"}}}
COND_Y = {"Condition": {"StringEquals": {"sts:ExternalId": "y"}}}


def test_trust_grants_are_gathered_from_every_statement() -> None:
    before = [allow(A), allow({"Service": "ec2.amazonaws.com"})]
    assert judged(before, [allow({"Service": "ec2.amazonaws.com"})]) == (Impact.NARROWS, ())
    assert judged(before, [allow(A)]) == (Impact.NARROWS, ())


def test_the_same_principals_split_into_statements_is_neutral() -> None:
    both = {"AWS": ["111111111111", "222222222222"]}
    assert judged([allow(both)], [allow(A), allow(B)]) == (Impact.NEUTRAL, ())


def test_anyone_under_two_conditions_then_one_narrows() -> None:
    before = [allow("*", **COND_X), allow("*", **COND_Y)]
    assert judged(before, [allow("*", **COND_X)]) == (Impact.NARROWS, ())
    assert judged([allow("*", **COND_X)], before) == (
        Impact.BROADENS, ())  # "*" is already a trusted principal: not named again


def test_a_deny_removed_broadens_and_a_deny_kept_does_not() -> None:
    assert judged([allow(A), deny(B)], [allow(A)]) == (Impact.BROADENS, ())
    assert judged([allow(A), allow(B), deny(B)], [allow(A), deny(B)]) == (Impact.NARROWS, ())


def test_a_new_version_or_a_malformed_side_is_unknown_naming_only_new_principals() -> None:
    assert judged([allow(A)], [allow(A), allow(B)], version="2008-10-17") == (
        Impact.UNKNOWN, (Risk(TRUST, "AWS 222222222222"),))
    malformed = {"Principal": B, "Action": "sts:AssumeRole"}  # no Effect
    assert judged([allow(A)], [allow(A), malformed]) == (Impact.UNKNOWN, ())
    assert judged([allow(A), malformed], [allow(A)]) == (Impact.UNKNOWN, ())


def test_a_trust_policy_that_had_no_statement() -> None:
    change = Change(Action.UPDATE, Kind.ROLE_TRUST, "r", before='{"Version":"2012-10-17"}',
                    after=canonical({"Version": "2012-10-17", "Statement": [allow(A)]}).text)
    assert assess(change, Context(state(), state())) == (
        Impact.BROADENS, (Risk(TRUST, "AWS 111111111111"),))
    gone = Change(Action.UPDATE, Kind.ROLE_TRUST, "r", before=change.after,
                  after='{"Version":"2012-10-17"}')
    assert assess(gone, Context(state(), state())) == (Impact.NARROWS, ())


def test_an_instance_profile_added_is_unknown_and_removed_narrows() -> None:
    context = Context(state(), state())
    assert assess(Change(Action.CREATE, Kind.INSTANCE_PROFILE, "r", after=PathSpec("/")),
                  context) == (Impact.UNKNOWN, ())
    assert assess(Change(Action.DELETE, Kind.INSTANCE_PROFILE, "r"), context) == (
        Impact.NARROWS, ())


def test_a_deny_listed_first_does_not_hide_the_grants_after_it() -> None:
    # The meaning form sorts statements: a Deny on sts:AssumeRole comes before an Allow on
    # sts:TagSession.
    tag = {"Action": "sts:TagSession"}
    before = [deny(A), {**allow(B), **tag}]
    after = [*before, {**allow({"AWS": "333333333333"}), **tag}]
    assert judged(before, after) == (Impact.BROADENS, (Risk(TRUST, "AWS 333333333333"),))
