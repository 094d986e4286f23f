"""The `roles:` of the configuration -> `Role`s of the desired State (desired.py calls these).

A role's trust policy is given as a document (`assume_role_policy`), a JSON file
(`assume_role_policy_file`) or the `trusted_by` shorthand: exactly one. Roles under the paths AWS
owns (service-linked roles, IAM Identity Center's) cannot be declared.
"""

from __future__ import annotations

from typing import Any

from ..core import policydoc
from ..core.model import AWS_OWNED_ROLE_PATHS, Document, Role, aws_owned_path
from . import documents
from .validation import Declared, source_error
from .yamlload import Source

# AWS's quota for all of one role's inline policies together, in characters without whitespace.
ROLE_INLINE_MAX_SIZE = 10240

TRUST_FIELDS = ("assume_role_policy", "assume_role_policy_file", "trusted_by")


def check_file_rules(source: Source) -> None:
    """Within one file: one trust policy per role, and no role on a path AWS owns."""
    for index, entry in enumerate(source.data.get("roles", [])):
        given = [field for field in TRUST_FIELDS if field in entry]
        if len(given) != 1:
            where = ("roles", index, given[1]) if given else ("roles", index)
            raise source_error(source, where, f"give exactly one of {_one_of(TRUST_FIELDS)}")
        path = entry.get("path")
        if aws_owned_path(path):
            owned = " and ".join(AWS_OWNED_ROLE_PATHS)
            message = (
                f"roles under {owned} belong to AWS (service-linked roles, IAM Identity Center): "
                "iamctl never declares, changes or deletes them"
            )
            raise source_error(source, ("roles", index, "path"), message)


def _one_of(fields: tuple[str, ...]) -> str:
    return f"{', '.join(fields[:-1])} and {fields[-1]}"


def role(declared: Declared, policies: list[str], boundary: str | None) -> Role:
    """`policies` and `boundary`: the role's policy references, in the declared spelling."""
    data = declared.data
    return Role(
        name=declared.name,
        path=data.get("path"),
        description=data.get("description"),
        trust=trust_document(declared),
        max_session_duration=data.get("max_session_duration"),
        permissions_boundary=boundary,
        policies=frozenset(policies),
        inline_policies=documents.inline_policies(declared, ROLE_INLINE_MAX_SIZE),
        tags=dict(data["tags"]) if "tags" in data else None,
        instance_profile=data.get("instance_profile"),
        accept_risk=data.get("accept_risk"),
    )


def trust_document(declared: Declared) -> Document:
    """The trust policy as written. Its own checks (Principal, the actions a trust policy may
    allow) and the `trusted_by` expansion belong to the trust module."""
    data = declared.data
    if "trusted_by" in data:
        message = "not supported yet: give assume_role_policy or assume_role_policy_file"
        raise declared.error(("trusted_by",), message)
    if "assume_role_policy" in data:
        return policydoc.canonical(data["assume_role_policy"])
    name = data["assume_role_policy_file"]
    document: Any = documents.read_file(declared, ("assume_role_policy_file",), name)
    if not isinstance(document, dict):
        message = f"{name}: a trust policy must be an object ({{Version, Statement}})"
        raise declared.error(("assume_role_policy_file",), message)
    return policydoc.canonical(document)
