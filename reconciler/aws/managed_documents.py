"""Reads the documents of the AWS managed policies a plan attaches, from AWS itself.

The access model judges an AWS managed policy by its document, never by its name. The package
carries a dated copy of every one (`core/aws_managed.py`); where a plan attaches one (to a
user, group or role, or as a boundary) its default version is read from the account, two calls
each (GetPolicy for the default version's id, GetPolicyVersion), so a verdict never rests on a
copy AWS has since changed. Nothing is read when the plan attaches none (an in-sync plan).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from ..core.arns import is_aws_managed
from ..core.changes import Action, Change, ChangeKind
from ..core.errors import NoSuchEntityError
from .client import Aws

_ATTACHING = (ChangeKind.USER_POLICY, ChangeKind.GROUP_POLICY, ChangeKind.ROLE_POLICY)
_BOUNDARIES = (ChangeKind.USER_BOUNDARY, ChangeKind.ROLE_BOUNDARY)


def attached_aws_policies(changes: Iterable[Change]) -> list[str]:
    """The AWS managed policy ARNs the changes attach or set as a boundary."""
    found: set[str] = set()
    for change in changes:
        if change.kind in _ATTACHING and change.action == Action.CREATE:
            found.add(change.target)
        elif change.kind in _BOUNDARIES and isinstance(change.after, str):
            found.add(change.after)
    return sorted(arn for arn in found if is_aws_managed(arn))


def read_documents(aws: Aws, arns: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each policy's default version's document; a policy AWS does not have is left out (the
    plan's validation names it; the model then says it could not judge)."""
    documents: dict[str, dict[str, Any]] = {}
    for arn in arns:
        try:
            policy = aws.iam("get_policy", f"read AWS managed policy {arn}", PolicyArn=arn)
            version = aws.iam("get_policy_version", f"read the default version of {arn}",
                              PolicyArn=arn, VersionId=policy["Policy"]["DefaultVersionId"])
        except NoSuchEntityError:
            continue
        documents[arn] = _loaded(version["PolicyVersion"]["Document"])
    return documents


def _loaded(document: Any) -> dict[str, Any]:
    """boto3 decodes the URL-encoded JSON document into a dict; an emulator may send text."""
    if isinstance(document, str):
        import json

        loaded: dict[str, Any] = json.loads(unquote(document))
        return loaded
    return dict(document)
