"""One declaration per kind of change: when apply runs it, which actions it has, how a plan says it.

`SPECS` is the only table of kinds. Its order is the order changes of one entity are listed and
run in (the entity, then its settings, credentials, memberships and policies: the order a person
reads them in, and one that works top to bottom). The writer of each (kind, action) is registered
beside the IAM calls it makes (`aws/writers/`); `tests/core/test_kinds.py` walks every kind and
fails when a spec, a describer or a writer is missing, and apply refuses a plan holding a change
no writer carries out before it changes anything.

Attributes that users, groups and roles share (path, tags, managed policies, inline policies,
permissions boundary) have one describer each, taking the entity kind as a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TypedDict

from ..arns import short_policy
from ..changes import Action, Change, Kind
from ..payloads import (
    Attachments,
    Members,
    OidcProviderSpec,
    PathSpec,
    PolicySpec,
    Reader,
    ReplacedPolicy,
    RoleSettings,
    RoleSpec,
    SamlProviderSpec,
    UserSpec,
    optional_text,
    password_policy,
    strings,
    tags,
    text,
    text_of,
)
from ..policy.documents import document_diff
from ..policy.trust import deleted_principals
from ..state import PasswordPolicy
from . import providers

Describer = Callable[[Change], tuple[str, list[str]]]

CREATE, UPDATE, DELETE = Action.CREATE, Action.UPDATE, Action.DELETE


class Phase:
    """Apply runs phase by phase: what others depend on first, deletions last.

    The alias comes first: new credentials are delivered with the sign-in URL it makes, so it
    must be set (or have failed, stopping apply) before any is created. Identity providers come
    before the roles that trust them (IAM refuses a trust policy naming a missing provider), and
    roles after users (a role may trust a user created in the same apply). The password policy
    can follow the users: generated passwords already satisfy the policy the file asks for."""

    ACCOUNT = 0
    POLICIES = 1
    GROUPS = 2
    USERS = 3
    PROVIDERS = 4
    ROLES = 5
    PASSWORD_POLICY = 6
    # Detach, leave a group, delete an inline policy, a login profile or a boundary.
    REMOVALS = 7
    # Whole entities last: users first (they leave their groups), roles, groups, then policies
    # (which by then are attached to fewer entities), then the providers no role trusts any more.
    DELETE_USERS = 8
    DELETE_ROLES = 9
    DELETE_GROUPS = 10
    DELETE_POLICIES = 11
    DELETE_PROVIDERS = 12


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    phase: int  # of its creations and updates (and deletions, when `deletion_phase` is None)
    actions: frozenset[Action]
    describe: Describer
    # Where its deletions run; None = with its creations (an access key makes room for another).
    deletion_phase: int | None = Phase.REMOVALS
    # How a saved plan's `before` and `after` are read back (`payloads.py`); None: the kind
    # carries nothing there.
    before: Reader | None = None
    after: Reader | None = None
    # Whether its creation makes a secret (a password, a secret key) that apply delivers: the
    # plan names where each goes (`destinations.py`).
    secret: bool = False


def spec(
    kind: Kind,
    phase: int,
    actions: Iterable[Action],
    describe: Describer,
    deletion_phase: int | None = Phase.REMOVALS,
    *,
    before: Reader | None = None,
    after: Reader | None = None,
    secret: bool = False,
) -> KindSpec:
    return KindSpec(
        kind, phase, frozenset(actions), describe, deletion_phase, before, after, secret
    )


class Both(TypedDict):
    """The readers of a kind whose before and after are the same type (text, tags)."""

    before: Reader
    after: Reader


TEXT = Both(before=text, after=text)  # a path, a document, an alias, a policy ARN, ...
TAGS = Both(before=tags, after=tags)


# Describers: the subject of a plan line, and indented detail.


def entity(label: str) -> Describer:
    def describe_entity(change: Change) -> tuple[str, list[str]]:
        return f"{label} {change.name}", []

    return describe_entity


def transition(label_text: str) -> Describer:
    """`user alice: path /a/ -> /b/`; `label_text` may name the entity as `{name}`."""

    def describe_transition(change: Change) -> tuple[str, list[str]]:
        label = label_text.format(name=change.name)
        return f"{label}: {shown(change.before)} -> {shown(change.after)}", []

    return describe_transition


def shown(value: object) -> str:
    """A value as a plan line shows it; `(none)` for nothing."""
    if value is None or value == {}:
        return "(none)"
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True)
    return str(value)


def attachment(owner: str) -> Describer:
    def describe_attachment(change: Change) -> tuple[str, list[str]]:
        verb = "attach" if change.action == CREATE else "detach"
        return f"{owner} {change.name}: {verb} {short_policy(change.target)}", []

    return describe_attachment


def inline(owner: str) -> Describer:
    def describe_inline(change: Change) -> tuple[str, list[str]]:
        subject = f"{owner} {change.name}: inline policy {change.target}"
        if change.action == UPDATE:
            return subject, document_diff(change.before, change.after)
        return subject, []

    return describe_inline


def boundary(owner: str) -> Describer:
    """`+ user alice: permissions boundary Dev`, `~ ...: Dev -> Ops`, `- ...: Dev`."""

    def describe_boundary(change: Change) -> tuple[str, list[str]]:
        subject = f"{owner} {change.name}: permissions boundary"
        if change.action == UPDATE:
            before, after = optional_text(change.before), text_of(change.after)
            return f"{subject} {_policy_or_none(before)} -> {short_policy(after)}", []
        arn = change.after if change.action == CREATE else change.before
        return f"{subject} {_policy_or_none(optional_text(arn))}", []

    return describe_boundary


def _policy_or_none(arn: str | None) -> str:
    return short_policy(arn) if arn else "(none)"


def _membership(change: Change) -> tuple[str, list[str]]:
    verb = "add to" if change.action == CREATE else "remove from"
    return f"user {change.name}: {verb} group {change.target}", []


def _member(change: Change) -> tuple[str, list[str]]:
    return f"group {change.name}: remove member {change.target}", []


def _login_profile(change: Change) -> tuple[str, list[str]]:
    if change.action == CREATE:
        return (
            f"user {change.name}: console password (generated, reset required at first sign-in)",
            [],
        )
    return f"user {change.name}: console password (login profile)", []


def _access_key(change: Change) -> tuple[str, list[str]]:
    key = f" {change.target}" if change.target else ""
    return f"user {change.name}: access key{key}", []


def _access_key_status(change: Change) -> tuple[str, list[str]]:
    return f"user {change.name}: access key {change.target}: {change.before} -> {change.after}", []


def _password_policy(change: Change) -> tuple[str, list[str]]:
    old, new = change.before, change.after
    before = asdict(old) if isinstance(old, PasswordPolicy) else {}
    after = asdict(new) if isinstance(new, PasswordPolicy) else {}
    changed = [
        f"{key} {shown(before.get(key))} -> {shown(value)}"
        for key, value in after.items()
        if before.get(key) != value
    ]
    return "password policy", changed


def _policy_document(change: Change) -> tuple[str, list[str]]:
    return (
        f"policy {change.name}: document (new default version)",
        document_diff(change.before, change.after),
    )


# Roles.


def _role_settings(change: Change) -> tuple[str, list[str]]:
    """`role ci: description "a" -> "b", maximum session 1 h -> 2 h`: what differs."""
    old, new = change.before, change.after
    before = asdict(old) if isinstance(old, RoleSettings) else {}
    after = asdict(new) if isinstance(new, RoleSettings) else {}
    shown_as = {"description": _quoted, "max_session_duration": _hours}
    words = {"description": "description", "max_session_duration": "maximum session"}
    parts = [
        f"{words[key]} {show(before.get(key))} -> {show(after.get(key))}"
        for key, show in shown_as.items()
        if before.get(key) != after.get(key)
    ]
    return f"role {change.name}: {', '.join(parts) or 'settings'}", []


def _quoted(text: object) -> str:
    """A description as JSON text: quoted, on one line; `(none)` for none."""
    return json.dumps(text, ensure_ascii=False) if text else "(none)"


def _hours(seconds: object) -> str:
    """3600 -> `1 h`; 5400 -> `1.5 h`: the console's unit for session durations."""
    if not isinstance(seconds, int):
        return shown(seconds)
    return f"{seconds / 3600:g} h"


