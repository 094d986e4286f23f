"""The verdicts of the kinds of change the access model does not see (tags, paths, credentials,
settings, identity providers, instance profiles): a fixed rule each, which says `unknown`, and
why, wherever it cannot say more. Pure; `verdicts.py` asks them, and adds an `admin` risk to
any such change that may grow access and reaches a principal holding full access.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..changes import Action, Change, Impact, Kind

# Kinds the model does not see: one rule each, (impact, why unknown).

Rule = Callable[[Change], "tuple[Impact, str]"]


def _unknown(reason: str) -> Rule:
    return lambda change: (Impact.UNKNOWN, reason)


def _fixed(impact: Impact) -> Rule:
    return lambda change: (impact, "")


def _credential(change: Change) -> tuple[Impact, str]:
    # A new access key or console password is a new way in for the same permissions (a key
    # rotation must not trip `--fail-on broadening`); removing one takes a way in away.
    return (Impact.NEUTRAL if change.action == Action.CREATE else Impact.NARROWS), ""


def _provider(change: Change) -> tuple[Impact, str]:
    """A provider grants nothing by itself: the roles that trust it are judged on their trust.
    Deleting one (or one of its audiences) takes a way in away; a new audience lets in tokens
    a role already trusts; a new provider, metadata or thumbprints bring new signing keys."""
    if change.action == Action.DELETE:
        return Impact.NARROWS, ""
    if change.kind == Kind.OIDC_CLIENT_ID:
        return Impact.BROADENS, ""
    return Impact.UNKNOWN, "new signing keys for the roles that trust this provider"


def _instance_profile(change: Change) -> tuple[Impact, str]:
    if change.action == Action.DELETE:
        return Impact.NARROWS, ""
    return Impact.UNKNOWN, "who may launch instances with this profile is not modelled"


_TAGS = "tags can decide conditions (aws:PrincipalTag, aws:ResourceTag)"
_PATH = "a path can decide which ARN patterns name the entity"

RULES: Mapping[Kind, Rule] = {
    Kind.POLICY_TAGS: _unknown(_TAGS),
    Kind.GROUP_PATH: _unknown(_PATH),
    Kind.USER_PATH: _unknown(_PATH),
    Kind.USER_TAGS: _unknown(_TAGS),
    Kind.ROLE_TAGS: _unknown(_TAGS),
    Kind.LOGIN_PROFILE: _credential,
    Kind.ACCESS_KEY: _credential,
    Kind.ACCESS_KEY_STATUS: _credential,  # only ever deactivation
    Kind.ALIAS: _fixed(Impact.NEUTRAL),
    Kind.PASSWORD_POLICY: _fixed(Impact.NEUTRAL),
    Kind.ROLE_SETTINGS: _fixed(Impact.NEUTRAL),  # a description; how long sessions last
    Kind.INSTANCE_PROFILE: _instance_profile,
    Kind.OIDC_PROVIDER: _provider,
    Kind.OIDC_CLIENT_ID: _provider,
    Kind.OIDC_THUMBPRINTS: _provider,
    Kind.OIDC_PROVIDER_TAGS: _unknown(_TAGS),
    Kind.SAML_PROVIDER: _provider,
    Kind.SAML_METADATA: _provider,
    Kind.SAML_PROVIDER_TAGS: _unknown(_TAGS),
}
