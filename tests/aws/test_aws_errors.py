"""The AWS boundary raises the error codes the project branches on as their own classes.

Callers write `except NoSuchEntityError`, never compare code strings: these tests pin the class
each code becomes (botocore's Stubber answers the call, as AWS would), that any other code stays a
plain `AwsError`, and that the code, message and `maybe_landed` survive on the error.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from reconciler.aws.client import Aws
from reconciler.core.errors import (
    AccessDeniedError,
    AwsError,
    ConcurrentModificationError,
    CredentialReportExpiredError,
    CredentialReportNotPresentError,
    CredentialReportNotReadyError,
    DeleteConflictError,
    EntityAlreadyExistsError,
    EntityTemporarilyUnmodifiableError,
    InvalidInputError,
    LimitExceededError,
    MalformedPolicyDocumentError,
    NoSuchEntityError,
    ResourceExistsError,
    ResourceNotFoundError,
)

IAM_CODES = [
    ("NoSuchEntity", NoSuchEntityError),
    ("EntityAlreadyExists", EntityAlreadyExistsError),
    ("DeleteConflict", DeleteConflictError),
    ("LimitExceeded", LimitExceededError),
    ("MalformedPolicyDocument", MalformedPolicyDocumentError),
    ("InvalidInput", InvalidInputError),
    ("ConcurrentModification", ConcurrentModificationError),
    ("EntityTemporarilyUnmodifiable", EntityTemporarilyUnmodifiableError),
    ("AccessDenied", AccessDeniedError),
    ("ReportInProgress", CredentialReportNotReadyError),
    ("ReportNotPresent", CredentialReportNotPresentError),
    ("ReportExpired", CredentialReportExpiredError),
]


@pytest.fixture
def stubbed() -> Iterator[tuple[Aws, Stubber]]:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    with Stubber(aws._iam) as stubber:
        yield aws, stubber


def raised_by(aws: Aws, stubber: Stubber, code: str, retried: int = 0) -> AwsError:
    stubber.add_client_error(
        "get_user",
        service_error_code=code,
        service_message=f"the {code} message",
        http_status_code=400,
        response_meta={"RetryAttempts": retried},
    )
    with pytest.raises(AwsError) as raised:
        aws.iam("get_user", "read user alice", UserName="alice")
    return raised.value


@pytest.mark.parametrize(("code", "expected"), IAM_CODES, ids=[code for code, _ in IAM_CODES])
def test_each_code_the_project_branches_on_is_its_own_class(stubbed, code, expected, monkeypatch):
    aws, stubber = stubbed
    # ConcurrentModification and EntityTemporarilyUnmodifiable are retried first: no waiting here.
    monkeypatch.setattr("reconciler.aws.retries.TRANSIENT_RETRIES", 0)
    error = raised_by(aws, stubber, code)
    assert type(error) is expected
    assert error.code == code
    assert str(error) == f"read user alice: GetUser: {code}: the {code} message"


@pytest.mark.parametrize("code", ["ServiceFailure", "UnmodifiableEntity", "NoSuchEntityException"])
def test_any_other_code_stays_a_plain_aws_error(stubbed, code):
    aws, stubber = stubbed
    error = raised_by(aws, stubber, code)
    assert type(error) is AwsError
    assert error.code == code


def test_the_class_keeps_whether_a_lost_attempt_may_have_landed(stubbed):
    aws, stubber = stubbed
    error = raised_by(aws, stubber, "EntityAlreadyExists", retried=1)
    assert isinstance(error, EntityAlreadyExistsError) and error.maybe_landed


def test_a_reworded_error_keeps_its_class_and_code(stubbed):
    aws, stubber = stubbed
    error = raised_by(aws, stubber, "EntityAlreadyExists", retried=1)
    reworded = error.reworded("user alice exists, with another path")
    assert type(reworded) is EntityAlreadyExistsError
    assert str(reworded) == (
        "read user alice: GetUser: EntityAlreadyExists: user alice exists, with another path"
    )
    assert not reworded.maybe_landed


def test_the_emulators_answers_arrive_as_their_classes():
    """The same codes in real wire answers (moto's XML for IAM, JSON for Secrets Manager)."""
    with mock_aws():
        aws = Aws(boto3.Session(region_name="us-east-1"))
        with pytest.raises(NoSuchEntityError):
            aws.iam("get_user", "read user alice", UserName="alice")
        with pytest.raises(ResourceNotFoundError) as missing:
            aws.call("secretsmanager", "describe_secret", "check secret s", SecretId="s")
        assert missing.value.code == "ResourceNotFoundException"
        aws.call("secretsmanager", "create_secret", "store secret s", Name="s")
        with pytest.raises(ResourceExistsError) as taken:
            aws.call("secretsmanager", "create_secret", "store secret s", Name="s")
        assert taken.value.code == "ResourceExistsException"


def test_an_error_page_for_an_answer_stays_one_line(stubbed):
    """A proxy's or an emulator's 500 page (HTML over several lines) is said in one line."""
    aws, stubber = stubbed
    page = ("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
            "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n"
            + "x" * 500)
    stubber.add_client_error("get_user", service_error_code="500", service_message=page,
                             http_status_code=500)
    with pytest.raises(AwsError) as raised:
        aws.iam("get_user", "read user alice", UserName="alice")
    said = str(raised.value)
    assert "\n" not in said and "<" not in said
    assert said.startswith("read user alice: GetUser: 500: 500 Internal Server Error Internal "
                           "Server Error The server encountered an internal error.")
    assert len(said) < 400
