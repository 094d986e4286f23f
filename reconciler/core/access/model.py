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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..model import Document, Role, State, User
from ..policydoc import as_dict
from .conditions import Facts, Verdict
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

# A managed policy's document by ARN (meaning form), or None when iamctl could not read it.
Documents = Callable[[str], "dict[str, Any] | None"]
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


@dataclass
class AccessModel:
    account_id: str
    partition: str
    holders: dict[Principal, Holder]
    admissions: dict[str, list[Admission]]  # role name: who may assume it
    role_arns: dict[str, str]
    _reach: dict[Principal, dict[str, tuple[Step, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, state: State, documents: Documents,
           now: datetime | None = None) -> AccessModel:
        now = now or datetime.now(timezone.utc)
        account, partition = state.account.id, state.account.partition
        builder = _Builder(state, documents, now)
        holders = {holder.principal: holder for holder in builder.holders()}
        roles = {**state.aws_roles, **state.roles}
        admissions = {name: trust_admits(_trust(role), account) for name, role in roles.items()}
        arns = {name: role.arn or f"arn:{partition}:iam::{account}:role{role.path or '/'}{name}"
                for name, role in roles.items()}
        return cls(account, partition, holders, admissions, arns)

    # Who is there.

    def principals(self) -> list[Principal]:
        """Every user and role, then every outside principal some trust admits."""
        outside = {a.who for admitted in self.admissions.values() for a in admitted
                   if a.who is not None and a.who.outside}
        return sorted(self.holders) + sorted(outside)

    def incomplete(self, principal: Principal) -> tuple[str, ...]:
        """The policies iamctl could not read that the principal, or a role it reaches, holds."""
        unread = list(self.holders[principal].unread) if principal in self.holders else []
        for role in self.reachable(principal):
            holder = self.holders.get(Principal(ROLE, role))
            unread += [u for u in holder.unread if u not in unread] if holder else []
        return tuple(unread)

    # What they may do.

    def own_answer(self, principal: Principal, action: str, resource: str,
                   other_user: bool = False) -> Answer:
        holder = self.holders.get(principal)
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
        for role, admissions in self.admissions.items():
            best: Step | None = None
            for admission in admissions:
                step = self._admitted(who, role, admission)
                if step is not None and (best is None or step.verdict > best.verdict):
                    best = step
            if best is not None:
                yield best

    def _admitted(self, who: Principal, role: str, admission: Admission) -> Step | None:
        if admission.via_identity:
            if who.outside:
                return None
            allowed = self.own_answer(who, _ASSUME, self.role_arns[role])
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


def _trust(role: Role) -> dict[str, Any]:
    return as_dict(role.trust) if role.trust is not None else {}


class _Builder:
    """Grants for every user and role of a state, each policy document turned into grants once
    (users share groups and policies: thousands of users, a few dozen documents)."""

    def __init__(self, state: State, documents: Documents, now: datetime) -> None:
        self.state, self.documents, self.now = state, documents, now
        self.account, self.partition = state.account.id, state.account.partition

    def holders(self) -> Iterator[Holder]:
        for name, user in self.state.users.items():
            yield self.user(name, user)
        for name, role in {**self.state.aws_roles, **self.state.roles}.items():
            yield self.role(name, role)

    def user(self, name: str, user: User) -> Holder:
        principal = Principal(USER, name)
        arn = user.arn or f"arn:{self.partition}:iam::{self.account}:user{user.path or '/'}{name}"
        grants, unread = self.own(f"user {name}", user.policies, user.inline_policies)
        for group_name in sorted(user.groups):
            group = self.state.groups.get(group_name)
            if group is None:
                continue
            more, missing = self.own(f"group {group_name}", group.policies,
                                     group.inline_policies, prefix=f"group {group_name}: ")
            grants, unread = grants + more, unread + missing
        boundary, missing = self.boundary(user.permissions_boundary)
        facts = Facts(arn=arn, account=self.account, username=name, principal_type="User",
                      tags=user.tags, now=self.now)
        return Holder(principal, PolicySet(grants, boundary), facts, unread + missing)

    def role(self, name: str, role: Role) -> Holder:
        principal = Principal(ROLE, name)
        arn = role.arn or f"arn:{self.partition}:iam::{self.account}:role{role.path or '/'}{name}"
        grants, unread = self.own(f"role {name}", role.policies, role.inline_policies)
        boundary, missing = self.boundary(role.permissions_boundary)
        facts = Facts(arn=arn, account=self.account, principal_type="AssumedRole",
                      tags=role.tags, now=self.now)
        return Holder(principal, PolicySet(grants, boundary), facts, unread + missing)

    def own(self, owner: str, arns: frozenset[str], inline: Mapping[str, Document],
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
        document = self.documents(arn)
        if document is None:
            return None
        return _grants_of_dict(_freeze(document), f"{prefix}policy {_short(arn)}")

    def boundary(self, arn: str | None) -> tuple[tuple[Grant, ...] | None, tuple[str, ...]]:
        if arn is None:
            return None, ()
        found = self.managed(arn, "boundary ")
        if found is None:
            # Unread: no cap is the wider reading; the principal's verdicts are unknown anyway.
            return None, (f"boundary {_short(arn)}",)
        return found, ()


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
