"""Decides what to change in identity providers (OIDC and SAML): pure, like `diff.py`, which
calls `diff_providers`."""

from __future__ import annotations

from ..arns import oidc_provider_arn, saml_provider_arn
from ..changes import Action, Change, ChangeKind
from ..kinds.providers import oidc_creation, saml_creation
from ..state import OidcProvider, SamlProvider, State
from .attributes import diff_tags

# Identity providers: everything is set by the creation call; afterwards each attribute has its
# own call (`target`: the provider's ARN).


def diff_providers(desired: State, live: State) -> list[Change]:
    account = desired.account
    changes = []
    for key, oidc in sorted(desired.oidc_providers.items()):
        arn = oidc_provider_arn(account.partition, account.id, key)
        changes += diff_oidc_provider(oidc, live.oidc_providers.get(key), arn)
    for name, saml in sorted(desired.saml_providers.items()):
        arn = saml_provider_arn(account.partition, account.id, name)
        changes += diff_saml_provider(saml, live.saml_providers.get(name), arn)
    return changes


def diff_oidc_provider(
    wanted: OidcProvider, current: OidcProvider | None, arn: str
) -> list[Change]:
    """Client ids are exact; thumbprints and tags only once the file gives them."""
    if current is None:
        return [oidc_creation(wanted, arn)]
    key, arn = wanted.url, current.arn or arn
    changes = [
        Change(Action.CREATE, ChangeKind.OIDC_CLIENT_ID, key, target=arn, after=client_id)
        for client_id in sorted(wanted.client_ids - current.client_ids)
    ] + [
        Change(Action.DELETE, ChangeKind.OIDC_CLIENT_ID, key, target=arn, before=client_id)
        for client_id in sorted(current.client_ids - wanted.client_ids)
    ]
    if wanted.thumbprints is not None and wanted.thumbprints != current.thumbprints:
        before, after = sorted(current.thumbprints or ()), sorted(wanted.thumbprints)
        changes.append(
            Change(Action.UPDATE, ChangeKind.OIDC_THUMBPRINTS, key, target=arn, before=before,
                   after=after)
        )
    return changes + diff_tags(ChangeKind.OIDC_PROVIDER_TAGS, key, wanted.tags, current.tags, arn)


def diff_saml_provider(
    wanted: SamlProvider, current: SamlProvider | None, arn: str
) -> list[Change]:
    """The metadata is compared as text (whitespace at its ends stripped on both sides)."""
    if current is None:
        return [saml_creation(wanted, arn)]
    name, arn = wanted.name, current.arn or arn
    changes = []
    if wanted.metadata != current.metadata:
        changes.append(
            Change(Action.UPDATE, ChangeKind.SAML_METADATA, name, target=arn,
                   before=current.metadata, after=wanted.metadata)
        )
    return changes + diff_tags(ChangeKind.SAML_PROVIDER_TAGS, name, wanted.tags, current.tags, arn)
