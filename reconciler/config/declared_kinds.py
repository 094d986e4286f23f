"""The sections of the kinds declared in `core/kinds/declared/` -> the desired state's
`State.declared`. Part of loading the configuration (desired.py), after the schema has checked
each entry's shape.

What every such kind shares is checked here, each error at the entry's field: an entry keyed
like another (across the files of one account), and an entry whose owner (an SSH public key's
user) the files do not declare. The kind's own rules are its `from_file` and `check`.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..core.errors import field_path
from ..core.kinds.declaration import DeclaredKind, Place, Settings
from ..core.kinds.declared import DECLARED
from ..core.kinds.entities import BUILT_IN, entity_kind
from ..core.state import State
from .validation import Declared, declared_in, source_error
from .yamlload import Source


def declared_entities(sources: Sequence[Source], built: State) -> dict[str, dict[str, Any]]:
    """By section, then key; a section no file has is left out (none of the kind managed).
    `built`: the desired state of the built-in kinds (whose entities the entries may name as
    their owners)."""
    names = {kind.section: kind.of(built) for kind in BUILT_IN}
    found = {
        kind.entity.section: _entities(kind, sources, names)
        for kind in DECLARED
        if any(source.value(kind.entity.file_path) is not None for source in sources)
    }
    for kind in DECLARED:
        section = kind.entity.section
        if kind.link is not None and section in found:
            settings = within_settings(sources, kind.entity.within)
            found[section] = kind.link(found[section], found, settings)
    return found


def within_settings(sources: Sequence[Source], within: tuple[str, ...]) -> Settings:
    """The single values of the section a kind sits within (`identity_center.member_role`),
    across the files of one account, each with where its first file gives it: two files may
    not give two different values."""
    chosen: dict[str, tuple[Any, Source]] = {}
    for source in sources:
        given = source.value(within) if within else None
        for key, value in (given or {}).items():
            if isinstance(value, (list, dict)):
                continue  # a section of entries, not a setting
            if key in chosen and chosen[key][0] != value:
                where = chosen[key][1].blame((*within, key))
                raise source_error(source, (*within, key), f"differs from the {key} given at "
                                                           f"{where}")
            chosen.setdefault(key, (value, source))
    return Settings({key: value for key, (value, _) in chosen.items()},
                    {key: Place(source.blame((*within, key)), field_path((*within, key)))
                     for key, (_, source) in chosen.items()})


def _entities(kind: DeclaredKind[Any], sources: Sequence[Source],
              names: Mapping[str, Collection[str]]) -> dict[str, Any]:
    entity = kind.entity
    built: dict[str, Any] = {}
    first: dict[str, Declared] = {}
    pairs: list[tuple[Declared, Any]] = []
    entries = declared_in(sources, entity.label, entity.file_path[-1], entity.within)
    for entry in entries:
        if kind.owner is not None:
            _check_owner(entry, kind, names[kind.owner])
        model = kind.from_file(entry)
        key = kind.key_of(model)
        seen = key.lower() if entity.names_ignore_case else key
        if seen in first and kind.merge is not None:
            built[key] = kind.merge(built[key], model)
            pairs.append((entry, model))
            continue
        if seen in first:
            where = first[seen].location(entity.name_field)
            raise entry.error((), f"{entity.label} {key} is already declared at {where}")
        first[seen] = entry
        built[key] = model
        pairs.append((entry, model))
    if kind.check is not None:
        kind.check(pairs)
    return built


def _check_owner(entry: Declared, kind: DeclaredKind[Any], declared: Collection[str]) -> None:
    """The entry's owner must be declared, spelled as declared (the key holds that spelling)."""
    field = kind.entity.name_field
    name = entry.data[field]
    if name in declared:
        return
    owner = entity_kind(kind.owner or "")
    close = difflib.get_close_matches(name, list(declared), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f": declare it under {owner.section}:"
    raise entry.error((field,), f"{owner.label} '{name}' is not declared{hint}")
