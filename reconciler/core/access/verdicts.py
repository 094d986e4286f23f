"""Each change's verdict from the access model: its impact, the principals it touches, and what
they gain (section 10 of the design).

Pure. A change that moves access (`applied.py`) is judged by comparing every principal it
touches in the live model and in the model of the live state with that change alone: line by
line, what this change does. What principals gain is judged on the whole plan (the live model
against the model after every change), so two changes that only together open an escalation
method both carry it. Kinds the model does not see (tags, paths, credentials, settings,
identity providers) have a fixed rule each, and the principals they touch. `unknown` always
says why, and an `unknown` change that touches a principal holding or gaining full access
carries an `admin` risk: neither gate may treat it as safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from ..arns import policy_name
from ..changes import Action, Change, ChangeKind, Impact, Risk
from ..kinds.access_rules import MODELLED
from ..kinds.changes import access_of, touches_credentials
from ..kinds.declared import DECLARED
from ..state import State
from .applied import (
    applied,
    apply_change,
    changed_user,
    edited_user,
    moves_one_user,
    reverted,
    reverted_user,
    with_new_policies,
)
from .compare import Growth, compared, compared_sides
from .documents import Documents
from .holders import Pool
from .model import AccessModel
from .permission_set_powers import set_powers
from .powers import ADMIN, TRUST, Power, powers
from .principals import FEDERATED, ROLE, USER, Principal

_IMPACT = {
    Growth.SAME: Impact.NEUTRAL, Growth.GREW: Impact.BROADENS, Growth.BOTH: Impact.BROADENS,
    Growth.SHRANK: Impact.NARROWS, Growth.UNKNOWN: Impact.UNKNOWN,
}


@dataclass(frozen=True)
class Verdict:
    impact: Impact
    reason: str = ""  # why `unknown`
    touched: tuple[Principal, ...] = ()
    by_rule: bool = False  # a kind the model does not see (its rule decided)


@dataclass
class Judge:
    """The models a plan's verdicts need: live, after the whole plan, and one per change."""

    desired: State
    live: State
    documents: Documents
    now: datetime | None = None

    def __post_init__(self) -> None:
        self.pool = Pool()
        self.before = self.model(self.live)
        self.base = with_new_policies(self.live, self.desired)
        # The live account with the policies the plan creates: what one user's change is
        # weighed in.
        self.base_model = self.before.derived(self.base, frozenset())
        self._after: AccessModel | None = None
        self._scan: frozenset[Principal] | None = None
        self._holders: _Holders | None = None

    def after(self, changes: Sequence[Change]) -> AccessModel:
        if self._after is None:
            state = applied(self.live, changes, self.desired)
            self._after = self.model(state)
        return self._after

    def scan(self, changes: Sequence[Change]) -> frozenset[Principal]:
        """The users and roles that may assume or pass roles, live or after the plan."""
        if self._scan is None:
            models = [self.before, self.after(changes)]
            self._scan = frozenset(who for model in models for who in model.inside()
                                   if model.may_assume_or_pass(who))
            for model in models:
                model.scan = self._scan
        return self._scan

    def verdict(self, change: Change, changes: Sequence[Change]) -> Verdict:
        """What this change does: from the live state (the change alone), and within the plan
        (the whole plan without it, then with it), so neither a grant made redundant by
        another change nor one that only works with another can hide."""
        access = access_of(change.kind)
        if access is not MODELLED:
            impact, reason = access(change)
            return Verdict(impact, reason, tuple(self.touched_by_rule(change)), by_rule=True)
        if moves_one_user(change.kind):
            return self.user_verdict(change, changes)
        roles = self.roles_of(change)
        alone_state = apply_change(self.base, change, self.desired)
        # A new policy is already in the state a change is judged alone in (a change alone may
        # attach it): its model is shared by every such change.
        alone = self.base_model if alone_state is self.base else \
            self.before.derived(alone_state, roles)
        alone.scan = self.scan(changes)
        pairs = [(self.before, alone)]
        # A new user or group is empty until its own memberships and attachments, which are
        # judged on their lines; within the plan it would carry all of them.
        if len(changes) > 1 and not _creates_empty(change):
            after = self.after(changes)
            without = after.derived(reverted(after.state, change, self.live, self.desired),
                                    roles)
            without.scan = alone.scan
            pairs.append((without, after))
        models = [model for pair in pairs for model in pair]
        touched = self.touched(change, models)
        growths = {compared(old, new, who) for old, new in pairs for who in touched}
        impact = _combined(growths)
        reason = self.unread_reason(touched, models) if impact == Impact.UNKNOWN else ""
        return Verdict(impact, reason, tuple(touched))

    def user_verdict(self, change: Change, changes: Sequence[Change]) -> Verdict:
        """A change to one user's own policies (membership, attachment, inline policy,
        boundary, the user itself) moves that user's access alone: it is weighed on the user
        as the change leaves it, against the models the plan already has, so a plan creating
        thousands of users needs no model of the whole account per change."""
        name = changed_user(change)
        who = Principal(USER, name)
        alone = edited_user(self.base, change, self.desired)
        pairs = [(self.before.side(who), self.base_model.user_side(name, alone))]
        if len(changes) > 1 and not _creates_empty(change):
            after = self.after(changes)
            without = reverted_user(after.state, change, self.live, self.desired)
            pairs.append((after.user_side(name, without), after.side(who)))
        impact = _combined({compared_sides(old, new) for old, new in pairs})
        reason = ""
        if impact == Impact.UNKNOWN:
            unread = sorted({source for pair in pairs for side in pair for source in side.unread})
            reason = _unread_reason(unread)
        return Verdict(impact, reason, (who,))

    def roles_of(self, change: Change) -> frozenset[str]:
        """The roles whose trust or policies the change may alter: a model of the change reads
        them again and keeps its parent's reading of the others."""
        if change.kind.value.startswith(("role", "instance_profile")):
            return frozenset({change.name})
        if change.kind.value.startswith("policy"):
            return frozenset(p.name for p in self.holders_of(change.name) if p.type == ROLE)
        return frozenset()

    def model(self, state: State) -> AccessModel:
        return AccessModel.of(state, self.documents, self.now, self.pool)

    # Who a change touches.

    def touched(self, change: Change, models: Sequence[AccessModel]) -> list[Principal]:
        # Besides the owners, who reaches or passes a touched role: the models scan only the
        # principals that may assume or pass roles live or after the plan (`scan`); one that
        # may only with this change is one of its owners.
        owners = set(self.owners(change, models))
        roles = {p.name for p in owners if p.type == ROLE}
        if roles:
            for model in models:
                owners |= model.reachers(roles)
                owners |= {who for role in roles for who in model.passers(role)}
        return sorted(owners)

    def owners(self, change: Change, models: Sequence[AccessModel]) -> Iterable[Principal]:
        kind = change.kind.value
        if kind.startswith("user") or touches_credentials(change.kind):
            return [Principal(USER, change.name)]
        if change.kind == ChangeKind.GROUP_MEMBER:
            return [Principal(USER, change.target)]
        if kind.startswith("group"):
            return self.members(change.name)
        if kind.startswith("policy"):
            return self.holders_of(change.name)
        if kind.startswith(("role", "instance_profile")):
            return [Principal(ROLE, change.name)]
        return []

    def touched_by_rule(self, change: Change) -> list[Principal]:
        if change.kind.value.startswith(("oidc", "saml")):
            return self.federated(change)
        return self.touched(change, [self.before])

    def federated(self, change: Change) -> list[Principal]:
        name = change.name if change.kind.value.startswith("oidc") else \
            f"saml-provider/{change.name}"
        provider = Principal(FEDERATED, name)
        return [provider] if provider in self.before.principals() else []

    def members(self, group: str) -> list[Principal]:
        return self._index().members.get(group, [])

    def holders_of(self, policy: str) -> list[Principal]:
        """Who holds the customer managed policy, live or as the files declare (attached, as a
        boundary, or through a group)."""
        index = self._index()
        return index.holders.get(policy, []) + [
            who for group in index.groups.get(policy, []) for who in self.members(group)]

    def _index(self) -> _Holders:
        if self._holders is None:
            self._holders = _Holders.of(self.live, self.desired)
        return self._holders

    def unread_reason(self, touched: Iterable[Principal], models: Sequence[AccessModel]) -> str:
        return _unread_reason(sorted({source for model in models for who in touched
                                      for source in model.incomplete(who)}))


