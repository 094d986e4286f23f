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

pytestmark = [pytest.mark.slow, pytest.mark.process]


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
    calls = {"GetAccountAuthorizationDetails": 1, "ListPolicies": 2, "GetCallerIdentity": 1,
             "ListRoles": 1}
    max_items = {"GetAccountAuthorizationDetails": 1000, "ListPolicies": 1000, "ListRoles": 1000}
    assert calls_at_real_page_sizes(calls, max_items, 6030) == 7 + 2 + 1 + 1


def test_roles_come_one_per_five_users_and_count_in_the_pages() -> None:
    assert accounts.role_count(5000) == 1000
    assert list(accounts.role_range(2000, 5000)) == list(range(400, 1000))
    # 5,000 users, 20 groups, 10 policies and 1,000 roles: 7 pages of 1,000, not 6.
    assert gaad_pages(accounts.entity_count(5000), 1000) == 7


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
    roles = {role["name"]: role for role in seeded["roles"]}
    assert sorted(state.roles) == sorted(roles) and len(roles) == 6
    for name, role in state.roles.items():
        assert role.instance_profile is (True if roles[name]["instance_profile"] else None)
        assert role.description == (roles[name]["description"] or None)
        assert sorted(role.inline_policies) == sorted(roles[name]["inline_policies"])
    # Every kind the bench means to exercise is there: a trusted service and account, an
    # instance profile, an inline policy, and settings only ListRoles reads.
    assert {role.service is None for role in map(accounts.bench_role, range(6))} == {True, False}
    assert any(role["instance_profile"] for role in roles.values())
    assert any(role["inline_policies"] for role in roles.values())
    assert any(role["description"] for role in roles.values())


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
    assert len(targets) == 14
    assert "in-sync plan of 20 users and 4 roles: at most 25 API calls at real page sizes: " in out
    assert all(line.strip().startswith(("PASS ", "FAIL ")) for line in targets)
