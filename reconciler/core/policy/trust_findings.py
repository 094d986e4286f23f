"""Trust findings: who may assume a role, judged on its trust policy (DESIGN.md 9).

Pure. A role anyone can assume, a web identity trust whose `sub` condition does not name the
tenant of a multi-tenant issuer (any repository on GitHub, any project on GitLab.com; the known
issuers are in `oidc_issuers.py`) or is missing for another issuer, one without an audience
condition, and a Cognito identity pool trust that does not say signed in or guest make
`validate` and `plan` fail, unless the role's `accept_risk` names their check with a reason
(`accept_risk: {anyone: "why"}`): then each is still returned, marked accepted, and shown as a
note. An acceptance covers its check only, so a new danger of another check fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..arns import oidc_provider_path
from .meaning import generic
from .meaning import statement as statement_meaning
from .oidc_issuers import ANY_REPOSITORY, ANY_SUBJECT, Issuer, known_issuer
from .trust import principal_values, statement_list
from .trust_conditions import (
    CALLER_KEYS_SHOWN,
    described,
    limits_caller,
    loosest,
    matches_anything,
    positive_blocks,
)

ANYONE = "anyone"  # principal "*" without a condition that pins the caller
ANY_AUDIENCE = "any-audience"  # a web identity provider without an audience condition
ANY_SIGN_IN = "any-sign-in"  # a Cognito identity pool, guests and signed-in users alike
# The checks, in the order messages list them: the keys `accept_risk` takes.
TRUST_CHECKS = (ANYONE, ANY_REPOSITORY, ANY_SUBJECT, ANY_AUDIENCE, ANY_SIGN_IN)

COGNITO = "cognito-identity.amazonaws.com"
# Web identity providers a trust policy names by host rather than by the account's provider ARN,
# and the condition key that holds their audience (IAM User Guide, keys for web identity). They
# sign users in to an app: the audience (the app) is what a trust must name, not a subject.
_WELL_KNOWN = {
    COGNITO: "aud",
    "accounts.google.com": "aud",
    "graph.facebook.com": "app_id",
    "www.amazon.com": "app_id",
}


@dataclass(frozen=True)
class TrustFinding:
    """A danger in a role's trust policy. `accepted` is the reason the role's `accept_risk`
    gives for its check (None: not acknowledged, the finding fails `validate` and `plan`)."""

    role: str
    check: str  # which danger: one of TRUST_CHECKS
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
    order, each accepted by the reason `accept_risk` gives for its check. Deny statements let no
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
    for provider, by_arn in _web_identity_providers(item):
        if by_arn and provider not in _WELL_KNOWN:
            yield from _any_subject(provider, label, conditions)
        yield from _any_audience(provider, label, conditions)
        if provider == COGNITO:
            yield from _any_sign_in(label, conditions)


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


def _web_identity_providers(item: dict[str, Any]) -> list[tuple[str, bool]]:
    """The web identity (OIDC) providers a statement trusts, as IAM prefixes their condition
    keys, and whether by an OIDC provider ARN: the ARN's path (`token.actions.githubusercontent
    .com`, host in lower case) or the host of a well-known provider. Not SAML providers."""
    found = []
    for value in principal_values(item.get("Principal"), "Federated"):
        path = oidc_provider_path(value)
        if path is not None:
            found.append((path, True))
        elif value.lower() in _WELL_KNOWN:
            found.append((value.lower(), False))
    return found


def _any_subject(provider: str, label: str, conditions: dict[str, Any]) -> Iterator[_Found]:
    """Only the `sub` claim tells one job's token from another's: a known issuer's must name the
    tenant (`repo:OWNER/` on GitHub), any other issuer's must at least be held to something."""
    issuer = known_issuer(provider)
    if issuer is not None:
        yield from _any_tenant(issuer, provider, label, conditions)
        return
    yield from _claim_held(
        conditions, f"{provider}:sub", label, ANY_SUBJECT,
        f"accepts tokens of {provider} for any subject", matches_anything, "any value",
        ("add one", "name the subject"))


def _any_tenant(
    issuer: Issuer, provider: str, label: str, conditions: dict[str, Any]
) -> Iterator[_Found]:
    """The issuer signs for every tenant (or every project of its one tenant) with one key, so
    the trust must name the tenant in `sub` (or, where the issuer documents it, a session tag
    such as Buildkite's `aws:RequestTag/organization_slug`)."""
    if any(_held_exactly(conditions, f"aws:RequestTag/{tag}") for tag in issuer.tags):
        return
    yield from _claim_held(
        conditions, f"{provider}:sub", label, issuer.check,
        f"trusts {issuer.name} of {issuer.any_of}", issuer.matches_any_tenant,
        f"any {issuer.tenant}",
        (f"add one that names the {issuer.tenant}: {issuer.example}",
         f"name the {issuer.tenant}: {issuer.example}"))


def _claim_held(
    conditions: dict[str, Any], key: str, label: str, check: str, what: str,
    too_loose: Callable[[str], bool], loose_means: str, fixes: tuple[str, str],
) -> Iterator[_Found]:
    """A finding of `check` unless a positive condition holds the token claim `key` to values
    none of which `too_loose` accepts; `fixes`: what to do when no condition names the claim,
    and when one names it too loosely (a value that matches `loose_means`)."""
    blocks = positive_blocks(conditions, key, always_present=True)
    if not blocks:
        yield check, f"{what} ({label} has no {key} condition)", fixes[0]
        return
    loose = loosest(blocks, too_loose)
    if loose is not None:
        problem = f"{what} ({label}'s {key} condition {json.dumps(loose)} matches {loose_means})"
        yield check, problem, fixes[1]


def _held_exactly(conditions: dict[str, Any], key: str) -> bool:
    """Whether a request key is held to values without wildcards (a tag a request may lack)."""
    return any(not block.is_pattern or not any("*" in value or "?" in value
                                                 for value in block.values)
               for block in positive_blocks(conditions, key, always_present=False))


def _any_audience(provider: str, label: str, conditions: dict[str, Any]) -> Iterator[_Found]:
    """Without an audience condition, a token the provider issued to any other application
    (another cloud, another tenant) is accepted too."""
    yield from _claim_held(
        conditions, f"{provider}:{_WELL_KNOWN.get(provider, 'aud')}", label, ANY_AUDIENCE,
        f"accepts tokens of {provider} for any audience", matches_anything, "any value",
        ("add one", "name the audience"))


def _any_sign_in(label: str, conditions: dict[str, Any]) -> Iterator[_Found]:
    """A Cognito identity pool gives tokens to its guests as well as to signed-in users: the
    `amr` claim says which (`authenticated` or `unauthenticated`), and AWS requires it beside
    `aud` (Amazon Cognito Developer Guide, identity pools security best practices)."""
    key = f"{COGNITO}:amr"
    blocks = positive_blocks(conditions, key, always_present=True)
    what = "accepts identities of Cognito identity pools signed in or not"
    fix = 'add one: "authenticated" or "unauthenticated"'
    if not blocks:
        yield ANY_SIGN_IN, f"{what} ({label} has no {key} condition)", fix
        return
    loose = loosest(blocks, matches_anything)
    if loose is not None:
        problem = f"{what} ({label}'s {key} condition {json.dumps(loose)} matches any value)"
        yield ANY_SIGN_IN, problem, 'name "authenticated" or "unauthenticated"'
