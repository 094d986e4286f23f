"""The readers of the kinds declared in `core/kinds/declared/`: one module per kind, each
registering its reader where it is written (`@reads(section)`). Every module here is imported,
so a new kind's reader needs no entry elsewhere; `live.py` calls them after the bulk reads.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ...core.kinds.declared import DECLARED
from ...core.state import State
from ..client import Aws

# (the account's credentials, the rest of the live state already read, what the files declare
# of the kind by key: None for export) -> the kind's entities in the account, by key. A reader
# may read only what the files declare (a call per user is too many for the whole account).
Reader = Callable[[Aws, State, "Mapping[str, Any] | None"], Mapping[str, Any]]

READERS: dict[str, Reader] = {}


def reads(section: str) -> Callable[[Reader], Reader]:
    """Registers the decorated function as the reader of the kind of `section`."""
    def register(reader: Reader) -> Reader:
        if section in READERS:
            raise ValueError(f"two readers for {section}")
        READERS[section] = reader
        return reader
    return register


def read_declared(
    aws: Aws, live: State, wanted: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, Mapping[str, Any]]:
    """The entities of every declared kind the files have a section of (`wanted`; None:
    every kind, for export), by section: `State.declared` of the live side. A kind is read
    after those it depends on, and its reader sees them in `live` (the assignments' reader
    finds the permission sets' ARNs there)."""
    found: dict[str, Mapping[str, Any]] = {}
    for kind in sorted(DECLARED, key=lambda kind: bool(kind.entity.depends_on)):
        section = kind.entity.section
        if wanted is None or section in wanted:
            found[section] = READERS[section](
                aws, replace(live, declared=dict(found)),
                None if wanted is None else wanted[section])
    return {kind.entity.section: found[kind.entity.section]
            for kind in DECLARED if kind.entity.section in found}


def _import_all() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")


_import_all()
