"""Where a plan's new secrets go, for `plan.py`: the run's delivery route (`plan` and `apply` take
the same `--secrets-to` and `--secrets-dir`) and the user's `deliver_to` give each change that
creates a secret its destination, which the plan shows beside it and a saved plan holds apply to.

Pure: the route and directory are what the command line said, the region the account's; apply's
sinks (`engine/secret_sinks.py`) are built from the same options and `deliver_to`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ..changes import AgeFile, Change, Destination, PlainFile, SecretsManagerSecret
from ..kinds.changes import creates_secret
from ..state import State

SECRET_PREFIX = "iamctl/credentials/"


def secret_name(user: str) -> str:
    """The Secrets Manager secret that receives a user's new credentials."""
    return SECRET_PREFIX + user


class Route(str, Enum):
    """`--secrets-to`: files in the secrets directory, or AWS Secrets Manager."""

    FILES = "files"
    SECRETS_MANAGER = "secretsmanager"


@dataclass(frozen=True)
class Delivery:
    """How a run delivers new secrets in one account."""

    route: Route = Route.FILES
    directory: str | None = None  # `--secrets-dir` as given; None: not given (yet)
    region: str = ""  # the account's region, where Secrets Manager holds the secrets


# apply's default: files in the directory `--secrets-dir` names.
DEFAULT_DELIVERY = Delivery()


def destination_of(user: str, deliver_to: str | None, delivery: Delivery,
                   account: str) -> Destination:
    """Where apply puts a user's new credentials; `deliver_to` counts only for files (a secret
    is readable by that user alone already)."""
    if delivery.route == Route.SECRETS_MANAGER:
        return SecretsManagerSecret(secret_name(user), account, delivery.region)
    if deliver_to:
        return AgeFile(deliver_to, delivery.directory)
    return PlainFile(delivery.directory)


def with_destinations(changes: Sequence[Change], desired: State, delivery: Delivery
                      ) -> tuple[Change, ...]:
    """The changes, each that creates a secret naming where it goes."""
    return tuple(
        replace(change, destination=_destination(change.name, desired, delivery))
        if creates_secret(change) else change
        for change in changes
    )


def _destination(user: str, desired: State, delivery: Delivery) -> Destination:
    declared = desired.users.get(user)
    deliver_to = declared.deliver_to if declared else None
    return destination_of(user, deliver_to, delivery, desired.account.id)


def recipient_notes(desired: State, live: State, delivery: Delivery) -> tuple[str, ...]:
    """Where rotation will deliver the keys of users with a recipient, named in every plan.
    iamctl keeps no state and AWS holds no recipient, so a plan cannot tell a recipient a pull
    request changes from one it keeps: naming it always puts a new one in that request's plan,
    though no key is due until a later, unreviewed apply."""
    notes = []
    for name, user in sorted(desired.users.items()):
        if user.key_rotation is None or name not in live.users:
            continue
        destination = _destination(name, desired, delivery)
        if isinstance(destination, AgeFile):
            notes.append(f"user {name}: keys made by rotation are {delivered_to(destination)}")
    return tuple(notes)


def place(destination: Destination) -> str:
    """`encrypted to age recipient age1... (a file in the secrets directory)`: the words that
    follow "delivered" on a plan line."""
    if isinstance(destination, SecretsManagerSecret):
        return (f"to AWS Secrets Manager secret {destination.secret} (account "
                f"{destination.account}, region {destination.region})")
    directory = _directory(destination.directory)
    if isinstance(destination, AgeFile):
        return f"encrypted to age recipient {destination.recipient} (a file in {directory})"
    return f"as a plain CSV file to {directory}"


def delivered_to(destination: Destination) -> str:
    return f"delivered {place(destination)}"


def _directory(directory: str | None) -> str:
    return f"secrets directory {directory}" if directory is not None else "the secrets directory"


def same_place(planned: Destination, fresh: Destination) -> bool:
    """Whether apply, about to deliver to `fresh`, delivers where a saved plan said. A plan made
    without `--secrets-dir` named no directory: apply's fills it in; everything else (route,
    recipient, secret, account, region, a named directory) must be the same."""
    if isinstance(planned, (AgeFile, PlainFile)) and isinstance(fresh, (AgeFile, PlainFile)):
        if planned.directory is None:
            fresh = replace(fresh, directory=None)
        else:
            planned = replace(planned, directory=posixpath.normpath(planned.directory))
            if fresh.directory is not None:
                fresh = replace(fresh, directory=posixpath.normpath(fresh.directory))
    return planned == fresh


# The JSON plan's `destination` of a change ({"to": "age", "recipient": ..., "directory": ...}).

_FIELDS: Mapping[str, tuple[type[Destination], tuple[str, ...]]] = {
    "age": (AgeFile, ("recipient", "directory")),
    "file": (PlainFile, ("directory",)),
    "secretsmanager": (SecretsManagerSecret, ("secret", "account", "region")),
}
_OPTIONAL = frozenset({"directory"})


def destination_to_json(destination: Destination | None) -> dict[str, Any] | None:
    if destination is None:
        return None
    to = next(to for to, (cls, _) in _FIELDS.items() if isinstance(destination, cls))
    return {"to": to, **vars(destination)}


def destination_from_json(data: Any) -> Destination:
    """A saved plan's destination, exactly of one of the shapes above (ValueError otherwise)."""
    if not isinstance(data, dict) or data.get("to") not in _FIELDS:
        raise ValueError("not a destination iamctl delivers to")
    cls, names = _FIELDS[data["to"]]
    if set(data) != {"to", *names}:
        raise ValueError(f"a {data['to']} destination has the fields {', '.join(names)}")
    for name in names:
        value = data[name]
        if not isinstance(value, str) and not (value is None and name in _OPTIONAL):
            raise ValueError(f"{name} is not text")
    return cls(**{name: data[name] for name in names})
