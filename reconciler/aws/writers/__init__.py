"""One function per (kind, action): the IAM writes that carry out a single `Change`.

The kinds and their actions are declared in `core/kinds/changes.py`;
`tests/core/test_kinds.py` checks that this table has a writer for each, and apply refuses a
plan it cannot carry out in full.

`apply.py` decides when each runs; these functions only know how. Removals treat "already gone"
(NoSuchEntity) as done, so a second apply after a partial failure converges.
"""

from __future__ import annotations

from ...core.changes import Action, Kind
from . import providers
from .account import set_alias, set_password_policy
from .attributes import (
    attacher,
    boundary_putter,
    boundary_remover,
    detacher,
    inline_deleter,
    inline_putter,
    path_mover,
    tagger,
)
from .base import WriteContext, Writer
from .groups import create_group, delete_group, remove_member
from .keys import update_access_key_status
from .policies import (
    create_policy,
    delete_policy,
    replace_policy,
    update_policy_document,
)
from .roles import (
    create_instance_profile,
    create_role,
    delete_instance_profile,
    delete_role,
    update_settings,
    update_trust,
)
from .users import (
    add_user_to_group,
    create_access_key,
    create_login_profile,
    create_user,
    delete_access_key,
    delete_login_profile,
    delete_user,
    remove_user_from_group,
)

__all__ = ["WRITERS", "WriteContext", "Writer"]

WRITERS: dict[tuple[Kind, Action], Writer] = {
    (Kind.USER, Action.CREATE): create_user,
    (Kind.USER, Action.DELETE): delete_user,
    (Kind.USER_PATH, Action.UPDATE): path_mover("user"),
    (Kind.USER_TAGS, Action.UPDATE): tagger("user"),
    (Kind.LOGIN_PROFILE, Action.CREATE): create_login_profile,
    (Kind.LOGIN_PROFILE, Action.DELETE): delete_login_profile,
    (Kind.ACCESS_KEY, Action.CREATE): create_access_key,
    (Kind.ACCESS_KEY, Action.DELETE): delete_access_key,
    (Kind.ACCESS_KEY_STATUS, Action.UPDATE): update_access_key_status,
    (Kind.USER_GROUP, Action.CREATE): add_user_to_group,
    (Kind.USER_GROUP, Action.DELETE): remove_user_from_group,
    (Kind.USER_POLICY, Action.CREATE): attacher("user"),
    (Kind.USER_POLICY, Action.DELETE): detacher("user"),
    (Kind.USER_INLINE_POLICY, Action.CREATE): inline_putter("user"),
    (Kind.USER_INLINE_POLICY, Action.UPDATE): inline_putter("user"),
    (Kind.USER_INLINE_POLICY, Action.DELETE): inline_deleter("user"),
    (Kind.GROUP, Action.CREATE): create_group,
    (Kind.GROUP, Action.DELETE): delete_group,
    (Kind.GROUP_PATH, Action.UPDATE): path_mover("group"),
    (Kind.GROUP_POLICY, Action.CREATE): attacher("group"),
    (Kind.GROUP_POLICY, Action.DELETE): detacher("group"),
    (Kind.GROUP_INLINE_POLICY, Action.CREATE): inline_putter("group"),
    (Kind.GROUP_INLINE_POLICY, Action.UPDATE): inline_putter("group"),
    (Kind.GROUP_INLINE_POLICY, Action.DELETE): inline_deleter("group"),
    (Kind.GROUP_MEMBER, Action.DELETE): remove_member,
    (Kind.POLICY, Action.CREATE): create_policy,
    (Kind.POLICY, Action.DELETE): delete_policy,
    (Kind.POLICY_REPLACEMENT, Action.UPDATE): replace_policy,
    (Kind.POLICY_DOCUMENT, Action.UPDATE): update_policy_document,
    (Kind.POLICY_TAGS, Action.UPDATE): tagger("policy"),
    (Kind.ALIAS, Action.UPDATE): set_alias,
    (Kind.PASSWORD_POLICY, Action.UPDATE): set_password_policy,
    # Boundaries, roles and instance profiles.
    (Kind.USER_BOUNDARY, Action.CREATE): boundary_putter("user"),
    (Kind.USER_BOUNDARY, Action.UPDATE): boundary_putter("user"),
    (Kind.USER_BOUNDARY, Action.DELETE): boundary_remover("user"),
    (Kind.ROLE, Action.CREATE): create_role,
    (Kind.ROLE, Action.DELETE): delete_role,
    (Kind.ROLE_SETTINGS, Action.UPDATE): update_settings,
    (Kind.ROLE_TRUST, Action.UPDATE): update_trust,
    (Kind.ROLE_BOUNDARY, Action.CREATE): boundary_putter("role"),
    (Kind.ROLE_BOUNDARY, Action.UPDATE): boundary_putter("role"),
    (Kind.ROLE_BOUNDARY, Action.DELETE): boundary_remover("role"),
    (Kind.ROLE_TAGS, Action.UPDATE): tagger("role"),
    (Kind.ROLE_POLICY, Action.CREATE): attacher("role"),
    (Kind.ROLE_POLICY, Action.DELETE): detacher("role"),
    (Kind.ROLE_INLINE_POLICY, Action.CREATE): inline_putter("role"),
    (Kind.ROLE_INLINE_POLICY, Action.UPDATE): inline_putter("role"),
    (Kind.ROLE_INLINE_POLICY, Action.DELETE): inline_deleter("role"),
    (Kind.INSTANCE_PROFILE, Action.CREATE): create_instance_profile,
    (Kind.INSTANCE_PROFILE, Action.DELETE): delete_instance_profile,
    # Identity providers.
    (Kind.OIDC_PROVIDER, Action.CREATE): providers.create_oidc_provider,
    (Kind.OIDC_PROVIDER, Action.DELETE): providers.delete_oidc_provider,
    (Kind.OIDC_CLIENT_ID, Action.CREATE): providers.add_client_id,
    (Kind.OIDC_CLIENT_ID, Action.DELETE): providers.remove_client_id,
    (Kind.OIDC_THUMBPRINTS, Action.UPDATE): providers.set_thumbprints,
    (Kind.OIDC_PROVIDER_TAGS, Action.UPDATE): tagger("OIDC provider"),
    (Kind.SAML_PROVIDER, Action.CREATE): providers.create_saml_provider,
    (Kind.SAML_PROVIDER, Action.DELETE): providers.delete_saml_provider,
    (Kind.SAML_METADATA, Action.UPDATE): providers.update_metadata,
    (Kind.SAML_PROVIDER_TAGS, Action.UPDATE): tagger("SAML provider"),
}
