"""run.py's decisions against in-process moto: which facts a plan confirms with exact reads
before it acts on them (credentials from the report, where a policy is attached)."""

from __future__ import annotations

from typing import Any

import boto3

from reconciler.aws.client import Aws
from reconciler.aws.live import read_live
from reconciler.config.desired import load
from reconciler.core.changes import ChangeKind
from reconciler.core.diff.attachments import entities_in
from reconciler.core.state import Entity
from reconciler.engine.run import AccountPlan, apply_account, plan_account
from tests.files import write_account

DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def plan(aws: Aws, path: str) -> AccountPlan:
    (config,) = load([path])
    return plan_account(config, aws)


def calls_of(aws: Aws, operation: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == operation:
            seen.append(dict(params))

    aws._iam.meta.events.register("before-parameter-build.iam", record)
    return seen


def test_a_key_removal_from_report_facts_is_confirmed_and_deletes_the_right_key(
    aws, moto_iam, tmp_path
):
    """The credential report has no key ids: a plan that acts on it must list the user's keys
    first. Two keys, the file wants one: the unused key goes, the one in use stays."""
    moto_iam.create_user(UserName="ci")
    used = moto_iam.create_access_key(UserName="ci")["AccessKey"]
    unused = moto_iam.create_access_key(UserName="ci")["AccessKey"]
    # A call signed with a key is what makes AWS (and moto) record its last use.
    boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id=used["AccessKeyId"],
        aws_secret_access_key=used["SecretAccessKey"],
    ).get_caller_identity()
    bulk = read_live(aws, aws.identity(), aws_catalog=False).state.users["ci"].credentials
    assert bulk is not None and not bulk.confirmed
    assert [key.id for key in bulk.access_keys] == ["", ""]  # what the report tells

    path = write_account(tmp_path, "users:\n  - name: ci\n    access_keys: 1\n")
    planned = plan(aws, path)
    (removal,) = planned.plan.changes
    assert (removal.kind, removal.target, removal.note) == (
        ChangeKind.ACCESS_KEY, unused["AccessKeyId"], "never used"
    )
    apply_account(planned, None, lambda change: None)
    left = moto_iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]
    assert [key["AccessKeyId"] for key in left] == [used["AccessKeyId"]]
    assert plan(aws, path).plan.changes == ()


def test_attachments_are_read_exactly_only_for_policies_the_plan_replaces_or_deletes(
    aws, moto_iam, tmp_path
):
    for name in ("Stays", "Moves"):
        arn = moto_iam.create_policy(PolicyName=name, PolicyDocument=DOC)["Policy"]["Arn"]
        moto_iam.create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument=TRUST)
        moto_iam.attach_role_policy(RoleName=f"role-{name}", PolicyArn=arn)
    moto_iam.create_policy(PolicyName="Unused", PolicyDocument=DOC)
    listed = calls_of(aws, "ListEntitiesForPolicy")
    body = """\
        policies:
          - {name: Stays, document: DOC}
          - {name: Moves, description: now described, document: DOC}
          - {name: Unused, description: now described, document: DOC}
        """.replace("DOC", DOC)
    planned = plan(aws, write_account(tmp_path, body))
    # One read: Moves. Stays is not acted on; Unused is attached nowhere (AttachmentCount 0).
    assert [call["PolicyArn"].rsplit("/", 1)[-1] for call in listed] == ["Moves"]
    moves = next(c for c in planned.plan.changes if c.name == "Moves")
    assert entities_in(moves.after) == (Entity("role", "role-Moves"),)

    apply_account(planned, None, lambda change: None)
    attached = moto_iam.list_attached_role_policies(RoleName="role-Moves")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["Moves"]
    arn = attached[0]["PolicyArn"]
    assert moto_iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == "now described"
    listed.clear()
    assert plan(aws, write_account(tmp_path, body)).plan.changes == ()
    assert listed == []  # in sync: reads stay bulk
