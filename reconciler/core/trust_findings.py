"""Trust findings: who may assume a role, judged on its trust policy (DESIGN.md 9).

Pure. A role anyone can assume, a GitHub Actions trust without a `sub` condition that names an
owner (any repository on GitHub could assume it) and a web identity trust without an audience
condition make `validate` and `plan` fail, unless the role's `accept_risk` names their kind
with a reason (`accept_risk: {anyone: "why"}`): then each is still returned, marked accepted,
and shown as a note. An acceptance covers its kind only, so a new danger of another kind fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .meaning import generic
from .meaning import statement as statement_meaning
from .trust import principal_values, statement_list
from .trust_conditions import (
    CALLER_KEYS_SHOWN,
    described,
    limits_caller,
    literal_prefix,
    loosest,
    matches_anything,
    positive_blocks,
)
from .trusted_by import GITHUB_OIDC_HOST

ANYONE = "anyone"  # principal "*" without a condition
ANY_REPOSITORY = "any-repository"  # GitHub Actions without a sub condition naming an owner
ANY_AUDIENCE = "any-audience"  # a web identity provider without an audience condition
# The kinds, in the order messages list them: the keys `accept_risk` takes.
FINDING_KINDS = (ANYONE, ANY_REPOSITORY, ANY_AUDIENCE)

# Web identity providers a trust policy names by host rather than by the account's provider ARN,
# and the condition key that holds their audience (IAM User Guide, keys for web identity).
_WELL_KNOWN = {
    "cognito-identity.amazonaws.com": "aud",
    "accounts.google.com": "aud",
    "graph.facebook.com": "app_id",
    "www.amazon.com": "app_id",
}
_OIDC_PROVIDER = re.compile(r"^arn:[^:]+:iam::\d{12}:oidc-provider/(.+)$")


@dataclass(frozen=True)
class TrustFinding:
    """A danger in a role's trust policy. `accepted` is the reason the role's `accept_risk`
    gives for its kind (None: not acknowledged, the finding fails `validate` and `plan`)."""

    role: str
    check: str  # its kind, one of FINDING_KINDS
    statement: str  # "statement 1" (its position) or "statement GitHubActions" (its Sid)
    problem: str  # what is wrong, and where, in words
    fix: str
    accepted: str | None = None

    @property
    def fails(self) -> bool:
        return self.accepted is None

    @property
    def message(self) -> str:
        """One line: `role deploy: trusts ... (statement 1 has no ...); add one, or set
        accept_risk: {any-repository: "why"}`, or with the reason when the risk is accepted."""
        if self.accepted is not None:
            return f"role {self.role}: {self.problem}; risk accepted: {self.accepted}"
        acceptance = f'{{{self.check}: "why"}}'
        return f"role {self.role}: {self.problem}; {self.fix}, or set accept_risk: {acceptance}"

    def __str__(self) -> str:
        return self.message


# (check, problem, fix) found in one statement.
_Found = tuple[str, str, str]


def trust_findings(
    role_name: str, document: Any, accept_risk: Mapping[str, str] | None
) -> list[TrustFinding]:
    """The findings of one role's trust policy (a `Document`, a dict or JSON text), in statement
    order, each accepted by the reason `accept_risk` gives for its kind. Deny statements let no
    one in and are not judged."""
    reasons = accept_risk or {}
    findings = []
    for index, item in enumerate(statement_list(document)):
        if item.get("Effect") != "Allow":
            continue
        label = _label(item, index)
        for check, problem, fix in _statement_findings(item, label):
            accepted = reasons.get(check) or None  # an empty reason acknowledges nothing
            findings.append(TrustFinding(role_name, check, label, problem, fix, accepted))
    return findings


def _statement_findings(item: dict[str, Any], label: str) -> Iterator[_Found]:
    condition = statement_meaning(item).get("Condition")
    conditions = condition if isinstance(condition, dict) else {}
    yield from _anyone(item, label, conditions)
    for provider in _web_identity_providers(item):
        if provider == GITHUB_OIDC_HOST or provider.startswith(f"{GITHUB_OIDC_HOST}/"):
            yield from _any_repository(provider, label, conditions)
        yield from _any_audience(provider, label, conditions)


def _label(item: dict[str, Any], index: int) -> str:
    sid = item.get("Sid")
    return f"statement {sid}" if isinstance(sid, str) and sid else f"statement {index + 1}"


def _anyone(item: dict[str, Any], label: str, conditions: dict[str, Any]) -> Iterator[_Found]:
    """`"*"` (or `{"AWS": "*"}`) lets every principal of every AWS account assume the role,
    unless a condition pins the caller's account, organization or ARN: any other condition
    (`aws:SecureTransport`, a negated or `...IfExists` operator, a pattern of wildcards) still
    lets a stranger in."""
    if "*" not in principal_values(item.get("Principal"), "AWS"):
        return
    fix = f"name the principals or limit the caller with {CALLER_KEYS_SHOWN}"
    what = f'anyone can assume it ({label} trusts principal "*"'
    if not conditions:
        yield ANYONE, f"{what} without a condition)", fix
    elif not limits_caller(conditions):
        shown = described(generic(item.get("Condition")))
        yield ANYONE, f"{what}, and its condition does not limit who the caller is: {shown})", fix


def _web_identity_providers(item: dict[str, Any]) -> list[str]:
    """The web identity (OIDC) providers a statement trusts, as IAM prefixes their condition
    keys: the provider ARN's path (`token.actions.githubusercontent.com`), or the host of a
    well-known provider. SAML providers are not among them."""
    found = []
    for value in principal_values(item.get("Principal"), "Federated"):
        match = _OIDC_PROVIDER.match(value)
        if match:
            found.append(match.group(1))
        elif value in _WELL_KNOWN:
            found.append(value)
    return found


def _any_repository(provider: str, label: str, conditions: dict[str, Any]) -> Iterator[_Found]:
    """GitHub signs a token for every workflow of every repository on GitHub: only the `sub`
    claim (`repo:OWNER/REPO:...`) tells them apart, so the trust must pin an owner."""
    key = f"{provider}:sub"
    blocks = positive_blocks(conditions, key, always_present=True)
    what = "trusts GitHub Actions of any repository"
    if not blocks:
        yield ANY_REPOSITORY, f"{what} ({label} has no {key} condition)", "add one"
        return
    loose = loosest(blocks, _matches_any_owner)
    if loose is not None:
        problem = f"{what} ({label}'s {key} condition {json.dumps(loose)} matches any owner)"
        yield ANY_REPOSITORY, problem, "name the owner and repository"


def _any_audience(provider: str, label: str, conditions: dict[str, Any]) -> Iterator[_Found]:
    """Without an audience condition, a token the provider issued to any other application
    (another cloud, another tenant) is accepted too."""
    key = f"{provider}:{_WELL_KNOWN.get(provider, 'aud')}"
    blocks = positive_blocks(conditions, key, always_present=True)
    what = f"accepts tokens of {provider} for any audience"
    if not blocks:
        yield ANY_AUDIENCE, f"{what} ({label} has no {key} condition)", "add one"
        return
    loose = loosest(blocks, matches_anything)
    if loose is not None:
        problem = f"{what} ({label}'s {key} condition {json.dumps(loose)} matches any value)"
        yield ANY_AUDIENCE, problem, "name the audience"


def _matches_any_owner(pattern: str) -> bool:
    """Whether a StringLike `sub` pattern matches a repository of any owner: its text before
    the first wildcard stops short of `repo:OWNER/` (`*`, `repo:*`, `repo:acme*`)."""
    prefix = literal_prefix(pattern)
    if prefix == pattern:
        return False  # no wildcard
    return "repo:".startswith(prefix) or (prefix.startswith("repo:") and "/" not in prefix)