_NO_STATEMENTS = {"Version": "2012-10-17", "Statement": []}


def _role(change: Change) -> tuple[str, list[str]]:
    """A new role shows the trust policy it is created with (`trusted_by` expanded), statement
    by statement: who can assume it is the first thing a reviewer asks."""
    after = change.after if change.action == CREATE else None
    trust = after.trust if isinstance(after, RoleSpec) else None
    return f"role {change.name}", document_diff(_NO_STATEMENTS, trust) if trust else []


def _role_trust(change: Change) -> tuple[str, list[str]]:
    """A principal AWS shows as a unique id (`AROA...`) was deleted since the policy named it
    (a role or user re-created under the same name is another principal): say so."""
    subject = f"role {change.name}: trust policy"
    deleted = deleted_principals(change.before) if change.before else []
    if deleted:
        subject += f" (trusts a deleted principal: {', '.join(deleted)})"
    return subject, document_diff(change.before, change.after)


def _instance_profile(change: Change) -> tuple[str, list[str]]:
    return f"role {change.name}: instance profile {change.name}", []


_ROLE_SPECS: tuple[KindSpec, ...] = (
    spec(Kind.ROLE, Phase.ROLES, [CREATE, DELETE], _role, Phase.DELETE_ROLES,
         after=RoleSpec.from_json),
    spec(Kind.ROLE_SETTINGS, Phase.ROLES, [UPDATE], _role_settings,
         before=RoleSettings.from_json, after=RoleSettings.from_json),
    spec(Kind.ROLE_TRUST, Phase.ROLES, [UPDATE], _role_trust, **TEXT),
    spec(Kind.ROLE_BOUNDARY, Phase.ROLES, [CREATE, UPDATE, DELETE], boundary("role"), **TEXT),
    spec(Kind.ROLE_TAGS, Phase.ROLES, [UPDATE], transition("role {name}: tags"), **TAGS),
    spec(Kind.ROLE_POLICY, Phase.ROLES, [CREATE, DELETE], attachment("role")),
    spec(Kind.ROLE_INLINE_POLICY, Phase.ROLES, [CREATE, UPDATE, DELETE], inline("role"), **TEXT),
    spec(Kind.INSTANCE_PROFILE, Phase.ROLES, [CREATE, DELETE], _instance_profile,
         after=PathSpec.from_json),
)

