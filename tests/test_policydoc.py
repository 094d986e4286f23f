"""Canonical policy documents: `==` means same permissions text; local validation of documents."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import quote

import pytest

from reconciler.mfa_policy import enforce_mfa_document
from reconciler.policydoc import (
    GROUP_INLINE_MAX_SIZE,
    MANAGED_POLICY_MAX_SIZE,
    allows_everything,
    canonical,
    document_diff,
    document_problems,
    document_size,
    validate_document,
)


def doc(*statements: dict[str, Any], version: Any = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any = "s3:GetObject", resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


READ = allow(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b/*")

EQUAL = {
    "key order": (
        READ,
        {
            "Resource": "arn:aws:s3:::b/*",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Effect": "Allow",
        },
    ),
    "string vs one-item list": (allow("s3:GetObject"), allow(["s3:GetObject"])),
    "action order": (READ, allow(["s3:ListBucket", "s3:GetObject"], "arn:aws:s3:::b/*")),
    "duplicates": (
        READ,
        allow(["s3:GetObject", "s3:ListBucket", "s3:GetObject"], "arn:aws:s3:::b/*"),
    ),
    "condition value string vs list": (
        allow(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        allow(Condition={"Bool": {"aws:SecureTransport": ["true"]}}),
    ),
    "condition boolean from YAML": (
        allow(Condition={"Bool": {"aws:SecureTransport": True}}),
        allow(Condition={"Bool": {"aws:SecureTransport": "true"}}),
    ),
}


@pytest.mark.parametrize("first,second", EQUAL.values(), ids=list(EQUAL))
def test_same_permissions_text_is_equal(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert canonical(doc(first)) == canonical(doc(second))


def test_yaml_date_version_is_the_string() -> None:
    assert canonical(doc(READ, version=datetime.date(2012, 10, 17))) == canonical(doc(READ))


def test_single_statement_object_equals_a_list_of_one() -> None:
    assert canonical({"Version": "2012-10-17", "Statement": READ}) == canonical(doc(READ))


def test_json_text_and_url_encoded_text_equal_the_dict() -> None:
    text = json.dumps(doc(READ), indent=4)
    assert canonical(text) == canonical(doc(READ))
    assert canonical(quote(text)) == canonical(doc(READ))


UNEQUAL = {
    "effect": (allow(), {**allow(), "Effect": "Deny"}),
    "action": (allow("s3:GetObject"), allow("s3:PutObject")),
    "action vs notaction": (
        allow(),
        {"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "*"},
    ),
    "resource": (allow(resource="*"), allow(resource="arn:aws:s3:::b")),
    "case of an action": (allow("s3:GetObject"), allow("s3:getobject")),
    "condition": (allow(), allow(Condition={"Bool": {"aws:SecureTransport": "true"}})),
}


@pytest.mark.parametrize("first,second", UNEQUAL.values(), ids=list(UNEQUAL))
def test_different_permissions_differ(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert canonical(doc(first)) != canonical(doc(second))


def test_statement_order_counts() -> None:
    # Statement order has no effect on IAM's decision, but AWS stores and returns the order given:
    # comparing it keeps the text in the account identical to the file.
    deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    assert canonical(doc(READ, deny)) != canonical(doc(deny, READ))


PROBLEMS = {
    "no Effect": ({"Action": "s3:GetObject", "Resource": "*"}, "Statement[0]: missing Effect"),
    "bad Effect": ({**allow(), "Effect": "allow"}, "Statement[0].Effect: must be Allow or Deny"),
    "Action and NotAction": (
        {**allow(), "NotAction": "iam:*"},
        "Statement[0]: has both Action and NotAction",
    ),
    "no Action": ({"Effect": "Allow", "Resource": "*"}, "missing Action (or NotAction)"),
    "Resource and NotResource": (
        {**allow(), "NotResource": "x"},
        "has both Resource and NotResource",
    ),
    "no Resource": ({"Effect": "Allow", "Action": "s3:*"}, "missing Resource (or NotResource)"),
    "action without service": (
        allow("GetObject"),
        "Statement[0].Action: not service:action or *",
    ),
    "resource not an ARN": (
        allow(resource=["*", "my-bucket"]),
        "Statement[0].Resource[1]: not an ARN or *",
    ),
    "empty action list": (allow([]), "Statement[0].Action: is empty"),
    "principal": ({**allow(), "Principal": "*"}, "Statement[0].Principal: not allowed in a policy"),
    "unknown key": ({**allow(), "Efect": "Allow"}, "Statement[0].Efect: unknown key (allowed:"),
    "sid with a space": (
        {**allow(), "Sid": "read all"},
        "Statement[0].Sid: must contain only letters and digits",
    ),
    "condition not a mapping": (
        {**allow(), "Condition": "x"},
        "Statement[0].Condition: must map operators",
    ),
}


@pytest.mark.parametrize("statement,expected", PROBLEMS.values(), ids=list(PROBLEMS))
def test_statement_problems(statement: dict[str, Any], expected: str) -> None:
    problems = validate_document(doc(statement))
    assert any(expected in problem for problem in problems), problems


DOCUMENT_PROBLEMS = {
    "no Version": ({"Statement": [allow()]}, 'missing Version (use "2012-10-17")'),
    "bad Version": (doc(allow(), version="2012-10-18"), 'Version: must be "2012-10-17"'),
    "no Statement": ({"Version": "2012-10-17"}, "missing Statement"),
    "empty Statement": (doc(), "Statement: is empty"),
    "Statement a string": (
        {"Version": "2012-10-17", "Statement": "x"},
        "must be an object or a list",
    ),
    "unknown top key": ({**doc(allow()), "Statment": []}, "Statment: unknown key (allowed:"),
    "repeated Sid": (
        doc({**allow(), "Sid": "A"}, {**allow(), "Sid": "A"}),
        "Statement[1].Sid: repeats the Sid of Statement[0]",
    ),
    "not JSON": ("{Version: 2012", "not valid JSON"),
    "not an object": ([allow()], "must be an object"),
}


@pytest.mark.parametrize(
    "document,expected", DOCUMENT_PROBLEMS.values(), ids=list(DOCUMENT_PROBLEMS)
)
def test_document_problems(document: Any, expected: str) -> None:
    problems = validate_document(document)
    assert any(expected in problem for problem in problems), problems


def test_valid_documents_have_no_problems() -> None:
    assert validate_document(doc(READ, {**allow(), "Sid": "Second1"})) == []
    assert validate_document({"Version": "2008-10-17", "Statement": READ}) == []
    assert validate_document(json.dumps(doc(READ))) == []
    assert validate_document(enforce_mfa_document(), MANAGED_POLICY_MAX_SIZE) == []


def test_problems_say_where() -> None:
    problems = document_problems(doc(READ, {"Action": "s3:*", "Resource": "*"}))
    assert [(problem.where, problem.message) for problem in problems] == [
        (("Statement", 1), "missing Effect (Allow or Deny)")
    ]


def test_size_is_counted_without_whitespace() -> None:
    assert document_size('{"a": [1, 2]}') == len('{"a":[1,2]}')


def test_size_quota() -> None:
    actions = [f"s3:GetObject{i:04d}" for i in range(400)]  # about 6,800 characters
    big = doc(allow(actions))
    assert any(
        "more than the 6144 AWS allows" in p
        for p in validate_document(big, MANAGED_POLICY_MAX_SIZE)
    )
    assert validate_document(doc(allow(actions[:100])), GROUP_INLINE_MAX_SIZE) == []
    assert validate_document(big) == []  # no quota asked for


@pytest.mark.parametrize(
    "statement,expected",
    [
        (allow("*", "*"), True),
        (allow("*:*", "*"), True),
        (allow(["s3:*", "*"], ["arn:aws:s3:::b", "*"]), True),
        (allow("*", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}), False),
        ({**allow("*", "*"), "Effect": "Deny"}, False),
        (allow("s3:*", "*"), False),
        (allow("*", "arn:aws:s3:::b"), False),
    ],
)
def test_allows_everything(statement: dict[str, Any], expected: bool) -> None:
    assert allows_everything(canonical(doc(statement))) is expected


def test_document_diff_shows_added_and_removed_lines() -> None:
    before = canonical(doc(allow("s3:GetObject")))
    after = canonical(doc(allow("s3:PutObject")))
    lines = document_diff(before, after)
    assert any(line.startswith("-") and "s3:GetObject" in line for line in lines)
    assert any(line.startswith("+") and "s3:PutObject" in line for line in lines)
    assert document_diff(before, before) == []


SENTINEL = "Hunter2NotForLogs"  # letters and digits: also a valid Sid


@pytest.mark.parametrize(
    "document",
    [
        doc({**allow(), "Effect": SENTINEL}),
        doc(allow(["s3:GetObject", SENTINEL])),
        doc({"Effect": "Deny", "NotAction": SENTINEL, "Resource": "*"}),
        doc(allow(resource=SENTINEL)),
        doc({"Effect": "Allow", "Action": "s3:*", "NotResource": [SENTINEL]}),
        doc({**allow(), "Sid": SENTINEL + "!"}),
        doc({**allow(), "Sid": SENTINEL}, {**allow(), "Sid": SENTINEL}),
        doc({**allow(), "Condition": SENTINEL}),
        doc(allow(), version=SENTINEL),
        {"Version": "2012-10-17", "Statement": SENTINEL},
        '{"Version": "2012-10-17", "Statement": [' + SENTINEL + "]}",
    ],
)
def test_problems_never_repeat_what_the_document_holds(document: Any) -> None:
    problems = validate_document(document)
    assert problems
    assert not [problem for problem in problems if SENTINEL in problem]
