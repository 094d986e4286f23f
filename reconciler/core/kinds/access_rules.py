"""How each kind of change is judged for access, declared with the kind (`changes.py`): either
`MODELLED` (the access model applies it to a state and compares, `access/applied.py`), or a
fixed rule for the kinds the model does not see (tags, paths, credentials, settings, identity
providers, instance profiles), which says `unknown`, and why, wherever it cannot say more.

Pure. `access/verdicts.py` asks the rules, and adds an `admin` risk to any such change that may
grow access and reaches a principal holding full access.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from ..changes import Action, Change, ChangeKind, Impact


class Modelled(Enum):
    """The access model sees what the change does: it is applied to a state and compared."""

    MODELLED = "modelled"


MODELLED = Modelled.MODELLED

# Kinds the model does not see: one rule each, (impact, why unknown).
Rule = Callable[[Change], "tuple[Impact, str]"]
Access = Rule | Modelled


def unknown(reason: str) -> Rule:
    return lambda change: (Impact.UNKNOWN, reason)


def fixed(impact: Impact) -> Rule:
    return lambda change: (impact, "")


def credential(change: Change) -> tuple[Impact, str]:
    # A new access key or console password is a new way in for the same permissions (a key
    # rotation must not trip `--fail-on broadening`); removing one takes a way in away.
    return (Impact.NEUTRAL if change.action == Action.CREATE else Impact.NARROWS), ""


def provider(change: Change) -> tuple[Impact, str]:
    """A provider grants nothing by itself: the roles that trust it are judged on their trust.
    Deleting one (or one of its audiences) takes a way in away; a new audience lets in tokens
    a role already trusts; a new provider, metadata or thumbprints bring new signing keys."""
    if change.action == Action.DELETE:
        return Impact.NARROWS, ""
    if change.kind == ChangeKind.OIDC_CLIENT_ID:
        return Impact.BROADENS, ""
    return Impact.UNKNOWN, "new signing keys for the roles that trust this provider"


def instance_profile(change: Change) -> tuple[Impact, str]:
    if change.action == Action.DELETE:
        return Impact.NARROWS, ""
    return Impact.UNKNOWN, "who may launch instances with this profile is not modelled"


TAGS_REASON = "tags can decide conditions (aws:PrincipalTag, aws:ResourceTag)"
PATH_REASON = "a path can decide which ARN patterns name the entity"
