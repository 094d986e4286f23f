"""Read the account's identity providers for `live.py`: one list call per kind, then one get
call per provider (an account has a handful: there is no bulk read that holds their details).

A provider deleted between the list and the get is left out, as if listed a moment later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.arns import tag_map
from ..core.errors import NoSuchEntityError
from ..core.state import OidcProvider, SamlProvider
from .client import Aws


@dataclass(frozen=True)
class Providers:
    oidc: dict[str, OidcProvider] = field(default_factory=dict)  # by URL key
    saml: dict[str, SamlProvider] = field(default_factory=dict)  # by name


def read_providers(aws: Aws) -> Providers:
    providers = Providers()
    listed = aws.iam("list_open_id_connect_providers", "list OIDC providers")
    for item in listed.get("OpenIDConnectProviderList", []):
        oidc = read_oidc_provider(aws, item["Arn"])
        if oidc is not None:
            providers.oidc[oidc.url] = oidc
    listed = aws.iam("list_saml_providers", "list SAML providers")
    for item in listed.get("SAMLProviderList", []):
        saml = read_saml_provider(aws, item["Arn"])
        if saml is not None:
            providers.saml[saml.name] = saml
    return providers


def read_oidc_provider(aws: Aws, arn: str) -> OidcProvider | None:
    answer = get(aws, "get_open_id_connect_provider", f"read OIDC provider {arn}",
                  OpenIDConnectProviderArn=arn)
    if answer is None:
        return None
    return OidcProvider(
        # The ARN names it as IAM keys it (GetOpenIDConnectProvider's Url has no https://
        # either, but the ARN is the key trust policies use).
        url=arn.split(":oidc-provider/", 1)[1],
        client_ids=frozenset(answer.get("ClientIDList", [])),
        # Hex digits in either case are the same thumbprint; the file's are lower-cased too.
        thumbprints=frozenset(t.lower() for t in answer.get("ThumbprintList", [])),
        tags=tag_map(answer.get("Tags", [])),
        arn=arn,
    )


def read_saml_provider(aws: Aws, arn: str) -> SamlProvider | None:
    answer = get(aws, "get_saml_provider", f"read SAML provider {arn}", SAMLProviderArn=arn)
    if answer is None:
        return None
    return SamlProvider(
        name=arn.split(":saml-provider/", 1)[1],
        metadata=(answer.get("SAMLMetadataDocument") or "").strip(),
        tags=tag_map(answer.get("Tags", [])),
        arn=arn,
    )


def get(aws: Aws, operation: str, doing: str, **params: Any) -> Mapping[str, Any] | None:
    try:
        return aws.iam(operation, doing, **params)
    except NoSuchEntityError:  # deleted since it was listed
        return None
