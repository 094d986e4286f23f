"""Checks on loaded files between their shape (`shape.py`) and the State: the AWS rules that
span entries or files (names unique without regard to case, references, quotas, ignore lists).

IAM enforces these rules, but the emulator used in tests does not, and an error at plan time is
better than a failure half-way through apply. Every error points at the user's file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..core.errors import ConfigError, Location, field_path
from ..core.kinds.declaration import EntityKind
from ..core.kinds.entities import IGNORABLE
from ..core.policy.mfa_policy import ENFORCE_MFA_POLICY_NAME
from ..core.state import Ignore
from .documentfiles import read_document_file
from .yamlload import Path, Source

# Default IAM quotas (AWS can raise the managed policy ones on request; iamctl keeps the default).
MAX_POLICIES_PER_ENTITY = 10
MAX_GROUPS_PER_USER = 10


@dataclass(frozen=True)
class Declared:
    """One user, group, role or policy as declared in a file, with where it came from."""

    kind: str  # "user" | "group" | "role" | "policy"
    source: Source
    path: Path  # e.g. ("users", 2)

    @cached_property  # read a dozen times per entity while a file is checked and built
    def data(self) -> dict[str, Any]:
        entry: dict[str, Any] = self.source.value(self.path)
        return entry

    @property
    def name(self) -> str:
        return str(self.data["name"])

    def location(self, *rest: str | int) -> Location:
        return self.source.location(self.path + rest)

    def error(self, rest: Path, message: str) -> ConfigError:
        return source_error(self.source, self.path + rest, message)

    def read_document(self, rest: Path) -> Any:
        """The JSON document in the file named at `rest` (a `document_file`): relative to this
        YAML file, inside the configuration's tree (`documentfiles.py`)."""
        name = self.source.value(self.path + rest)
        try:
            return read_document_file(self.source.file, str(name))
        except ValueError as error:
            raise self.error(rest, f"{name}{error}") from None


def declared_in(sources: Sequence[Source], kind: str, section: str,
                within: Path = ()) -> list[Declared]:
    """Every entry of `section` (e.g. "users"; under the keys `within`, as
    `identity_center.permission_sets`) in the files of one account, in file order."""
    path = (*within, section)
    return [
        Declared(kind, source, (*path, index))
        for source in sources
        for index in range(len(source.value(path) or []))
    ]


def source_error(source: Source, path: Path, message: str) -> ConfigError:
    return ConfigError(source.blame(path), field_path(path), message)


def check_unique(declared: Iterable[Declared]) -> None:
    """IAM names are unique without regard to case, across all files of one account."""
    first: dict[str, Declared] = {}
    for entity in declared:
        key = entity.name.lower()
        if key in first:
            where = first[key].location("name")
            message = f"{entity.kind} '{entity.name}' is already declared at {where}"
            raise entity.error(("name",), message)
        first[key] = entity


def check_not_ignored(sources: Sequence[Source]) -> None:
    """A declared entity that an `ignore` pattern matches would still be managed in full (its
    policies exact, its unused credentials disabled): the files say two opposite things."""
    for kind in IGNORABLE:
        section, field = kind.section, kind.name_field
        patterns = _ignore_patterns(sources, kind)
        for entity in declared_in(sources, kind.label, kind.file_path[-1], kind.within) \
                if patterns else []:
            value = entity.data[field]
            # One pattern at a time, by the rule plan applies, to say which one matched.
            matched = [where for where, one in patterns if one.matches(section, kind.key(value))]
            if matched:
                shown = value if field == "url" else f"'{value}'"
                message = (
                    f"{kind.label} {shown} is declared and matches the ignore.{section} pattern "
                    f"at {matched[0]}: a declared {kind.label} is managed in full all the same; "
                    "remove one of the two"
                )
                raise entity.error((field,), message)


def _ignore_patterns(sources: Sequence[Source],
                     kind: EntityKind) -> list[tuple[Location, Ignore]]:
    """Each pattern of `ignore.<section>` where it is written, as an Ignore of that one pattern
    (keyed as `desired` keys it)."""
    section = kind.section
    return [
        (source.location(("ignore", section, index)), Ignore.of({section: (kind.key(pattern),)}))
        for source in sources
        for index, pattern in enumerate(source.data.get("ignore", {}).get(section, []))
    ]


def check_reserved_policy_names(policies: Iterable[Declared]) -> None:
    for policy in policies:
        if policy.name.lower() == ENFORCE_MFA_POLICY_NAME.lower():
            message = f"policy name '{policy.name}' is reserved for the policy of mfa: enforced"
            raise policy.error(("name",), message)