_PROVIDER_SPECS: tuple[KindSpec, ...] = (
    # A client id is removed with the other removals, after new ones are in.
    spec(Kind.OIDC_PROVIDER, Phase.PROVIDERS, [CREATE, DELETE], providers.describe_oidc_provider,
         Phase.DELETE_PROVIDERS, after=OidcProviderSpec.from_json),
    spec(Kind.OIDC_CLIENT_ID, Phase.PROVIDERS, [CREATE, DELETE], providers.describe_client_id,
         **TEXT),
    spec(Kind.OIDC_THUMBPRINTS, Phase.PROVIDERS, [UPDATE], providers.describe_thumbprints,
         before=strings, after=strings),
    spec(Kind.OIDC_PROVIDER_TAGS, Phase.PROVIDERS, [UPDATE],
         transition("OIDC provider {name}: tags"), **TAGS),
    spec(Kind.SAML_PROVIDER, Phase.PROVIDERS, [CREATE, DELETE], providers.describe_saml_provider,
         Phase.DELETE_PROVIDERS, after=SamlProviderSpec.from_json),
    spec(Kind.SAML_METADATA, Phase.PROVIDERS, [UPDATE], providers.describe_metadata, **TEXT),
    spec(Kind.SAML_PROVIDER_TAGS, Phase.PROVIDERS, [UPDATE],
         transition("SAML provider {name}: tags"), **TAGS),
)

