"""One declaration per kind of entity: where the file declares it, what a person calls it, where
a state holds it, what it needs to exist first.

Pure. Generic code loops over `ENTITY_KINDS` instead of naming each kind: the `ignore` lists,
`validate`'s counts and the read summary, export's sections. A kind's section is also its
`State` field and its `Ignore` field (`tests/core/test_entity_kinds.py` holds them in step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..arns import url_key
from ..state import State
from ..wording import plural


def _same(name: str) -> str:
    return name


@dataclass(frozen=True)
class EntityKind:
    """A kind of IAM entity the files declare."""

    section: str  # the file's section; the `State` and `Ignore` field; `ignore:`'s key
    label: str  # as messages and plan lines name one: "user", "OIDC provider"
    plural: str  # as counts name several: "policies", "OIDC providers"
    name_field: str = "name"  # the field of a file entry that names it
    # The key a state holds it by, from what the file writes (an OIDC provider's URL without
    # https://, as IAM puts it in the provider's ARN); `ignore` patterns are keyed alike.
    key: Callable[[str], str] = _same
    # The kinds that must exist before one of this kind is created (and outlive its deletion).
    depends_on: tuple[str, ...] = ()
    # IAM names of this kind are unique without regard to case (`Alice` is `alice`).
    names_ignore_case: bool = True

    def of(self, state: State) -> Mapping[str, object]:
        """The entities of this kind in a state, by key."""
        found: Mapping[str, object] = getattr(state, self.section)
        return found

    def counted(self, count: int) -> str:
        return plural(count, self.label, self.plural)


POLICIES = EntityKind("policies", "policy", "policies")
GROUPS = EntityKind("groups", "group", "groups", depends_on=("policies",))
USERS = EntityKind("users", "user", "users", depends_on=("groups", "policies"))
OIDC_PROVIDERS = EntityKind("oidc_providers", "OIDC provider", "OIDC providers",
                            name_field="url", key=url_key, names_ignore_case=False)
SAML_PROVIDERS = EntityKind("saml_providers", "SAML provider", "SAML providers")
# A role may trust a user and an identity provider created by the same apply.
ROLES = EntityKind("roles", "role", "roles",
                   depends_on=("policies", "users", "oidc_providers", "saml_providers"))

# In the order a file lists them (and export writes them).
ENTITY_KINDS: tuple[EntityKind, ...] = (
    POLICIES, GROUPS, USERS, ROLES, OIDC_PROVIDERS, SAML_PROVIDERS)


def creation_order() -> tuple[EntityKind, ...]:
    """Every kind after the kinds it depends on (those first created, last deleted)."""
    ordered: list[EntityKind] = []
    waiting = list(ENTITY_KINDS)
    while waiting:
        ready = [kind for kind in waiting
                 if all(needed in {done.section for done in ordered} for needed in kind.depends_on)]
        if not ready:
            raise ValueError(f"entity kinds depend on each other: {[k.section for k in waiting]}")
        ordered += ready
        waiting = [kind for kind in waiting if kind not in ready]
    return tuple(ordered)


def entity_kind(section: str) -> EntityKind:
    return next(kind for kind in ENTITY_KINDS if kind.section == section)


# Counts read in the order a person lists an account: people first.
COUNT_ORDER = (USERS, GROUPS, POLICIES, ROLES, OIDC_PROVIDERS, SAML_PROVIDERS)


def counts(state: State) -> str:
    """`3 users, 2 groups, 1 policy, 0 roles, 1 OIDC provider, 0 SAML providers`."""
    return ", ".join(kind.counted(len(kind.of(state))) for kind in COUNT_ORDER)
