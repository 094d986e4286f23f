"""IAM names are unique without regard to case: the file's `Alice` is the account's `alice`.

Pure, one step between resolving the file and diffing: every desired user, group, role and
customer policy whose name matches a live one in another case takes the live spelling, and so do
the references to it (a user's groups, policy ARNs, boundaries), so the diff never plans a
create that AWS would refuse as a duplicate. Each respelling is reported in a note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TypeVar

from ..arns import is_aws_managed
from ..kinds.declaration import EntityKind
from ..kinds.entities import GROUPS, POLICIES, ROLES, USERS
from ..state import Group, ManagedPolicy, Role, State, User

_Named = TypeVar("_Named", User, Group, ManagedPolicy, Role)


def align_names(desired: State, live: State) -> tuple[State, tuple[str, ...]]:
    """`desired` with names spelled as in `live`, and a note per name respelled."""
    found = {kind.section: respellings(kind.of(desired), _live_names(kind, live))
             for kind in _RESPELLED}
    users, groups, policies, roles = (found[kind.section] for kind in _RESPELLED)
    arn = arn_respeller(policies, live)
    if not (users or groups or policies or roles) and not any_arn_respelled(desired, arn):
        return desired, ()
    aligned = replace(
        desired,
        users=renamed({name: respelled_user(user, groups, arn)
                       for name, user in desired.users.items()}, users),
        groups=renamed({name: replace(group, policies=frozenset(map(arn, group.policies)))
                        for name, group in desired.groups.items()}, groups),
        policies=renamed(dict(desired.policies), policies),
        roles=renamed({name: respelled_role(role, arn) for name, role in desired.roles.items()},
                      roles),
    )
    notes = [
        f"{kind.label} {old} in the file is {new} in the account (IAM names ignore case): "
        f"planned as {new}"
        for kind in _RESPELLED
        for old, new in sorted(found[kind.section].items())
    ]
    return aligned, tuple(notes)


# The kinds respelled, in this order: the ones other entries refer to by name or ARN (a user's
# groups; policies everywhere), whose references are respelled with them.
_RESPELLED = (USERS, GROUPS, POLICIES, ROLES)


def _live_names(kind: EntityKind, live: State) -> Mapping[str, object]:
    """A kind's names in the account; a role's include AWS's own (a file may not take one)."""
    if kind is ROLES:
        return {**live.roles, **live.aws_roles}
    return kind.of(live)


def respelled_user(user: User, groups: Mapping[str, str], arn: Callable[[str], str]) -> User:
    """The user's references: its groups, its policies."""
    return replace(
        user,
        groups=frozenset(groups.get(group, group) for group in user.groups),
        policies=frozenset(map(arn, user.policies)),
        permissions_boundary=boundary(user.permissions_boundary, arn),
    )


def respelled_role(role: Role, arn: Callable[[str], str]) -> Role:
    return replace(
        role,
        policies=frozenset(map(arn, role.policies)),
        permissions_boundary=boundary(role.permissions_boundary, arn),
    )


def boundary(ref: str | None, arn: Callable[[str], str]) -> str | None:
    return arn(ref) if ref is not None else None


def respellings(declared: Mapping[str, object], live: Mapping[str, object]) -> dict[str, str]:
    """Declared name -> live name, where the two differ only in case."""
    by_lower = {name.lower(): name for name in live}
    return {
        name: by_lower[name.lower()]
        for name in declared
        if name not in live and name.lower() in by_lower
    }


def renamed(entities: dict[str, _Named], spellings: Mapping[str, str]) -> dict[str, _Named]:
    return {
        spellings.get(name, name): replace(entity, name=spellings.get(name, name))
        for name, entity in entities.items()
    }


def arn_respeller(policies: Mapping[str, str], live: State) -> _ArnRespeller:
    live_arns = (policy.arn for policy in live.policies.values() if "/" in policy.arn)
    return _ArnRespeller(policies, {_key(arn): arn for arn in live_arns})


def _key(arn: str) -> tuple[str, str]:
    """An ARN up to its path (paths are case-sensitive), and its name in lower case."""
    prefix, name = arn.rsplit("/", 1)
    return prefix, name.lower()


class _ArnRespeller:
    """A customer policy ARN with the live spelling of the policy's name: an ARN that matches a
    live policy in another case, or a respelled declared policy's (whatever its path: a
    replacement may move it)."""

    def __init__(
        self, policies: Mapping[str, str], live_by_key: Mapping[tuple[str, str], str]
    ) -> None:
        self.policies = policies
        self.live_by_key = live_by_key

    def __call__(self, arn: str) -> str:
        if ":policy/" not in arn or is_aws_managed(arn):
            return arn  # AWS managed policies are found by exact name in AWS's catalog
        found = self.live_by_key.get(_key(arn))
        if found:
            return found
        prefix, name = arn.rsplit("/", 1)
        return f"{prefix}/{self.policies[name]}" if name in self.policies else arn


def any_arn_respelled(desired: State, arn: _ArnRespeller) -> bool:
    refs: list[str | None] = []
    for user in desired.users.values():
        refs += [*user.policies, user.permissions_boundary]
    for role in desired.roles.values():
        refs += [*role.policies, role.permissions_boundary]
    for group in desired.groups.values():
        refs += group.policies
    return any(ref is not None and arn(ref) != ref for ref in refs)
