"""Shared fixtures: a clean AWS environment, in-process moto, the real CLI against a moto server.

Two ways to reach the emulator:
- `moto_iam` / `aws`: moto in-process (`mock_aws`), fastest, for the modules that call AWS.
- `server_url` / `server_iam` / `run_iamctl`: a moto server on a free port (one per xdist worker,
  reset before each test), for running the `iamctl` command as a user does (in this process,
  through its entry point; `run_iamctl_process` as a child process).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from reconciler.aws.client import Aws
from reconciler.emulator import reset_emulator, start_emulator

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.aws_catalog import catalog_json  # noqa: E402
from tests.iamctl_runs import (  # noqa: E402
    CliResult,
    RunIamctl,
    Runner,
    run_as_process,
    run_in_process,
)
from tests.shared_data import share_botocore_models  # noqa: E402
from tests.tiers import (  # noqa: E402, F401 (pytest finds the hook and the fixture here)
    child_processes_only_in_the_process_tier,
    pytest_collection_modifyitems,
)

share_botocore_models()

EMULATOR_SERVER = REPO_ROOT / "tests" / "emulator_server.py"

# Variables that would point a test at a real account, a developer's profile or CI's settings.
LEAKY_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_STS",
    "CI",
)


@pytest.fixture(autouse=True)
def aws_test_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, no profile, no endpoint, no CI flag, no colour: for every test."""
    for name in LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # An empty config and credentials file: a developer's ~/.aws must not change what tests see.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def moto_iam(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """In-process moto with the test catalog of AWS managed policies (tests/aws_catalog.py), or
    moto's whole catalog for a test marked `whole_aws_catalog`; yields a boto3 IAM client."""
    # moto creates an IAM backend, with ~1,500 managed policies, for every partition on the
    # first request (to find the account behind an access key); tests use `aws` only.
    monkeypatch.setattr("moto.iam.models.PARTITION_NAMES", ["aws"], raising=False)
    if not request.node.get_closest_marker("whole_aws_catalog"):
        monkeypatch.setattr("moto.iam.models.aws_managed_policies_data", catalog_json())
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        yield boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def aws(moto_iam: Any) -> Aws:
    """The project's AWS boundary, talking to in-process moto."""
    return Aws(boto3.Session(region_name="us-east-1"))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server for this test process (each xdist worker has its own); yields its URL."""
    url, stop = start_emulator(str(EMULATOR_SERVER))
    yield url
    stop()


@pytest.fixture
def server_url(moto_server: str) -> str:
    """The moto server's URL, with the account emptied before the test (the AWS managed policies
    of tests/aws_catalog.py kept)."""
    reset_emulator(moto_server)
    return moto_server


@pytest.fixture
def server_iam(server_url: str) -> Any:
    """A boto3 IAM client on the moto server, to arrange state and check what the CLI did."""
    return boto3.client(
        "iam",
        endpoint_url=server_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def iamctl_runner(server_url: str, run: Runner) -> RunIamctl:
    """`run_iamctl("plan", "account.yaml", input="y\\n", env={"CI": "true"}, cwd=tmp_path)`.

    The command reaches the moto server through AWS_ENDPOINT_URL. An env value of None removes
    that variable (e.g. AWS_ENDPOINT_URL, to test --endpoint-url). Standard input is empty
    unless `input` is given, so a prompt never waits.
    """

    def run_iamctl(
        *args: str,
        input: str = "",
        env: Mapping[str, str | None] | None = None,
        cwd: Path | str | None = None,
    ) -> CliResult:
        return run(args, input, {"AWS_ENDPOINT_URL": server_url, **(env or {})}, cwd)

    return run_iamctl


@pytest.fixture
def run_iamctl(server_url: str) -> RunIamctl:
    """Run `iamctl` in this process, through its entry point, against the moto server."""
    return iamctl_runner(server_url, run_in_process)


@pytest.fixture
def run_iamctl_process(server_url: str) -> RunIamctl:
    """Run the installed `iamctl` command as a child process against the moto server: only for
    what a process alone shows (its exit on a signal, the console script itself)."""
    return iamctl_runner(server_url, run_as_process)
