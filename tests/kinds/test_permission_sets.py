"""IAM Identity Center permission sets (`identity_center.permission_sets`): the kind declared in
a module of its own, tested in one place: the file's checks, the diff, the plan lines, and plan
and apply against moto in process.

moto lacks the boundary, tag and provisioning-status calls of sso-admin (see the README's list):
`MissingCalls` answers them at the AWS boundary, a `before-call` hook on the client iamctl uses,
from a small store of its own, so the writers' calls and the reader's are both exercised.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from reconciler.aws.client import Aws
from reconciler.config.desired import load
from reconciler.core.changes import Action, Change, Impact
from reconciler.core.errors import IamctlError
from reconciler.core.kinds.changes import access_of
from reconciler.core.kinds.declared.permission_sets import (
    PERMISSION_SET,
    PERMISSION_SET_MANAGED_POLICY,
    PERMISSION_SET_PROVISION,
    PERMISSION_SET_SETTINGS,
    PermissionSet,
    diff,
    iso_duration,
    managed_arn,
    session_seconds,
)
from reconciler.core.render.text import change_lines
from reconciler.delivery.credentials import SecretsSink
from reconciler.engine.run import apply_account, plan_account
from tests.files import write_account

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
DOC = {"Version": "2012-10-17",
       "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}


def sets_file(directory: Path, body: str) -> str:
    return write_account(directory, "identity_center:\n  permission_sets:\n" + body)


# The file.


@pytest.mark.parametrize(("written", "seconds"), [
    ("4h", 14400), ("PT4H", 14400), ("PT240M", 14400), ("90m", 5400), ("PT1H30M", 5400),
    ("12h", 43200),
])
def test_session_durations_compare_by_their_length(written, seconds):
    assert session_seconds(written) == seconds


@pytest.mark.parametrize(("written", "message"), [
    ("13h", "outside the 1 to 12 hours"), ("30m", "outside the 1 to 12 hours"),
    ("four hours", "not a duration"),
])
def test_a_session_duration_aws_refuses_is_refused(written, message):
    with pytest.raises(ValueError, match=message):
        session_seconds(written)


def test_iso_durations_are_written_as_aws_writes_them():
    assert (iso_duration(14400), iso_duration(5400)) == ("PT4H", "PT1H30M")


def test_managed_policies_are_named_as_in_the_console():
    assert managed_arn("AdministratorAccess") == ADMIN
    assert managed_arn("job-function/ViewOnlyAccess") == \
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    with pytest.raises(ValueError, match="did you mean 'ReadOnlyAccess'"):
        managed_arn("ReadOnlyAcess")
    with pytest.raises(ValueError, match="AWS managed policies only"):
        managed_arn("arn:aws:iam::123456789012:policy/Mine")


def test_validate_points_at_an_unknown_managed_policy(run_iamctl, tmp_path):
    path = sets_file(tmp_path, "    - name: Admin\n      managed_policies: [AdministratorAccess, "
                               "ReadOnlyAcess]\n")
    result = run_iamctl("validate", path)
    assert result.code == 1
    assert ":7:47: identity_center.permission_sets[0].managed_policies[1]: " in result.stderr
    assert "did you mean 'ReadOnlyAccess'" in result.stderr


def test_validate_refuses_a_name_and_a_duration_aws_would(run_iamctl, tmp_path):
    bad_name = run_iamctl("validate", sets_file(tmp_path, "    - name: Platform Admin\n"))
    assert bad_name.code == 1 and "permission_sets[0].name: 1 to 32" in bad_name.stderr
    bad_time = run_iamctl("validate", sets_file(
        tmp_path, "    - name: Admin\n      session_duration: 24h\n"))
    assert bad_time.code == 1 and "session_duration: 24h is outside" in bad_time.stderr


def test_validate_counts_the_sets(run_iamctl, tmp_path):
    result = run_iamctl("validate", sets_file(tmp_path, "    - name: Admin\n"))
    assert result.code == 0, result.stderr
    assert "1 permission set" in result.stdout


# The diff.


def live_set(**fields: Any) -> PermissionSet:
    found: dict[str, Any] = {"description": "", "relay_state": "", "session_seconds": 3600,
                             "tags": {}, "arn": "arn:aws:sso:::permissionSet/ins-1/ps-1"}
    return PermissionSet("Admin", **{**found, **fields})


def test_a_new_set_is_created_with_its_policies():
    wanted = PermissionSet("Admin", description="All", managed_policies=frozenset({ADMIN}))
    changes = list(diff({"Admin": wanted}, {}, False))
    assert [(c.action, c.kind) for c in changes] == [
        (Action.CREATE, PERMISSION_SET), (Action.CREATE, PERMISSION_SET_MANAGED_POLICY)]
    assert changes[0].after == {"description": "All", "relay_state": "",
                                "session_duration": "PT1H"}
    assert change_lines(changes[1])[0] == \
        "+ permission set Admin: attach AWS managed policy AdministratorAccess"


def test_policies_are_exact_and_a_provisioned_set_is_provisioned_again():
    wanted = PermissionSet("Admin", managed_policies=frozenset({READ_ONLY}))
    found = live_set(managed_policies=frozenset({ADMIN}),
                     accounts=tuple(f"{n:012d}" for n in range(14)))
    changes = list(diff({"Admin": wanted}, {"Admin": found}, False))
    assert [(c.action, c.kind, c.before or c.after) for c in changes] == [
        (Action.CREATE, PERMISSION_SET_MANAGED_POLICY, READ_ONLY),
        (Action.DELETE, PERMISSION_SET_MANAGED_POLICY, ADMIN),
        (Action.UPDATE, PERMISSION_SET_PROVISION, "14"),
    ]
    assert change_lines(changes[-1])[0] == "~ permission set Admin: re-provisioned in 14 accounts"


def test_settings_the_file_leaves_out_are_not_managed():
    found = live_set(description="made by hand", session_seconds=7200)
    assert list(diff({"Admin": PermissionSet("Admin")}, {"Admin": found}, False)) == []
    (change,) = diff({"Admin": PermissionSet("Admin", session_seconds=14400)},
                     {"Admin": found}, False)
    assert change.kind == PERMISSION_SET_SETTINGS
    assert change.after == {"description": "made by hand", "relay_state": "",
                            "session_duration": "PT4H"}
    assert change_lines(change)[0] == "~ permission set Admin: session_duration PT2H -> PT4H"


def test_prune_deletes_an_undeclared_set_unless_it_is_provisioned():
    spare, used = live_set(), live_set(accounts=("111111111111", "222222222222", "333333333333"))
    live = {"Spare": spare, "Used": used}
    assert [(c.action, c.name) for c in diff({}, live, True)] == [(Action.DELETE, "Spare")]
    assert list(diff({}, live, False)) == []


def test_a_policy_change_of_a_set_is_never_called_harmless():
    attach = Change(Action.CREATE, PERMISSION_SET_MANAGED_POLICY, "Admin", after=ADMIN)
    judge = access_of(PERMISSION_SET_MANAGED_POLICY)
    assert callable(judge)
    impact, reason = judge(attach)
    assert impact == Impact.UNKNOWN and "is not judged" in reason
    create = access_of(PERMISSION_SET)
    assert callable(create)
    assert create(Change(Action.CREATE, PERMISSION_SET, "Admin")) == (Impact.NEUTRAL, "")


def test_the_unknown_reason_of_a_set_change_says_what_the_access_model_judges():
    """The access model judges a set's policies for its holders (`risks`: full access and
    escalation methods gained): the reason of `unknown` says what it leaves, never that it
    does not see Identity Center."""
    changes = [Change(Action.CREATE, PERMISSION_SET_MANAGED_POLICY, "S", after=ADMIN),
               Change(Action.DELETE, PERMISSION_SET_MANAGED_POLICY, "S", before=ADMIN),
               Change(Action.UPDATE, PERMISSION_SET_PROVISION, "S", after="3"),
               Change(Action.UPDATE, PERMISSION_SET_SETTINGS, "S",
                      before={"description": "", "relay_state": "", "session_duration": "PT1H"},
                      after={"description": "", "relay_state": "", "session_duration": "PT4H"})]
    for change in changes:
        judge = access_of(change.kind)
        assert callable(judge)
        impact, reason = judge(change)
        assert impact == Impact.UNKNOWN
        assert "does not see Identity Center" not in reason
        assert reason.startswith("whether this broadens or narrows what the set's holders may "
                                 "do in its accounts is not judged (only full access and "
                                 "escalation methods gained are, as risks)")


# Plan and apply, against moto in process.


class MissingCalls:
    """The sso-admin calls moto lacks, answered from a store at the AWS boundary."""

    OPERATIONS = ("GetPermissionsBoundaryForPermissionSet", "PutPermissionsBoundaryToPermissionSet",
                  "DeletePermissionsBoundaryFromPermissionSet", "ListTagsForResource",
                  "TagResource", "UntagResource")

    def __init__(self, aws: Aws) -> None:
        self.boundaries: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.calls: list[str] = []
        client = aws._client("sso-admin")
        for operation in self.OPERATIONS:
            client.meta.events.register(f"before-call.sso-admin.{operation}", self.answer)

    def answer(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        self.calls.append(model.name)
        params = json.loads(params["body"])  # the request as it would go: sso-admin's JSON
        arn = params.get("PermissionSetArn") or params.get("ResourceArn", "")
        body: dict[str, Any] = {}
        if model.name.startswith("Get"):
            if arn not in self.boundaries:
                return _Http(400), {"Error": {"Code": "ResourceNotFoundException",
                                              "Message": "no boundary"}}
            body = {"PermissionsBoundary": self.boundaries[arn]}
        elif model.name.startswith("Put"):
            self.boundaries[arn] = params["PermissionsBoundary"]
        elif model.name.startswith("Delete"):
            self.boundaries.pop(arn, None)
        elif model.name == "ListTagsForResource":
            body = {"Tags": [{"Key": k, "Value": v} for k, v in self.tags.get(arn, {}).items()]}
        elif model.name == "TagResource":
            self.tags.setdefault(arn, {}).update({t["Key"]: t["Value"] for t in params["Tags"]})
        else:
            for key in params["TagKeys"]:
                self.tags.get(arn, {}).pop(key, None)
        return _Http(200), body


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}


@pytest.fixture
def identity_center(moto_iam: Any) -> tuple[Aws, MissingCalls, Any]:
    aws = Aws(boto3.Session(region_name="us-east-1"))
    return aws, MissingCalls(aws), boto3.client("sso-admin", region_name="us-east-1")


def plan_and_apply(aws: Aws, path: str, secrets: Path) -> list[Change]:
    (config,) = load([path])
    planned = plan_account(config, aws)
    apply_account(planned, SecretsSink(secrets, planned.plan.sign_in_url), lambda change: None)
    return list(planned.plan.changes)


def in_sync(aws: Aws, path: str) -> bool:
    (config,) = load([path])
    return plan_account(config, aws).plan.changes == ()


FULL = f"""\
    - name: PlatformAdmin
      description: Full access for the platform team
      session_duration: 4h
      relay_state: https://console.aws.amazon.com/
      managed_policies: [AdministratorAccess]
      customer_managed_policies: [{{name: Deployer, path: /ci/}}]
      inline_policy: {json.dumps(DOC)}
      permissions_boundary: {{managed: PowerUserAccess}}
      tags: {{team: platform}}
