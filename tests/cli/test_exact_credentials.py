"""How old the credential report is, and `--exact-credentials`, through the real `iamctl`.

AWS builds a credential report at most every four hours and hands out the same one until then,
so a key created a minute ago is not in it. moto does not behave so: it builds the report anew on
every GetCredentialReport and stamps it 2015-02-02T20:02:02Z. `ReportAsAws` stands in front of
the moto server and answers as AWS would: the first report it gets, generated 2 h 13 min ago,
every time.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from reconciler.aws.live import ReadStats, report_age_words
from tests.faultproxy import FaultProxy, action_of

REPORT_AGE = timedelta(hours=2, minutes=13, seconds=20)
ACCOUNT = """\
version: 1
account:
  id: "123456789012"
users:
  - name: alice
    access_keys: 0
"""


class ReportAsAws(FaultProxy):
    """A proxy whose credential report, once read, stays the same (and is REPORT_AGE old)."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self._report: tuple[int, list[tuple[str, str]], bytes] | None = None
        self._lock = threading.Lock()

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if action_of(body) != "GetCredentialReport":
            return super().forward(method, path, headers, body)
        with self._lock:
            if self._report is None:
                status, answer_headers, answer = super().forward(method, path, headers, body)
                generated = datetime.now(timezone.utc) - REPORT_AGE
                stamp = f"<GeneratedTime>{generated:%Y-%m-%dT%H:%M:%SZ}</GeneratedTime>"
                answer = re.sub(rb"<GeneratedTime>[^<]*</GeneratedTime>", stamp.encode(), answer)
                self._report = status, answer_headers, answer
            return self._report


@pytest.fixture
def report_as_aws(server_url: str) -> Iterator[ReportAsAws]:
    proxy = ReportAsAws(server_url)
    yield proxy
    proxy.stop()


def test_a_key_made_after_the_report_is_seen_only_with_exact_credentials(
    run_iamctl, server_iam, report_as_aws, tmp_path
):
    path = tmp_path / "account.yaml"
    path.write_text(ACCOUNT)
    server_iam.create_user(UserName="alice")
    via_proxy = {"AWS_ENDPOINT_URL": report_as_aws.url}
    first = run_iamctl("plan", str(path), "--detailed-exitcode", env=via_proxy)
    assert first.code == 0, first.stdout + first.stderr  # the report is made: alice has no key
    assert "credential report from 2 h 13 min ago" in first.stderr

    key = server_iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]

    trusting = run_iamctl("plan", str(path), "--detailed-exitcode", "--json", env=via_proxy)
    assert trusting.code == 0, trusting.stdout  # the report, hours old, has no key for alice
    read = json.loads(trusting.stdout)["read"]
    assert read["exact_credentials"] is False
    assert abs(read["credential_report"]["age_seconds"] - REPORT_AGE.total_seconds()) < 60
    generated = datetime.fromisoformat(read["credential_report"]["generated"])
    assert abs(datetime.now(timezone.utc) - REPORT_AGE - generated) < timedelta(minutes=1)

    exact = run_iamctl(
        "plan", str(path), "--detailed-exitcode", "--exact-credentials", env=via_proxy
    )
    assert exact.code == 2, exact.stdout
    assert f"- user alice: access key {key}" in exact.stdout
    assert "credentials of 1 declared user read exactly" in exact.stderr
    exact_json = run_iamctl("plan", str(path), "--json", "--exact-credentials", env=via_proxy)
    assert json.loads(exact_json.stdout)["read"]["exact_credentials"] is True

    applied = run_iamctl("apply", str(path), "--yes", "--exact-credentials", env=via_proxy)
    assert applied.code == 0, applied.stderr
    assert server_iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(seconds=0), "generated now"),
        (timedelta(seconds=59), "generated now"),
        (timedelta(seconds=-30), "generated now"),  # the two clocks disagree a little
        (timedelta(minutes=1), "from 1 min ago"),
        (timedelta(minutes=59, seconds=59), "from 59 min ago"),
        (timedelta(hours=2), "from 2 h ago"),
        (timedelta(hours=2, minutes=13, seconds=40), "from 2 h 13 min ago"),
        (timedelta(days=3, hours=4, minutes=5), "from 3 d 4 h ago"),
        (timedelta(days=3_600), "from 3,600 d ago"),
    ],
)
def test_report_age_in_words(age, words):
    assert report_age_words(age) == words


def test_the_read_summary_names_the_report_age_and_exact_reads():
    stats = ReadStats(users=5, groups=1, policies=0, calls=9, seconds=0.3,
                      report_age=timedelta(minutes=7), report_wait=1.25)
    assert stats.summary() == (
        "read 5 users, 1 group, 0 policies, 0 roles, 0 OIDC providers, 0 SAML providers in 9 API "
        "calls (0.3 s); credential report from 7 min ago, waited 1.2 s"
    )
    exact = ReadStats(users=5, groups=1, policies=0, calls=24, seconds=0.5,
                      report_age=timedelta(seconds=3), exact_users=5)
    assert exact.summary().endswith(
        "; credential report generated now, waited 0.0 s; credentials of 5 declared users read "
        "exactly"
    )


def test_reading_against_moto_reports_its_fixed_report_time(run_iamctl, tmp_path):
    path = tmp_path / "account.yaml"
    path.write_text(ACCOUNT)
    started = time.time()
    result = run_iamctl("plan", str(path), "--json")
    assert result.code == 0, result.stderr
    read = json.loads(result.stdout)["read"]
    assert read["credential_report"]["generated"] == "2015-02-02T20:02:02+00:00"
    assert read["credential_report"]["age_seconds"] == pytest.approx(
        started - datetime(2015, 2, 2, 20, 2, 2, tzinfo=timezone.utc).timestamp(), abs=120
    )
    assert re.search(r"credential report from [\d,]+ d( \d+ h)? ago", result.stderr)