@dataclass
class _Holders:
    """Who holds each customer managed policy and who is in each group, live and as the files
    declare: read once per plan, not once per change."""

    holders: dict[str, list[Principal]]  # policy name: users and roles (attached or boundary)
    groups: dict[str, list[str]]  # policy name: the groups it is attached to
    members: dict[str, list[Principal]]  # group name: its users

    @classmethod
    def of(cls, *states: State) -> _Holders:
        index = cls({}, {}, {})
        for state in states:
            for principal_type, entities in ((USER, state.users), (ROLE, state.roles)):
                for name, entity in entities.items():
                    for policy in _names({*entity.policies, entity.permissions_boundary or ""}):
                        index.holders.setdefault(policy, []).append(Principal(principal_type, name))
            for name, user in state.users.items():
                for group_name in user.groups:
                    index.members.setdefault(group_name, []).append(Principal(USER, name))
            for name, group in state.groups.items():
                for policy in _names(group.policies):
                    index.groups.setdefault(policy, []).append(name)
        return index


def _names(arns: Iterable[str]) -> set[str]:
    return {policy_name(arn) for arn in arns}


def _unread_reason(unread: Sequence[str]) -> str:
    if unread:
        return f"iamctl could not read {', '.join(unread)}"
    return "iamctl cannot judge this change"


