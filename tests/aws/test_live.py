"""Reading the live account: what read_live sees, what it costs, and confirming credentials."""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from reconciler.aws.client import Aws
from reconciler.aws.credential_report import whole_seconds
from reconciler.aws.exact_reads import confirm_credentials, confirm_policy_tags
from reconciler.aws.live import read_live
from reconciler.core.errors import AwsError
from reconciler.core.policy import documents as policydoc
from reconciler.core.state import (
    AccessKey,
    Account,
    Credentials,
    Group,
    PasswordPolicy,
    PolicyVersion,
    Root,
    User,
)
from tests.live_accounts import (
    AWS_POLICY,
    DENY_IAM,
    OWN_BUCKET,
    S3_V2,
    make_varied_account,
)
from tests.pagination import paginate

ACCOUNT = "123456789012"
CUSTOMER_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/"










def without_times(user: User) -> User:
    creds = user.credentials
    if creds is not None:
        keys = tuple(replace(key, created=None, last_used=None) for key in creds.access_keys)
        creds = replace(creds, access_keys=keys)
    return without_usage(replace(user, created=None, credentials=creds))


def without_usage(user: User) -> User:
    """The report's password dates (for unused credentials) are left out of comparisons with
    ListAccessKeys and friends, which do not read them."""
    if user.credentials is None:
        return user
    creds = replace(user.credentials, password_last_used=None, password_created=None)
    return replace(user, credentials=creds)


def test_read_live_sees_the_whole_account(moto_iam: Any, aws: Aws) -> None:
    varied = make_varied_account(moto_iam)
    live = read_live(aws, aws.identity())
    state = live.state

    assert state.account == Account(
        id=ACCOUNT, alias="acme-sandbox", partition="aws",
        password_policy=PasswordPolicy(
            minimum_length=14, require_symbols=True, require_numbers=True,
            allow_users_to_change=True, max_age_days=90, reuse_prevention=24,
        ),
        # moto reports root MFA as always off.
        root=Root(mfa=False, access_keys=False),
    )
    assert without_times(state.users["alice"]) == User(
        name="alice", path="/staff/", arn=f"arn:aws:iam::{ACCOUNT}:user/staff/alice",
        groups=frozenset({"admins", "auditors"}),
        policies=frozenset({CUSTOMER_POLICY + "team/s3-read"}),
        inline_policies={"own-bucket": policydoc.canonical(OWN_BUCKET)},
        tags={"team": "platform", "cost": "42"},
        credentials=Credentials(
            login_profile=True,
            # From the report: no key ids, oldest first.
            access_keys=(AccessKey("", True), AccessKey("", False)),
            mfa_devices=(varied.alice_mfa_serial,),
            confirmed=False,
        ),
    )
    assert without_times(state.users["bob"]) == User(
        name="bob", path="/", arn=f"arn:aws:iam::{ACCOUNT}:user/bob",
        policies=frozenset({AWS_POLICY + "ReadOnlyAccess"}), tags={},
        credentials=Credentials(access_keys=(AccessKey("", True),)),
    )
    assert without_times(state.users["carol"]).credentials == Credentials()
    assert state.groups == {
        "admins": Group(
            name="admins", path="/", arn=f"arn:aws:iam::{ACCOUNT}:group/admins",
            policies=frozenset({AWS_POLICY + "AdministratorAccess"}),
            inline_policies={"deny-iam": policydoc.canonical(DENY_IAM)},
        ),
        "auditors": Group(
            name="auditors", path="/audit/", arn=f"arn:aws:iam::{ACCOUNT}:group/audit/auditors",
            policies=frozenset({AWS_POLICY + "job-function/ViewOnlyAccess",
                                CUSTOMER_POLICY + "billing"}),
        ),
    }
    s3 = state.policies["s3-read"]
    assert (s3.name, s3.path, s3.description, s3.arn) == (
        "s3-read", "/team/", "Read S3", CUSTOMER_POLICY + "team/s3-read")
    assert s3.document == policydoc.canonical(S3_V2)
    assert [replace(v, created=None) for v in s3.versions] == [
        PolicyVersion("v1", False), PolicyVersion("v2", True)]
    assert s3.attachment_count == 1
    assert s3.tags is None  # not read: see live.policy_from_detail
    assert state.policies["billing"].description is None
    assert state.policies["billing"].path == "/"
    assert set(state.policies) == {"s3-read", "billing"}  # no AWS managed policy among them
    assert repr(live).count(varied.alice_mfa_seed.decode()) == 0


