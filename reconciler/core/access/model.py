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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..model import Document, Role, State, User
from .conditions import Facts, Verdict
from .documents import Documents
from .grants import NO, Answer, Grant, PolicySet, grants_of
from .overlay import with_item, without_item
from .principals import (
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


@dataclass(frozen=True)
class Side:
    """One principal as one model sees it: its own policies, each role it reaches (whose
    policies are the model's), and what iamctl could not read among them."""

    model: AccessModel
    holder: Holder | None
    reach: Mapping[str, tuple[Step, ...]]
    unread: tuple[str, ...]


class AccessModel:
    """Built lazily: a plan asks about the few principals its changes touch, in accounts of
    thousands; each holder and each role's admissions are worked out on first use."""

    def __init__(self, state: State, documents: Documents, now: datetime | None = None,
                 pool: Pool | None = None, parent: AccessModel | None = None,
                 changed_roles: frozenset[str] = frozenset()) -> None:
        """`parent`: the model of a state this one differs from only in `changed_roles` (and
        in users, groups and policies): its trust index is shared."""
        self.state = state
        self.account_id, self.partition = state.account.id, state.account.partition
        self.pool = pool or Pool()
        self._builder = _Builder(state, documents, now or datetime.now(timezone.utc),
                                 self.pool)
        self._roles = _Roles(state)
        self._holders: dict[Principal, Holder | None] = {}
        self._reach: dict[Principal, Mapping[str, tuple[Step, ...]]] = {}
        self._assumers: dict[str, frozenset[Principal]] = {}
        self._reused: set[Principal] = set()  # whose reach was worked out from the parent's
        self._unread: dict[Principal, dict[str, tuple[str, ...]]] = {}
        self._through: dict[Principal, frozenset[str]] = {}
        # Answers derived from the model that its users keep with it (`powers.py`).
        self.cache: dict[str, dict[Any, Any]] = {}
        # The users and roles worth asking whether they may assume or pass a role by their own
        # policies (None: all of them). A plan's models of one change each set it to those that
        # may in the live model or after the plan, so thousands of changes do not each scan
        # thousands of principals.
        self.scan: frozenset[Principal] | None = None
        self._parent = parent
        self._parent_index = parent.trust_index if parent is not None else None
        self._changed_roles = changed_roles
        self._index: TrustIndex | None = None

    @classmethod
    def of(cls, state: State, documents: Documents, now: datetime | None = None,
           pool: Pool | None = None) -> AccessModel:
        return cls(state, documents, now, pool)

    def derived(self, state: State, changed_roles: frozenset[str]) -> AccessModel:
        """The model of `state`, which differs from this model's only in the roles named (and
        in anything but roles)."""
        return AccessModel(state, self._builder.documents, self._builder.now, self.pool, self,
                           changed_roles)

    def has_role(self, role: str) -> bool:
        return role in self._roles

    # Who is there.

    def holder(self, principal: Principal) -> Holder | None:
        if principal not in self._holders:
            self._holders[principal] = self._parents_holder(principal) or \
                self._builder.holder(principal)
        return self._holders[principal]

    def _parents_holder(self, principal: Principal) -> Holder | None:
        """A role the change leaves alone (the same object in both states, not among the changed
        roles) holds what it held in the parent model."""
        parent = self._parent
        if parent is None or principal.kind != ROLE or principal.name in self._changed_roles:
            return None
        mine = self._roles.get(principal.name)
        if mine is None or mine is not parent._roles.get(principal.name):
            return None
        return parent.holder(principal)

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
        for sources in self._unread_of_reached(principal).values():
            unread += [u for u in sources if u not in unread]
        return tuple(unread)

    def _unread_of_reached(self, principal: Principal) -> dict[str, tuple[str, ...]]:
        """The unread sources of each role the principal reaches that holds any. A reach worked
        out from the parent's takes the parent's answer for every role but the changed ones
        (a principal trusted by hundreds of roles is asked once per change of a plan)."""
        if principal not in self._unread:
            changed = self.reach_changed(principal)
            if changed is not None:
                assert self._parent is not None
                found = {role: sources for role, sources
                         in self._parent._unread_of_reached(principal).items()
                         if role not in changed}
                roles: Iterable[str] = [r for r in changed if r in self.reachable(principal)]
            else:
                found, roles = {}, self.reachable(principal)
            for role in roles:
                holder = self.holder(Principal(ROLE, role))
                if holder is not None and holder.unread:
                    found[role] = holder.unread
            self._unread[principal] = found
        return self._unread[principal]

    def side(self, principal: Principal) -> Side:
        return Side(self, self.holder(principal), self.reachable(principal),
                    self.incomplete(principal))

    def user_side(self, name: str, user: User | None) -> Side:
        """The user as it would be with `user` as its entity (None: gone) and everything else
        as this model has it: how a plan weighs a change to one user's own policies without a
        model of the whole account per change."""
        holder = self._builder.user(name, user) if user is not None else None
        reach = dict(self._walk(Principal(USER, name), holder))
        unread = list(holder.unread) if holder is not None else []
        for role in reach:
            held = self.holder(Principal(ROLE, role))
            unread += [u for u in held.unread if u not in unread] if held is not None else []
        return Side(self, holder, reach, tuple(unread))

    def reach_changed(self, principal: Principal) -> frozenset[str] | None:
        """The roles where this model's reach of the principal may differ from its parent's
        (each other role is reached by the same chain and holds the same policies); None when
        it was not worked out from the parent's."""
        self.reachable(principal)
        return self._changed_roles if principal in self._reused else None

    @property
    def parent(self) -> AccessModel | None:
        return self._parent

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
        if self.scan is not None:
            return list(self.scan)
        return self.inside()

    def inside(self) -> list[Principal]:
        """Every user and role."""
        return [Principal(USER, name) for name in self.state.users] + \
            [Principal(ROLE, name) for name in self._roles]

    def may_assume_or_pass(self, who: Principal) -> bool:
        """Whether the principal's own policies let it assume or pass any role at all."""
        return any(self.own_answer(who, action, "*").verdict != Verdict.NO
                   for action in (_ASSUME, "iam:passrole"))

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
        return _decided(self.holder(principal), action, resource, other_user)

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

    def reachable(self, principal: Principal) -> Mapping[str, tuple[Step, ...]]:
        """Each role the principal may assume, directly or through other roles, with the
        shortest chain that gets there."""
        if principal not in self._reach:
            reused = self._reach_from_parent(principal)
            if reused is not None:
                self._reused.add(principal)
            self._reach[principal] = reused if reused is not None else \
                dict(self._walk(principal, self.holder(principal)))
        return self._reach[principal]

    def _reach_from_parent(self, who: Principal) -> Mapping[str, tuple[Step, ...]] | None:
        """A model of one change differs from its parent only around the changed roles: the
        parent's chains that avoid them still hold, and only steps into them are new. None
        when that cannot be shown (the principal's own policies changed, or a changed role
        leads on to others, or some chain passes through one): then the walk is made afresh.
        A principal that reaches many roles (an account every role trusts) would otherwise be
        walked again per change; its reach is the parent's with the changed roles' entries
        replaced."""
        parent, changed = self._parent, self._changed_roles
        if parent is None or (who.kind == ROLE and who.name in changed):
            return None
        mine, theirs = self.holder(who), parent.holder(who)
        if (mine.policies if mine else None) is not (theirs.policies if theirs else None):
            return None
        theirs_reach = parent.reachable(who)
        if changed & parent.passed_through(who):
            return None
        found: dict[str, tuple[Step, ...]] = {}
        for role in sorted(changed):
            if not self.has_role(role):
                continue
            chain = self._chain_into(who, role, theirs_reach)
            if chain is not None:
                held = Principal(ROLE, role)
                if any(True for _ in self._steps(held, self.holder(held))):
                    return None  # it leads on: walk afresh
                found[role] = chain
        if all(theirs_reach.get(role) == found.get(role) for role in changed):
            return theirs_reach  # the very same: comparisons see at once that nothing moved
        reach = theirs_reach
        for role in changed:
            reach = with_item(reach, role, found[role]) if role in found else \
                without_item(reach, role)
        return reach

    def _chain_into(self, who: Principal, role: str,
                    reach: Mapping[str, tuple[Step, ...]]) -> tuple[Step, ...] | None:
        """The shortest chain by which the principal, or a role it reaches (in `reach`, which
        holds no chain through `role`), is admitted into `role`. Only the roles the trust could
        admit are looked at: by name, as anyone in the account, or by their identity policy."""
        admissions = self.admissions(role)
        named = {a.who.name for a in admissions if a.who is not None and a.who.kind == ROLE}
        any_role = any(a.via_identity or (a.who is not None and a.who.kind == AWS_ANY)
                       for a in admissions)
        # In the order of the reach (the walk's: shortest chains first), as a walk would.
        starts = [(who, ())] + [(Principal(ROLE, r), c) for r, c in reach.items()
                                if r != role and (any_role or r in named)]
        for start, chain in starts:
            holder = self.holder(start)
            best = max((s for a in admissions
                        if (s := self._admitted(start, holder, role, a)) is not None),
                       key=lambda s: s.verdict, default=None)
            if best is not None:
                return (*chain, best)
        return None

    def passed_through(self, who: Principal) -> frozenset[str]:
        """The roles some chain of the principal's reach passes through on its way further."""
        if who not in self._through:
            self._through[who] = frozenset(step.role for chain in self.reachable(who).values()
                                           for step in chain[:-1])
        return self._through[who]

    def _walk(self, start: Principal,
              holder: Holder | None) -> Iterator[tuple[str, tuple[Step, ...]]]:
        """The roles reached from `start`, which holds `holder` (the roles beyond hold what
        this model says they do)."""
        seen = {start.name} if start.kind == ROLE else set()
        frontier: list[tuple[Principal, tuple[Step, ...]]] = [(start, ())]
        while frontier:
            following: list[tuple[Principal, tuple[Step, ...]]] = []
            for who, chain in frontier:
                own = holder if who is start else self.holder(who)
                for step in self._steps(who, own):
                    if step.role in seen:
                        continue
                    seen.add(step.role)
                    longer = (*chain, step)
                    yield step.role, longer
                    following.append((Principal(ROLE, step.role), longer))
            frontier = following

    def _steps(self, who: Principal, holder: Holder | None) -> Iterator[Step]:
        # Most principals may assume no role by their own policies: then only the roles whose
        # trust names them (or everyone) need a look.
        by_identity = not who.outside and \
            _decided(holder, _ASSUME, "*").verdict != Verdict.NO
        for role in sorted(self.trust_index.candidates(who, by_identity)):
            best: Step | None = None
            for admission in self.admissions(role):
                step = self._admitted(who, holder, role, admission, by_identity)
                if step is not None and (best is None or step.verdict > best.verdict):
                    best = step
            if best is not None:
                yield best

    def _admitted(self, who: Principal, holder: Holder | None, role: str,
                  admission: Admission, by_identity: bool = True) -> Step | None:
        if admission.via_identity:
            if who.outside or not by_identity:
                return None
            allowed = _decided(holder, _ASSUME, self.role_arn(role))
            if allowed.verdict == Verdict.NO:
                return None
            return Step(role, min(admission.verdict, allowed.verdict), allowed.via)
        if admission.who == who:
            return Step(role, admission.verdict)
        if admission.who is not None and admission.who.kind == AWS_ANY and not who.outside:
            return Step(role, admission.verdict)  # `*` names this account's principals too
        return None


    @property
    def trust_index(self) -> TrustIndex:
        if self._index is None:
            self._index = TrustIndex(self, self._parent_index, self._changed_roles)
        return self._index


class TrustIndex:
    """Which roles may admit a principal, without reading every trust policy for every
    principal: the roles whose trust names it, those that admit everyone, and those that admit
    the account (for principals whose own policies may assume roles). A model of one change
    takes its parent's index and reads again only the roles the change touches."""

    def __init__(self, model: AccessModel, parent: TrustIndex | None = None,
                 changed: frozenset[str] = frozenset()) -> None:
        self.parent, self.changed = parent, changed
        self.named: dict[Principal, set[str]] = {}
        self.everyone: set[str] = set()
        self.account: set[str] = set()
        roles = changed if parent is not None else frozenset(model.roles)
        for role in roles:
            if not model.has_role(role):
                continue  # deleted by the change
            for admission in model.admissions(role):
                if admission.via_identity:
                    self.account.add(role)
                elif admission.who is not None and admission.who.kind == AWS_ANY:
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


class _Roles(Mapping[str, Role]):
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


def _decided(holder: Holder | None, action: str, resource: str,
             other_user: bool = False) -> Answer:
    """What the holder's own policies answer (nothing is allowed to no one)."""
    if holder is None:
        return NO
    return holder.policies.decide(action.lower(), resource, holder.facts, other_user)


def _chain_text(chain: tuple[Step, ...]) -> tuple[str, ...]:
    return tuple(f"assumes role {step.role}" + (f" ({', '.join(step.via)})" if step.via else "")
                 for step in chain)


@functools.lru_cache(maxsize=8192)
def _admissions(trust: str, account_id: str) -> tuple[Admission, ...]:
    """A trust policy's admissions, by its meaning: roles share few distinct trust policies."""
    return tuple(trust_admits(json.loads(trust) if trust else {}, account_id))


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


class _Builder:
    """Grants for every user and role of a state, each policy document turned into grants once
    (users share groups and policies: thousands of users, a few dozen documents)."""

    def __init__(self, state: State, documents: Documents, now: datetime, pool: Pool) -> None:
        self.state, self.documents, self.now, self.pool = state, documents, now, pool
        self.account, self.partition = state.account.id, state.account.partition
        self._managed: dict[tuple[str, str], tuple[Grant, ...] | None] = {}
        self._groups: dict[str, tuple[tuple[Grant, ...], tuple[str, ...]]] = {}
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