def judged(changes: Sequence[Change], desired: State, live: State, documents: Documents,
           now: datetime | None = None) -> list[Change]:
    """The changes with their impact, reason and risks (each risk naming its principal)."""
    judge = Judge(desired, live, documents, now)
    verdicts = [judge.verdict(change, changes) for change in changes]
    after = judge.after(changes) if any(v.impact in _MAY_GROW for v in verdicts) else None
    gains = _Gains(judge.before, after)
    result = []
    for change, verdict in zip(changes, verdicts, strict=True):
        risks = gains.of(verdict, _admits(change)) if after is not None else ()
        declared = _DECLARED_RISKS.get(change.kind)
        if declared is not None:
            risks = (*risks, *declared(change, desired, live, partial(set_powers, documents)))
        result.append(replace(change, impact=verdict.impact, impact_reason=verdict.reason,
                              risks=risks))
    return result


_MAY_GROW = (Impact.BROADENS, Impact.UNKNOWN)
# The kinds declared in modules of their own that name the dangers their changes open.
_DECLARED_RISKS = {kind_spec.kind: kind.risks for kind in DECLARED if kind.risks
                   for kind_spec in kind.changes}


class _Gains:
    """What each principal gains over the whole plan, worked out once per principal."""

    def __init__(self, before: AccessModel, after: AccessModel | None) -> None:
        self.before, self.after = before, after
        self._cache: dict[Principal, tuple[Risk, ...]] = {}
        self._admin: dict[Principal, bool] = {}

    def of(self, verdict: Verdict, admits: bool) -> tuple[Risk, ...]:
        """`admits`: the change may let someone new assume a role (a `trust` risk is its; a
        role's new policy gives its assumers more, but lets no one new in)."""
        if verdict.impact not in _MAY_GROW:
            return ()
        risks: list[Risk] = []
        for who in verdict.touched:
            risks += [r for r in self.gained(who)
                      if r not in risks and (admits or r.category != TRUST)]
        if verdict.impact == Impact.UNKNOWN or verdict.by_rule:
            risks += [r for r in self.unjudged(verdict) if r not in risks]
        return tuple(risks)

    def gained(self, who: Principal) -> tuple[Risk, ...]:
        if who not in self._cache:
            self._cache[who] = tuple(self._gained(who))
        return self._cache[who]

    def _gained(self, who: Principal) -> Iterable[Risk]:
        assert self.after is not None
        if who.outside:
            new_roles = set(self.after.reachable(who)) - set(self.before.reachable(who))
            for role in sorted(new_roles):
                yield Risk(TRUST, f"may assume role {role}", str(who))
        had = {(p.category, p.detail) for p in powers(self.before, who)}
        gained = [p for p in powers(self.after, who) if (p.category, p.detail) not in had]
        if any(p.category == ADMIN for p in gained):  # full access says it all
            gained = [p for p in gained if p.category == ADMIN]
        for power in gained:
            yield Risk(power.category, _detail(power), str(who))

    def unjudged(self, verdict: Verdict) -> Iterable[Risk]:
        """A change the model could not weigh that touches a principal holding or gaining full
        access: one it could not judge, or one of a kind it does not see that may grow access
        (a new audience for a provider an admin role trusts lets new tokens in)."""
        assert self.after is not None
        why = "this change could not be judged" if verdict.impact == Impact.UNKNOWN \
            else "this change may let new callers reach it"
        for who in verdict.touched:
            if self.holds_admin(who):
                yield Risk(ADMIN, f"holds full access, and {why}", str(who))

    def holds_admin(self, who: Principal) -> bool:
        if who not in self._admin:
            assert self.after is not None
            self._admin[who] = any(p.category == ADMIN for model in (self.before, self.after)
                                   for p in powers(model, who))
        return self._admin[who]


def _detail(power: Power) -> str:
    via = f" via {' > '.join(power.via)}" if power.via else ""
    return f"{power}{via}"


def _creates_empty(change: Change) -> bool:
    """A new user or group holds nothing yet; a new policy grants nothing until attached."""
    return change.action == Action.CREATE and change.kind in (ChangeKind.USER, ChangeKind.GROUP,
                                                              ChangeKind.POLICY)


_ADMITTING = (ChangeKind.ROLE, ChangeKind.ROLE_TRUST, ChangeKind.OIDC_PROVIDER,
              ChangeKind.OIDC_CLIENT_ID,
              ChangeKind.OIDC_THUMBPRINTS, ChangeKind.SAML_PROVIDER, ChangeKind.SAML_METADATA)


def _admits(change: Change) -> bool:
    return change.kind in _ADMITTING


def _combined(growths: set[Growth]) -> Impact:
    if Growth.GREW in growths or Growth.BOTH in growths:
        return Impact.BROADENS
    if Growth.UNKNOWN in growths:
        return Impact.UNKNOWN
    if Growth.SHRANK in growths:
        return Impact.NARROWS
    return Impact.NEUTRAL


