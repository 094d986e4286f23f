"""An empty account in in-process moto, for tests that open one several times in a test (the
fault matrix, the property runs) rather than once through the `moto_iam` fixture."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import boto3
from moto import mock_aws

from tests.aws_catalog import catalog_json


@contextmanager
def moto_account() -> Iterator[None]:
    """An empty in-process account with the test catalog of AWS managed policies
    (tests/aws_catalog.py): a plan lists the whole catalog."""
    with (
        mock.patch("moto.iam.models.aws_managed_policies_data", catalog_json()),
        mock.patch("moto.iam.models.PARTITION_NAMES", ["aws"]),
        mock_aws(config={"iam": {"load_aws_managed_policies": True}}),
    ):
        yield


@functools.cache
def session() -> boto3.Session:
    """One session for every client: a new one reads botocore's endpoint data again (0.2 s)."""
    return boto3.Session(region_name="us-east-1")
