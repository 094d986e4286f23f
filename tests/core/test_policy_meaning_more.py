"""Policy documents at the edges: shapes IAM would not take still compare by what they say (where
unsure, two documents differ); an unreadable document is empty; full access is recognised only
when a statement says so. Plain data."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.core.policy.documents import allows_everything, as_dict, as_written, canonical
from reconciler.core.state import Document


def d(**statement: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}


# Pairs that differ only in a part IAM would reject: kept apart, never taken as one.
DIFFERENT = {
    "a Condition that is not an object": (
        d(Action="s3:*", Resource="*", Condition="a"),
        d(Action="s3:*", Resource="*", Condition="b")),
    "a condition block that is not an object": (
        d(Action="s3:*", Resource="*", Condition={"Bool": "a"}),
        d(Action="s3:*", Resource="*", Condition={"Bool": "b"})),
    "a Principal that is a string": (
        d(Action="sts:AssumeRole", Principal="*"), d(Action="sts:AssumeRole", Principal="x")),
    "resources that are not strings": (
        d(Action="s3:*", Resource=[{"a": 1}]), d(Action="s3:*", Resource=[{"a": 2}])),
    "condition keys apart only by case, against one of them": (
        d(Action="s3:*", Resource="*",
          Condition={"StringEquals": {"aws:UserAgent": "x", "AWS:useragent": "x"}}),
        d(Action="s3:*", Resource="*", Condition={"StringEquals": {"aws:useragent": "x"}})),
}


@pytest.mark.parametrize("one,other", DIFFERENT.values(), ids=list(DIFFERENT))
def test_documents_iam_would_reject_are_not_confused(one: Any, other: Any) -> None:
    assert canonical(one) != canonical(other)


def test_a_document_with_no_text_reads_as_empty() -> None:
    unread = Document(text="", meaning="")
    assert as_dict(unread) == {} and as_written(unread) == {}


@pytest.mark.parametrize("statement", [
    {"NotAction": "iam:*", "Resource": "arn:aws:s3:::a"},  # no Action key
    {"Action": "*", "NotResource": "arn:aws:s3:::a"},
    {"Action": "*"},  # no Resource key
    {"Resource": "*"},  # neither Action nor NotAction
], ids=["NotAction on one resource", "NotResource", "no Resource", "no Action"])
def test_full_access_needs_every_action_and_every_resource(statement: dict[str, Any]) -> None:
    expected = "NotResource" in statement
    assert allows_everything(canonical(d(**statement))) is expected
