"""How principals reach roles: each role a principal may assume, directly or through other
roles, with the shortest chain that gets there (`Step` by `Step`).

Pure; part of the access model (`model.py`), which keeps one `Reach` per model. A model made
from another for one change (`AccessModel.derived`) works its reach out from its parent's where
only the changed roles can differ, instead of walking every principal's chains again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .conditions import Verdict
from .holders import Holder, decided
from .overlay import with_item, without_item
from .principals import AWS_ANY, ROLE, Admission, Principal

if TYPE_CHECKING:  # the model keeps its reach; the reach asks the model for holders and trusts
    from .model import AccessModel

ASSUME = "sts:assumerole"


@dataclass(frozen=True)
class Step:
    """One link of a chain: a principal reaches `role` (by its trust, and by an identity
    policy when `via` names one)."""

    role: str
    verdict: Verdict
    via: tuple[str, ...] = ()


class Reach:
    """The reach of every principal of one model, worked out on first use."""

    def __init__(self, model: AccessModel) -> None:
        self.model = model
        self._reach: dict[Principal, Mapping[str, tuple[Step, ...]]] = {}
        self._reused: set[Principal] = set()  # whose reach was worked out from the parent's
        self._through: dict[Principal, frozenset[str]] = {}

    def of(self, principal: Principal) -> Mapping[str, tuple[Step, ...]]:
        if principal not in self._reach:
            reused = self._from_parent(principal)
            if reused is not None:
                self._reused.add(principal)
            self._reach[principal] = reused if reused is not None else \
                dict(self.walk(principal, self.model.holder(principal)))
        return self._reach[principal]

    def reused(self, principal: Principal) -> bool:
        """Whether the principal's reach was worked out from the parent model's."""
        return principal in self._reused

    def _from_parent(self, who: Principal) -> Mapping[str, tuple[Step, ...]] | None:
        """A model of one change differs from its parent only around the changed roles: the
        parent's chains that avoid them still hold, and only steps into them are new. None
        when that cannot be shown (the principal's own policies changed, or a changed role
        leads on to others, or some chain passes through one): then the walk is made afresh.
        A principal that reaches many roles (an account every role trusts) would otherwise be
        walked again per change; its reach is the parent's with the changed roles' entries
        replaced."""
        model = self.model
        parent, changed = model.parent, model.changed_roles
        if parent is None or (who.type == ROLE and who.name in changed):
            return None
        mine, theirs = model.holder(who), parent.holder(who)
        if (mine.policies if mine else None) is not (theirs.policies if theirs else None):
            return None
        theirs_reach = parent.reachable(who)
        if changed & parent.passed_through(who):
            return None
        found: dict[str, tuple[Step, ...]] = {}
        for role in sorted(changed):
            if not model.has_role(role):
                continue
            chain = self._chain_into(who, role, theirs_reach)
            if chain is not None:
                held = Principal(ROLE, role)
                if any(True for _ in self._steps(held, model.holder(held))):
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
        admissions = self.model.admissions(role)
        named = {a.who.name for a in admissions if a.who is not None and a.who.type == ROLE}
        any_role = any(a.via_identity or (a.who is not None and a.who.type == AWS_ANY)
                       for a in admissions)
        # In the order of the reach (the walk's: shortest chains first), as a walk would.
        starts = [(who, ())] + [(Principal(ROLE, r), c) for r, c in reach.items()
                                if r != role and (any_role or r in named)]
        for start, chain in starts:
            holder = self.model.holder(start)
            best = max((s for a in admissions
                        if (s := self._admitted(start, holder, role, a)) is not None),
                       key=lambda s: s.verdict, default=None)
            if best is not None:
                return (*chain, best)
        return None

    def passed_through(self, who: Principal) -> frozenset[str]:
        """The roles some chain of the principal's reach passes through on its way further."""
        if who not in self._through:
            self._through[who] = frozenset(step.role for chain in self.of(who).values()
                                           for step in chain[:-1])
        return self._through[who]

    def walk(self, start: Principal,
              holder: Holder | None) -> Iterator[tuple[str, tuple[Step, ...]]]:
        """The roles reached from `start`, which holds `holder` (the roles beyond hold what
        this model says they do)."""
        seen = {start.name} if start.type == ROLE else set()
        frontier: list[tuple[Principal, tuple[Step, ...]]] = [(start, ())]
        while frontier:
            following: list[tuple[Principal, tuple[Step, ...]]] = []
            for who, chain in frontier:
                own = holder if who is start else self.model.holder(who)
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
            decided(holder, ASSUME, "*").verdict != Verdict.NO
        for role in sorted(self.model.trust_index.candidates(who, by_identity)):
            best: Step | None = None
            for admission in self.model.admissions(role):
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
            allowed = decided(holder, ASSUME, self.model.role_arn(role))
            if allowed.verdict == Verdict.NO:
                return None
            return Step(role, min(admission.verdict, allowed.verdict), allowed.via)
        if admission.who == who:
            return Step(role, admission.verdict)
        if admission.who is not None and admission.who.type == AWS_ANY and not who.outside:
            return Step(role, admission.verdict)  # `*` names this account's principals too
        return None


def chain_text(chain: tuple[Step, ...]) -> tuple[str, ...]:
    return tuple(f"assumes role {step.role}" + (f" ({', '.join(step.via)})" if step.via else "")
                 for step in chain)
