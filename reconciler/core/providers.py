"""Identity providers (OIDC and SAML): their ARNs, the changes that create and delete them, and
how a plan describes every provider change. Pure.

The diff of a declared provider is `diff.diff_providers`; prune's deletions are built here for
`undeclared.py`; the describers are registered with each kind in `kinds.py`. An OIDC provider is
keyed by its URL without `https://` (IAM names its ARN that way), a SAML provider by its name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import Action, Change, Kind, OidcProvider, SamlProvider, State
from .payloads import OidcProviderSpec, SamlProviderSpec, thumbprints_of

HTTPS = "https://"
# The issuer of GitHub Actions' OIDC tokens (`trusted_by.github` trusts this provider).
GITHUB_ACTIONS = "token.actions.githubusercontent.com"


def url_key(url: str) -> str:
    """`https://token.actions.githubusercontent.com` -> `token.actions.githubusercontent.com`:
    the part of the URL that IAM puts in the provider's ARN."""
    return url.removeprefix(HTTPS)


# An identity provider's ARN: its fixed part, then an OIDC provider's URL without https:// (host,
# then any path) or a SAML provider's name.
_PROVIDER_ARN = re.compile(r"^(arn:[^:]+:iam::\d{12}:(oidc|saml)-provider/)(.+)$", re.IGNORECASE)


def provider_key(arn: str) -> str:
    """A provider ARN as iamctl compares it wherever it matters who a trust policy names (the
    trust findings, and prune keeping a provider a role trusts): the same key for one provider
    however its ARN is capitalised, except an OIDC provider's path. A host name has no case, a
    SAML provider's name is unique without regard to case (IAM names), and IAM's documentation
    does not say a trust naming the host in other capitals misses the provider; judging such a
    trust and keeping its provider is the side that cannot let a stranger in or break a role."""
    match = _PROVIDER_ARN.match(arn)
    if not match:
        return arn
    fixed, kind, name = match.groups()
    if kind.lower() == "saml":
        return (fixed + name).lower()
    host, slash, path = name.partition("/")
    return f"{fixed.lower()}{host.lower()}{slash}{path}"


def oidc_provider_path(arn: str) -> str | None:
    """`token.actions.githubusercontent.com` for the ARN of that OIDC provider (the host in
    lower case, as `provider_key` compares it); None when `arn` names no OIDC provider."""
    key = provider_key(arn)
    match = _PROVIDER_ARN.match(key)
    if not match or match.group(2) != "oidc":
        return None
    return match.group(3)


def oidc_provider_arn(partition: str, account_id: str, key: str) -> str:
    return f"arn:{partition}:iam::{account_id}:oidc-provider/{key}"


def saml_provider_arn(partition: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:saml-provider/{name}"


@dataclass(frozen=True)
class ProviderArns:
    """The ARNs the declared providers have (or will have once applied), for trust policies."""

    oidc: Mapping[str, str]  # URL key -> ARN
    saml: Mapping[str, str]  # name -> ARN

    def github_actions(self) -> str | None:
        """The ARN of GitHub Actions' OIDC provider, if the file declares it."""
        return self.oidc.get(GITHUB_ACTIONS)

    def saml_named(self, name: str) -> str | None:
        """The ARN of the declared SAML provider `name` (IAM names ignore case)."""
        return next((arn for key, arn in self.saml.items() if key.lower() == name.lower()), None)


def declared_provider_arns(desired: State) -> ProviderArns:
    """The declared providers' ARNs. Call it on a resolved desired state: the partition is the
    account's only after `desired.resolve`."""
    account = desired.account
    return ProviderArns(
        oidc={key: oidc_provider_arn(account.partition, account.id, key)
              for key in desired.oidc_providers},
        saml={name: saml_provider_arn(account.partition, account.id, name)
              for name in desired.saml_providers},
    )


def metadata_digest(metadata: object) -> str:
    """A short digest that tells two metadata documents apart in a plan line, which must not
    hold a whole XML document."""
    return "sha256:" + hashlib.sha256(str(metadata).encode()).hexdigest()[:12]


# Changes: creation (everything in one call) and prune's deletion.


def oidc_creation(wanted: OidcProvider, arn: str) -> Change:
    after = OidcProviderSpec(
        url=HTTPS + wanted.url,
        client_ids=tuple(sorted(wanted.client_ids)),
        # None: not managed; the call then leaves it out and AWS retrieves a thumbprint itself.
        thumbprints=tuple(sorted(wanted.thumbprints)) if wanted.thumbprints is not None else None,
        tags=dict(wanted.tags or {}),
    )
    return Change(Action.CREATE, Kind.OIDC_PROVIDER, wanted.url, target=arn, after=after)


def saml_creation(wanted: SamlProvider, arn: str) -> Change:
    after = SamlProviderSpec(wanted.metadata, dict(wanted.tags or {}))
    return Change(Action.CREATE, Kind.SAML_PROVIDER, wanted.name, target=arn, after=after)


def oidc_removal(provider: OidcProvider) -> Change:
    return Change(Action.DELETE, Kind.OIDC_PROVIDER, provider.url, target=provider.arn)


def saml_removal(provider: SamlProvider) -> Change:
    return Change(Action.DELETE, Kind.SAML_PROVIDER, provider.name, target=provider.arn)


# Describers (see kinds.py): the subject of a plan line, and indented detail.


def describe_oidc_provider(change: Change) -> tuple[str, list[str]]:
    subject = f"OIDC provider {change.name}"
    after = change.after
    if not isinstance(after, OidcProviderSpec):  # a deletion
        return subject, []
    detail = [f"client ids: {listed(after.client_ids)}"]
    if after.thumbprints is not None:
        detail.append(f"thumbprints: {listed(after.thumbprints)}")
    if after.tags:
        detail.append(f"tags: {listed(f'{k}={v}' for k, v in sorted(after.tags.items()))}")
    return subject, detail


def describe_client_id(change: Change) -> tuple[str, list[str]]:
    if change.action == Action.CREATE:
        return f"OIDC provider {change.name}: add client id {change.after}", []
    return f"OIDC provider {change.name}: remove client id {change.before}", []


def describe_thumbprints(change: Change) -> tuple[str, list[str]]:
    before, after = listed(thumbprints_of(change.before)), listed(thumbprints_of(change.after))
    return f"OIDC provider {change.name}: thumbprints: {before} -> {after}", []


def describe_saml_provider(change: Change) -> tuple[str, list[str]]:
    subject = f"SAML provider {change.name}"
    after = change.after
    if not isinstance(after, SamlProviderSpec):  # a deletion
        return subject, []
    return f"{subject} (metadata {metadata_digest(after.metadata)})", []


def describe_metadata(change: Change) -> tuple[str, list[str]]:
    digests = f"{metadata_digest(change.before)} -> {metadata_digest(change.after)}"
    return f"SAML provider {change.name}: metadata changed ({digests})", []


def listed(values: str | Iterable[object]) -> str:
    """`a, b`, or `(none)`; a single string is one value, not its letters."""
    items = [values] if isinstance(values, str) else [str(value) for value in values]
    return ", ".join(items) or "(none)"
