"""Each user's and role's own policies as grants (`Holder`): its own and its groups' policies
and its permissions boundary, each document turned into grants once.

Pure. The access model (`model.py`) asks for a principal's holder on first use; the models of
one plan share a `Pool`, so principals holding the same statements share one `PolicySet` and
its cached answers (thousands of users, a few groups).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..arns import is_aws_managed, policy_name
from ..state import Document, Role, State, User
from .conditions import Facts
from .documents import Documents
from .grants import NO, Answer, Grant, PolicySet, grants_of
from .principals import ROLE, USER, Principal


@dataclass(frozen=True)
class Holder:
    """A user's or role's own policies: `policies` as grants, the boundary's grants, and the
    sources that could not be read."""

    principal: Principal
    policies: PolicySet
    facts: Facts
    unread: tuple[str, ...] = ()


def decided(holder: Holder | None, action: str, resource: str,
             other_user: bool = False) -> Answer:
    """What the holder's own policies answer (nothing is allowed to no one)."""
    if holder is None:
        return NO
    return holder.policies.decide(action.lower(), resource, holder.facts, other_user)


class Pool:
    """What the models of one plan share: principals holding the same statements share one
    `PolicySet` object, across the live model, the model after the plan and the one of each
    change, so its cached answers are worked out once (thousands of users, a few groups)."""

    def __init__(self) -> None:
        self._sets: dict[tuple[object, ...], PolicySet] = {}
        # AWS managed policies' grants by (ARN, source prefix): the same in every model.
        self.aws_grants: dict[tuple[str, str], tuple[Grant, ...] | None] = {}

    def policy_set(self, grants: tuple[Grant, ...],
                   boundary: tuple[Grant, ...] | None) -> PolicySet:
        key = (grants, boundary)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = PolicySet(grants, boundary)
        return found


class Holders:
    """Grants for every user and role of a state, each policy document turned into grants once
    (users share groups and policies: thousands of users, a few dozen documents)."""

    def __init__(self, state: State, documents: Documents, now: datetime, pool: Pool) -> None:
        self.state, self.documents, self.now, self.pool = state, documents, now, pool
        self.account, self.partition = state.account.id, state.account.partition
        self._managed: dict[tuple[str, str], tuple[Grant, ...] | None] = {}
        self._groups: dict[str, tuple[tuple[Grant, ...], tuple[str, ...]]] = {}
        self._sets: dict[tuple[object, ...], tuple[PolicySet, tuple[str, ...]]] = {}

    def holder(self, principal: Principal) -> Holder | None:
        if principal.type == USER and principal.name in self.state.users:
            return self.user(principal.name, self.state.users[principal.name])
        role = self.state.roles.get(principal.name) or self.state.aws_roles.get(principal.name)
        if principal.type == ROLE and role is not None:
            return self.role(principal.name, role)
        return None

    def user(self, name: str, user: User) -> Holder:
        principal = Principal(USER, name)
        arn = user.arn or f"arn:{self.partition}:iam::{self.account}:user{user.path or '/'}{name}"
        facts = Facts(arn=arn, account=self.account, username=name, principal_type="User",
                      tags=user.tags, now=self.now)
        key = (tuple(sorted(user.policies)), _inline_key(user.inline_policies),
               tuple(sorted(user.groups)), user.permissions_boundary)
        if key not in self._sets:
            grants, unread = self.own(user.policies, user.inline_policies)
            for group_name in sorted(user.groups):
                more, missing = self.group(group_name)
                grants, unread = grants + more, unread + missing
            boundary, missing = self.boundary(user.permissions_boundary)
            self._sets[key] = (self.pool.policy_set(grants, boundary), unread + missing)
        policies, unread = self._sets[key]
        return Holder(principal, policies, facts, unread)

    def group(self, name: str) -> tuple[tuple[Grant, ...], tuple[str, ...]]:
        group = self.state.groups.get(name)
        if group is None:
            return (), ()
        if name not in self._groups:
            self._groups[name] = self.own(group.policies, group.inline_policies,
                                          prefix=f"group {name}: ")
        return self._groups[name]

    def role(self, name: str, role: Role) -> Holder:
        principal = Principal(ROLE, name)
        arn = role.arn or f"arn:{self.partition}:iam::{self.account}:role{role.path or '/'}{name}"
        facts = Facts(arn=arn, account=self.account, principal_type="AssumedRole",
                      tags=role.tags, now=self.now)
        key = ("role", tuple(sorted(role.policies)), _inline_key(role.inline_policies),
               role.permissions_boundary)
        if key not in self._sets:
            grants, unread = self.own(role.policies, role.inline_policies)
            boundary, missing = self.boundary(role.permissions_boundary)
            self._sets[key] = (self.pool.policy_set(grants, boundary), unread + missing)
        policies, unread = self._sets[key]
        return Holder(principal, policies, facts, unread)

    def own(self, arns: frozenset[str], inline: Mapping[str, Document],
            prefix: str = "") -> tuple[tuple[Grant, ...], tuple[str, ...]]:
        grants: tuple[Grant, ...] = ()
        unread: tuple[str, ...] = ()
        for arn in sorted(arns):
            found = self.managed(arn, prefix)
            if found is None:
                unread += (f"{prefix}policy {policy_name(arn)}",)
            else:
                grants += found
        for inline_name, document in sorted(inline.items()):
            grants += _grants(document.meaning, f"{prefix}inline policy {inline_name}")
        return grants, unread

    def managed(self, arn: str, prefix: str) -> tuple[Grant, ...] | None:
        key = (arn, prefix)
        if key not in self._managed:
            self._managed[key] = self._read_managed(arn, prefix)
        return self._managed[key]

    def _read_managed(self, arn: str, prefix: str) -> tuple[Grant, ...] | None:
        source = f"{prefix}policy {policy_name(arn)}"
        if not is_aws_managed(arn):
            policy = self.state.policies.get(policy_name(arn))
            return _grants(policy.document.meaning, source) if policy is not None else None
        key = (arn, prefix)
        if key not in self.pool.aws_grants:
            document = self.documents(arn)
            self.pool.aws_grants[key] = None if document is None else \
                _grants_of_dict(_freeze(document), source)
        return self.pool.aws_grants[key]

    def boundary(self, arn: str | None) -> tuple[tuple[Grant, ...] | None, tuple[str, ...]]:
        if arn is None:
            return None, ()
        found = self.managed(arn, "boundary ")
        if found is None:
            # Unread: no cap is the wider reading; the principal's verdicts are unknown anyway.
            return None, (f"boundary {policy_name(arn)}",)
        return found, ()


def _inline_key(inline: Mapping[str, Document]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, document.meaning) for name, document in inline.items()))



@functools.lru_cache(maxsize=4096)
def _grants(meaning: str, source: str) -> tuple[Grant, ...]:
    return grants_of(json.loads(meaning) if meaning else {}, source)


def _freeze(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True)


@functools.lru_cache(maxsize=4096)
def _grants_of_dict(text: str, source: str) -> tuple[Grant, ...]:
    return grants_of(json.loads(text), source)
