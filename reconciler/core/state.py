"""The account state that both sides of the pipeline produce: users, groups, policies, roles,
identity providers, the account's settings.

`desired.py` builds a `State` from the user's files, `live.py` builds one from AWS, and the diff
compares the two (`changes.py` holds what it decides). In a desired `State`, `None` means "not
managed: leave it as it is"; in a live `State`, `None` means "absent in the account". A policy
document keeps its text and compares by its meaning (`policy.documents.canonical` builds both),
so `==` is the whole comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any


@dataclass(frozen=True)
class Document:
    """A policy document: its text as written (or as AWS holds it), compared by its meaning.

    `text` is what apply sends and export writes: the user's (or AWS's) order and spelling, so a
    user recognises their own policy. `meaning` is the canonical JSON of what IAM enforces
    (statement order, case of action names, ... removed, see `meaning.py`); equality and the
    hash use it alone, so two spellings of the same permissions are no change.
    """

    text: str = field(compare=False)
    meaning: str = ""


class MfaMode(str, Enum):
    REQUIRED = "required"  # a human step until the user has an MFA device
    ENFORCED = "enforced"  # also attach the deny-without-MFA policy


@dataclass(frozen=True)
class AccessKey:
    id: str
    active: bool
    created: datetime | None = None
    last_used: datetime | None = None


@dataclass(frozen=True)
class Credentials:
    """Live credential facts of one user.

    `confirmed` is False when the facts come from the credential report (which can be hours old
    in real AWS) and True once exact per-user calls have checked them.
    """

    login_profile: bool = False
    access_keys: tuple[AccessKey, ...] = ()
    mfa_devices: tuple[str, ...] = ()  # serial numbers (ARNs for virtual devices)
    confirmed: bool = False
    # When the console password was last used, and set (for one never used); `usage_confirmed`
    # once exact calls (GetUser, GetLoginProfile, GetAccessKeyLastUsed) have checked them.
    password_last_used: datetime | None = None
    password_created: datetime | None = None
    usage_confirmed: bool = False

    @property
    def active_keys(self) -> tuple[AccessKey, ...]:
        return tuple(key for key in self.access_keys if key.active)


@dataclass(frozen=True)
class KeyRotation:
    """`access_keys: {count: 1, rotate_after_days: 90, overlap_days: 7}` (see rotation.py)."""

    rotate_after_days: int
    overlap_days: int


@dataclass(frozen=True)
class User:
    name: str
    path: str | None = None
    groups: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()  # managed policy ARNs (desired: after resolution)
    inline_policies: Mapping[str, Document] = field(default_factory=dict)
    tags: Mapping[str, str] | None = None
    # Desired only: what the file asks for (None = not managed).
    console: bool | None = None
    access_keys: int | None = None
    mfa: MfaMode | None = None
    key_rotation: KeyRotation | None = None
    deliver_to: str | None = None  # an age recipient: new credentials only encrypted to it
    # A policy ARN; exact like the user's permissions (desired: None = no boundary).
    permissions_boundary: str | None = None
    # Live only.
    arn: str = ""
    created: datetime | None = None
    credentials: Credentials | None = None


def credentials_of(user: User) -> Credentials:
    """A user's live credential facts; a user about to be created has none."""
    return user.credentials or Credentials(confirmed=True)


@dataclass(frozen=True)
class Group:
    name: str
    path: str | None = None
    policies: frozenset[str] = frozenset()  # managed policy ARNs
    inline_policies: Mapping[str, Document] = field(default_factory=dict)
    arn: str = ""


@dataclass(frozen=True)
class Entity:
    """What a managed policy can be attached to: `kind` is "user", "group" or "role"."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def order(self) -> tuple[int, str]:
        """Roles first (the entities a person least expects a policy change to reach), then
        users, groups."""
        return (_ENTITY_KINDS.index(self.kind), self.name)

    def to_dict(self) -> dict[str, str]:
        """As a change records it (JSON, for saved plans)."""
        return {"kind": self.kind, "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Entity:
        return cls(data["kind"], data["name"])


_ENTITY_KINDS = ("role", "user", "group")


# Roles under these paths belong to AWS (service-linked roles, IAM Identity Center's roles): iamctl
# reads them, but never declares, changes or prunes them.
AWS_OWNED_ROLE_PATHS = ("/aws-service-role/", "/aws-reserved/")


def aws_owned_path(path: str | None) -> bool:
    return path is not None and path.startswith(AWS_OWNED_ROLE_PATHS)


@dataclass(frozen=True)
class Role:
    """An IAM role. Desired: the trust policy, managed and inline policies and the permissions
    boundary are exact, like a user's permissions; `None` in the other fields means not managed.
    Live: `description` and `max_session_duration` are `None` until read (the bulk read lacks
    them: `live_roles.read_role_settings`), then `""` for no description."""

    name: str
    path: str | None = None
    description: str | None = None
    trust: Document | None = None  # the assume role policy
    max_session_duration: int | None = None  # seconds
    permissions_boundary: str | None = None  # a policy ARN; None = no boundary
    policies: frozenset[str] = frozenset()  # managed policy ARNs
    inline_policies: Mapping[str, Document] = field(default_factory=dict)
    tags: Mapping[str, str] | None = None
    # An instance profile of the role's own name holds it (desired: None = not managed).
    instance_profile: bool | None = None
    # Desired only: why a trust the findings warn about is intended, by the finding's check; the
    # `trusted_by` shorthand as written (expanded into `trust`, again once the account's
    # partition is known).
    accept_risk: Mapping[str, str] | None = None
    trusted_by: Mapping[str, Any] | None = None
    # Live only: every instance profile that holds the role (a deletion leaves each first).
    arn: str = ""
    instance_profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    is_default: bool
    created: datetime | None = None


@dataclass(frozen=True)
class ManagedPolicy:
    """A customer managed policy."""

    name: str
    document: Document
    path: str | None = None
    description: str | None = None
    tags: Mapping[str, str] | None = None
    # Live only.
    arn: str = ""
    versions: tuple[PolicyVersion, ...] = ()
    attachment_count: int = 0  # users, groups and roles (GetAccountAuthorizationDetails)
    boundary_count: int = 0  # users and roles that have it as their permissions boundary
    # Where it is attached, read with exact calls (ListEntitiesForPolicy) for the policies a
    # plan replaces or deletes; None = not read (the bulk read names no roles).
    attached_to: tuple[Entity, ...] | None = None


@dataclass(frozen=True)
class PasswordPolicy:
    """Every field of UpdateAccountPasswordPolicy; the defaults are AWS's for an absent field."""

    minimum_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    max_age_days: int | None = None
    reuse_prevention: int | None = None
    hard_expiry: bool = False


