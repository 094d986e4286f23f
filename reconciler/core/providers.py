"""Identity providers (OIDC and SAML): their keys and ARNs. Pure.

An OIDC provider is keyed by its URL without `https://` (IAM names its ARN that way), a SAML
provider by its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import State

HTTPS = "https://"
# The issuer of GitHub Actions' OIDC tokens (`trusted_by.github` trusts this provider).
GITHUB_ACTIONS = "token.actions.githubusercontent.com"


def url_key(url: str) -> str:
    """`https://token.actions.githubusercontent.com` -> `token.actions.githubusercontent.com`:
    the part of the URL that IAM puts in the provider's ARN."""
    return url.removeprefix(HTTPS)


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
