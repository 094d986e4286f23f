"""What a change carries in `Change.before` and `Change.after`: typed, and the JSON of a plan.

Pure. `diff.py` and its helpers build these; writers, describers, `impact.py` and `lockout.py`
read them; `plan.py` writes them as JSON (`to_json`) and reads a saved plan back with the reader
each kind names in `kinds/changes.py`, which refuses a payload of the wrong shape (ValueError), so a
hand-edited plan cannot hand a writer something it does not expect. The JSON is the plan format
(DESIGN.md): each type writes exactly the object the plan has always held.

Simple payloads are what they are: `str` (a path, a document's text, an alias, a policy ARN, a
key status, a client id, SAML metadata), `Mapping[str, str]` (tags), `list[str]` (thumbprints).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeAlias, TypeVar

from .state import Entity, PasswordPolicy

T = TypeVar("T")


@dataclass(frozen=True)
class UserSpec:
    """A user's creation: CreateUser sets its path and tags."""

    path: str
    tags: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "tags": dict(self.tags)}

    @classmethod
    def from_json(cls, data: Any) -> UserSpec:
        item = _object(data, "path", "tags")
        return cls(_text(item["path"]), _tags(item["tags"]))


@dataclass(frozen=True)
class PathSpec:
    """A group's creation, or a role's instance profile: the path it is created on."""

    path: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path}

    @classmethod
    def from_json(cls, data: Any) -> PathSpec:
        return cls(_text(_object(data, "path")["path"]))


@dataclass(frozen=True)
class PolicySpec:
    """What apply needs to create a customer managed policy; `arn` is the live one's ("" for a
    new policy)."""

    path: str
    description: str
    document: str  # the text as written
    tags: Mapping[str, str] = field(default_factory=dict)
    arn: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "description": self.description,
            "document": self.document,
            "tags": dict(self.tags),
            "arn": self.arn,
        }

    @classmethod
    def from_json(cls, data: Any) -> PolicySpec:
        item = _object(data, "path", "description", "document", "tags", "arn")
        return cls(
            _text(item["path"]),
            _text(item["description"]),
            _text(item["document"]),
            _tags(item["tags"]),
            _text(item["arn"]),
        )


@dataclass(frozen=True)
class ReplacedPolicy:
    """One side of a policy replacement: the policy, and the entities it is detached from
    (before) or re-attached to (after). JSON: the policy's fields and `attached`."""

    policy: PolicySpec
    attached: tuple[Entity, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**self.policy.to_json(), "attached": _recorded(self.attached)}

    @classmethod
    def from_json(cls, data: Any) -> ReplacedPolicy:
        item = _object(data, "path", "description", "document", "tags", "arn", "attached")
        spec = {key: value for key, value in item.items() if key != "attached"}
        return cls(PolicySpec.from_json(spec), _entities(item["attached"]))


@dataclass(frozen=True)
class Attachments:
    """A policy's deletion records the entities it detaches the policy from (no others)."""

    attached: tuple[Entity, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"attached": _recorded(self.attached)}

    @classmethod
    def from_json(cls, data: Any) -> Attachments:
        return cls(_entities(_object(data, "attached")["attached"]))


@dataclass(frozen=True)
class Members:
    """A group's deletion records the members it removes (no others)."""

    members: tuple[Entity, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"members": _recorded(self.members)}

    @classmethod
    def from_json(cls, data: Any) -> Members:
        return cls(_entities(_object(data, "members")["members"]))


@dataclass(frozen=True)
class RoleSpec:
    """What CreateRole sets in its one call; None: not sent."""

    path: str
    description: str | None = None
    max_session_duration: int | None = None
    trust: str | None = None  # the trust policy's text
    permissions_boundary: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "tags": dict(self.tags)}

    @classmethod
    def from_json(cls, data: Any) -> RoleSpec:
        item = _object(data, *_names(cls))
        return cls(
            _text(item["path"]),
            _optional(item["description"], str),
            _optional(item["max_session_duration"], int),
            _optional(item["trust"], str),
            _optional(item["permissions_boundary"], str),
            _tags(item["tags"]),
        )


@dataclass(frozen=True)
class RoleSettings:
    """What UpdateRole sends: the description and the maximum session duration (seconds)."""

    description: str | None = None
    max_session_duration: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> RoleSettings:
        item = _object(data, "description", "max_session_duration")
        return cls(
            _optional(item["description"], str), _optional(item["max_session_duration"], int)
        )


