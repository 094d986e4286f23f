"""The `roles:` of the configuration -> `Role`s of the desired State (desired.py calls these).

A role's trust policy is given as a document (`assume_role_policy`), a JSON file
(`assume_role_policy_file`) or the `trusted_by` shorthand: exactly one. Either way it is checked
as IAM checks a trust policy, and a trust that lets anyone in (or any GitHub repository, or any
audience of an identity provider) is an error unless the role's `accept_risk` names that
finding with a reason. Roles under the paths AWS owns (service-linked roles, IAM Identity
Center's) cannot be declared.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.policy import trust, trusted_by
from ..core.policy.trust_findings import TRUST_CHECKS, TrustFinding, trust_findings
from ..core.state import AWS_OWNED_ROLE_PATHS, Document, Role, aws_owned_path
from . import documents
from .validation import Declared, source_error
from .yamlload import Source

# AWS's quota for all of one role's inline policies together, in characters without whitespace.
ROLE_INLINE_MAX_SIZE = 10240

TRUST_FIELDS = ("assume_role_policy", "assume_role_policy_file", "trusted_by")
# The partition trust policies are built for when the files are read; `resolve` builds them
# again for an account in another (aws-cn, aws-us-gov) once it has reached it.
LOAD_PARTITION = "aws"


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


def refuse_old_forms(source: Source) -> None:
    """Before the schema: `accept_risk: "why"` once waived every finding of a role, forever.
    It now names the check it accepts; the old form is refused with the new one, which the
    schema's own message ("expected a mapping") would not show."""
    data = source.data
    entries = data.get("roles") if isinstance(data, dict) else None
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("accept_risk"), str):
            message = (
                f'name the finding it accepts, as in accept_risk: {{{TRUST_CHECKS[0]}: "why"}} '
                f"(findings: {', '.join(TRUST_CHECKS)})"
            )
            raise source_error(source, ("roles", index, "accept_risk"), message)


def _one_of(fields: tuple[str, ...]) -> str:
    return f"{', '.join(fields[:-1])} and {fields[-1]}"


@dataclass(frozen=True)
class TrustContext:
    """What expanding `trusted_by` needs: the account, and the providers the files declare
    (OIDC URL keys such as `token.actions.githubusercontent.com`, SAML names)."""

    account_id: str
    oidc_providers: Collection[str]
    saml_providers: Collection[str]
    partition: str = LOAD_PARTITION


def role(
    declared: Declared, policies: list[str], boundary: str | None, context: TrustContext
) -> tuple[Role, list[TrustFinding]]:
    """The role, and the trust findings its `accept_risk` acknowledges (an unacknowledged one
    is an error at the trust policy). `policies` and `boundary`: references as written."""
    data = declared.data
    document, field = trust_policy(declared, context)
    accepted = checked_findings(declared, document, field)
    built = Role(
        name=declared.name,
        path=data.get("path"),
        description=data.get("description"),
        trust=trust.trust_document(document, context.partition),
        max_session_duration=data.get("max_session_duration"),
        permissions_boundary=boundary,
        policies=frozenset(policies),
        inline_policies=documents.inline_policies(declared, ROLE_INLINE_MAX_SIZE),
        tags=dict(data["tags"]) if "tags" in data else None,
        instance_profile=data.get("instance_profile"),
        accept_risk=dict(data["accept_risk"]) if "accept_risk" in data else None,
        trusted_by=data.get("trusted_by"),
    )
    return built, accepted


def trust_policy(declared: Declared, context: TrustContext) -> tuple[dict[str, Any], str]:
    """The trust policy document and the field that gave it, checked as IAM would (Principal
    required, only the actions a trust policy may allow), or `trusted_by` expanded."""
    data = declared.data
    if "trusted_by" in data:
        return expand(data["trusted_by"], context, declared), "trusted_by"
    field = "assume_role_policy" if "assume_role_policy" in data else "assume_role_policy_file"
    if field == "assume_role_policy":
        document: Any = data[field]
    else:
        document = documents.read_file(declared, (field,), data[field])
        if not isinstance(document, dict):
            message = f"{data[field]}: a trust policy must be an object ({{Version, Statement}})"
            raise declared.error((field,), message)
    problems = trust.check_trust_document(document)
    if problems:
        where = (field,) + problems[0].where if field == "assume_role_policy" else (field,)
        prefix = "" if field == "assume_role_policy" else f"{data[field]}: "
        raise declared.error(where, prefix + problems[0].message)
    return document, field


def expand(
    shorthand: Any, context: TrustContext, declared: Declared | None = None
) -> dict[str, Any]:
    """`trusted_by` as the trust policy AWS holds (see `core/trusted_by.py`)."""
    try:
        return trusted_by.expand_trusted_by(
            shorthand, context.account_id, context.partition,
            context.oidc_providers, context.saml_providers,
        )
    except trusted_by.TrustedByError as error:
        if declared is None:
            raise
        problem = error.problems[0]
        raise declared.error(("trusted_by",) + problem.where, problem.message) from None


def checked_findings(
    declared: Declared, document: dict[str, Any], field: str
) -> list[TrustFinding]:
    """A dangerous trust fails here unless the role's `accept_risk` names its check; an
    acceptance of a check the trust does not have fails too (kept after the trust was fixed, it
    would accept the next danger of that check without anyone reading it)."""
    acceptances: Mapping[str, str] = declared.data.get("accept_risk") or {}
    found = trust_findings(declared.name, document, acceptances)
    for finding in found:
        if finding.fails:
            raise declared.error((field,), finding.message)
    present = {finding.check for finding in found}
    for check in acceptances:
        if check not in present:
            message = (f"role {declared.name}: its trust policy has no {check} finding to accept: "
                       "remove this entry")
            raise declared.error(("accept_risk", check), message)
    return found


def trust_in_partition(role: Role, context: TrustContext) -> Document | None:
    """The role's trust policy once the account's partition is known: `trusted_by` expanded
    again (its principals are ARNs in that partition), a document given as such compared in it.
    In `aws`, the partition the files were read for, it is the trust already built."""
    if context.partition == LOAD_PARTITION:
        return role.trust
    if role.trusted_by is not None:
        return trust.trust_document(expand(role.trusted_by, context), context.partition)
    if role.trust is None:
        return None
    return trust.trust_document(role.trust.text, context.partition)
