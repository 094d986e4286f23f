"""The access model of one account state: every principal, what it may do, and how.

Pure. `AccessModel.of(state, documents)` gathers each user's and role's policies (its own, its
groups', its permissions boundary) as grants, and each role's admissions (`principals.py`).
`answer(principal, action, resource)` says whether the principal may perform the action on
some resource the pattern names, directly or by assuming roles (transitively), with the chain
that grants it. A document iamctl could not read (an AWS managed policy that was not fetched)
makes the principals holding it `incomplete`: the verdicts that need it are `unknown`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..model import Document, Role, State, User
from .conditions import Facts, Verdict
from .documents import Documents
from .grants import NO, Answer, Grant, PolicySet, grants_of
from .principals import (
    ACCOUNT,
    AWS_ANY,
    ROLE,
    USER,
    Admission,
    Principal,
    trust_admits,
)

_ASSUME = "sts:assumerole"


@dataclass(frozen=True)
class Holder:
    """A user's or role's own policies: `policies` as grants, the boundary's grants, and the
    sources that could not be read."""

    principal: Principal
    policies: PolicySet
    facts: Facts
    unread: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One link of a chain: a principal reaches `role` (by its trust, and by an identity
    policy when `via` names one)."""

    role: str
    verdict: Verdict
    via: tuple[str, ...] = ()