"""


def test_a_set_applies_converges_and_drift_is_caught(identity_center, tmp_path):
    aws, missing, sso = identity_center
    path = sets_file(tmp_path, FULL)
    applied = plan_and_apply(aws, path, tmp_path)
    assert len(applied) == 6  # the set, its two policies, inline, boundary, tags
    assert in_sync(aws, path)
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    (arn,) = sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]
    described = sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)
    assert described["PermissionSet"]["SessionDuration"] == "PT4H"
    assert missing.boundaries[arn] == {
        "ManagedPolicyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}
    assert missing.tags[arn] == {"team": "platform"}
    # Out of band: a policy attached in the console, the inline policy removed.
    sso.attach_managed_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=arn,
                                                ManagedPolicyArn=READ_ONLY)
    sso.delete_inline_policy_from_permission_set(InstanceArn=instance, PermissionSetArn=arn)
    (config,) = load([path])
    drift = plan_account(config, aws).plan
    lines = sorted(change_lines(change)[0] for change in drift.changes)
    assert [line.split(" [", 1)[0] for line in lines] == [
        "+ permission set PlatformAdmin: inline policy",
        "- permission set PlatformAdmin: detach AWS managed policy ReadOnlyAccess",
    ]
    # What the access model does not judge says so, never neutral.
    assert all("[unknown: whether this broadens or narrows what the set's holders" in line
               for line in lines)
    plan_and_apply(aws, path, tmp_path)
    assert in_sync(aws, path)


def test_an_ignored_set_is_neither_listed_nor_pruned(identity_center, tmp_path):
    aws, _, sso = identity_center
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    for name in ("AWSControlTowerAdmin", "Stale"):
        sso.create_permission_set(InstanceArn=instance, Name=name)
    path = write_account(tmp_path, "prune: true\nignore:\n  permission_sets: [AWSControlTower*]\n"
                                   "identity_center:\n  permission_sets: []\n")
    applied = plan_and_apply(aws, path, tmp_path)
    assert [(c.action, c.name) for c in applied] == [(Action.DELETE, "Stale")]
    names = [sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)
             ["PermissionSet"]["Name"]
             for arn in sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]]
    assert names == ["AWSControlTowerAdmin"]
    assert in_sync(aws, path)


def test_without_prune_an_undeclared_set_is_listed(identity_center, tmp_path):
    aws, _, sso = identity_center
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    sso.create_permission_set(InstanceArn=instance, Name="ByHand")
    (config,) = load([sets_file(tmp_path, "    - name: Declared\n")])
    plan = plan_account(config, aws).plan
    assert plan.unmanaged == {"permission sets": ("ByHand",)}


def test_a_file_without_identity_center_reads_none_of_it(identity_center, tmp_path):
    aws, missing, _ = identity_center
    (config,) = load([write_account(tmp_path, "users: [{name: alice}]\n")])
    plan_account(config, aws)
    assert aws.calls_by_service().get("sso-admin", 0) == 0 and missing.calls == []


def test_export_writes_the_sets_and_plans_back_in_sync(identity_center, tmp_path):
    from reconciler.engine.export import export_document, read_for_export

    aws, _, _ = identity_center
    plan_and_apply(aws, sets_file(tmp_path, FULL), tmp_path)
    exported = tmp_path / "exported" / "account.yaml"
    exported.parent.mkdir()
    exported.write_text(export_document(read_for_export(aws)))
    assert "identity_center:\n  permission_sets:\n  - name: PlatformAdmin" in exported.read_text()
    assert in_sync(aws, str(exported))


def test_export_of_an_account_without_identity_center_leaves_it_out(moto_iam, caplog):
    from reconciler.engine.export import export_document, read_for_export

    aws = Aws(boto3.Session(region_name="us-east-1"))
    aws._client("sso-admin").meta.events.register(
        "before-call.sso-admin.ListInstances", lambda **_: (_Http(200), {"Instances": []}))
    assert "identity_center" not in export_document(read_for_export(aws))
    assert caplog.text.count("IAM Identity Center left out") == 1  # said once, not per kind


def test_provisioning_is_waited_for_and_a_failure_names_the_set(monkeypatch):
    from botocore.stub import Stubber

    from reconciler.aws.writers import WRITERS
    from reconciler.aws.writers.base import WriteContext

    monkeypatch.setattr("reconciler.aws.writers.permission_sets.POLL_SECONDS", 0)
    aws = Aws(boto3.Session(region_name="us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x"))
    instance, arn = "arn:aws:sso:::instance/ssoins-1234567890abcdef", \
        "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
    change = Change(Action.UPDATE, PERMISSION_SET_PROVISION, "Admin", arn, after="2")
    request = "2f3e4d5c-1b2a-4c3d-9e8f-7a6b5c4d3e2f"
    write = WRITERS[(PERMISSION_SET_PROVISION, Action.UPDATE)]
    with Stubber(aws._client("sso-admin")) as stub:
        stub.add_response("list_instances", {"Instances": [{"InstanceArn": instance}]})
        stub.add_response("provision_permission_set", {"PermissionSetProvisioningStatus": {
            "Status": "IN_PROGRESS", "RequestId": request}},
            {"InstanceArn": instance, "PermissionSetArn": arn,
             "TargetType": "ALL_PROVISIONED_ACCOUNTS"})
        stub.add_response("describe_permission_set_provisioning_status",
                          {"PermissionSetProvisioningStatus": {"Status": "SUCCEEDED"}},
                          {"InstanceArn": instance, "ProvisionPermissionSetRequestId": request})
        write(WriteContext(aws, None, None), change)
        stub.add_response("provision_permission_set", {"PermissionSetProvisioningStatus": {
            "Status": "FAILED", "FailureReason": "policy Deployer not found in 222222222222"}})
        with pytest.raises(Exception, match="permission set Admin: provisioning did not "
                                            "succeed: policy Deployer not found"):
            write(WriteContext(aws, None, None), change)
        stub.assert_no_pending_responses()


# Self-lockout: the credentials running iamctl may be a session of a set's role.

SSO_ROLE = "AWSReservedSSO_PlatformAdmin_0123456789abcdef"


def test_a_role_of_identity_center_names_its_permission_set():
    from reconciler.core.arns import sso_permission_set

    assert sso_permission_set(SSO_ROLE) == "PlatformAdmin"
    assert sso_permission_set("AWSReservedSSO_Read_Only_0123456789abcdef") == "Read_Only"
    assert sso_permission_set("AWSReservedSSO_PlatformAdmin") is None
    assert sso_permission_set("deploy") is None


@pytest.mark.parametrize(("change", "locks_out"), [
    (Change(Action.DELETE, PERMISSION_SET_MANAGED_POLICY, "PlatformAdmin", before=ADMIN), True),
    (Change(Action.DELETE, PERMISSION_SET, "platformadmin"), True),
    (Change(Action.CREATE, PERMISSION_SET_MANAGED_POLICY, "PlatformAdmin", after=ADMIN), False),
    (Change(Action.DELETE, PERMISSION_SET_MANAGED_POLICY, "Other", before=ADMIN), False),
])
def test_taking_permissions_from_the_callers_own_set_is_self_lockout(change, locks_out):
    from reconciler.core.access.documents import shipped
    from reconciler.core.access.lockout import mark_self_lockout
    from reconciler.core.state import Caller
    from tests.factories import state

    live = state()
    (marked,) = mark_self_lockout([change], live, live, Caller(role=SSO_ROLE), shipped)
    assert bool(marked.self_lockout) is locks_out
    if locks_out:
        assert "session of permission set" in marked.self_lockout
    (as_user,) = mark_self_lockout([change], live, live, Caller(user="alice"), shipped)
    assert as_user.self_lockout == ""


def test_a_session_duration_aws_would_refuse_reads_as_it_is_and_is_set_right(
        identity_center, tmp_path):
    """moto keeps PT20H, which AWS refuses: read as 20 hours (no traceback), planned back."""
    aws, _, sso = identity_center
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    sso.create_permission_set(InstanceArn=instance, Name="Admin", SessionDuration="PT20H")
    (config,) = load([sets_file(tmp_path, "    - name: Admin\n      session_duration: 4h\n")])
    (change,) = plan_account(config, aws).plan.changes
    assert change_lines(change)[0].split(" [")[0] == \
        "~ permission set Admin: session_duration PT20H -> PT4H"


def test_an_inline_policy_read_back_not_json_is_one_error_naming_the_set(identity_center,
                                                                        tmp_path):
    """moto keeps whatever inline policy it is sent, AWS only JSON: one line, no content."""
    aws, _, sso = identity_center
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    arn = sso.create_permission_set(InstanceArn=instance, Name="Admin")["PermissionSet"][
        "PermissionSetArn"]
    sso.put_inline_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=arn,
                                            InlinePolicy="{not json")
    (config,) = load([sets_file(tmp_path, "    - name: Admin\n")])
    with pytest.raises(IamctlError, match=r"^read the inline policy of permission set Admin: "
                                          r"its content is not JSON \(.*\); AWS stores only"):
        plan_account(config, aws)


def test_a_policy_given_to_a_set_in_use_is_judged_for_its_holders():
    """Attaching AdministratorAccess to a set held in 3 accounts is full access for its
    holders, and fails the escalation gate; the same to a set held nowhere opens nothing yet
    (its assignments are judged on the set as declared)."""
    from dataclasses import replace

    from reconciler.core.access.documents import shipped
    from reconciler.core.access.permission_set_powers import set_powers
    from reconciler.core.kinds.declared._permission_set_access import set_change_risks
    from reconciler.core.kinds.declared.permission_sets import PERMISSION_SET_CUSTOMER_POLICY
    from tests.factories import state

    def states(found: PermissionSet, wanted: PermissionSet) -> tuple[Any, Any]:
        return (replace(state(), declared={"permission_sets": {"S": wanted}}),
                replace(state(), declared={"permission_sets": {"S": found}}))

    def judge(*given: Any) -> Any:
        return set_powers(shipped, *given)

    attach = Change(Action.CREATE, PERMISSION_SET_MANAGED_POLICY, "S", after=ADMIN)
    held = replace(live_set(managed_policies=frozenset({READ_ONLY}), accounts=("1", "2", "3")),
                   name="S")
    wanted = PermissionSet("S", managed_policies=frozenset({READ_ONLY, ADMIN}))
    (risk,) = set_change_risks(attach, *states(held, wanted), judge)
    assert (risk.category, risk.principal, risk.detail) == (
        "admin", "holders of permission set S", "full access (permission set S) in 3 accounts")
    unused = replace(live_set(managed_policies=frozenset({READ_ONLY})), name="S")
    assert set_change_risks(attach, *states(unused, wanted), judge) == ()
    customer = Change(Action.CREATE, PERMISSION_SET_CUSTOMER_POLICY, "S", after="/ci/Deploy")
    with_customer = PermissionSet("S", managed_policies=frozenset({READ_ONLY}),
                                  customer_policies=frozenset({"/ci/Deploy"}))
    (unjudged,) = set_change_risks(customer, *states(held, with_customer), judge)
    assert "customer managed policy /ci/Deploy" in unjudged.detail
