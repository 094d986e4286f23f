"""Reading the organisation (`aws/organization.py`): the root, the OU tree at every depth and
each account with its parent, in `1 + 2 * (O + 1)` calls plus a page per further 20 under one
parent. In-process moto holds the organisation; `Stubber` gives the answers moto does not
(an account without `State`, a listing that pages emptily, an organisation without a root)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from reconciler.aws.client import Aws
from reconciler.aws.organization import read_organization
from reconciler.core.errors import AwsError
from reconciler.core.organization import OrgAccount, Organization, OrgUnit, resolve_targets


class Org:
    """An organisation in moto, built through the project's client."""

    def __init__(self) -> None:
        self.aws = Aws(boto3.Session(region_name="us-east-1"))
        self.call("create_organization", FeatureSet="ALL")
        self.root = self.call("list_roots")["Roots"][0]["Id"]
        self.management = self.call("describe_organization")["Organization"]["MasterAccountId"]

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        return self.aws.call("organizations", operation, "build the test organisation", **params)

    def unit(self, name: str, parent: str) -> str:
        created = self.call("create_organizational_unit", ParentId=parent, Name=name)
        return str(created["OrganizationalUnit"]["Id"])

    def account(self, name: str, parent: str | None = None) -> str:
        status = self.call("create_account", Email=f"{name}@example.com", AccountName=name)
        account_id = str(status["CreateAccountStatus"]["AccountId"])
        if parent:
            self.call("move_account", AccountId=account_id, SourceParentId=self.root,
                      DestinationParentId=parent)
        return account_id


@pytest.fixture
def org() -> Iterator[Org]:
    with mock_aws():
        yield Org()


def read() -> tuple[Aws, Organization]:
    """The organisation read with a fresh client, whose count is the read's alone."""
    aws = Aws(boto3.Session(region_name="us-east-1"))
    return aws, read_organization(aws)


def test_the_tree_and_every_account_s_parent_are_read(org: Org) -> None:
    workloads = org.unit("Workloads", org.root)
    prod = org.unit("Prod", workloads)
    deep = org.unit("Deep", prod)
    api = org.account("prod-api", workloads)
    db = org.account("prod-db", prod)
    bottom = org.account("deep-one", deep)
    loose = org.account("loose")
    aws, read_back = read()
    assert read_back.root == org.root
    assert read_back.units == {
        workloads: OrgUnit(workloads, "Workloads", org.root),
        prod: OrgUnit(prod, "Prod", workloads),
        deep: OrgUnit(deep, "Deep", prod),
    }
    parents = {a.id: a.parent for a in read_back.accounts.values()}
    assert parents == {
        org.management: org.root, api: workloads, db: prod, bottom: deep, loose: org.root,
    }
    assert read_back.accounts[bottom] == OrgAccount(bottom, "deep-one", "ACTIVE", deep)
    # ListRoots, then the OUs and the accounts of the root and of each of the 3 OUs.
    assert aws.calls_by_service() == {"organizations": 1 + 2 * (3 + 1)}


def test_what_is_read_resolves_names_and_ous_to_accounts(org: Org) -> None:
    workloads = org.unit("Workloads", org.root)
    prod = org.unit("Prod", workloads)
    api = org.account("prod-api", workloads)
    db = org.account("prod-db", prod)
    _, read_back = read()
    assert resolve_targets(read_back, ["ou:Workloads"]).accounts == {api, db}
    assert resolve_targets(read_back, ["prod-db", db]).accounts == {db}


def test_a_closed_account_reads_as_suspended_and_is_skipped(org: Org) -> None:
    sandbox = org.unit("Sandbox", org.root)
    gone = org.account("old", sandbox)
    kept = org.account("new", sandbox)
    org.call("close_account", AccountId=gone)
    _, read_back = read()
    assert read_back.accounts[gone].status == "SUSPENDED"
    resolved = resolve_targets(read_back, ["ou:Sandbox"])
    assert resolved.accounts == {kept}
    assert resolved.notes == (f"account {gone} (old) is SUSPENDED: skipped",)


def test_a_move_is_read_as_the_account_s_new_parent(org: Org) -> None:
    first = org.unit("First", org.root)
    second = org.unit("Second", org.root)
    moved = org.account("mover", first)
    org.call("move_account", AccountId=moved, SourceParentId=first, DestinationParentId=second)
    _, read_back = read()
    assert read_back.accounts[moved].parent == second


