"""Policy documents: `==` means same meaning to IAM, the text stays as written; local validation."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import quote

import pytest

from reconciler.core.policy.documents import (
    GROUP_INLINE_MAX_SIZE,
    MANAGED_POLICY_MAX_SIZE,
    allows_everything,
    canonical,
    document_diff,
    document_problems,
    document_size,
    validate_document,
)
from reconciler.core.policy.mfa_policy import enforce_mfa_document


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
    "case of an action": (allow("s3:GetObject"), allow("S3:getobject")),
    "case of a condition key": (
        allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        allow(Condition={"IpAddress": {"aws:sourceip": "10.0.0.0/8"}}),
    ),
    "condition value order and duplicates": (
        allow(Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}),
        allow(Condition={"IpAddress": {"aws:SourceIp": ["192.168.0.0/16", "10.0.0.0/8",
                                                        "10.0.0.0/8"]}}),
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
    "condition": (allow(), allow(Condition={"Bool": {"aws:SecureTransport": "true"}})),
    "case of a resource": (allow(resource="arn:aws:s3:::b"), allow(resource="arn:aws:s3:::B")),
    "case of a condition value": (
        allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "ops"}}),
        allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "OPS"}}),
    ),
    "condition operator": (
        allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "ops"}}),
        allow(Condition={"StringLike": {"aws:PrincipalTag/team": "ops"}}),
    ),
    "sid": ({**allow(), "Sid": "A"}, {**allow(), "Sid": "B"}),
    "principal type": (
        {**allow(), "Principal": {"AWS": "*"}},
        {**allow(), "Principal": "*"},
    ),
}


@pytest.mark.parametrize("first,second", UNEQUAL.values(), ids=list(UNEQUAL))
def test_different_permissions_differ(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert canonical(doc(first)) != canonical(doc(second))


def test_statement_order_and_duplicate_statements_are_no_change() -> None:
    deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    assert canonical(doc(READ, deny)) == canonical(doc(deny, READ, deny))
    assert hash(canonical(doc(READ, deny))) == hash(canonical(doc(deny, READ)))


def trust(*principals: str, kind: str = "AWS") -> dict[str, Any]:
    return doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {kind: list(principals)}})


def test_principals_in_any_order_and_an_account_id_as_its_root_arn() -> None:
    assert canonical(trust("111122223333", "arn:aws:iam::444455556666:role/x")) == canonical(
        trust("arn:aws:iam::444455556666:role/x", "arn:aws:iam::111122223333:root"))
    assert canonical(trust("111122223333")) != canonical(trust("111122224444"))
    assert canonical(trust("arn:aws:iam::111122223333:user/root")) != canonical(
        trust("111122223333"))


def test_the_text_stays_as_written() -> None:
    # What apply sends and export writes: the user's order and spelling, not the compared form.
    written = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Z", "Effect": "Allow", "Resource": "*", "Action": "S3:GetObject"},
        {"Sid": "A", "Effect": "Allow", "Resource": "*", "Action": ["s3:ListBucket"]}]}
    assert json.loads(canonical(written).text) == written
    assert list(json.loads(canonical(written).text)["Statement"][0]) == [
        "Sid", "Effect", "Resource", "Action"]
    assert canonical(doc(READ, version=datetime.date(2012, 10, 17))).text == canonical(
        doc(READ)).text


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
        # Everything but a few actions, or everything but a few resources, is full access too.
        ({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}, True),
        ({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": ["*"]}, True),
        ({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret"}, True),
        ({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret"}, True),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"}, False),
        ({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret"}, False),
        (
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
            False,
        ),
    ],
)
def test_allows_everything(statement: dict[str, Any], expected: bool) -> None:
    assert allows_everything(canonical(doc(statement))) is expected


DIFFS = {
    "an action added and one removed, by Sid": (
        doc({**allow(["s3:GetObject", "s3:ListBucket"]), "Sid": "Read"}),
        doc({**allow(["S3:listbucket", "s3:PutObject"]), "Sid": "Read"}),
        ["~ statement Read (Allow):", "    + action s3:PutObject", "    - action s3:GetObject"],
    ),
    "a statement added, by position and effect": (
        doc(allow()),
        doc(allow(), allow("iam:PassRole")),
        ["+ statement 2 (Allow): action iam:PassRole; resource *"],
    ),
    "a statement removed": (
        doc(allow(), {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
        doc(allow()),
        ["- statement 2 (Deny): action s3:DeleteBucket; resource *"],
    ),
    "a resource and a condition value changed": (
        doc(allow(resource="arn:aws:s3:::a",
                  Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}})),
        doc(allow(resource="arn:aws:s3:::b",
                  Condition={"IpAddress": {"aws:sourceip": ["10.0.0.0/8", "192.168.0.0/16"]}})),
        ["~ statement 1 (Allow):", "    + resource arn:aws:s3:::b", "    - resource arn:aws:s3:::a",
         "    + condition IpAddress aws:sourceip 192.168.0.0/16"],
    ),
    "effect flipped": (
        doc(allow()), doc({**allow(), "Effect": "Deny"}),
        ["+ statement 1 (Deny): action s3:GetObject; resource *",
         "- statement 1 (Allow): action s3:GetObject; resource *"],
    ),
    "reordered and re-spelled: nothing": (
        doc(READ, allow("ec2:*")), doc(allow(["EC2:*"]), READ), [],
    ),
}


@pytest.mark.parametrize("before,after,lines", DIFFS.values(), ids=list(DIFFS))
def test_document_diff_by_statement(before: Any, after: Any, lines: list[str]) -> None:
    assert document_diff(canonical(before), canonical(after)) == lines


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
