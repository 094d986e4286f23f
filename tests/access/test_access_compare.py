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


def test_a_role_given_more_by_one_change_gives_more_to_who_reaches_it() -> None:
    admin = ManagedPolicy("admin", canonical({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    trust = trust_document({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/ann"}}]}, "aws")
    ops = Role("ops", path="/", trust=trust, arn=f"arn:aws:iam::{ACCOUNT_ID}:role/ops")
    live = state(User("ann"), ops, admin)
    before = AccessModel.of(live, lambda arn: None)
    given = replace(ops, policies=frozenset({f"arn:aws:iam::{ACCOUNT_ID}:policy/admin"}))
    after = before.derived(replace(live, roles={"ops": given}), frozenset({"ops"}))
    ann = Principal("user", "ann")
    assert after.reach_changed(ann) == frozenset({"ops"})  # worked out from the parent's
    assert compared(before, after, ann) == Growth.GREW
    assert compared(after, before, ann) == Growth.SHRANK
