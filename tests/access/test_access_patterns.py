"""IAM wildcard patterns as sets: `meets` and `contains` checked against brute force."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.access.grants import grants_of
from reconciler.core.access.patterns import contains, matches, meets

ALPHABET = "ab/"
PATTERNS = st.text(alphabet="ab/*?", max_size=5)
# Every string of up to 5 characters over the alphabet: enough to tell these patterns apart.
STRINGS = ["".join(p) for n in range(6) for p in itertools.product(ALPHABET, repeat=n)]


def named(pattern: str) -> set[str]:
    return {s for s in STRINGS if matches(s, pattern)}


@settings(max_examples=300, deadline=None)
@given(PATTERNS, PATTERNS)
def test_meets_is_exactly_whether_the_patterns_share_a_string(first: str, second: str) -> None:
    # Short strings suffice to witness a shared string of patterns this short, except through
    # stars: compare only where brute force is conclusive.
    shared = bool(named(first) & named(second))
    if shared:
        assert meets(first, second)
    elif len(first.replace("*", "")) + len(second.replace("*", "")) <= 5:
        assert not meets(first, second)


@settings(max_examples=300, deadline=None)
@given(PATTERNS, PATTERNS)
def test_contains_never_claims_a_containment_that_fails(outer: str, inner: str) -> None:
    if contains(outer, inner):
        assert named(inner) <= named(outer)


def test_the_cases_a_review_named() -> None:
    assert contains("*", "arn:aws:s3:::x/*")
    assert contains("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/admin")
    assert contains("arn:aws:iam::123456789012:user/*", "arn:aws:iam::123456789012:user/sandbox/*")
    sandbox = "arn:aws:iam::123456789012:user/sandbox/*"
    assert not contains(sandbox, "arn:aws:iam::123456789012:user/*")
    assert meets("arn:aws:iam::123456789012:role/*", "arn:*:iam::*:role/*")
    assert not meets("arn:aws:s3:::bucket/*", "arn:*:iam::*:role/*")
    assert meets("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/deploy")


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": ["s3:Get*", "iam:PassRole", "lambda:*Function*"],
     "Resource": "*"},
    {"Effect": "Allow", "NotAction": ["iam:*", "sts:AssumeRole"], "Resource": "*"},
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["*:List*", "ec2:RunInstances"], "Resource": "*"},
])
def test_the_actions_a_statement_names_at_once_are_those_it_names_one_by_one(statement):
    (grant,) = grants_of({"Version": "2012-10-17", "Statement": [statement]}, "policy p")
    actions = frozenset({"s3:getobject", "s3:putobject", "iam:passrole", "iam:createuser",
                         "lambda:createfunction", "lambda:invoke", "sts:assumerole",
                         "ec2:runinstances", "ec2:listthings", "ssm:sendcommand"})
    assert grant.names_among(actions) == {a for a in actions if grant.names(a)}