def test_policy_tags_are_read_on_demand(moto_iam: Any, aws: Aws) -> None:
    make_varied_account(moto_iam)
    state = read_live(aws, aws.identity()).state
    calls_before = aws.calls
    tagged = confirm_policy_tags(aws, state, ["s3-read", "billing", "not-there"])
    assert tagged.policies["s3-read"].tags == {"owner": "ops"}
    assert tagged.policies["billing"].tags == {}
    assert aws.calls - calls_before == 2
    assert replace(tagged.policies["s3-read"], tags=None) == state.policies["s3-read"]
    assert "not-there" not in tagged.policies


@pytest.mark.whole_aws_catalog
def test_aws_policy_catalog_by_name_and_by_path(moto_iam: Any, aws: Aws) -> None:
    live = read_live(aws, aws.identity())
    assert live.aws_policies["AdministratorAccess"] == AWS_POLICY + "AdministratorAccess"
    assert live.aws_policies["job-function/ViewOnlyAccess"] == (
        AWS_POLICY + "job-function/ViewOnlyAccess")
    everything = {
        policy["Arn"]
        for page in moto_iam.get_paginator("list_policies").paginate(Scope="AWS")
        for policy in page["Policies"]
    }
    assert set(live.aws_policies.values()) == everything
    assert len(everything) > 1000  # so that the catalog needed a second page


def exact_user(iam: Any, name: str) -> User:
    """A user read the slow way, one call per attribute, as the truth to compare with."""
    user = iam.get_user(UserName=name)["User"]
    inline = {
        policy: policydoc.canonical(
            iam.get_user_policy(UserName=name, PolicyName=policy)["PolicyDocument"])
        for policy in iam.list_user_policies(UserName=name)["PolicyNames"]
    }
    try:
        iam.get_login_profile(UserName=name)
        login_profile = True
    except iam.exceptions.NoSuchEntityException:
        login_profile = False
    keys = sorted(
        (AccessKey(key["AccessKeyId"], key["Status"] == "Active",
                   whole_seconds(key["CreateDate"]))
         for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]),
        key=lambda key: (key.created, not key.active, key.id),
    )
    devices = iam.list_mfa_devices(UserName=name)["MFADevices"]
    return User(
        name=name, path=user["Path"], arn=user["Arn"], created=user["CreateDate"],
        groups=frozenset(g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]),
        policies=frozenset(p["PolicyArn"] for p in
                           iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]),
        inline_policies=inline,
        tags={t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]},
        credentials=Credentials(
            login_profile=login_profile, access_keys=tuple(keys),
            mfa_devices=tuple(sorted(d["SerialNumber"] for d in devices)), confirmed=True,
        ),
    )


def unconfirmed_without_key_ids(user: User) -> User:
    assert user.credentials is not None
    keys = tuple(replace(key, id="") for key in user.credentials.access_keys)
    return replace(user, credentials=replace(user.credentials, access_keys=keys,
                                             confirmed=False))


def test_bulk_read_matches_per_user_truth(moto_iam: Any, aws: Aws) -> None:
    make_varied_account(moto_iam)
    live = read_live(aws, aws.identity())
    names = list(live.state.users)
    truth = {name: exact_user(moto_iam, name) for name in names}

    # Before confirmation the report's facts are the truth but for the key ids it does not have.
    assert {name: without_usage(user) for name, user in live.state.users.items()} == {
        name: unconfirmed_without_key_ids(user) for name, user in truth.items()}

    calls_before = aws.calls
    confirmed = confirm_credentials(aws, live.state, names)
    assert dict(confirmed.users) == truth
    assert aws.calls - calls_before == 3 * len(names)
    assert confirmed.groups == live.state.groups and confirmed.account == live.state.account


