"""What IAM Identity Center's kinds share of their section, `identity_center`: the instance the
files name (`instance_arn`), carried with each kind's entries to its reader, which has
`aws/identity_center.py` choose it for the client's reads and writes. A module of `declared/`
whose name starts with `_` declares no kind.

Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..declaration import Place, Settings


@dataclass(frozen=True)
class Instance:
    """`identity_center.instance_arn` as the files give it, and where: whether the account
    lists it is known only once the account is read, and the error then points here."""

    arn: str
    place: Place


class InCenter(dict[str, Any]):
    """One Identity Center kind's entries as the files declare them, by key, with the instance
    they name (None: the account's only one). A section of no entries carries it too: an empty
    `permission_sets` under `prune` prunes the declared instance, no other."""

    def __init__(self, entities: Mapping[str, Any], instance: Instance | None) -> None:
        super().__init__(entities)
        self.instance = instance


def declared_instance(wanted: Mapping[str, Any]) -> Instance | None:
    """The instance the files name, from what they declare of a kind (its reader's `wanted`)."""
    return wanted.instance if isinstance(wanted, InCenter) else None


Link = Callable[[Mapping[str, Any], Mapping[str, Iterable[str]], Settings], dict[str, Any]]


def in_instance(link: Link | None = None) -> Link:
    """An Identity Center kind's `link`: its own (`link`, if any), then its entries given the
    instance the files name."""
    def linked(declared: Mapping[str, Any], others: Mapping[str, Iterable[str]],
               settings: Settings) -> dict[str, Any]:
        entities = link(declared, others, settings) if link is not None else dict(declared)
        return InCenter(entities, _instance(settings))
    return linked


def _instance(settings: Settings) -> Instance | None:
    if "instance_arn" not in settings:
        return None
    return Instance(str(settings["instance_arn"]), settings.places["instance_arn"])
