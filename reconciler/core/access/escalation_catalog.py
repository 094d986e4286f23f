"""The escalation catalog: the published AWS IAM privilege-escalation methods, as data for the
access model (pure; read once from `escalation_methods.json` in this package).

Each method needs all of its actions, each reaching the resource its requirement names; a
principal that holds them all gains what `gains` says. The JSON's `about` describes the fields;
docs/guides/reading-a-plan.md ("Permission impact") names the sources.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

Gain = Literal["admin", "passed-role", "existing-role", "other-principal"]
GAINS: tuple[Gain, ...] = ("admin", "passed-role", "existing-role", "other-principal")

# Resources that are not ARN patterns: the action escalates only on a user other than the caller
# (taking over someone else's credentials), or only on the caller's own user or role (lifting
# its own boundary or Deny).
OTHER_USER = "other-user"
SELF = "self"
SPECIAL_RESOURCES = frozenset({OTHER_USER, SELF})


@dataclass(frozen=True)
class Requirement:
    action: str  # as AWS spells it: iam:PassRole
    resource: str  # an ARN pattern with IAM wildcards, "*" (any will do), OTHER_USER or SELF


@dataclass(frozen=True)
class Method:
    id: str
    title: str
    requires: tuple[Requirement, ...]
    gains: Gain
    sources: tuple[str, ...]  # https addresses of the research that publishes the method


@functools.lru_cache(maxsize=1)
def methods() -> tuple[Method, ...]:
    """Every method of the catalog, in the file's order."""
    text = resources.files("reconciler.core.access").joinpath("escalation_methods.json")
    raw = json.loads(text.read_text("utf-8"))
    return tuple(_method(entry) for entry in raw["methods"])


def _method(entry: dict[str, Any]) -> Method:
    return Method(
        id=entry["id"],
        title=entry["title"],
        requires=tuple(Requirement(r["action"], r["resource"]) for r in entry["requires"]),
        gains=entry["gains"],
        sources=tuple(entry["sources"]),
    )