def test_more_than_twenty_under_one_parent_costs_a_page_more_each(org: Org) -> None:
    team = org.unit("Team", org.root)
    for n in range(21):
        org.unit(f"Sub{n:02}", team)
    members = {org.account(f"member{n:02}", team) for n in range(21)}
    aws, read_back = read()
    assert len(read_back.units) == 22
    assert {a.id for a in read_back.accounts.values() if a.parent == team} == members
    # ListRoots; the root: 1 + 1; Team: 2 pages of OUs + 2 of accounts; each Sub: 1 + 1.
    assert aws.calls_by_service() == {"organizations": 1 + 2 + 4 + 2 * 21}


def test_an_organisation_of_only_the_management_account_costs_three_calls(org: Org) -> None:
    aws, read_back = read()
    assert list(read_back.accounts) == [org.management]
    assert read_back.units == {}
    assert aws.calls_by_service() == {"organizations": 3}


def test_no_organisation_is_an_aws_error_saying_what_was_read() -> None:
    with mock_aws(), pytest.raises(AwsError) as raised:
        read()
    assert str(raised.value).startswith("read the organisation's root: ListRoots: ")
    assert raised.value.code == "AWSOrganizationsNotInUseException"


# What moto does not answer: the older `Status` alone, an empty page with a token, no root.

ROOT_ID = "r-ab12"
LISTED = {"Id": "222222222222", "Arn": "arn:aws:organizations::111111111111:account/o-x/2",
          "Email": "a@example.com", "Name": "closing"}


Answer = tuple[str, dict[str, Any], dict[str, Any]]  # (operation, answer, expected params)


def stubbed(answers: list[Answer]) -> tuple[Aws, Organization]:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    with Stubber(aws._client("organizations")) as stubber:
        for operation, answer, params in answers:
            stubber.add_response(operation, answer, params)
        read_back = read_organization(aws)
        stubber.assert_no_pending_responses()
    return aws, read_back


def test_an_account_without_state_is_read_by_its_status():
    params = {"ParentId": ROOT_ID, "MaxResults": 20}
    _, read_back = stubbed([
        ("list_roots", {"Roots": [{"Id": ROOT_ID}]}, {}),
        ("list_organizational_units_for_parent", {"OrganizationalUnits": []}, params),
        ("list_accounts_for_parent", {"Accounts": [{**LISTED, "Status": "PENDING_CLOSURE"}]},
         params),
    ])
    assert read_back.accounts == {
        "222222222222": OrgAccount("222222222222", "closing", "PENDING_CLOSURE", ROOT_ID),
    }


def test_state_wins_over_status_when_both_are_given():
    params = {"ParentId": ROOT_ID, "MaxResults": 20}
    _, read_back = stubbed([
        ("list_roots", {"Roots": [{"Id": ROOT_ID}]}, {}),
        ("list_organizational_units_for_parent", {"OrganizationalUnits": []}, params),
        ("list_accounts_for_parent",
         {"Accounts": [{**LISTED, "Status": "SUSPENDED", "State": "CLOSED"}]}, params),
    ])
    assert read_back.accounts["222222222222"].status == "CLOSED"


def test_an_empty_page_with_a_token_is_followed():
    params = {"ParentId": ROOT_ID, "MaxResults": 20}
    aws, read_back = stubbed([
        ("list_roots", {"Roots": [], "NextToken": "t1"}, {}),
        ("list_roots", {"Roots": [{"Id": ROOT_ID}]}, {"NextToken": "t1"}),
        ("list_organizational_units_for_parent", {"OrganizationalUnits": []}, params),
        ("list_accounts_for_parent", {"Accounts": [], "NextToken": "t2"}, params),
        ("list_accounts_for_parent", {"Accounts": [{**LISTED, "State": "ACTIVE"}]},
         {**params, "NextToken": "t2"}),
    ])
    assert read_back.root == ROOT_ID
    assert list(read_back.accounts) == ["222222222222"]
    assert aws.calls == 5


def test_no_root_is_an_aws_error_not_a_traceback():
    aws = Aws(boto3.Session(region_name="us-east-1"))
    with Stubber(aws._client("organizations")) as stubber:
        stubber.add_response("list_roots", {"Roots": []}, {})
        with pytest.raises(AwsError) as raised:
            read_organization(aws)
    assert str(raised.value) == (
        "read the organisation's root: ListRoots: NoRoot: the organisation lists no root"
    )
