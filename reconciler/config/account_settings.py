"""What several files of one account say once: the account's settings (alias, profile, role,
root, password policy, unused credentials, prune) and the `ignore` lists.

Two files of one account may each give a setting, but not two different values; the `ignore`
patterns of every file add up. Part of loading the files (`desired.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.kinds.declaration import EntityKind
from ..core.kinds.entities import IGNORABLE
from ..core.plan.check_settings import Checks
from ..core.state import Ignore, PasswordPolicy, Root
from .validation import source_error
from .yamlload import Path, Source

_SETTINGS = ("alias", "profile", "role_arn", "root", "password_policy", "unused_credentials")


def merged_settings(sources: Sequence[Source]) -> dict[str, Any]:
    """Account settings from all files of one account; two files may not disagree."""
    chosen: dict[str, tuple[Any, Source, Path]] = {}
    for source in sources:
        account = source.data["account"]
        given: dict[str, tuple[Path, Any]] = {
            key: (("account", key), _setting(key, account[key]))
            for key in _SETTINGS
            if key in account
        }
        if "prune" in source.data:
            given["prune"] = (("prune",), source.data["prune"])
        if "checks" in source.data:
            given["checks"] = (("checks",), _checks(source.data["checks"]))
        for key, (path, value) in given.items():
            if key in chosen and chosen[key][0] != value:
                first = chosen[key][1].blame(chosen[key][2])
                message = f"differs from the {key} given at {first}"
                raise source_error(source, path, message)
            chosen.setdefault(key, (value, source, path))
    return {key: value for key, (value, _, _) in chosen.items()}


def _checks(section: dict[str, list[str]]) -> Checks:
    """The `checks:` section: lists of finding ids (the schema allows only known ones)."""
    return Checks(disabled=frozenset(section.get("disable", [])),
                  failing=frozenset(section.get("fail_on", [])))


def _setting(key: str, value: Any) -> Any:
    if key == "root" and isinstance(value, dict):
        return Root(
            mfa=True if value.get("mfa") == "required" else None,
            access_keys=False if value.get("access_keys") == "forbidden" else None,
        )
    if key == "password_policy" and isinstance(value, dict):
        return PasswordPolicy(**value)  # the schema allows exactly PasswordPolicy's fields
    if key == "unused_credentials" and isinstance(value, dict):
        return int(value["disable_after_days"])
    return value


def ignore_lists(sources: Sequence[Source]) -> Ignore:
    """Every kind's `ignore` patterns, keyed as its entities are (an OIDC provider's URL without
    https://), in the order written, once each."""
    def patterns(kind: EntityKind) -> tuple[str, ...]:
        found = [kind.key(p) for source in sources
                 for p in source.data.get("ignore", {}).get(kind.section, [])]
        return tuple(dict.fromkeys(found))

    return Ignore.of({kind.section: patterns(kind) for kind in IGNORABLE})
