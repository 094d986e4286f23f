"""Which IAM Identity Center instance the files manage (`identity_center.instance_arn`): the
schema's check, the error for an instance the account does not list, and every reader and
writer on the declared instance when the account lists two.

AWS lists one instance per account and region in practice, and moto's API makes only one: the
two-instance cases add a second to moto's in-process backend (each instance has its own
identity store there, as in AWS), and run the CLI in this process against it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.ssoadmin.models import Instance, ssoadmin_backends

from reconciler import emulator_gaps
from reconciler.aws.client import Aws
from reconciler.aws.identity_center import choose_instance, identity_store_id, instance_arn
from reconciler.core.errors import ConfigError, IamctlError, Location
from reconciler.core.kinds.declaration import Place
from reconciler.core.kinds.declared._identity_center import InCenter
from reconciler.core.kinds.declared._identity_center import Instance as Declared
from tests.files import write_account
from tests.iamctl_runs import CliResult, assert_in_sync, run_in_process

ACCOUNT = "123456789012"
ABSENT = "arn:aws:sso:::instance/ssoins-0123456789abcdef"


def center_file(directory: Any, instance: str, body: str) -> str:
    return write_account(directory, f"identity_center:\n  instance_arn: {instance}\n" + body)


SETS = "  permission_sets:\n    - name: PlatformAdmin\n      managed_policies: [ReadOnlyAccess]\n"


# The file.


def validate(path: str) -> CliResult:
    return run_in_process(("validate", path), "", {}, None)


def test_validate_accepts_an_instance_arn_as_aws_writes_it(tmp_path):
    assert validate(center_file(tmp_path, ABSENT, SETS)).code == 0
    # moto's ids are not hexadecimal; AWS's pattern (botocore's sso-admin model) allows them.
    other = center_file(tmp_path, "arn:aws-us-gov:sso:::instance/ssoins-sd9gq1mbtblopyox", SETS)
    assert validate(other).code == 0


@pytest.mark.parametrize("written", [
    "arn:aws:sso:::instance/ssoins-0123", "ssoins-0123456789abcdef",
    "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef",
])
def test_validate_points_at_an_instance_arn_aws_would_refuse(tmp_path, written):
    result = validate(center_file(tmp_path, written, SETS))
    assert result.code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and "account.yaml:5:17: identity_center.instance_arn: " \
        in line and "Traceback" not in result.stderr


def test_two_files_may_not_name_two_instances(tmp_path):
    one = center_file(tmp_path, ABSENT, SETS)
    other = write_account(tmp_path, "identity_center:\n  instance_arn: "
                                    "arn:aws:sso:::instance/ssoins-fedcba9876543210\n",
                          name="other.yaml")
    result = run_in_process(("validate", one, other), "", {}, None)
    assert result.code == 1
    assert "identity_center.instance_arn: differs from the instance_arn given at" in \
        result.stderr


# Against the emulator, through the CLI.


def listed_instance(url: str) -> dict[str, Any]:
    sso = boto3.client("sso-admin", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    (instance,) = sso.list_instances()["Instances"]
    return {"sso": sso, **instance}


def test_the_declared_instance_is_planned_applied_and_in_sync(run_iamctl, server_url, tmp_path):
    instance = listed_instance(server_url)
    path = center_file(tmp_path, instance["InstanceArn"], SETS)
    applied = run_iamctl("apply", path, "--yes")
    assert applied.code == 0, applied.stderr
    assert len(instance["sso"].list_permission_sets(
        InstanceArn=instance["InstanceArn"])["PermissionSets"]) == 1
    assert_in_sync(run_iamctl, path)


def test_an_instance_the_account_does_not_list_is_one_error_before_any_change(
        run_iamctl, server_url, tmp_path):
    instance = listed_instance(server_url)
    path = center_file(tmp_path, ABSENT, SETS)
    for command in (("plan", path), ("apply", path, "--yes")):
        result = run_iamctl(*command)
        assert result.code == 1
        (line,) = result.stderr.splitlines()
        assert f"account.yaml:5:17: identity_center.instance_arn: {ABSENT} is not an IAM " \
               f"Identity Center instance of account {ACCOUNT} in region us-east-1 (it " \
               f"lists {instance['InstanceArn']})" in line
    assert instance["sso"].list_permission_sets(
        InstanceArn=instance["InstanceArn"])["PermissionSets"] == []


# Two instances: moto's backend given a second one, the CLI run in this process.


@pytest.fixture
def two_instances(moto_iam: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Instance]]:
    """The account's instance and a second one, each with its identity store; the sso-admin
    calls moto lacks answered as the emulator answers them (`emulator_gaps`)."""
    from moto.ssoadmin.responses import SSOAdminResponse

    for name, handler in emulator_gaps._SSO_ADMIN.items():
        monkeypatch.setattr(SSOAdminResponse, name, handler, raising=False)
    listed = emulator_gaps._with_assigned_accounts(
        SSOAdminResponse.list_accounts_for_provisioned_permission_set)
    monkeypatch.setattr(SSOAdminResponse, "list_accounts_for_provisioned_permission_set", listed)
    boto3.client("sso-admin", region_name="us-east-1").list_instances()  # moto makes the first
    backend = ssoadmin_backends[ACCOUNT]["us-east-1"]
    backend.instances.append(Instance(ACCOUNT, "us-east-1"))
    yield list(backend.instances)


def run_here(*args: str) -> CliResult:
    return run_in_process(args, "", {"AWS_DEFAULT_REGION": "us-east-1",
                                     "AWS_ACCESS_KEY_ID": "testing",
                                     "AWS_SECRET_ACCESS_KEY": "testing",
                                     "AWS_ENDPOINT_URL": None, "AWS_PROFILE": None}, None)


CENTER = """\
  groups:
    - {name: platform, members: [alice]}
  users:
    - {user_name: alice, display_name: Alice, given_name: Alice, family_name: Doe}
