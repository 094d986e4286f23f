"""The overlay mapping the access model applies changes with: it must read as the copy would."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from reconciler.core.access.overlay import Overlay, differing_keys, with_item, without_item


def as_copy(items: Mapping[str, int]) -> dict[str, int]:
    return dict(items.items())


def test_a_set_key_reads_as_a_copied_dict_would() -> None:
    base = {"a": 1, "b": 2}
    changed = with_item(base, "a", 10)
    assert as_copy(changed) == {"a": 10, "b": 2}
    assert list(changed) == ["a", "b"]  # a replaced key keeps its place
    assert base == {"a": 1, "b": 2}  # the base is left alone


def test_an_added_key_comes_after_the_base_and_counts() -> None:
    changed = with_item({"a": 1}, "z", 26)
    assert list(changed) == ["a", "z"] and len(changed) == 2 and changed["z"] == 26


def test_a_removed_key_is_gone_from_every_view() -> None:
    changed = without_item({"a": 1, "b": 2}, "a")
    assert "a" not in changed and len(changed) == 1 and list(changed) == ["b"]
    assert changed.get("a") is None
    with pytest.raises(KeyError):
        changed["a"]


def test_removing_a_missing_key_gives_the_same_mapping() -> None:
    base = {"a": 1}
    assert without_item(base, "x") is base


def test_overlays_of_overlays_fold_into_one_over_the_first_base() -> None:
    base = {f"k{i}": i for i in range(1000)}
    changed: Mapping[str, int] = base
    changed = with_item(changed, "k1", -1)
    changed = without_item(changed, "k2")
    changed = with_item(changed, "new", 5)
    changed = with_item(changed, "k2", 2)  # removed, then set again
    assert isinstance(changed, Overlay)
    expected = {**base, "k1": -1, "new": 5}
    expected["k2"] = 2
    assert as_copy(changed) == expected and len(changed) == len(expected)


def test_many_changes_become_a_plain_dict_equal_to_the_copy() -> None:
    changed: Mapping[str, int] = {}
    expected: dict[str, int] = {}
    for i in range(200):
        changed = with_item(changed, f"u{i}", i)
        expected[f"u{i}"] = i
        if i % 3 == 0:
            changed = without_item(changed, f"u{i}")
            del expected[f"u{i}"]
    assert as_copy(changed) == expected and len(changed) == len(expected)
    assert list(changed) == list(expected)



def test_the_keys_an_overlay_differs_in_are_those_a_full_look_finds() -> None:
    base = {f"k{i}": object() for i in range(100)}
    changed: Mapping[str, object] = with_item(base, "k1", object())
    changed = without_item(changed, "k2")
    changed = with_item(changed, "new", object())
    changed = with_item(changed, "k3", base["k3"])  # set to the very same value: no difference
    assert isinstance(changed, Overlay)
    expected = {"k1", "k2", "new"}
    assert differing_keys(changed, base) == expected
    assert differing_keys(dict(changed.items()), base) == expected  # by a look at every key
    assert differing_keys(base, base) == frozenset()
