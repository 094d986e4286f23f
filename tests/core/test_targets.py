"""`--target`: parsing, the owner of every kind of change, and what a target needs (pure)."""

from __future__ import annotations

import pytest

from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.diff import diff
from reconciler.core.errors import IamctlError
from reconciler.core.kinds.declared import DECLARED
from reconciler.core.kinds.entities import ENTITY_KINDS
from reconciler.core.plan.targets import (
    TARGET_KINDS,
    check_declared,
    limit,
    needs,
    owner_of,
    parse_target,
)
from reconciler.core.policy.documents import canonical
from reconciler.core.state import Group, Role, User
from tests.factories import ACCOUNT_ID, READ_ONLY, state

ACCOUNT_SETTINGS = {ChangeKind.ALIAS, ChangeKind.PASSWORD_POLICY}
SECTIONS = {kind.section for kind in ENTITY_KINDS}


@pytest.mark.parametrize("kind", ChangeKind.every())
def test_every_kind_of_change_belongs_to_an_entity_or_the_account(kind):
    owner = owner_of(Change(Action.UPDATE, kind, "x"))
    if kind in ACCOUNT_SETTINGS:
        assert owner is None
    else:
        assert owner is not None and owner[0] in SECTIONS


def test_every_entity_kind_can_be_targeted_but_parts_through_their_owner():
    parts = {kind.entity.section for kind in DECLARED if kind.owner}
    assert {kind.section for kind in TARGET_KINDS.values()} == SECTIONS - parts


def test_an_oidc_provider_is_targeted_by_its_url():
    target = parse_target("oidc-provider:https://token.actions.githubusercontent.com")
    assert target.key == ("oidc_providers", "token.actions.githubusercontent.com")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user", "--target user: expected KIND:NAME"),
        (":alice", "--target :alice: expected KIND:NAME"),
        ("grop:devs", "--target grop:devs: no kind 'grop' (did you mean 'group'?)"),
    ],
)
def test_bad_targets(text, message):
    with pytest.raises(IamctlError, match="^" + message.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?")):
        parse_target(text)


def test_names_compare_without_case_where_iam_ignores_it():
    declared = state(User("Alice"))
    check_declared([parse_target("user:alice")], [declared])
    with pytest.raises(IamctlError, match="no user 'bob' in the files"):
        check_declared([parse_target("user:bob")], [declared])


POLICY_ARN = f"arn:aws:iam::{ACCOUNT_ID}:policy/team/deploy"


def test_a_user_needs_its_groups_and_customer_policies_not_aws_ones():
    desired = state(User("alice", groups=frozenset({"devs"}),
                         policies=frozenset({POLICY_ARN, READ_ONLY}),
                         permissions_boundary=f"arn:aws:iam::{ACCOUNT_ID}:policy/fence"))
    assert needs(parse_target("user:alice"), desired) == {
        ("groups", "devs"), ("policies", "deploy"), ("policies", "fence")}


def test_a_role_needs_the_users_and_providers_its_trust_names():
    trust = canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/ops/Carol"}},
        {"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
         "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/okta"}}]})
    desired = state(Role("ci", trust=trust))
    assert needs(parse_target("role:ci"), desired) == {
        ("users", "carol"), ("saml_providers", "okta")}


def test_limit_keeps_the_targets_changes_and_only_the_creation_of_what_they_need():
    desired = state(User("alice", groups=frozenset({"devs"})),
                    Group("devs", policies=frozenset({READ_ONLY})), User("bob"))
    result = limit(diff(desired, state()), [parse_target("user:alice")], desired)
    assert [(c.kind, c.name) for c in result.changes] == [
        (ChangeKind.GROUP, "devs"), (ChangeKind.USER, "alice"), (ChangeKind.USER_GROUP, "alice")]
