"""One declaration per kind of change: when apply runs it, which actions it has, how a plan says it
(`describers.py`), how the plan judges what it does to access (`access_rules.py`: a required
field), what it carries and whether it makes a secret.

`SPECS` is the only table of kinds (the specs of a kind declared in `declared/` come from
its declaration). Its order is the order changes of one entity are listed and
run in (the entity, then its settings, credentials, memberships and policies: the order a person
reads them in, and one that works top to bottom). The writer of each (kind, action) is registered
beside the IAM calls it makes (`aws/writers/`); `tests/core/test_kinds.py` walks every kind and
fails when a spec, a describer or a writer is missing, and apply refuses a plan holding a change
no writer carries out before it changes anything.

Attributes that users, groups and roles share (path, tags, managed policies, inline policies,
permissions boundary) have one describer each, taking the entity kind as a parameter.
"""

from __future__ import annotations

from ..changes import Action, Change, ChangeKind, Impact
from ..payloads import (
    Attachments,
    Members,
    OidcProviderSpec,
    PathSpec,
    PolicySpec,
    ReplacedPolicy,
    RoleSettings,
    RoleSpec,
    SamlProviderSpec,
    UserSpec,
    password_policy,
    strings,
)
from . import access_rules as rules
from . import providers
from .access_rules import MODELLED, Access
from .declared import DECLARED
from .describers import (
    access_key,
    access_key_status,
    attachment,
    boundary,
    entity,
    inline,
    instance_profile,
    login_profile,
    member,
    membership,
    password_policy_line,
    policy_document,
    role,
    role_settings,
    role_trust,
    transition,
)
from .spec import CREATE, DELETE, REPLACE, TAGS, TEXT, UPDATE, KindSpec, Phase, spec

_ROLE_SPECS: tuple[KindSpec, ...] = (
    spec(ChangeKind.ROLE, Phase.ROLES, [CREATE, DELETE], role, Phase.DELETE_ROLES,
         after=RoleSpec.from_json,
         access=MODELLED),
    spec(ChangeKind.ROLE_SETTINGS, Phase.ROLES, [UPDATE], role_settings,
         before=RoleSettings.from_json, after=RoleSettings.from_json,
         access=rules.fixed(Impact.NEUTRAL)),
    spec(ChangeKind.ROLE_TRUST, Phase.ROLES, [UPDATE], role_trust, **TEXT,
         access=MODELLED),
    spec(ChangeKind.ROLE_BOUNDARY, Phase.ROLES, [CREATE, UPDATE, DELETE], boundary("role"), **TEXT,
         access=MODELLED),
    spec(ChangeKind.ROLE_TAGS, Phase.ROLES, [UPDATE], transition("role {name}: tags"), **TAGS,
         access=rules.unknown(rules.TAGS_REASON)),
    spec(ChangeKind.ROLE_POLICY, Phase.ROLES, [CREATE, DELETE], attachment("role"),
         access=MODELLED),
    spec(ChangeKind.ROLE_INLINE_POLICY, Phase.ROLES, [CREATE, UPDATE, DELETE], inline("role"),
         **TEXT,
         access=MODELLED),
    spec(ChangeKind.INSTANCE_PROFILE, Phase.ROLES, [CREATE, DELETE], instance_profile,
         after=PathSpec.from_json,
         access=rules.instance_profile),
)

_PROVIDER_SPECS: tuple[KindSpec, ...] = (
    # A client id is removed with the other removals, after new ones are in.
    spec(ChangeKind.OIDC_PROVIDER, Phase.PROVIDERS, [CREATE, DELETE],
         providers.describe_oidc_provider,
         Phase.DELETE_PROVIDERS, after=OidcProviderSpec.from_json,
         access=rules.provider),
    spec(ChangeKind.OIDC_CLIENT_ID, Phase.PROVIDERS, [CREATE, DELETE], providers.describe_client_id,
         **TEXT,
         access=rules.provider),
    spec(ChangeKind.OIDC_THUMBPRINTS, Phase.PROVIDERS, [UPDATE], providers.describe_thumbprints,
         before=strings, after=strings,
         access=rules.provider),
    spec(ChangeKind.OIDC_PROVIDER_TAGS, Phase.PROVIDERS, [UPDATE],
         transition("OIDC provider {name}: tags"), **TAGS,
         access=rules.unknown(rules.TAGS_REASON)),
    spec(ChangeKind.SAML_PROVIDER, Phase.PROVIDERS, [CREATE, DELETE],
         providers.describe_saml_provider,
         Phase.DELETE_PROVIDERS, after=SamlProviderSpec.from_json,
         access=rules.provider),
    spec(ChangeKind.SAML_METADATA, Phase.PROVIDERS, [UPDATE], providers.describe_metadata, **TEXT,
         access=rules.provider),
    spec(ChangeKind.SAML_PROVIDER_TAGS, Phase.PROVIDERS, [UPDATE],
         transition("SAML provider {name}: tags"), **TAGS,
         access=rules.unknown(rules.TAGS_REASON)),
)

