"""Identity providers (OIDC and SAML): their ARNs, the changes that create and delete them, and
how a plan describes every provider change. Pure.

The diff of a declared provider is `diff/providers.py`; prune's deletions are built here for
`diff/undeclared.py`; the describers are registered with each kind in `changes.py`. An OIDC
provider is keyed by its URL without `https://` (IAM names its ARN that way), a SAML provider
by its name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..arns import (
    GITHUB_ACTIONS,
    HTTPS,
    oidc_provider_arn,
    saml_provider_arn,
)
from ..changes import Action, Change, ChangeKind
from ..payloads import OidcProviderSpec, SamlProviderSpec, thumbprints_of
from ..state import OidcProvider, SamlProvider, State


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
    return Change(Action.CREATE, ChangeKind.OIDC_PROVIDER, wanted.url, target=arn, after=after)


def saml_creation(wanted: SamlProvider, arn: str) -> Change:
    after = SamlProviderSpec(wanted.metadata, dict(wanted.tags or {}))
    return Change(Action.CREATE, ChangeKind.SAML_PROVIDER, wanted.name, target=arn, after=after)


def oidc_removal(provider: OidcProvider) -> Change:
    return Change(Action.DELETE, ChangeKind.OIDC_PROVIDER, provider.url, target=provider.arn)


def saml_removal(provider: SamlProvider) -> Change:
    return Change(Action.DELETE, ChangeKind.SAML_PROVIDER, provider.name, target=provider.arn)


# Describers (see changes.py): the subject of a plan line, and indented detail.


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