SPECS: tuple[KindSpec, ...] = (
    spec(Kind.ALIAS, Phase.ACCOUNT, [UPDATE], transition("account alias"), **TEXT),
    spec(Kind.POLICY, Phase.POLICIES, [CREATE, DELETE], entity("policy"), Phase.DELETE_POLICIES,
         before=Attachments.from_json, after=PolicySpec.from_json),
    spec(Kind.POLICY_REPLACEMENT, Phase.POLICIES, [UPDATE], entity("policy"),
         before=ReplacedPolicy.from_json, after=ReplacedPolicy.from_json),
    spec(Kind.POLICY_DOCUMENT, Phase.POLICIES, [UPDATE], _policy_document, **TEXT),
    spec(Kind.POLICY_TAGS, Phase.POLICIES, [UPDATE], transition("policy {name}: tags"), **TAGS),
    spec(Kind.GROUP, Phase.GROUPS, [CREATE, DELETE], entity("group"), Phase.DELETE_GROUPS,
         before=Members.from_json, after=PathSpec.from_json),
    spec(Kind.GROUP_PATH, Phase.GROUPS, [UPDATE], transition("group {name}: path"), **TEXT),
    spec(Kind.GROUP_POLICY, Phase.GROUPS, [CREATE, DELETE], attachment("group")),
    spec(Kind.GROUP_INLINE_POLICY, Phase.GROUPS, [CREATE, UPDATE, DELETE], inline("group"),
         **TEXT),
    spec(Kind.GROUP_MEMBER, Phase.GROUPS, [DELETE], _member),
    spec(Kind.USER, Phase.USERS, [CREATE, DELETE], entity("user"), Phase.DELETE_USERS,
         after=UserSpec.from_json),
    spec(Kind.USER_PATH, Phase.USERS, [UPDATE], transition("user {name}: path"), **TEXT),
    spec(Kind.USER_TAGS, Phase.USERS, [UPDATE], transition("user {name}: tags"), **TAGS),
    spec(Kind.USER_BOUNDARY, Phase.USERS, [CREATE, UPDATE, DELETE], boundary("user"), **TEXT),
    spec(Kind.LOGIN_PROFILE, Phase.USERS, [CREATE, DELETE], _login_profile, secret=True),
    # A user's inactive key is removed before a new one is created (two keys at most), in the
    # same phase.
    spec(Kind.ACCESS_KEY, Phase.USERS, [CREATE, DELETE], _access_key, deletion_phase=None,
         secret=True),
    spec(Kind.ACCESS_KEY_STATUS, Phase.USERS, [UPDATE], _access_key_status, **TEXT),
    spec(Kind.USER_GROUP, Phase.USERS, [CREATE, DELETE], _membership),
    spec(Kind.USER_POLICY, Phase.USERS, [CREATE, DELETE], attachment("user")),
    spec(Kind.USER_INLINE_POLICY, Phase.USERS, [CREATE, UPDATE, DELETE], inline("user"), **TEXT),
    spec(Kind.PASSWORD_POLICY, Phase.PASSWORD_POLICY, [UPDATE], _password_policy,
         before=password_policy, after=password_policy),
    *_ROLE_SPECS,
    *_PROVIDER_SPECS,
)

_BY_KIND: dict[Kind, KindSpec] = {s.kind: s for s in SPECS}
_ORDER: dict[Kind, int] = {s.kind: index for index, s in enumerate(SPECS)}


def spec_of(kind: Kind) -> KindSpec:
    return _BY_KIND[kind]


def order_of(kind: Kind) -> int:
    """Where changes of this kind come among one entity's changes."""
    return _ORDER[kind]


def phase_of(change: Change) -> int:
    kind_spec = _BY_KIND[change.kind]
    if change.action != DELETE or kind_spec.deletion_phase is None:
        return kind_spec.phase
    return kind_spec.deletion_phase


def creates_secret(change: Change) -> bool:
    """Whether apply makes a secret for this change (a console password, an access key)."""
    return change.action == CREATE and _BY_KIND[change.kind].secret


def allows(kind: Kind, action: Action) -> bool:
    """Whether a change of this kind can take this action (a saved plan is checked with it)."""
    return action in _BY_KIND[kind].actions