SPECS: tuple[KindSpec, ...] = (
    spec(ChangeKind.ALIAS, Phase.ACCOUNT, [UPDATE], transition("account alias"), **TEXT,
         access=rules.fixed(Impact.NEUTRAL)),
    # Replaced (path or description: fixed at creation) with the creations and updates.
    spec(ChangeKind.POLICY, Phase.POLICIES, [CREATE, DELETE, REPLACE], entity("policy"),
         Phase.DELETE_POLICIES,
         before=Attachments.from_json, after=PolicySpec.from_json,
         replaced=ReplacedPolicy.from_json,
         access=MODELLED),
    spec(ChangeKind.POLICY_DOCUMENT, Phase.POLICIES, [UPDATE], policy_document, **TEXT,
         access=MODELLED),
    spec(ChangeKind.POLICY_TAGS, Phase.POLICIES, [UPDATE], transition("policy {name}: tags"),
         **TAGS,
         access=rules.unknown(rules.TAGS_REASON)),
    spec(ChangeKind.GROUP, Phase.GROUPS, [CREATE, DELETE], entity("group"), Phase.DELETE_GROUPS,
         before=Members.from_json, after=PathSpec.from_json,
         access=MODELLED),
    spec(ChangeKind.GROUP_PATH, Phase.GROUPS, [UPDATE], transition("group {name}: path"), **TEXT,
         access=rules.unknown(rules.PATH_REASON)),
    spec(ChangeKind.GROUP_POLICY, Phase.GROUPS, [CREATE, DELETE], attachment("group"),
         access=MODELLED),
    spec(ChangeKind.GROUP_INLINE_POLICY, Phase.GROUPS, [CREATE, UPDATE, DELETE], inline("group"),
         **TEXT,
         access=MODELLED),
    spec(ChangeKind.GROUP_MEMBER, Phase.GROUPS, [DELETE], member,
         access=MODELLED),
    spec(ChangeKind.USER, Phase.USERS, [CREATE, DELETE], entity("user"), Phase.DELETE_USERS,
         after=UserSpec.from_json,
         access=MODELLED),
    spec(ChangeKind.USER_PATH, Phase.USERS, [UPDATE], transition("user {name}: path"), **TEXT,
         access=rules.unknown(rules.PATH_REASON)),
    spec(ChangeKind.USER_TAGS, Phase.USERS, [UPDATE], transition("user {name}: tags"), **TAGS,
         access=rules.unknown(rules.TAGS_REASON)),
    spec(ChangeKind.USER_BOUNDARY, Phase.USERS, [CREATE, UPDATE, DELETE], boundary("user"), **TEXT,
         access=MODELLED),
    spec(ChangeKind.LOGIN_PROFILE, Phase.USERS, [CREATE, DELETE], login_profile, secret=True,
         access=rules.credential, credential=True),
    # A user's inactive key is removed before a new one is created (two keys at most), in the
    # same phase.
    spec(ChangeKind.ACCESS_KEY, Phase.USERS, [CREATE, DELETE], access_key, deletion_phase=None,
         secret=True,
         access=rules.credential, credential=True),
    spec(ChangeKind.ACCESS_KEY_STATUS, Phase.USERS, [UPDATE], access_key_status, **TEXT,
         access=rules.credential, credential=True),
    spec(ChangeKind.USER_GROUP, Phase.USERS, [CREATE, DELETE], membership,
         access=MODELLED),
    spec(ChangeKind.USER_POLICY, Phase.USERS, [CREATE, DELETE], attachment("user"),
         access=MODELLED),
    spec(ChangeKind.USER_INLINE_POLICY, Phase.USERS, [CREATE, UPDATE, DELETE], inline("user"),
         **TEXT,
         access=MODELLED),
    spec(ChangeKind.PASSWORD_POLICY, Phase.PASSWORD_POLICY, [UPDATE], password_policy_line,
         before=password_policy, after=password_policy,
         access=rules.fixed(Impact.NEUTRAL)),
    *_ROLE_SPECS,
    *_PROVIDER_SPECS,
    *(kind_spec for kind in DECLARED for kind_spec in kind.changes),
)

_BY_KIND: dict[ChangeKind, KindSpec] = {s.kind: s for s in SPECS}
_ORDER: dict[ChangeKind, int] = {s.kind: index for index, s in enumerate(SPECS)}


def spec_of(kind: ChangeKind) -> KindSpec:
    return _BY_KIND[kind]


def order_of(kind: ChangeKind) -> int:
    """Where changes of this kind come among one entity's changes."""
    return _ORDER[kind]


def phase_of(change: Change) -> int:
    kind_spec = _BY_KIND[change.kind]
    if change.action != DELETE or kind_spec.deletion_phase is None:
        return kind_spec.phase
    return kind_spec.deletion_phase


def access_of(kind: ChangeKind) -> Access:
    """How changes of the kind are judged for access: `MODELLED`, or the kind's rule."""
    return _BY_KIND[kind].access


def touches_credentials(kind: ChangeKind) -> bool:
    """Whether changes of the kind act on a user's credentials (`KindSpec.credential`)."""
    return _BY_KIND[kind].credential


def creates_secret(change: Change) -> bool:
    """Whether apply makes a secret for this change (a console password, an access key)."""
    return change.action == CREATE and _BY_KIND[change.kind].secret


def allows(kind: ChangeKind, action: Action) -> bool:
    """Whether a change of this kind can take this action (a saved plan is checked with it)."""
    return action in _BY_KIND[kind].actions
