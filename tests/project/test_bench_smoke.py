"""The bench (`make bench`) at toy size, so that its code paths cannot rot unnoticed.

No timing is asserted: only that every scenario runs, that iamctl behaved as the bench expects
(in-sync plan empty, drifted users exactly shown, apply converged), and that the report says so.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench import accounts, identity_center, refresh
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


def test_the_organisations_floor_counts_each_listing_once_per_page() -> None:
    shape = identity_center.Shape(accounts=120, permission_sets=40, assignments=300)
    grants = identity_center.assignments(shape)
    assert len(grants) == len(set(grants)) == 300
    assert sum(g.kind == "USER" for g in grants) == 40
    floor = identity_center.floor_calls(shape)
    # 7 reads per set (its provisioned accounts once), one ListAccountAssignments per
    # set-account pair (260: each set's user shares its group's first account).
    assert floor["sso-admin:DescribePermissionSet"] == 40
    assert floor["sso-admin:ListAccountsForProvisionedPermissionSet"] == 40
    assert floor["sso-admin:ListAccountAssignments"] == 260
    assert floor["identitystore:ListGroupMemberships"] == 20
    assert "identitystore:GetGroupId" not in floor and "identitystore:GetUserId" not in floor
    # ListRoots, the OUs of the root and of each of 4 OUs, the accounts of the root (1) and
    # of each OU (30 or 29: 2 pages of 20).
    assert (floor["organizations:ListOrganizationalUnitsForParent"],
            floor["organizations:ListAccountsForParent"]) == (5, 9)
    # The tree is read once for the assignments and both policy types.
    assert floor["organizations:ListRoots"] == 1
    # 11 SCPs and 3 RCPs (AWS's own included): one ListPolicies per type, one DescribePolicy
    # each, 7 target pages for each full-access policy (125 targets) and 1 for each other,
    # the tags of the 5 declared with tags.
    assert (floor["organizations:ListPolicies"], floor["organizations:DescribePolicy"],
            floor["organizations:ListTargetsForPolicy"],
            floor["organizations:ListTagsForResource"]) == (2, 14, 26, 5)
    assert sum(floor.values()) == 579 + 47


def test_the_organisations_file_declares_its_policies_within_aws_quotas(tmp_path: Path) -> None:
    """Valid offline (grammar, size), both full-access policies declared everywhere, and no
    target over AWS's 5 policies of a type, the full-access one included."""
    shape = identity_center.Shape()
    ids = [str(100000000000 + index) for index in range(shape.accounts)]
    text = identity_center.account_file(identity_center.Seeded(shape, ids), ids[0])
    file = tmp_path / "organisation.yaml"
    file.write_text(text)
    declared = desired.load([str(file)])[0].state.declared
    for section, full_access in (("service_control_policies", "FullAWSAccess"),
                                 ("resource_control_policies", "RCPFullAWSAccess")):
        policies = declared[section]
        assert policies[full_access].everywhere and policies[full_access].aws_managed
        held = Counter(target for name, policy in policies.items() if name != full_access
                       for target in policy.targets)
        assert held and max(held.values()) <= 5 - 1  # the full-access one is on every target
    assert len(declared["service_control_policies"]) == 11
    assert len(declared["resource_control_policies"]) == 3


def test_the_bench_server_pages_a_policys_targets_as_aws_does() -> None:
    """moto answers ListTargetsForPolicy in one page; AWS in pages of at most 20."""
    import boto3
    from moto import mock_aws

    from bench.identity_server import organizations_answer

    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        for index in range(25):
            org.create_account(Email=f"a{index}@example.com", AccountName=f"a{index}")
        every = org.list_targets_for_policy(PolicyId="p-FullAWSAccess")["Targets"]
        first = organizations_answer("ListTargetsForPolicy",
                                     {"PolicyId": "p-FullAWSAccess", "MaxResults": 50})
        assert first is not None
        second = organizations_answer("ListTargetsForPolicy", {
            "PolicyId": "p-FullAWSAccess", "NextToken": first[1]["NextToken"]})
        assert second is not None
    assert len(every) == 27  # the root and 26 accounts
    assert len(first[1]["Targets"]) == 20
    assert "NextToken" not in second[1]
    assert first[1]["Targets"] + second[1]["Targets"] == every
    assert organizations_answer("ListPolicies", {}) is None


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
        "--org", "6,4,10",
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
        "| floor: Identity Center organisation (formula) ",
        "| plan, in sync: Identity Center organisation, +20 ms/call ",
    ):
        assert scenario in out
    assert "1 policy detached, 1 tag changed, 1 access key deleted" in out
    assert "20 users: plan/floor seconds " in out
    targets = out.split("Targets:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(targets) == 15
    assert "Identity Center organisation: plan/floor calls " in out
    assert "in-sync plan of 20 users and 4 roles: at most 25 API calls at real page sizes: " in out
    assert all(line.strip().startswith(("PASS ", "FAIL ")) for line in targets)


def test_the_bench_server_throttles_identity_center_beyond_its_rate() -> None:
    """A client that does not keep under 20 calls a second meets ThrottlingException, as from
    AWS; the layer answers the reads moto lacks."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    from bench.server import start_emulator

    emulator = start_emulator()
    try:
        sso = boto3.client("sso-admin", endpoint_url=emulator.url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing",
                           config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        instance = sso.list_instances()["Instances"][0]["InstanceArn"]
        emulator.counts()

        def tags(_: int) -> str:
            try:
                sso.list_tags_for_resource(InstanceArn=instance, ResourceArn=instance)
            except ClientError as error:
                return str(error.response["Error"]["Code"])
            return "ok"

        with ThreadPoolExecutor(8) as pool:  # 40 calls at once: well beyond 20 a second
            codes = list(pool.map(tags, range(40)))
        counts = emulator.counts()
    finally:
        emulator.stop()
    assert "ok" in codes and "ThrottlingException" in codes
    assert set(codes) == {"ok", "ThrottlingException"}
    assert counts.throttled["sso-admin"] == codes.count("ThrottlingException")
    assert counts.services["sso-admin"] == 40  # no retries: each answer is the server's
    assert counts.services["sso-admin"] == 40