class AccessModel:
    """Built lazily: a plan asks about the few principals its changes touch, in accounts of
    thousands; each holder and each role's admissions are worked out on first use."""

    def __init__(self, state: State, documents: Documents, now: datetime | None = None) -> None:
        self.state = state
        self.account_id, self.partition = state.account.id, state.account.partition
        self._builder = _Builder(state, documents, now or datetime.now(timezone.utc))
        self._roles = {**state.aws_roles, **state.roles}
        self._holders: dict[Principal, Holder | None] = {}
        self._reach: dict[Principal, dict[str, tuple[Step, ...]]] = {}
        self._assumers: dict[str, frozenset[Principal]] = {}
        # Answers derived from the model that its users keep with it (`powers.py`).
        self.cache: dict[str, dict[Any, Any]] = {}

    @classmethod
    def of(cls, state: State, documents: Documents,
           now: datetime | None = None) -> AccessModel:
        return cls(state, documents, now)

    # Who is there.

    def holder(self, principal: Principal) -> Holder | None:
        if principal not in self._holders:
            self._holders[principal] = self._builder.holder(principal)
        return self._holders[principal]

    @property
    def roles(self) -> list[str]:
        return sorted(self._roles)

    def admissions(self, role: str) -> tuple[Admission, ...]:
        found = self._roles.get(role)
        return _admissions(found.trust.meaning if found and found.trust else "", self.account_id)

    def role_arn(self, role: str) -> str:
        found = self._roles[role]
        return found.arn or f"arn:{self.partition}:iam::{self.account_id}:role" \
            f"{found.path or '/'}{role}"

    def principals(self) -> list[Principal]:
        """Every user and role, then every outside principal some trust admits."""
        inside = [Principal(USER, name) for name in self.state.users]
        inside += [Principal(ROLE, name) for name in self._roles]
        outside = {a.who for role in self._roles for a in self.admissions(role)
                   if a.who is not None and a.who.outside}
        return sorted(inside) + sorted(outside)

    def incomplete(self, principal: Principal) -> tuple[str, ...]:
        """The policies iamctl could not read that the principal, or a role it reaches, holds."""
        found = self.holder(principal)
        unread = list(found.unread) if found else []
        for role in self.reachable(principal):
            holder = self.holder(Principal(ROLE, role))
            unread += [u for u in holder.unread if u not in unread] if holder else []
        return tuple(unread)

    def reachers(self, roles: set[str]) -> set[Principal]:
        """Every principal that may assume one of the roles, directly or through others. A
        trust of `*` is reached by `AWS *`, which stands for every principal here too."""
        found: set[Principal] = set()
        frontier = set(roles)
        while frontier:
            following: set[str] = set()
            for role in frontier:
                for who in self.assumers(role):
                    if who not in found:
                        found.add(who)
                        if who.kind == ROLE:
                            following.add(who.name)
            frontier = following
        return found

    def assumers(self, role: str) -> frozenset[Principal]:
        """Who may assume the role in one step (cached: an account scan for a trust of the
        account itself, whose users and roles need an identity policy allowing it)."""
        if role not in self._assumers:
            self._assumers[role] = frozenset(self._assumers_of(role))
        return self._assumers[role]

    def passers(self, role: str) -> frozenset[Principal]:
        """The users and roles that may pass the role to a service (`iam:PassRole` on it): a
        change to what the role may do changes what they gain by passing it."""
        key = f"passers {role}"
        if key not in self.cache:
            arn = self.role_arn(role) if role in self._roles else \
                f"arn:{self.partition}:iam::{self.account_id}:role/{role}"
            self.cache[key] = {"found": frozenset(
                who for who in self._inside()
                if self.own_answer(who, "iam:passrole", arn).verdict != Verdict.NO)}
        found: frozenset[Principal] = self.cache[key]["found"]
        return found

    def _inside(self) -> list[Principal]:
        return [Principal(USER, name) for name in self.state.users] + \
            [Principal(ROLE, name) for name in self._roles]

    def _assumers_of(self, role: str) -> Iterator[Principal]:
        for admission in self.admissions(role):
            if admission.who is not None:
                yield admission.who
            elif admission.via_identity:
                arn = self.role_arn(role)
                yield from (who for who in self._inside()
                            if self.own_answer(who, _ASSUME, arn).verdict != Verdict.NO)

    # What they may do.

    def own_answer(self, principal: Principal, action: str, resource: str,
                   other_user: bool = False) -> Answer:
        holder = self.holder(principal)
        if holder is None:
            return NO
        return holder.policies.decide(action.lower(), resource, holder.facts, other_user)

    def answer(self, principal: Principal, action: str, resource: str,
               other_user: bool = False) -> Answer:
        """May the principal do the action somewhere in `resource`, itself or as a role it can
        reach? The best answer, with its chain (`assumes role X` links, then the policy).
        `other_user`: on an IAM user other than the principal itself."""
        best = self.own_answer(principal, action, resource, other_user)
        for role, chain in self.reachable(principal).items():
            if best.verdict == Verdict.YES:
                break
            reached = min(step.verdict for step in chain)
            found = self.own_answer(Principal(ROLE, role), action, resource, other_user)
            verdict = min(reached, found.verdict)
            if verdict > best.verdict:
                best = Answer(verdict, _chain_text(chain) + found.via)
        return best

    def reachable(self, principal: Principal) -> dict[str, tuple[Step, ...]]:
        """Each role the principal may assume, directly or through other roles, with the
        shortest chain that gets there."""
        if principal not in self._reach:
            self._reach[principal] = dict(self._walk(principal))
        return self._reach[principal]

    def _walk(self, start: Principal) -> Iterator[tuple[str, tuple[Step, ...]]]:
        seen = {start.name} if start.kind == ROLE else set()
        frontier: list[tuple[Principal, tuple[Step, ...]]] = [(start, ())]
        while frontier:
            following: list[tuple[Principal, tuple[Step, ...]]] = []
            for who, chain in frontier:
                for step in self._steps(who):
                    if step.role in seen:
                        continue
                    seen.add(step.role)
                    longer = (*chain, step)
                    yield step.role, longer
                    following.append((Principal(ROLE, step.role), longer))
            frontier = following

    def _steps(self, who: Principal) -> Iterator[Step]:
        for role in self._roles:
            best: Step | None = None
            for admission in self.admissions(role):
                step = self._admitted(who, role, admission)
                if step is not None and (best is None or step.verdict > best.verdict):
                    best = step
            if best is not None:
                yield best

    def _admitted(self, who: Principal, role: str, admission: Admission) -> Step | None:
        if admission.via_identity:
            if who.outside:
                return None
            allowed = self.own_answer(who, _ASSUME, self.role_arn(role))
            if allowed.verdict == Verdict.NO:
                return None
            return Step(role, min(admission.verdict, allowed.verdict), allowed.via)
        if admission.who == who:
            return Step(role, admission.verdict)
        if admission.who is not None and admission.who.kind == AWS_ANY and not who.outside:
            return Step(role, admission.verdict)  # `*` names this account's principals too
        return None