def check_group_references(users: Iterable[Declared], groups: Sequence[Declared]) -> None:
    """Each group a user names is declared; names ignore case, as IAM's do."""
    names = {group.name.lower(): group.name for group in groups}
    for user in users:
        for index, group in enumerate(user.data.get("groups", [])):
            if group.lower() not in names:
                hint = _did_you_mean(group, names.values())
                message = f"group '{group}' is not declared under groups:{hint}"
                raise user.error(("groups", index), message)


def check_listed_once(entity: Declared, field: str, kind: str) -> None:
    """The schema's uniqueItems compares exact text; `admins` and `Admins` are one IAM name."""
    first: dict[str, str] = {}
    for index, item in enumerate(entity.data.get(field, [])):
        key = item.lower()
        if key in first:
            message = f"{kind} '{item}' is listed twice (as '{first[key]}'; names ignore case)"
            raise entity.error((field, index), message)
        first[key] = item


def check_inline_names_once(entity: Declared) -> None:
    """IAM compares inline policy names without regard to case: `deploy` and `Deploy` on one
    user, group or role are one policy, which the second write would replace."""
    first: dict[str, str] = {}
    for name in entity.data.get("inline_policies", {}):
        key = name.lower()
        if key in first:
            where = entity.source.key_location(entity.path + ("inline_policies", first[key]))
            message = (
                f"inline policy '{name}' is already named '{first[key]}' at {where} "
                "(IAM's inline policy names ignore case)"
            )
            path = entity.path + ("inline_policies", name)
            raise ConfigError(entity.source.key_location(path), field_path(path), message)
        first[key] = name


def permission_sources(users: Sequence[Declared]) -> dict[str, Declared]:
    """For each user name, the declared user whose groups and policies it gets.

    A user without `permissions_from` is its own source; chains are followed to their end.
    `permissions_from` names a user without regard to case.
    """
    by_name = {user.name.lower(): user for user in users}
    for user in users:
        _check_permissions_from(user, by_name)
    return {user.name: _source_of(user, by_name) for user in users}


def _check_permissions_from(user: Declared, by_name: Mapping[str, Declared]) -> None:
    target = user.data.get("permissions_from")
    if target is None:
        return
    if target.lower() not in by_name:
        hint = _did_you_mean(target, [other.name for other in by_name.values()])
        message = f"user '{target}' is not declared under users:{hint}"
        raise user.error(("permissions_from",), message)
    for own in ("groups", "policies"):
        if own in user.data:
            message = f"give either permissions_from or {own}, not both"
            raise user.error((own,), message)


def _source_of(user: Declared, by_name: Mapping[str, Declared]) -> Declared:
    chain = [user.name]
    current = user
    while "permissions_from" in current.data:
        current = by_name[current.data["permissions_from"].lower()]
        if current.name in chain:
            cycle = " -> ".join([*chain, current.name])
            raise user.error(("permissions_from",), f"permissions_from cycle: {cycle}")
        chain.append(current.name)
    return current


def check_user_quotas(user: Declared, source: Declared, enforce_mfa: bool) -> None:
    """Counted after permissions_from and with the enforce-MFA policy, as AWS will count them."""
    blame = "permissions_from" if "permissions_from" in user.data else None
    groups = source.data.get("groups", [])
    if len(groups) > MAX_GROUPS_PER_USER:
        message = (
            f"user '{user.name}' would be in {len(groups)} groups "
            f"(AWS allows {MAX_GROUPS_PER_USER})"
        )
        raise user.error((blame or "groups",), message)
    count = len(source.data.get("policies", [])) + int(enforce_mfa)
    if count > MAX_POLICIES_PER_ENTITY:
        extra = f", counting {ENFORCE_MFA_POLICY_NAME} for mfa: enforced" if enforce_mfa else ""
        message = (
            f"user '{user.name}' would have {count} managed policies{extra} "
            f"(AWS allows {MAX_POLICIES_PER_ENTITY})"
        )
        raise user.error((blame or ("policies" if "policies" in user.data else "mfa"),), message)


def check_policy_quota(entity: Declared) -> None:
    """A group's or a role's managed policies (a user's: `check_user_quotas`)."""
    count = len(entity.data.get("policies", []))
    if count > MAX_POLICIES_PER_ENTITY:
        message = (
            f"{entity.kind} '{entity.name}' would have {count} managed policies "
            f"(AWS allows {MAX_POLICIES_PER_ENTITY})"
        )
        raise entity.error(("policies",), message)


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
