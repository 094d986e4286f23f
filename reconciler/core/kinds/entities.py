"""One declaration per kind of entity: where the file declares it, what a person calls it, where
a state holds it, what it needs to exist first.

Pure. Generic code loops over `ENTITY_KINDS` instead of naming each kind: the `ignore` lists,
`validate`'s counts and the read summary, export's sections. A built-in kind's section is also
its `State` field and its `Ignore` field (`tests/core/test_entity_kinds.py` holds them in step);
a kind declared in `declared/` is held by its section in `State.declared` and `Ignore.declared`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..arns import url_key
from ..state import State
from .declaration import EntityKind
from .declared import DECLARED

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
BUILT_IN = (POLICIES, GROUPS, USERS, ROLES, OIDC_PROVIDERS, SAML_PROVIDERS)
ENTITY_KINDS: tuple[EntityKind, ...] = (*BUILT_IN, *(kind.entity for kind in DECLARED))


# The kinds the files' `ignore:` lists: an entity owned by another (an SSH public key, by its
# user) is ignored with its owner, and a kind may say it is not ignored by name.
IGNORABLE: tuple[EntityKind, ...] = (
    *BUILT_IN, *(kind.entity for kind in DECLARED if kind.owner is None and kind.ignorable))


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
COUNT_ORDER = (USERS, GROUPS, POLICIES, ROLES, OIDC_PROVIDERS, SAML_PROVIDERS,
               *(kind.entity for kind in DECLARED))


def counts(state: State) -> str:
    """`3 users, 2 groups, 1 policy, 0 roles, 1 OIDC provider, 0 SAML providers`, and a declared
    kind's count where the files manage it (`2 SSH public keys`)."""
    return ", ".join(kind.counted(len(kind.of(state))) for kind in counted_kinds(state.declared))


def counted_kinds(declared: Mapping[str, object]) -> tuple[EntityKind, ...]:
    """The kinds a count names: every built-in one, and the declared ones in `declared` (those
    the files have a section of: the others are not managed, and their count says nothing)."""
    return tuple(kind for kind in COUNT_ORDER if kind in BUILT_IN or kind.section in declared)