def add_users(iam: Any, first: int, last: int) -> None:
    for number in range(first, last):
        name = f"user{number:03}"
        iam.create_user(UserName=name, Tags=[{"Key": "n", "Value": str(number)}])
        iam.add_user_to_group(UserName=name, GroupName="everyone")
        if number % 3 == 0:
            iam.create_access_key(UserName=name)
        if number % 5 == 0:
            iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-9")


def test_call_count_does_not_grow_with_users(moto_iam: Any, aws: Aws) -> None:
    moto_iam.create_group(GroupName="everyone")
    add_users(moto_iam, 0, 50)
    small = read_live(aws, aws.identity()).stats
    add_users(moto_iam, 50, 200)
    large = read_live(aws, aws.identity()).stats

    assert (small.users, large.users) == (50, 200)
    assert large.calls == small.calls <= 12
    assert large.summary().startswith(
        "read 200 users, 1 group, 0 policies, 0 roles, 0 OIDC providers, ")


def test_every_page_is_read_once(moto_iam: Any, aws: Aws) -> None:
    make_varied_account(moto_iam)
    moto_iam.create_group(GroupName="everyone")
    add_users(moto_iam, 0, 10)
    for number in range(4):
        serial = moto_iam.create_virtual_mfa_device(
            VirtualMFADeviceName=f"user{number:03}")["VirtualMFADevice"]["SerialNumber"]
        moto_iam.enable_mfa_device(UserName=f"user{number:03}", SerialNumber=serial,
                                   AuthenticationCode1="111111", AuthenticationCode2="222222")
    unpaged = read_live(Aws(boto3.Session(region_name="us-east-1")), aws.identity())

    small_pages = paginate(aws, 3, ("GetAccountAuthorizationDetails", "ListVirtualMFADevices"))
    # 3 AWS managed policies a page would take over 500 calls: 400 still makes several pages.
    catalog_pages = paginate(aws, 400, ("ListPolicies",))
    paged = read_live(aws, aws.identity())

    assert paged.state == unpaged.state
    assert paged.aws_policies == unpaged.aws_policies
    entities = len(unpaged.state.users) + len(unpaged.state.groups) + len(unpaged.state.policies)
    assert small_pages.pages["GetAccountAuthorizationDetails"] == math.ceil(entities / 3)
    assert small_pages.pages["ListVirtualMFADevices"] == math.ceil(5 / 3)
    assert catalog_pages.pages["ListPolicies"] == math.ceil(
        len(set(unpaged.aws_policies.values())) / 400)
    # report (generate, get), alias, summary, password policy, OIDC and SAML provider lists
    others = 7
    assert paged.stats.calls == (
        sum(small_pages.pages.values()) + sum(catalog_pages.pages.values()) + others)


def serve_report(aws: Aws, content: bytes) -> None:
    """Make GetCredentialReport answer `content`: a report generated before later changes.
    (moto builds its report afresh on every call, so it is never stale by itself.)"""

    def replace_content(parsed: dict[str, Any], **_: Any) -> None:
        if "Content" in parsed:
            parsed["Content"] = content

    aws._iam.meta.events.register_first("after-call.iam.GetCredentialReport", replace_content)


def report_now(iam: Any) -> bytes:
    iam.generate_credential_report()
    content: bytes = iam.get_credential_report()["Content"]
    return content


