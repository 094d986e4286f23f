"""Writers for identity providers: OIDC and SAML providers, their client ids, thumbprints and
metadata. Tags are written by `attributes.tagger`; every change but a creation names the
provider's ARN in `change.target`.

AWS accepts adding a client id that is there and removing one that is not, so neither needs
lost-answer handling; a creation does (see `base.create`).
"""

from __future__ import annotations

from typing import Any

from ...core.arns import tag_list
from ...core.changes import Action, Change, ChangeKind
from ...core.payloads import (
    OidcProviderSpec,
    SamlProviderSpec,
    payload_as,
    text_of,
    thumbprints_of,
)
from .base import WriteContext, call, create, remove, writes


@writes(ChangeKind.OIDC_PROVIDER, Action.CREATE)
def create_oidc_provider(ctx: WriteContext, change: Change) -> None:
    spec, arn = payload_as(change.after, OidcProviderSpec), change.target
    params: dict[str, Any] = {"Url": spec.url, "ClientIDList": list(spec.client_ids)}
    # Absent: AWS retrieves the thumbprint of the provider's certificate itself (thumbprints
    # have been optional since 2024; AWS checks well-known providers against its own CAs).
    if spec.thumbprints is not None:
        params["ThumbprintList"] = list(spec.thumbprints)
    if spec.tags:
        params["Tags"] = tag_list(spec.tags)
    doing = f"create OIDC provider {change.name}"

    def differs() -> str | None:
        found = ctx.aws.iam("get_open_id_connect_provider", f"check OIDC provider {change.name}",
                            OpenIDConnectProviderArn=arn)
        if sorted(found.get("ClientIDList", [])) != sorted(spec.client_ids):
            return f"OIDC provider {change.name} already exists, with other client ids"
        return None

    create(ctx, "create_open_id_connect_provider", doing, differs, **params)


@writes(ChangeKind.OIDC_PROVIDER, Action.DELETE)
def delete_oidc_provider(ctx: WriteContext, change: Change) -> None:
    remove(ctx, "delete_open_id_connect_provider", f"delete OIDC provider {change.name}",
           OpenIDConnectProviderArn=change.target)


@writes(ChangeKind.OIDC_CLIENT_ID, Action.CREATE)
def add_client_id(ctx: WriteContext, change: Change) -> None:
    client_id = text_of(change.after)
    call(ctx, "add_client_id_to_open_id_connect_provider",
         f"add client id {client_id} to OIDC provider {change.name}",
         OpenIDConnectProviderArn=change.target, ClientID=client_id)


@writes(ChangeKind.OIDC_CLIENT_ID, Action.DELETE)
def remove_client_id(ctx: WriteContext, change: Change) -> None:
    client_id = text_of(change.before)
    remove(ctx, "remove_client_id_from_open_id_connect_provider",
           f"remove client id {client_id} from OIDC provider {change.name}",
           OpenIDConnectProviderArn=change.target, ClientID=client_id)


@writes(ChangeKind.OIDC_THUMBPRINTS, Action.UPDATE)
def set_thumbprints(ctx: WriteContext, change: Change) -> None:
    call(ctx, "update_open_id_connect_provider_thumbprint",
         f"set the thumbprints of OIDC provider {change.name}",
         OpenIDConnectProviderArn=change.target, ThumbprintList=thumbprints_of(change.after))


@writes(ChangeKind.SAML_PROVIDER, Action.CREATE)
def create_saml_provider(ctx: WriteContext, change: Change) -> None:
    spec, name = payload_as(change.after, SamlProviderSpec), change.name
    params: dict[str, Any] = {"Name": name, "SAMLMetadataDocument": spec.metadata}
    if spec.tags:
        params["Tags"] = tag_list(spec.tags)

    def differs() -> str | None:
        found = ctx.aws.iam("get_saml_provider", f"check SAML provider {name}",
                            SAMLProviderArn=change.target)
        if (found.get("SAMLMetadataDocument") or "").strip() != spec.metadata:
            return f"SAML provider {name} already exists, with other metadata"
        return None

    create(ctx, "create_saml_provider", f"create SAML provider {name}", differs, **params)


@writes(ChangeKind.SAML_METADATA, Action.UPDATE)
def update_metadata(ctx: WriteContext, change: Change) -> None:
    call(ctx, "update_saml_provider", f"update the metadata of SAML provider {change.name}",
         SAMLProviderArn=change.target, SAMLMetadataDocument=text_of(change.after))


@writes(ChangeKind.SAML_PROVIDER, Action.DELETE)
def delete_saml_provider(ctx: WriteContext, change: Change) -> None:
    remove(ctx, "delete_saml_provider", f"delete SAML provider {change.name}",
           SAMLProviderArn=change.target)