@dataclass(frozen=True)
class OidcProviderSpec:
    """An OIDC provider's creation; `thumbprints` None: not managed (AWS retrieves one)."""

    url: str  # with https://
    client_ids: tuple[str, ...] = ()
    thumbprints: tuple[str, ...] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        thumbprints = list(self.thumbprints) if self.thumbprints is not None else None
        return {
            "url": self.url,
            "client_ids": list(self.client_ids),
            "thumbprints": thumbprints,
            "tags": dict(self.tags),
        }

    @classmethod
    def from_json(cls, data: Any) -> OidcProviderSpec:
        item = _object(data, "url", "client_ids", "thumbprints", "tags")
        thumbprints = item["thumbprints"]
        return cls(
            _text(item["url"]),
            tuple(strings(item["client_ids"])),
            tuple(strings(thumbprints)) if thumbprints is not None else None,
            _tags(item["tags"]),
        )


@dataclass(frozen=True)
class SamlProviderSpec:
    """A SAML provider's creation: its metadata document and tags."""

    metadata: str
    tags: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"metadata": self.metadata, "tags": dict(self.tags)}

    @classmethod
    def from_json(cls, data: Any) -> SamlProviderSpec:
        item = _object(data, "metadata", "tags")
        return cls(_text(item["metadata"]), _tags(item["tags"]))


Structured: TypeAlias = (
    UserSpec
    | PathSpec
    | PolicySpec
    | ReplacedPolicy
    | Attachments
    | Members
    | RoleSpec
    | RoleSettings
    | OidcProviderSpec
    | SamlProviderSpec
)
Payload: TypeAlias = Structured | PasswordPolicy | str | Mapping[str, str] | list[str]
# How a kind's saved before or after is read back (see `kinds.KindSpec`).
Reader = Callable[[Any], Payload]


def to_json(value: Payload | None) -> Any:
    """The payload as the JSON plan holds it."""
    if isinstance(value, Structured):
        return value.to_json()
    if isinstance(value, PasswordPolicy):
        return asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def payload_as(value: Payload | None, cls: type[T]) -> T:
    """The payload of a kind that always carries a `cls`; anything else is a bug upstream."""
    if not isinstance(value, cls):
        raise TypeError(f"expected a {cls.__name__} payload, got {type(value).__name__}")
    return value


def text_of(value: Payload | None) -> str:
    """The payload of a kind that carries text (a path, a document, an ARN, ...)."""
    return payload_as(value, str)


def optional_text(value: Payload | None) -> str | None:
    return None if value is None else text_of(value)


def tags_of(value: Payload | None) -> Mapping[str, str]:
    """Tags (None before: none)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"expected tags, got {type(value).__name__}")
    return value


def thumbprints_of(value: Payload | None) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"expected thumbprints, got {type(value).__name__}")
    return value


# Readers of a saved plan's JSON: each refuses another shape with ValueError.


def text(data: Any) -> str:
    return _text(data)


def tags(data: Any) -> Mapping[str, str]:
    return _tags(data)


def strings(data: Any) -> list[str]:
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        raise ValueError("expected a list of strings")
    return list(data)


def password_policy(data: Any) -> PasswordPolicy:
    item = _object(data, *_names(PasswordPolicy))
    for f in fields(PasswordPolicy):
        value = item[f.name]
        wanted = bool if isinstance(f.default, bool) else int
        if not (value is None and f.default is None) and type(value) is not wanted:
            raise ValueError(f"expected {wanted.__name__} for {f.name}")
    return PasswordPolicy(**item)


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _object(data: Any, *keys: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or set(data) != set(keys):
        raise ValueError(f"expected an object with {', '.join(keys)}")
    return data


def _text(data: Any) -> str:
    if not isinstance(data, str):
        raise ValueError("expected a string")
    return data


def _optional(data: Any, cls: type[T]) -> T | None:
    # bool is an int to isinstance, never a duration.
    if data is not None and (not isinstance(data, cls) or isinstance(data, bool)):
        raise ValueError(f"expected a {cls.__name__} or null")
    return data


def _tags(data: Any) -> Mapping[str, str]:
    if not isinstance(data, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in data.items()
    ):
        raise ValueError("expected tags (an object of strings)")
    return dict(data)


def _entities(data: Any) -> tuple[Entity, ...]:
    if not isinstance(data, list):
        raise ValueError("expected a list of entities")
    items = [_object(item, "kind", "name") for item in data]
    return tuple(Entity(_text(item["kind"]), _text(item["name"])) for item in items)


def _recorded(entities: Sequence[Entity]) -> list[dict[str, str]]:
    return [entity.to_dict() for entity in entities]