def _chain_text(chain: tuple[Step, ...]) -> tuple[str, ...]:
    return tuple(f"assumes role {step.role}" + (f" ({', '.join(step.via)})" if step.via else "")
                 for step in chain)


@functools.lru_cache(maxsize=8192)
def _admissions(trust: str, account_id: str) -> tuple[Admission, ...]:
    """A trust policy's admissions, by its meaning: roles share few distinct trust policies."""
    return tuple(trust_admits(json.loads(trust) if trust else {}, account_id))


class _Builder:
    """Grants for every user and role of a state, each policy document turned into grants once
    (users share groups and policies: thousands of users, a few dozen documents)."""

    def __init__(self, state: State, documents: Documents, now: datetime) -> None:
        self.state, self.documents, self.now = state, documents, now
        self.account, self.partition = state.account.id, state.account.partition
        self._managed: dict[tuple[str, str], tuple[Grant, ...] | None] = {}
        self._groups: dict[str, tuple[tuple[Grant, ...], tuple[str, ...]]] = {}
        # Users holding the same policies share one PolicySet object: its answers are cached
        # by identity, not by comparing thousands of actions.
        self._sets: dict[tuple[object, ...], tuple[PolicySet, tuple[str, ...]]] = {}

    def holder(self, principal: Principal) -> Holder | None:
        if principal.kind == USER and principal.name in self.state.users:
            return self.user(principal.name, self.state.users[principal.name])
        role = self.state.roles.get(principal.name) or self.state.aws_roles.get(principal.name)
        if principal.kind == ROLE and role is not None:
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
            self._sets[key] = (PolicySet(grants, boundary), unread + missing)
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
        grants, unread = self.own(role.policies, role.inline_policies)
        boundary, missing = self.boundary(role.permissions_boundary)
        facts = Facts(arn=arn, account=self.account, principal_type="AssumedRole",
                      tags=role.tags, now=self.now)
        return Holder(principal, PolicySet(grants, boundary), facts, unread + missing)

    def own(self, arns: frozenset[str], inline: Mapping[str, Document],
            prefix: str = "") -> tuple[tuple[Grant, ...], tuple[str, ...]]:
        grants: tuple[Grant, ...] = ()
        unread: tuple[str, ...] = ()
        for arn in sorted(arns):
            found = self.managed(arn, prefix)
            if found is None:
                unread += (f"{prefix}policy {_short(arn)}",)
            else:
                grants += found
        for policy_name, document in sorted(inline.items()):
            grants += _grants(document.meaning, f"{prefix}inline policy {policy_name}")
        return grants, unread

    def managed(self, arn: str, prefix: str) -> tuple[Grant, ...] | None:
        key = (arn, prefix)
        if key not in self._managed:
            self._managed[key] = self._read_managed(arn, prefix)
        return self._managed[key]

    def _read_managed(self, arn: str, prefix: str) -> tuple[Grant, ...] | None:
        source = f"{prefix}policy {_short(arn)}"
        if arn.split(":")[4:5] != ["aws"]:
            policy = self.state.policies.get(_short(arn))
            return _grants(policy.document.meaning, source) if policy is not None else None
        document = self.documents(arn)
        if document is None:
            return None
        return _grants_of_dict(_freeze(document), source)

    def boundary(self, arn: str | None) -> tuple[tuple[Grant, ...] | None, tuple[str, ...]]:
        if arn is None:
            return None, ()
        found = self.managed(arn, "boundary ")
        if found is None:
            # Unread: no cap is the wider reading; the principal's verdicts are unknown anyway.
            return None, (f"boundary {_short(arn)}",)
        return found, ()


def _inline_key(inline: Mapping[str, Document]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, document.meaning) for name, document in inline.items()))


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@functools.lru_cache(maxsize=4096)
def _grants(meaning: str, source: str) -> tuple[Grant, ...]:
    return grants_of(json.loads(meaning) if meaning else {}, source)


def _freeze(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True)


@functools.lru_cache(maxsize=4096)
def _grants_of_dict(text: str, source: str) -> tuple[Grant, ...]:
    return grants_of(json.loads(text), source)


__all__ = ["ACCOUNT", "AccessModel", "Documents", "Holder", "Principal", "Step"]
