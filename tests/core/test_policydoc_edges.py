"""Policy documents at their edges: what `==` must still tell apart, exact problem lines, quotas.

Written from the survivors of `make mutate`: each test states a guarantee a user relies on (a
change to a policy is never missed, a rejected document says exactly why and where).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.core.policy.documents import (
    MANAGED_POLICY_MAX_SIZE,
    allows_everything,
    as_dict,
    canonical,
    document_size,
    validate_document,
)


def doc(*statements: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "s3:GetObject", resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def condition(operator: str, key: str, value: Any) -> dict[str, Any]:
    return allow(Condition={operator: {key: value}})


# Pairs that grant different permissions: if canonical made them equal, a plan would miss the
# change and the account would keep the old permissions.
DIFFERENT = {
    "condition value": (
        condition("StringEquals", "aws:username", "alice"),
        condition("StringEquals", "aws:username", "bob"),
    ),
    "condition key": (
        condition("Bool", "aws:SecureTransport", "true"),
        condition("Bool", "aws:MultiFactorAuthPresent", "true"),
    ),
    "condition operator": (
        condition("StringEquals", "aws:username", "alice"),
        condition("StringLike", "aws:username", "alice"),
    ),
    "YAML true and false": (
        condition("Bool", "aws:SecureTransport", True),
        condition("Bool", "aws:SecureTransport", False),
    ),
    "numbers": (
        condition("NumericLessThan", "aws:MultiFactorAuthAge", 3600),
        condition("NumericLessThan", "aws:MultiFactorAuthAge", 7200),
    ),
    "principal": (
        allow(Principal={"AWS": "arn:aws:iam::111111111111:root"}),
        allow(Principal={"AWS": "arn:aws:iam::222222222222:root"}),
    ),
    "document Id": (
        {**doc(allow()), "Id": "first"},
        {**doc(allow()), "Id": "second"},
    ),
    "a nested value": (
        allow(Extra={"Nested": ["a"]}),
        allow(Extra={"Nested": ["b"]}),
    ),
}


def as_document(value: dict[str, Any]) -> dict[str, Any]:
    return value if "Statement" in value else doc(value)


@pytest.mark.parametrize("first,second", DIFFERENT.values(), ids=list(DIFFERENT))
def test_different_permissions_are_never_equal(first: Any, second: Any) -> None:
    assert canonical(as_document(first)) != canonical(as_document(second))


# Spellings of the same document: YAML turns `false` into a bool and `3600` into an int; IAM
# stores strings, so the file and the account must compare equal or every plan shows a change.
SAME = {
    "YAML false": (
        condition("Bool", "aws:SecureTransport", False),
        condition("Bool", "aws:SecureTransport", "false"),
    ),
    "YAML number": (
        condition("NumericLessThan", "aws:MultiFactorAuthAge", 3600),
        condition("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
    ),
    "principal order": (
        allow(Principal={"AWS": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]}),
        allow(Principal={"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]}),
    ),
}


@pytest.mark.parametrize("first,second", SAME.values(), ids=list(SAME))
def test_same_permissions_spelled_differently_are_equal(first: Any, second: Any) -> None:
    assert canonical(doc(first)) == canonical(doc(second))


def test_yaml_false_reads_as_the_string_aws_stores() -> None:
    statement = as_dict(canonical(doc(condition("Bool", "aws:SecureTransport", False))))
    # Condition keys are compared without regard to case, as IAM matches them.
    assert statement["Statement"][0]["Condition"] == {"Bool": {"aws:securetransport": ["false"]}}


def test_a_percent_sign_in_json_text_is_kept() -> None:
    # Only URL-encoded text (from GetAccountAuthorizationDetails) is decoded: JSON text as given
    # keeps a literal %, e.g. in an S3 key.
    text = json.dumps(doc(allow(resource="arn:aws:s3:::bucket/a%20b")))
    assert as_dict(canonical(text))["Statement"][0]["Resource"] == ["arn:aws:s3:::bucket/a%20b"]


def test_a_mapping_the_format_does_not_know_is_kept_as_given() -> None:
    statement = allow(NotPrincipal={"AWS": "arn:aws:iam::1:root"})
    kept = as_dict(canonical(doc(statement)))["Statement"][0]
    assert kept["NotPrincipal"] == {"AWS": ["arn:aws:iam::1:root"]}


def test_documents_that_are_not_objects_keep_their_content() -> None:
    # Such a document is rejected by validation, but its canonical text must not hide what it is.
    assert canonical("[1]") != canonical("[2]")
    assert canonical({"Version": "2012-10-17", "Statement": ["a"]}) != canonical(
        {"Version": "2012-10-17", "Statement": ["b"]}
    )


# Exact problem lines: the line a user reads after `file:line:col: field:`.
EXACT_PROBLEMS = {
    "not an object": ([allow()], ["a policy document must be an object ({Version, Statement})"]),
    "unknown top key": (
        {**doc(allow()), "Statment": []},
        ["Statment: unknown key (allowed: Version, Id, Statement)"],
    ),
    "no Version": ({"Statement": [allow()]}, ['missing Version (use "2012-10-17")']),
    "no Statement": ({"Version": "2012-10-17"}, ["missing Statement"]),
    "Statement a string": (
        {"Version": "2012-10-17", "Statement": "x"},
        ["Statement: must be an object or a list of objects"],
    ),
    "statement not an object": (doc("x"), ["Statement[0]: a statement must be an object"]),
    "unknown statement key": (
        doc({**allow(), "Efect": "Allow"}),
        [
            "Statement[0].Efect: unknown key (allowed: Sid, Effect, Action, NotAction, "
            "Resource, NotResource, Condition)"
        ],
    ),
    "NotPrincipal": (
        doc({**allow(), "NotPrincipal": {"AWS": "*"}}),
        ["Statement[0].NotPrincipal: not allowed in a policy attached to users and groups"],
    ),
    "condition not a mapping": (
        doc({**allow(), "Condition": "x"}),
        ["Statement[0].Condition: must map operators to {key: value} mappings"],
    ),
    "a string among statements with Sids": (
        doc({**allow(), "Sid": "A"}, "x"),
        ["Statement[1]: a statement must be an object"],
    ),
    "numeric Sids": (
        doc({**allow(), "Sid": 1}, {**allow(), "Sid": 1}),
        [
            "Statement[0].Sid: must contain only letters and digits",
            "Statement[1].Sid: must contain only letters and digits",
        ],
    ),
}


@pytest.mark.parametrize("document,expected", EXACT_PROBLEMS.values(), ids=list(EXACT_PROBLEMS))
def test_each_problem_is_one_exact_line(document: Any, expected: list[str]) -> None:
    assert validate_document(document) == expected


def test_a_document_of_exactly_the_quota_is_accepted() -> None:
    document = doc(allow(resource="arn:aws:s3:::b/x"))
    size = document_size(canonical(document))
    padding = MANAGED_POLICY_MAX_SIZE - size
    exact = doc(allow(resource="arn:aws:s3:::b/" + "x" * (padding + 1)))
    assert document_size(canonical(exact)) == MANAGED_POLICY_MAX_SIZE
    assert validate_document(exact, MANAGED_POLICY_MAX_SIZE) == []
    over = doc(allow(resource="arn:aws:s3:::b/" + "x" * (padding + 2)))
    assert validate_document(over, MANAGED_POLICY_MAX_SIZE) == [
        f"{MANAGED_POLICY_MAX_SIZE + 1} characters without whitespace, more than the "
        f"{MANAGED_POLICY_MAX_SIZE} AWS allows"
    ]


@pytest.mark.parametrize(
    "document",
    [
        {"Version": "2012-10-17"},
        doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),
        doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"}),
    ],
    ids=["no statement", "NotAction denied", "NotResource on one service"],
)
def test_documents_without_action_or_resource_do_not_allow_everything(document: Any) -> None:
    assert allows_everything(canonical(document)) is False