""" + SETS + """\
  assignments:
    - {permission_set: PlatformAdmin, groups: [platform], accounts: ["123456789012"]}
"""


def sets_of(instance: Instance) -> list[str]:
    sso = boto3.client("sso-admin", region_name="us-east-1")
    return [sso.describe_permission_set(InstanceArn=instance.instance_arn, PermissionSetArn=arn)
            ["PermissionSet"]["Name"]
            for arn in sso.list_permission_sets(InstanceArn=instance.instance_arn)
            ["PermissionSets"]]


def names_in(instance: Instance) -> tuple[list[str], list[str]]:
    store = boto3.client("identitystore", region_name="us-east-1")
    groups = store.list_groups(IdentityStoreId=instance.identity_store_id)["Groups"]
    users = store.list_users(IdentityStoreId=instance.identity_store_id)["Users"]
    return [g["DisplayName"] for g in groups], [u["UserName"] for u in users]


def test_with_two_instances_every_read_and_write_is_on_the_declared_one(two_instances,
                                                                         tmp_path):
    boto3.client("organizations", region_name="us-east-1").create_organization(
        FeatureSet="ALL")
    first, second = two_instances
    path = center_file(tmp_path, second.instance_arn, CENTER)
    applied = run_here("apply", path, "--yes")
    assert applied.code == 0, applied.stderr
    assert (sets_of(first), names_in(first)) == ([], ([], []))
    assert (sets_of(second), names_in(second)) == (["PlatformAdmin"], (["platform"], ["alice"]))
    (arn,) = boto3.client("sso-admin", region_name="us-east-1").list_permission_sets(
        InstanceArn=second.instance_arn)["PermissionSets"]
    assigned = boto3.client("sso-admin", region_name="us-east-1").list_account_assignments(
        InstanceArn=second.instance_arn, AccountId=ACCOUNT, PermissionSetArn=arn)
    assert [a["PrincipalType"] for a in assigned["AccountAssignments"]] == ["GROUP"]
    assert_in_sync(lambda *args: run_here(*args), path)


def test_with_two_instances_and_no_instance_arn_the_error_says_to_set_it(two_instances,
                                                                         tmp_path):
    first, second = two_instances
    result = run_here("plan", write_account(tmp_path, "identity_center:\n" + SETS))
    assert result.code == 1
    (line,) = result.stderr.splitlines()
    assert f"2 IAM Identity Center instances in account {ACCOUNT}, region us-east-1 " \
           f"({first.instance_arn}, {second.instance_arn}): set identity_center.instance_arn " \
           "to the one the files manage" in line


# The choice itself, at the AWS boundary.


TWO = {"Instances": [
    {"InstanceArn": "arn:aws:sso:::instance/ssoins-1111111111111111", "IdentityStoreId": "d-1"},
    {"InstanceArn": "arn:aws:sso:::instance/ssoins-2222222222222222", "IdentityStoreId": "d-2"},
]}


def stubbed(answer: dict[str, Any]) -> tuple[Aws, Stubber]:
    aws = Aws(boto3.Session(region_name="us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x"))
    stubber = Stubber(aws._client("sso-admin"))
    stubber.add_response("list_instances", answer)
    stubber.activate()
    return aws, stubber


def declared(arn: str) -> InCenter:
    return InCenter({}, Declared(arn, Place(Location("account.yaml", 5, 17),
                                            "identity_center.instance_arn")))


def test_the_declared_instance_is_chosen_with_its_identity_store(monkeypatch):
    aws, stubber = stubbed(TWO)
    monkeypatch.setattr(Aws, "identity", lambda self: None)  # never asked: no error to word
    choose_instance(aws, declared(TWO["Instances"][1]["InstanceArn"]))
    assert (instance_arn(aws), identity_store_id(aws)) == (TWO["Instances"][1]["InstanceArn"],
                                                          "d-2")
    choose_instance(aws, declared(TWO["Instances"][0]["InstanceArn"]))
    assert identity_store_id(aws) == "d-1"
    stubber.assert_no_pending_responses()  # ListInstances once per client


def test_two_instances_and_none_declared_is_an_error_saying_to_set_it():
    aws, _ = stubbed(TWO)
    aws.identity = lambda: type("Who", (), {"account": ACCOUNT})()  # type: ignore[method-assign]
    with pytest.raises(IamctlError, match=r"2 IAM Identity Center instances in account "
                                          r"123456789012, region us-east-1 \(.*ssoins-1111.*, "
                                          r".*ssoins-2222.*\): set identity_center.instance_arn"):
        choose_instance(aws, InCenter({}, None))


def test_an_instance_not_listed_is_an_error_at_the_files_field():
    aws, _ = stubbed(TWO)
    aws.identity = lambda: type("Who", (), {"account": ACCOUNT})()  # type: ignore[method-assign]
    with pytest.raises(ConfigError) as raised:
        choose_instance(aws, declared(ABSENT))
    assert str(raised.value).startswith("account.yaml:5:17: identity_center.instance_arn: ")
    assert "ssoins-1111111111111111, arn:aws:sso:::instance/ssoins-2222" in str(raised.value)
