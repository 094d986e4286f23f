"""Which roles may admit a principal, and the roles a model sees: read once per model, so that
a principal's reach does not read every trust policy in the account.

Pure; part of the access model (`model.py`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping

from ..state import Role, State
from .principals import AWS_ANY, Admission, Principal, trust_admits


class TrustIndex:
    """Which roles may admit a principal, without reading every trust policy for every
    principal: the roles whose trust names it, those that admit everyone, and those that admit
    the account (for principals whose own policies may assume roles). A model of one change
    takes its parent's index and reads again only the roles the change touches."""

    def __init__(self, roles: Mapping[str, Role],
                 admissions: Callable[[str], tuple[Admission, ...]],
                 parent: TrustIndex | None = None, changed: frozenset[str] = frozenset()) -> None:
        """`roles`: the model's; `admissions`: each role's; `parent`: the index of the model
        this one differs from only in the `changed` roles."""
        self.parent, self.changed = parent, changed
        self.named: dict[Principal, set[str]] = {}
        self.everyone: set[str] = set()
        self.account: set[str] = set()
        read: Iterable[str] = changed if parent is not None else list(roles)
        for role in read:
            if role not in roles:
                continue  # deleted by the change
            for admission in admissions(role):
                if admission.via_identity:
                    self.account.add(role)
                elif admission.who is not None and admission.who.type == AWS_ANY:
                    self.everyone.add(role)
                    self.named.setdefault(admission.who, set()).add(role)
                elif admission.who is not None:
                    self.named.setdefault(admission.who, set()).add(role)

    def candidates(self, who: Principal, by_identity: bool) -> set[str]:
        found = set(self.named.get(who, ()))
        if not who.outside:
            found |= self.everyone
            if by_identity:
                found |= self.account
        if self.parent is not None:
            found |= self.parent.candidates(who, by_identity) - self.changed
        return found


class RolesOf(Mapping[str, Role]):
    """The state's roles and AWS's own, looked up in place: a model is made per change of a
    plan, and copying a thousand roles for each made judging grow with the account."""

    __slots__ = ("_mine", "_aws")

    def __init__(self, state: State) -> None:
        self._mine, self._aws = state.roles, state.aws_roles

    def __getitem__(self, name: str) -> Role:
        found = self._mine.get(name)
        return found if found is not None else self._aws[name]

    def __contains__(self, name: object) -> bool:
        return name in self._mine or name in self._aws

    def __iter__(self) -> Iterator[str]:
        yield from (name for name in self._aws if name not in self._mine)
        yield from self._mine

    def __len__(self) -> int:
        return len(self._mine) + sum(1 for name in self._aws if name not in self._mine)


@functools.lru_cache(maxsize=8192)
def admissions_of(trust: str, account_id: str) -> tuple[Admission, ...]:
    """A trust policy's admissions, by its meaning: roles share few distinct trust policies."""
    return tuple(trust_admits(json.loads(trust) if trust else {}, account_id))
