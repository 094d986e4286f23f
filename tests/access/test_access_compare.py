"""Comparing two access models: what a principal gains or loses between them."""

from __future__ import annotations

from dataclasses import replace

from reconciler.core.access.compare import Growth, compared
from reconciler.core.access.model import AccessModel
from reconciler.core.access.principals import Principal
from reconciler.core.policy.documents import canonical
from reconciler.core.policy.trust import trust_document
from reconciler.core.state import ManagedPolicy, Role, User
from tests.factories import ACCOUNT_ID, state

# A model of one change reuses its parent's reach: a role the change touches may be reached by
# the very same chain and still give more.

ADMIN = ManagedPolicy("admin", canonical({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
TRUSTS_ANN = trust_document({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/ann"}}]}, "aws")
OPS = Role("ops", path="/", trust=TRUSTS_ANN, arn=f"arn:aws:iam::{ACCOUNT_ID}:role/ops")


def test_a_role_given_more_by_one_change_gives_more_to_who_reaches_it() -> None:
    live = state(User("ann"), OPS, ADMIN)
    before = AccessModel.of(live, lambda arn: None)
    given = replace(OPS, policies=frozenset({f"arn:aws:iam::{ACCOUNT_ID}:policy/admin"}))
    after = before.derived(replace(live, roles={"ops": given}), frozenset({"ops"}))
    ann = Principal("user", "ann")
    assert after.reach_changed(ann) == frozenset({"ops"})  # worked out from the parent's
    assert compared(before, after, ann) == Growth.GREW
    assert compared(after, before, ann) == Growth.SHRANK


def test_a_role_edited_but_not_named_as_changed_still_counts() -> None:
    # The roles a model of one change differs in are read from the states, not only taken from
    # the caller: a role the caller did not name, edited all the same, is compared too.
    live = state(User("ann"), OPS, ADMIN)
    before = AccessModel.of(live, lambda arn: None)
    given = replace(OPS, policies=frozenset({f"arn:aws:iam::{ACCOUNT_ID}:policy/admin"}))
    after = before.derived(replace(live, roles={"ops": given}), frozenset())
    assert compared(before, after, Principal("user", "ann")) == Growth.GREW
