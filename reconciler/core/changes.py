"""The changes between two states, as the diff decides them and apply carries them out: what each
touches and does, what it carries (`payloads.py`), where a secret it creates goes, and what a
plan says beside it (impact, risks, human steps, findings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar

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
    # `-/+`: deleted and created again under the same name, for what AWS fixes at creation (a
    # customer managed policy's path and description); the kind's spec says how (`replaced`).
    REPLACE = "replace"


class ChangeKind(str):
    """What a change touches; `Change.name` is the owning entity, `Change.target` the part.

    An open set of strings, not an Enum: the kinds below are the built-in entities', and a kind
    declared in `kinds/declared/` makes its own with `ChangeKind.named` where it is declared,
    without an edit here. Each value is its constant's name in lower case.
    """

    __slots__ = ()
    _known: ClassVar[dict[str, ChangeKind]] = {}

    POLICY: ClassVar[ChangeKind]  # customer managed policy
    POLICY_DOCUMENT: ClassVar[ChangeKind]  # a new default version
    POLICY_TAGS: ClassVar[ChangeKind]
    GROUP: ClassVar[ChangeKind]
    GROUP_PATH: ClassVar[ChangeKind]
    GROUP_POLICY: ClassVar[ChangeKind]  # target: policy ARN
    GROUP_INLINE_POLICY: ClassVar[ChangeKind]  # target: inline policy name
    # target: user name (an undeclared member of a declared group)
    GROUP_MEMBER: ClassVar[ChangeKind]
    USER: ClassVar[ChangeKind]
    USER_PATH: ClassVar[ChangeKind]
    USER_TAGS: ClassVar[ChangeKind]
    USER_GROUP: ClassVar[ChangeKind]  # target: group name
    USER_POLICY: ClassVar[ChangeKind]  # target: policy ARN
    USER_INLINE_POLICY: ClassVar[ChangeKind]  # target: inline policy name
    LOGIN_PROFILE: ClassVar[ChangeKind]
    ACCESS_KEY: ClassVar[ChangeKind]  # target: key id when deleting
    ACCESS_KEY_STATUS: ClassVar[ChangeKind]  # target: key id; after: "Inactive"
    ALIAS: ClassVar[ChangeKind]
    PASSWORD_POLICY: ClassVar[ChangeKind]
    # Roles, instance profiles and permissions boundaries.
    ROLE: ClassVar[ChangeKind]
    ROLE_SETTINGS: ClassVar[ChangeKind]  # description and maximum session duration (UpdateRole)
    ROLE_TRUST: ClassVar[ChangeKind]  # the assume role policy
    ROLE_BOUNDARY: ClassVar[ChangeKind]  # before/after: policy ARN
    ROLE_TAGS: ClassVar[ChangeKind]
    ROLE_POLICY: ClassVar[ChangeKind]  # target: policy ARN
    ROLE_INLINE_POLICY: ClassVar[ChangeKind]  # target: inline policy name
    INSTANCE_PROFILE: ClassVar[ChangeKind]  # the instance profile of the role's name
    USER_BOUNDARY: ClassVar[ChangeKind]  # before/after: policy ARN
    # Identity providers: `name` is the OIDC provider's URL key or the SAML provider's name;
    # `target` its ARN (empty on creation).
    OIDC_PROVIDER: ClassVar[ChangeKind]
    OIDC_CLIENT_ID: ClassVar[ChangeKind]  # after (create) / before (delete): the client id
    OIDC_THUMBPRINTS: ClassVar[ChangeKind]
    OIDC_PROVIDER_TAGS: ClassVar[ChangeKind]
    SAML_PROVIDER: ClassVar[ChangeKind]
    SAML_METADATA: ClassVar[ChangeKind]
    SAML_PROVIDER_TAGS: ClassVar[ChangeKind]



    @property
    def value(self) -> str:
        """As the JSON plan writes it (the name `Enum` gave it: a kind is still read `.value`)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"ChangeKind({self.value!r})"

    @classmethod
    def named(cls, value: str) -> ChangeKind:
        """A new kind of change; two declarations of one value are a programming error."""
        if value in cls._known:
            raise ValueError(f"the kind of change {value!r} is declared twice")
        kind = cls._known[value] = cls(value)
        return kind

    @classmethod
    def of(cls, value: str) -> ChangeKind:
        """The declared kind of this value (a saved plan's `kind`); ValueError if none."""
        try:
            return cls._known[value]
        except KeyError:
            raise ValueError(f"{value!r} is not a kind of change") from None

    @classmethod
    def every(cls) -> tuple[ChangeKind, ...]:
        """Every kind declared so far, in the order declared."""
        return tuple(cls._known.values())


for _constant in [name for name in ChangeKind.__annotations__ if name.isupper()]:
    setattr(ChangeKind, _constant, ChangeKind.named(_constant.lower()))


class Impact(str, Enum):
    """What a change does to access (`impact.py`); never narrows or neutral when it might grow."""

    BROADENS = "broadens"
    NARROWS = "narrows"
    NEUTRAL = "neutral"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Risk:
    """A named danger a change opens: its category (`admin`, `privilege-escalation` or
    `trust`; the JSON plan's `kind` of a risk), and the principal who gains it (`user bob`,
    `role deploy`, `AWS *`)."""

    category: str
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


class StepSubject(str, Enum):
    """What a human step is about; the values are the `kind` of the JSON plan's human steps."""

    ROOT_MFA = "root_mfa"
    ROOT_ACCESS_KEYS = "root_access_keys"
    USER_MFA = "user_mfa"  # `iamctl mfa enroll USER` does it
    POLICY_BOUNDARY = "policy_boundary"  # a replacement blocked by a permissions boundary
    ROLE_PATH = "role_path"  # AWS cannot move a role: delete it by hand or change the file
    ROLE_OWNED_BY_AWS = "role_owned_by_aws"  # a declared name that is AWS's role in the account


@dataclass(frozen=True)
class HumanStep:
    """Something only a person can do (scan a QR code, enable root MFA): what it is about
    (`subject`, the JSON plan's `kind` of a human step) and who or what it names."""

    subject: StepSubject
    name: str
    message: str


@dataclass(frozen=True)
class Finding:
    """A security warning (CIS AWS Foundations Benchmark IAM check); never an error."""

    check: str  # CIS number, e.g. "1.14": the id a file's `checks:` section names
    name: str
    message: str
    fails: bool = False  # the file's `checks: fail_on` names it: it fails the plan
