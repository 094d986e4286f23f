"""A mapping that differs from another in a few keys, without copying the rest.

Pure. A plan of thousands of users judges each change on the state with that change alone
applied: copying the thousands of users that did not change, once per change, made judging
quadratic. An `Overlay` keeps the base mapping and the few keys set or removed; overlays of
overlays fold into one, and become a plain dict again once they differ in many keys (a whole
plan applied change by change copies each entity a few times, not once per change).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

V = TypeVar("V")

_GONE = object()  # the key is removed in the overlay
# An overlay differing from its base in more keys than this becomes a plain dict: folding an
# overlay copies its changed keys, so they are kept few.
_MOST_CHANGED = 64


class Overlay(Mapping[str, V], Generic[V]):
    __slots__ = ("_base", "_changed", "_length")

    def __init__(self, base: Mapping[str, V], changed: dict[str, object], length: int) -> None:
        self._base, self._changed, self._length = base, changed, length

    def __getitem__(self, key: str) -> V:
        if key in self._changed:
            value = self._changed[key]
            if value is _GONE:
                raise KeyError(key)
            return value  # type: ignore[return-value]
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        if key in self._changed:
            return self._changed[key] is not _GONE
        return key in self._base

    def __iter__(self) -> Iterator[str]:
        # The base's order, then the keys the overlay adds: the order `{**base, key: value}`
        # would have.
        for key in self._base:
            if self._changed.get(key) is not _GONE:
                yield key
        for key, value in self._changed.items():
            if value is not _GONE and key not in self._base:
                yield key

    def __len__(self) -> int:
        return self._length


def with_item(items: Mapping[str, V], key: str, value: V) -> Mapping[str, V]:
    """`items` with `key` set to `value`."""
    return _changed(items, key, value)


def without_item(items: Mapping[str, V], key: str) -> Mapping[str, V]:
    """`items` without `key` (the same mapping when it has none)."""
    return _changed(items, key, _GONE) if key in items else items


def differing_keys(items: Mapping[str, V], base: Mapping[str, V]) -> frozenset[str]:
    """The keys whose values are not the very same objects in `items` and `base`: at once for
    an overlay of `base` (its changed keys), by a look at every key otherwise."""
    if items is base:
        return frozenset()
    if isinstance(items, Overlay) and items._base is base:
        return frozenset(key for key, value in items._changed.items()
                         if value is not base.get(key, _GONE))
    return frozenset(key for key in {*items, *base}
                     if items.get(key, _GONE) is not base.get(key, _GONE))


def plain(items: Mapping[str, V]) -> dict[str, V]:
    """A dict copy of the mapping (of an overlay: without walking it key by key)."""
    if isinstance(items, Overlay):
        return _plain(items._base, items._changed)
    return dict(items)


def _changed(items: Mapping[str, V], key: str, value: object) -> Mapping[str, V]:
    base, changed = (items._base, dict(items._changed)) if isinstance(items, Overlay) \
        else (items, {})
    had, has = key in items, value is not _GONE
    changed[key] = value
    length = len(items) + (has and not had) - (had and not has)
    if len(changed) > _MOST_CHANGED:
        return _plain(base, changed)
    return Overlay(base, changed, length)


def _plain(base: Mapping[str, V], changed: dict[str, object]) -> dict[str, V]:
    merged: dict[str, object] = {**base, **changed}
    return {key: value for key, value in merged.items()  # type: ignore[misc]
            if value is not _GONE}