def test_confirmation_corrects_a_stale_report(moto_iam: Any, aws: Aws) -> None:
    moto_iam.create_user(UserName="dave")
    moto_iam.create_user(UserName="frank")
    moto_iam.create_access_key(UserName="frank")
    serve_report(aws, report_now(moto_iam))
    # After the report: dave gets a password, a key and MFA, frank loses his key, erin is new.
    moto_iam.create_login_profile(UserName="dave", Password="Correct-Horse-Battery-9")
    moto_iam.create_access_key(UserName="dave")
    serial = moto_iam.create_virtual_mfa_device(
        VirtualMFADeviceName="dave")["VirtualMFADevice"]["SerialNumber"]
    moto_iam.enable_mfa_device(UserName="dave", SerialNumber=serial,
                               AuthenticationCode1="111111", AuthenticationCode2="222222")
    frank_key = moto_iam.list_access_keys(UserName="frank")["AccessKeyMetadata"][0]
    moto_iam.delete_access_key(UserName="frank", AccessKeyId=frank_key["AccessKeyId"])
    moto_iam.create_user(UserName="erin")
    moto_iam.create_access_key(UserName="erin")

    live = read_live(aws, aws.identity())
    users = live.state.users
    # Stale: no password, no key; the device comes from ListVirtualMFADevices, which is current.
    assert users["dave"].credentials == Credentials(mfa_devices=(serial,), confirmed=False)
    assert users["frank"].credentials is not None
    assert len(users["frank"].credentials.access_keys) == 1  # stale: the deleted key
    assert users["erin"].credentials == Credentials(confirmed=False)  # not in the report

    confirmed = confirm_credentials(aws, live.state, ["dave", "frank", "erin", "not-there"])
    for name in ("dave", "frank", "erin"):
        assert confirmed.users[name] == exact_user(moto_iam, name)
    assert "not-there" not in confirmed.users


def test_a_row_of_an_earlier_user_with_the_same_name_is_not_used(
    moto_iam: Any, aws: Aws
) -> None:
    moto_iam.create_user(UserName="gina")
    moto_iam.create_login_profile(UserName="gina", Password="Correct-Horse-Battery-9")
    created = whole_seconds(moto_iam.get_user(UserName="gina")["User"]["CreateDate"])
    stamp = created.isoformat()
    # As if gina had been deleted and created again since the report: her row is older.
    content = report_now(moto_iam).decode().replace(stamp, "2001-01-01T00:00:00+00:00", 1)
    serve_report(aws, content.encode())

    gina = read_live(aws, aws.identity()).state.users["gina"]
    assert gina.credentials == Credentials(confirmed=False)


def test_an_empty_account(moto_iam: Any, aws: Aws) -> None:
    live = read_live(aws, aws.identity())
    assert live.identity.account == ACCOUNT
    assert (live.state.users, live.state.groups, live.state.policies) == ({}, {}, {})
    assert live.state.account.alias is None
    assert live.state.account.password_policy is None


def test_read_errors_say_what_was_being_read(moto_iam: Any, aws: Aws) -> None:
    def deny(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}},
                          "GetAccountAuthorizationDetails")

    aws._iam.meta.events.register_first("before-call.iam.GetAccountAuthorizationDetails", deny)
    with pytest.raises(AwsError, match="read users, groups, roles and policies: "
                                       "GetAccountAuthorizationDetails: AccessDenied"):
        read_live(aws, aws.identity())


def test_the_credential_report_is_asked_for_first_and_built_while_the_rest_is_read(
    moto_iam: Any,
) -> None:
    """A report AWS takes a while to build: the fake delay holds GetCredentialReport until the
    other reads are done (or 10 s pass), so a read that waited for the report before reading
    the rest would show up in the order of the calls, not in a timing."""
    moto_iam.create_user(UserName="alice")
    session = boto3.Session(region_name="us-east-1")
    order: list[str] = []
    rest_read = threading.Event()
    rest = {"GetAccountAuthorizationDetails", "ListPolicies", "ListVirtualMFADevices",
            "GetAccountSummary"}

    def started(event_name: str, **_: Any) -> None:
        order.append("start " + event_name.rsplit(".", 1)[-1])

    def finished(event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation == "GetCredentialReport":
            rest_read.wait(timeout=10)  # AWS still building the report
        order.append("end " + operation)
        if rest <= {entry.removeprefix("end ") for entry in order}:
            rest_read.set()

    session.events.register("before-call.iam", started)
    session.events.register("after-call.iam", finished)
    aws = Aws(session)
    identity = aws.identity()
    live = read_live(aws, identity)
    assert order[0] == "start GenerateCredentialReport"
    assert order.index("end GetCredentialReport") > max(
        order.index(f"end {operation}") for operation in rest
    )
    assert "alice" in live.state.users
    assert ", waited " in live.stats.summary()
