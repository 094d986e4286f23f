"""The bench (`make bench`) at toy size, so that its code paths cannot rot unnoticed.

No timing is asserted: only that every scenario runs, that iamctl behaved as the bench expects
(in-sync plan empty, drifted users exactly shown, apply converged), and that the report says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import accounts, refresh
from bench.measure import Measured
from bench.pages import calls_at_real_page_sizes, gaad_pages
from bench.run import main
from reconciler.aws.live import ReadStats
from reconciler.config import desired


@pytest.mark.parametrize(
    ("entities", "max_items", "pages"),
    [
        (0, 1000, 1),
        (1000, 1000, 1),
        (1001, 1000, 2),
        (5030, 1000, 6),
        (5030, None, 51),  # no MaxItems: AWS's default page of 100
        (5030, 5000, 6),  # AWS accepts at most 1,000
    ],
)
def test_authorization_details_pages_at_real_page_sizes(
    entities: int, max_items: int | None, pages: int
) -> None:
    assert gaad_pages(entities, max_items) == pages


def test_only_authorization_details_is_recounted() -> None:
    calls = {"GetAccountAuthorizationDetails": 1, "ListPolicies": 2, "GetCallerIdentity": 1}
    max_items = {"GetAccountAuthorizationDetails": 1000, "ListPolicies": 1000}
    assert calls_at_real_page_sizes(calls, max_items, 5030) == 6 + 2 + 1


def test_bench_reads_the_stats_line_iamctl_prints() -> None:
    line = ReadStats(users=5000, groups=20, policies=10, calls=10, seconds=7.25).summary()
    measured = Measured(0, "", f"account 123456789012: {line}\n", 1.0, 1.0, 50.0)
    assert measured.reported_calls == 10


def test_generated_file_declares_the_seeded_account(tmp_path: Path) -> None:
    seeded = accounts.seed(0, 30)
    file = tmp_path / "account.yaml"
    file.write_text(accounts.account_file(30))

    state = desired.load([str(file)])[0].state

    assert sorted(state.users) == sorted(user["name"] for user in seeded["users"])
    assert len(state.groups) == accounts.GROUP_COUNT
    assert [state.users[u["name"]].console for u in seeded["users"]] == [
        u["console"] for u in seeded["users"]
    ]
    assert all(state.users[u["name"]].access_keys == 1 for u in seeded["users"])


def test_drifted_users_are_one_percent_spread_over_the_account() -> None:
    drifted = accounts.drifted_users(5000)
    assert len(drifted) == 50
    assert drifted == sorted(set(drifted))
    assert drifted[0] < 100 and drifted[-1] > 4900
    assert accounts.drifted_users(20) == [10]  # at least one


def test_refresh_sample_spreads_evenly_or_takes_everyone() -> None:
    assert refresh.sample(500, 1000) == list(range(500))
    assert refresh.sample(500, 0) == list(range(500))
    assert refresh.sample(5000, 1000)[:3] == [0, 5, 10]


def test_bench_runs_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([
        "--sizes", "20", "--apply-users", "20", "--latency-ms", "0", "--repeat", "1",
        "--drift", "0.15", "--refresh-sample", "10", "--accounts", "2", "--account-users", "5",
    ])

    out, err = capsys.readouterr()
    assert code == 0, err
    for scenario in (
        "| floor: the same reads, bare boto3 ",
        "| plan, in sync ",
        "| plan, 3 users drifted ",
        "| per-resource refresh (8 calls/user, parallelism 1) ",
        "| CPU: load+diff+plan+render, in sync ",
        "| apply 20 new users, parallelism 1 ",
        "| apply 20 new users, parallelism 8 ",
        "| plan 2 accounts at once ",
        "| plan 1 accounts at once ",
        "| plan 2 accounts one after another ",
    ):
        assert scenario in out
    assert "1 policy detached, 1 tag changed, 1 access key deleted" in out
    assert "20 users: plan/floor seconds " in out
    targets = out.split("Targets:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(targets) == 12
    assert all(line.strip().startswith(("PASS ", "FAIL ")) for line in targets)
