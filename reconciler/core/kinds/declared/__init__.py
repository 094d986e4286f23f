"""The kinds declared in modules of their own: each module of this package declares one, as its
`KIND` (a `DeclaredKind`), but for those whose name starts with `_`, which hold what several
declarations share. Every module here is imported, so a new kind needs no entry
elsewhere: the generic code loops over `DECLARED`, in the order of the modules' names.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from ..declaration import DeclaredKind


def _modules_kinds() -> tuple[DeclaredKind[Any], ...]:
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue  # what declarations share, not a kind
        imported = importlib.import_module(f"{__name__}.{module.name}")
        found.append(imported.KIND)
    return tuple(found)


DECLARED: tuple[DeclaredKind[Any], ...] = _modules_kinds()


def declared_kind(section: str) -> DeclaredKind[Any]:
    return next(kind for kind in DECLARED if kind.entity.section == section)
