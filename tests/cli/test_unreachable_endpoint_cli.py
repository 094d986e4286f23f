"""An endpoint nobody answers on: iamctl says what it waits for at once, and gives up soon."""

from __future__ import annotations

import socket
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.hooks import first_non_none_response

from reconciler.aws import connecting
from reconciler.aws.client import Aws
from tests.iamctl_runs import RunIamctl


def closed_port_url() -> str:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The waits between attempts are not what is tested here: none, so the test is quick."""
    monkeypatch.setattr(connecting, "RETRY_DELAYS", (0.0,) * len(connecting.RETRY_DELAYS))


@pytest.mark.usefixtures("no_waiting")
def test_an_unreachable_endpoint_says_what_it_waits_for_and_gives_up(
    run_iamctl: RunIamctl, tmp_path: Path
) -> None:
    url = closed_port_url()
    result = run_iamctl("export", env={"AWS_ENDPOINT_URL": url})
    assert result.code == 1
    lines = result.stderr.strip().splitlines()
    waiting = [line for line in lines if line.startswith("waiting for")]
    # Each retry is announced before it is made, the first after the first refusal.
    assert len(waiting) == len(connecting.RETRY_DELAYS)
    assert waiting[0].startswith(f"waiting for {url}: connection refused, retrying")
    assert lines[-1].startswith("error: ") and url in lines[-1]
    assert "Traceback" not in result.stderr


def test_the_retry_budget_for_connection_errors_is_short() -> None:
    """Computed from the settings, not timed: a connection that cannot be made costs at most
    every attempt's connect timeout and every wait between them."""
    attempts = len(connecting.RETRY_DELAYS) + 1
    budget = attempts * connecting.CONNECT_TIMEOUT_SECONDS + sum(connecting.RETRY_DELAYS)
    assert connecting.worst_case_seconds() == budget
    assert budget <= 10.0
    # An endpoint that does not answer at all is said within a second (the first retry's
    # notice comes when the connect timeout ends).
    assert connecting.CONNECT_TIMEOUT_SECONDS <= 1.0


def test_the_connection_retry_is_asked_before_botocore_s_own_rules() -> None:
    """botocore sleeps the first delay a `needs-retry` handler returns: it must be ours, or a
    connection failure would wait botocore's backoff again."""
    aws = Aws(boto3.Session(region_name="us-east-1"), endpoint_url=closed_port_url())
    client = aws._iam
    refused = EndpointConnectionError(endpoint_url="http://127.0.0.1:1/", error="refused")
    answers = client.meta.events.emit(
        "needs-retry.iam.GetUser", attempts=1, caught_exception=refused, response=None,
        endpoint=None, operation=None, request_dict={"context": {}},
    )
    assert first_non_none_response(answers) == connecting.RETRY_DELAYS[0]
