"""Writers for customer managed policies: create, new versions, tags, replacement, deletion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...core import arns
from ...core.arns import policy_name
from ...core.changes import Action, Change, ChangeKind
from ...core.diff.attachments import entities_in, named
from ...core.errors import (
    AwsError,
    IamctlError,
    LimitExceededError,
    NoSuchEntityError,
)
from ...core.payloads import PolicySpec, ReplacedPolicy, payload_as, text_of
from ...core.policy import documents as policydoc
from ...core.state import Entity
from ..exact_reads import list_attachments
from .base import WriteContext, call, create, remove, writes


@writes(ChangeKind.POLICY, Action.CREATE)
def create_policy(ctx: WriteContext, change: Change) -> None:
    create_policy_from_spec(ctx, change.name, payload_as(change.after, PolicySpec))


def create_policy_from_spec(ctx: WriteContext, name: str, spec: PolicySpec) -> str:
    params: dict[str, Any] = {
        "PolicyName": name,
        "Path": spec.path,
        "PolicyDocument": spec.document,
    }
    if spec.description:
        params["Description"] = spec.description
    if spec.tags:
        params["Tags"] = arns.tag_list(spec.tags)

    def differs() -> str | None:
        arn = policy_arn(ctx, name, spec.path)
        return policy_differs(ctx, arn, spec.document, spec.description)

    response = create(ctx, "create_policy", f"create policy {name}", differs, **params)
    return str(response["Policy"]["Arn"]) if response else policy_arn(ctx, name, spec.path)


def policy_arn(ctx: WriteContext, name: str, path: str) -> str:
    identity = ctx.aws.identity()  # asked once per run: the plan asked already
    return arns.policy_arn(identity.partition, identity.account, path, name)


def policy_differs(
    ctx: WriteContext, arn: str, document: str, description: str | None = None
) -> str | None:
    """A policy found under the wanted name is the wanted one only with the same document (its
    default version) and description (None: not compared): then it is what the lost attempt
    created."""
    name = policy_name(arn)
    doing = f"check policy {name}"
    policy = ctx.aws.iam("get_policy", doing, PolicyArn=arn)["Policy"]
    version = ctx.aws.iam(
        "get_policy_version", doing, PolicyArn=arn, VersionId=policy["DefaultVersionId"]
    )["PolicyVersion"]
    if policydoc.canonical(version["Document"]) != policydoc.canonical(document):
        return f"policy {name} already exists, with another document"
    if description is not None and (policy.get("Description") or "") != description:
        return f"policy {name} already exists, with another description"
    return None


# AWS keeps at most five versions of a managed policy.
MAX_POLICY_VERSIONS = 5


@writes(ChangeKind.POLICY_DOCUMENT, Action.UPDATE)
def update_policy_document(ctx: WriteContext, change: Change) -> None:
    doing, document = f"update policy {change.name}", text_of(change.after)
    versions = policy_versions(ctx, change.target, doing)
    if len(versions) >= MAX_POLICY_VERSIONS:
        oldest = min(
            (v for v in versions if not v["IsDefaultVersion"]),
            key=lambda v: (v["CreateDate"], v["VersionId"]),
        )
        ctx.aws.iam(
            "delete_policy_version", doing, PolicyArn=change.target, VersionId=oldest["VersionId"]
        )
    try:
        call(
            ctx,
            "create_policy_version",
            doing,
            PolicyArn=change.target,
            PolicyDocument=document,
            SetAsDefault=True,
        )
    except AwsError as error:
        # A lost answer: the first attempt made the version, the retry hit the version limit.
        landed = isinstance(error, LimitExceededError) and error.maybe_landed
        if not landed or policy_differs(ctx, change.target, document):
            raise


def policy_versions(ctx: WriteContext, arn: str, doing: str) -> list[dict[str, Any]]:
    return [
        version
        for page in ctx.aws.pages("iam", "list_policy_versions", doing, PolicyArn=arn)
        for version in page["Versions"]
    ]


@writes(ChangeKind.POLICY, Action.REPLACE)
def replace_policy(ctx: WriteContext, change: Change) -> None:
    """Path and description are fixed at creation: detach, delete, recreate, re-attach.

    The plan recorded where the policy is attached (`before`) and where it goes back (`after`:
    roles, ignored and undeclared users and groups, and declared ones whose file still wants it
    under the same ARN; a declared entity that wants a new ARN has an attach change of its own).
    """
    before = payload_as(change.before, ReplacedPolicy)
    after = payload_as(change.after, ReplacedPolicy)
    old_arn = before.policy.arn
    detach_recorded(ctx, old_arn, change.name, before.attached)
    delete_detached_policy(ctx, old_arn, change.name)
    arn = create_policy_from_spec(ctx, change.name, after.policy)
    for entity in after.attached:
        call(
            ctx,
            f"attach_{entity.kind}_policy",
            f"re-attach policy {change.name} to {entity}",
            **{f"{entity.kind.capitalize()}Name": entity.name, "PolicyArn": arn},
        )


@writes(ChangeKind.POLICY, Action.DELETE)
def delete_policy(ctx: WriteContext, change: Change) -> None:
    detach_recorded(ctx, change.target, change.name, entities_in(change.before))
    delete_detached_policy(ctx, change.target, change.name)


def detach_recorded(
    ctx: WriteContext, arn: str, name: str, planned: Sequence[Entity]
) -> None:
    """Detaches the policy from where it is attached, which must be among the entities the plan
    named: anything attached since (a role, say) is not iamctl's to detach, so it stops first."""
    attached = list_attachments(ctx.aws, arn, name)
    unnamed = [entity for entity in attached if entity not in planned]
    if unnamed:
        raise IamctlError(
            f"policy {name} is now also attached to {named(unnamed)}, which the plan did not "
            "name; nothing was detached: run plan again"
        )
    for entity in attached:
        remove(
            ctx,
            f"detach_{entity.kind}_policy",
            f"detach policy {name} from {entity}",
            **{f"{entity.kind.capitalize()}Name": entity.name, "PolicyArn": arn},
        )


def delete_detached_policy(ctx: WriteContext, arn: str, name: str) -> None:
    doing = f"delete policy {name}"
    try:
        versions = policy_versions(ctx, arn, doing)
    except NoSuchEntityError:  # already gone: the wanted state is reached
        return
    for version in versions:
        if not version["IsDefaultVersion"]:
            remove(
                ctx, "delete_policy_version", doing, PolicyArn=arn, VersionId=version["VersionId"]
            )
    remove(ctx, "delete_policy", doing, PolicyArn=arn)
