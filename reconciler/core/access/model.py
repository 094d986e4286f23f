"""The access model of one account state: every principal, what it may do, and how.

Pure. `AccessModel.of(state, documents)` gathers each user's and role's policies (its own, its
groups', its permissions boundary) as grants, and each role's admissions (`principals.py`).
`answer(principal, action, resource)` says whether the principal may perform the action on
some resource the pattern names, directly or by assuming roles (transitively), with the chain
that grants it. A document iamctl could not read (an AWS managed policy that was not fetched)
makes the principals holding it `incomplete`: the verdicts that need it are `unknown`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..state import State, User
from .conditions import Verdict
from .documents import Documents
from .grants import Answer
from .holders import Holder, Holders, Pool, decided
from .overlay import differing_keys
from .principals import ROLE, USER, Admission, Principal
from .reach import ASSUME, Reach, Step, chain_text
from .trust_index import RolesOf, TrustIndex, admissions_of

if TYPE_CHECKING:
    from .ceiling import Ceiling


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
        self._builder = Holders(state, documents, now or datetime.now(timezone.utc),
                                 self.pool)
        self._roles = RolesOf(state)
        self._holders: dict[Principal, Holder | None] = {}
        self._reach = Reach(self)
        self._assumers: dict[str, frozenset[Principal]] = {}
        self._unread: dict[Principal, dict[str, tuple[str, ...]]] = {}
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
        # The service control policies' ceiling on this account (`ceiling.py`), when the run
        # knows it (`iamctl access`): every answer of its users and roles is capped by it.
        self.ceiling: Ceiling | None = None

    @classmethod
    def of(cls, state: State, documents: Documents, now: datetime | None = None,
           pool: Pool | None = None) -> AccessModel:
        return cls(state, documents, now, pool)

    def derived(self, state: State, changed_roles: frozenset[str]) -> AccessModel:
        """The model of `state`, which differs from this model's in users, groups, policies,
        and in roles: those named (whose policies a change edits: a policy they hold) and any
        whose entity is not the very same object in both states. The comparisons look only at
        those roles, so none is taken on trust from the caller."""
        edited = differing_keys(state.roles, self.state.roles) | \
            differing_keys(state.aws_roles, self.state.aws_roles)
        return AccessModel(state, self._builder.documents, self._builder.now, self.pool, self,
                           changed_roles | edited)

    def has_role(self, role: str) -> bool:
        return role in self._roles

    # Who is there.

    def holder(self, principal: Principal) -> Holder | None:
        if principal not in self._holders:
            self._holders[principal] = self._parents_holder(principal) or \
                self._builder.holder(principal)
        return self._holders[principal]

    def _parents_holder(self, principal: Principal) -> Holder | None:
        """A role the change leaves alone (not among the changed roles, which include every
        role whose entity differs: `derived`) holds what it held in the parent model."""
        parent = self._parent
        if parent is None or principal.type != ROLE or principal.name in self._changed_roles \
                or principal.name not in self._roles:
            return None
        return parent.holder(principal)

    @property
    def roles(self) -> list[str]:
        return sorted(self._roles)

    def admissions(self, role: str) -> tuple[Admission, ...]:
        found = self._roles.get(role)
        return admissions_of(found.trust.meaning if found and found.trust else "", self.account_id)

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
        reach = dict(self._reach.walk(Principal(USER, name), holder))
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
        return self._changed_roles if self._reach.reused(principal) else None

    @property
    def parent(self) -> AccessModel | None:
        return self._parent

    @property
    def changed_roles(self) -> frozenset[str]:
        """The roles this model may differ in from its parent (besides users, groups and
        policies)."""
        return self._changed_roles

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
                        if who.type == ROLE:
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
                   for action in (ASSUME, "iam:passrole"))

    def _assumers_of(self, role: str) -> Iterator[Principal]:
        for admission in self.admissions(role):
            if admission.who is not None:
                yield admission.who
            elif admission.via_identity:
                arn = self.role_arn(role)
                yield from (who for who in self._inside()
                            if self.own_answer(who, ASSUME, arn).verdict != Verdict.NO)

    # What they may do.

    def own_answer(self, principal: Principal, action: str, resource: str,
                   other_user: bool = False) -> Answer:
        found = decided(self.holder(principal), action, resource, other_user)
        if self.ceiling is None or found.verdict == Verdict.NO or not self._limited(principal):
            return found
        capped = self.ceiling.decide(action, resource)
        if capped.verdict >= found.verdict:
            return found
        return Answer(capped.verdict, found.via if capped.verdict else ())

    def _limited(self, principal: Principal) -> bool:
        """SCPs limit the account's users and roles, never its service-linked roles."""
        if principal.type == USER:
            return True
        role = self.state.aws_roles.get(principal.name)
        linked = role is not None and (role.path or "").startswith("/aws-service-role/")
        return principal.type == ROLE and not linked

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
                best = Answer(verdict, chain_text(chain) + found.via)
        return best

    def reachable(self, principal: Principal) -> Mapping[str, tuple[Step, ...]]:
        """Each role the principal may assume, directly or through other roles, with the
        shortest chain that gets there."""
        return self._reach.of(principal)

    def passed_through(self, who: Principal) -> frozenset[str]:
        return self._reach.passed_through(who)

    @property
    def trust_index(self) -> TrustIndex:
        if self._index is None:
            self._index = TrustIndex(self._roles, self.admissions, self._parent_index,
                                     self._changed_roles)
        return self._index
