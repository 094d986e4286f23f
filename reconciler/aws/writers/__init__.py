"""One function per (kind, action): the IAM writes that carry out a single `Change`.

The kinds and their actions are declared in `core/kinds/changes.py`; each writer registers
itself beside the IAM calls it makes. `tests/core/test_kinds.py` checks that every (kind,
action) has one, and apply refuses a plan it cannot carry out in full.

`apply.py` decides when each runs; these functions only know how. Removals treat "already gone"
(NoSuchEntity) as done, so a second apply after a partial failure converges.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import WRITERS, WriteContext, Writer

__all__ = ["WRITERS", "WriteContext", "Writer"]


def _import_all() -> None:
    """Each module registers its writers where they are written (`base.writes`): importing them
    all fills the table, and a new kind's module needs no entry here."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")


_import_all()
