"""The changes between two states, as the diff decides them and apply carries them out: what each
touches and does, what it carries (`payloads.py`), where a secret it creates goes, and what a
plan says beside it (impact, risks, human steps, findings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .payloads import Payload


@dataclass(frozen=True)
class AgeFile:
    """`deliver_to`: a file in the secrets directory, encrypted to the user's age recipient."""

    recipient: str
    directory: str | None = None


@dataclass(frozen=True)
class PlainFile:
    """A CSV file in the secrets directory (private to whoever runs apply)."""

    directory: str | None = None


@dataclass(frozen=True)
class SecretsManagerSecret:
    secret: str
    account: str
    region: str


Destination = AgeFile | PlainFile | SecretsManagerSecret


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class ChangeKind(str, Enum):
    """What a change touches; `Change.name` is the owning entity, `Change.target` the part."""

    POLICY = "policy"  # customer managed policy
    POLICY_REPLACEMENT = "policy_replacement"  # path or description: delete and recreate
    POLICY_DOCUMENT = "policy_document"  # a new default version
    POLICY_TAGS = "policy_tags"
    GROUP = "group"
    GROUP_PATH = "group_path"
    GROUP_POLICY = "group_policy"  # target: policy ARN
    GROUP_INLINE_POLICY = "group_inline_policy"  # target: inline policy name
    GROUP_MEMBER = "group_member"  # target: user name (an undeclared member of a declared group)
    USER = "user"
    USER_PATH = "user_path"
    USER_TAGS = "user_tags"
    USER_GROUP = "user_group"  # target: group name
    USER_POLICY = "user_policy"  # target: policy ARN
    USER_INLINE_POLICY = "user_inline_policy"  # target: inline policy name
    LOGIN_PROFILE = "login_profile"
    ACCESS_KEY = "access_key"  # target: key id when deleting
    ACCESS_KEY_STATUS = "access_key_status"  # target: key id; after: "Inactive"
    ALIAS = "alias"
    PASSWORD_POLICY = "password_policy"
    # Roles, instance profiles and permissions boundaries.
    ROLE = "role"
    ROLE_SETTINGS = "role_settings"  # description and maximum session duration (UpdateRole)
    ROLE_TRUST = "role_trust"  # the assume role policy
    ROLE_BOUNDARY = "role_boundary"  # before/after: policy ARN
    ROLE_TAGS = "role_tags"
    ROLE_POLICY = "role_policy"  # target: policy ARN
    ROLE_INLINE_POLICY = "role_inline_policy"  # target: inline policy name
    INSTANCE_PROFILE = "instance_profile"  # the instance profile of the role's name
    USER_BOUNDARY = "user_boundary"  # before/after: policy ARN
    # Identity providers: `name` is the OIDC provider's URL key or the SAML provider's name;
    # `target` its ARN (empty on creation).
    OIDC_PROVIDER = "oidc_provider"
    OIDC_CLIENT_ID = "oidc_client_id"  # after (create) / before (delete): the client id
    OIDC_THUMBPRINTS = "oidc_thumbprints"
    OIDC_PROVIDER_TAGS = "oidc_provider_tags"
    SAML_PROVIDER = "saml_provider"
    SAML_METADATA = "saml_metadata"
    SAML_PROVIDER_TAGS = "saml_provider_tags"


class Impact(str, Enum):
    """What a change does to access (`impact.py`); never narrows or neutral when it might grow."""

    BROADENS = "broadens"
    NARROWS = "narrows"
    NEUTRAL = "neutral"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Risk:
    """A named danger a change opens: `admin`, `privilege-escalation` or `trust`, and the
    principal who gains it (`user bob`, `role deploy`, `AWS *`)."""

    kind: str
    detail: str  # e.g. "Pass a role to a new Lambda function and invoke it via policy ci"
    principal: str = ""


@dataclass(frozen=True)
class Change:
    """One action `apply` will take. Holds no secret: `after` is never a password or key.

    `impact` and `risks` are derived by `make_plan` from the change and the states; they take
    no part in comparing changes."""

    action: Action
    kind: ChangeKind
    name: str
    target: str = ""
    before: Payload | None = None  # typed per kind: `payloads.py`, `kinds/changes.py`
    after: Payload | None = None
    note: str = ""
    # Why this change would cut off the credentials running iamctl ("" = it would not). Who runs
    # iamctl is not part of what the change does: a saved plan stays valid for other credentials.
    self_lockout: str = field(default="", compare=False)
    impact: Impact = field(default=Impact.UNKNOWN, compare=False)
    risks: tuple[Risk, ...] = field(default=(), compare=False)
    # Where the secret it creates goes (`destinations.py`); None for a change that creates none.
    destination: Destination | None = None
    impact_reason: str = field(default="", compare=False)  # why `unknown`


class StepKind(str, Enum):
    """What a human step is about; the values are the `kind` of the JSON plan's human steps."""

    ROOT_MFA = "root_mfa"
    ROOT_ACCESS_KEYS = "root_access_keys"
    USER_MFA = "user_mfa"  # `iamctl mfa enroll USER` does it
    POLICY_BOUNDARY = "policy_boundary"  # a replacement blocked by a permissions boundary
    ROLE_PATH = "role_path"  # AWS cannot move a role: delete it by hand or change the file
    ROLE_OWNED_BY_AWS = "role_owned_by_aws"  # a declared name that is AWS's role in the account


@dataclass(frozen=True)
class HumanStep:
    """Something only a person can do (scan a QR code, enable root MFA)."""

    kind: StepKind
    name: str
    message: str


@dataclass(frozen=True)
class Finding:
    """A security warning (CIS AWS Foundations Benchmark IAM check); never an error."""

    check: str  # CIS number, e.g. "1.14": the id a file's `checks:` section names
    name: str
    message: str
    fails: bool = False  # the file's `checks: fail_on` names it: it fails the plan