@dataclass(frozen=True)
class Root:
    """Desired: what the root user must look like. Live: what GetAccountSummary says."""

    mfa: bool | None = None  # desired: True = required; live: MFA enabled
    access_keys: bool | None = None  # desired: False = forbidden; live: keys present


@dataclass(frozen=True)
class Account:
    id: str
    alias: str | None = None
    password_policy: PasswordPolicy | None = None
    root: Root | None = None
    partition: str = "aws"
    # Desired only: managed users' credentials unused this many days are disabled (CIS 1.12).
    unused_credentials_days: int | None = None


@dataclass(frozen=True)
class Ignore:
    """Glob patterns per kind: matching entities are never managed, pruned or listed."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    oidc_providers: tuple[str, ...] = ()  # matched against the URL without https://
    saml_providers: tuple[str, ...] = ()
    # The kinds declared in `kinds/declared/`, by section.
    declared: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, patterns: Mapping[str, tuple[str, ...]]) -> Ignore:
        """From patterns by section: a built-in kind's go to its field, others to `declared`."""
        own = {f.name for f in fields(cls)} - {"declared"}
        return cls(**{section: found for section, found in patterns.items() if section in own},
                   declared={s: found for s, found in patterns.items() if s not in own and found})

    def pattern(self, kind: str, name: str) -> str | None:
        """The first pattern of `kind` ("users", "groups", "policies", "roles", ...) that `name`
        matches.

        Without regard to case, as IAM compares names: `cdk-*` ignores `CDK-Deploy`."""
        patterns: tuple[str, ...] = (
            self.declared[kind] if kind in self.declared else getattr(self, kind, ()))
        return next((p for p in patterns if fnmatchcase(name.lower(), p.lower())), None)

    def matches(self, kind: str, name: str) -> bool:
        return self.pattern(kind, name) is not None


@dataclass(frozen=True)
class State:
    account: Account
    users: Mapping[str, User] = field(default_factory=dict)
    groups: Mapping[str, Group] = field(default_factory=dict)
    policies: Mapping[str, ManagedPolicy] = field(default_factory=dict)  # customer managed
    roles: Mapping[str, Role] = field(default_factory=dict)
    # Live only: roles that belong to AWS (`AWS_OWNED_ROLE_PATHS`), set apart so that nothing
    # plans a change to them; they still count where a policy is attached.
    aws_roles: Mapping[str, Role] = field(default_factory=dict)
    oidc_providers: Mapping[str, OidcProvider] = field(default_factory=dict)  # by URL key
    saml_providers: Mapping[str, SamlProvider] = field(default_factory=dict)
    # The entities of the kinds declared in `kinds/declared/`: by section, then by key. Desired:
    # what the files declare (a section absent: none of the kind managed); live: what the kind's
    # reader read.
    declared: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Desired only: how to treat what the file does not declare.
    prune: bool = False
    ignore: Ignore = field(default_factory=Ignore)


@dataclass(frozen=True)
class Caller:
    """Who runs iamctl: an IAM user (with the access key in use) or a role it assumed."""

    user: str | None = None
    role: str | None = None
    access_key_id: str | None = None
    # The role session's name: for IAM Identity Center's roles, the user signed in.
    session: str | None = None


@dataclass(frozen=True)
class OidcProvider:
    """An OpenID Connect identity provider, keyed by its URL without `https://` (host and path,
    as IAM keys its ARN: `arn:aws:iam::ID:oidc-provider/token.actions.githubusercontent.com`)."""

    url: str
    client_ids: frozenset[str] = frozenset()  # the audiences; exact once declared
    thumbprints: frozenset[str] | None = None  # lower-case hex; desired None = not managed
    tags: Mapping[str, str] | None = None
    arn: str = ""  # live only


@dataclass(frozen=True)
class SamlProvider:
    """A SAML 2.0 identity provider; `metadata` is its metadata document with the whitespace at
    its ends stripped (what the comparison uses)."""

    name: str
    metadata: str
    tags: Mapping[str, str] | None = None
    arn: str = ""  # live only
