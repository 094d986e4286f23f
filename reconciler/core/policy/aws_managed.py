"""What iamctl knows of AWS managed policies without reading them (pure data for `impact.py`).

AWS changes its managed policies every week, so this knowledge is data with a date, shipped in
the package (`reconciler/data/aws_managed_policies.json`) and rewritten only by
`scripts/refresh_aws_managed.py`: each policy's name and path, whether it holds a Deny (removing
one may broaden access), and each one's document (its default version). `source()` says where
and when the data was read. The access model judges an AWS managed policy by its document: the
one a plan reads from AWS where it attaches the policy, else this copy.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ManagedPolicyData:
    source: str
    as_of: str  # the day of the newest policy in the source, YYYY-MM-DD
    refreshed: str  # the day the script read the source, YYYY-MM-DD
    paths: dict[str, str]  # policy name: its path
    with_deny: frozenset[str]
    documents: dict[str, dict[str, Any]]


@functools.lru_cache(maxsize=1)
def data() -> ManagedPolicyData:
    raw = json.loads(
        resources.files("reconciler").joinpath("data/aws_managed_policies.json").read_text("utf-8"))
    policies: dict[str, dict[str, Any]] = raw["policies"]
    return ManagedPolicyData(
        source=raw["source"],
        as_of=raw["as_of"],
        refreshed=raw["refreshed"],
        paths={name: facts["path"] for name, facts in policies.items()},
        with_deny=frozenset(name for name, facts in policies.items() if facts["deny"]),
        documents=raw["documents"],
    )


def document(name: str) -> dict[str, Any] | None:
    """The policy's document as of the data's date; None when the data does not know it."""
    return data().documents.get(name)


def holds_deny(name: str) -> bool | None:
    """Whether the AWS managed policy holds a Deny; None when the data does not know the policy
    (newer than the data, or not AWS's): the caller must not take that as no Deny."""
    if name not in data().paths:
        return None
    return name in data().with_deny


def references() -> dict[str, str]:
    """Every AWS managed policy by the references a file may use, name and path/name
    (`job-function/ViewOnlyAccess`), to its ARN in the `aws` partition: what `aws/live.py` reads
    from the account, as of the data's date."""
    found: dict[str, str] = {}
    for name, path in data().paths.items():
        arn = f"arn:aws:iam::aws:policy{path}{name}"
        if path != "/":
            found[path.strip("/") + "/" + name] = arn
        if name not in found or path == "/":
            found[name] = arn
    return found


def source() -> str:
    return f"{data().source}, as of {data().as_of}"
