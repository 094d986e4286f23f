"""The powers a principal holds in the access model: full access, and escalation methods.

Pure. `admin`: the principal (itself or as a role it reaches) has a statement allowing every
action on every resource, and no Deny or boundary takes a sample of the most sensitive actions
away. `privilege-escalation`: every action of a method in the escalation catalog is allowed on
the resources the method needs. A method whose gain is full access (`gains: admin`, such as
`iam:CreatePolicyVersion`) makes the principal admin too: "directly or by a route".
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from .compare import stronger
from .conditions import Verdict
from .escalation_catalog import OTHER_USER, SELF, Method, methods
from .grants import ALLOW, Answer, Grant, PolicySet
from .holders import Holder
from .model import AccessModel
from .patterns import meets
from .principals import ROLE, Principal

ADMIN, ESCALATION, TRUST = "admin", "privilege-escalation", "trust"
PASS_ROLE = "iam:passrole"
# Actions full access must include: a Deny or a boundary on any of them means "not admin" (the
# methods below still find what is left).
_SENSITIVE = (
    "iam:createuser", "iam:attachrolepolicy", "iam:putrolepolicy", "iam:passrole",
    "iam:createaccesskey", "sts:assumerole", "ec2:runinstances", "lambda:createfunction",
    "s3:deletebucket", "kms:decrypt", "organizations:leaveorganization",
)


@dataclass(frozen=True)
class Power:
    category: str  # ADMIN or ESCALATION: the category of the risk it opens
    detail: str  # "every action on every resource", a method's title
    via: tuple[str, ...]
    verdict: Verdict  # YES, or MAYBE under a condition iamctl cannot decide

    def __str__(self) -> str:
        return self.detail + (" (if its conditions hold)" if self.verdict == Verdict.MAYBE
                              else "")


def powers(model: AccessModel, principal: Principal) -> list[Power]:
    """What the principal can do that matters: admin first, then each escalation method.
    Principals that hold the same policies, reach the same roles and whose policies name no
    particular user or role get the same answer, worked out once (accounts of thousands of
    users in a few groups)."""
    if model.holder(principal) is None and not model.reachable(principal):
        return []  # not there (yet, or any more), and reaching no role
    key = _shared_key(model, principal)
    if key is None:
        return _powers(model, principal)
    cache = model.cache.setdefault("powers", {})
    if key not in cache:
        cache[key] = _powers(model, principal)
    return list(cache[key])


def _shared_key(model: AccessModel, principal: Principal) -> tuple[object, ...] | None:
    holder = model.holder(principal)
    if holder is None or holder.policies.shared is None or _names_someone(holder):
        return None
    reached = tuple(sorted((role, min(s.verdict for s in chain))
                           for role, chain in model.reachable(principal).items()))
    return (id(holder.policies), principal.type, reached)


def _names_someone(holder: Holder) -> bool:
    """Whether a statement names a particular user or role (whose own it may be)."""
    every = holder.policies.grants + (holder.policies.boundary or ())
    return any((":user/" in r or ":role/" in r) and not r.endswith("*")
               for g in every for r in g.resources)


def _powers(model: AccessModel, principal: Principal) -> list[Power]:
    found = list(_methods(model, principal))
    admin = _admin(model, principal)
    if admin is None:
        route = next((p for p in found if p.category == ADMIN), None)
        if route is not None:  # full access by a route of the catalog
            admin = Power(ADMIN, f"full access (by: {route.detail})", route.via, route.verdict)
    rest = [p for p in found if p.category == ESCALATION]
    return ([admin] if admin else []) + rest


def is_admin(model: AccessModel, principal: Principal) -> bool:
    return any(p.category == ADMIN for p in powers(model, principal))


def _admin(model: AccessModel, principal: Principal) -> Power | None:
    holders = [principal] + [Principal(ROLE, role) for role in model.reachable(principal)]
    if not any(_allows_everything(model, holder) for holder in holders):
        return None
    answers = [model.answer(principal, action, "*") for action in _SENSITIVE]
    verdict = min(answer.verdict for answer in answers)
    if verdict == Verdict.NO:
        return None
    via = next(a.via for a in answers if a.verdict == verdict)
    return Power(ADMIN, "full access", via, verdict)


def _allows_everything(model: AccessModel, holder: Principal) -> bool:
    found = model.holder(holder)
    return found is not None and any(g.allows_everything for g in found.policies.grants)


def _methods(model: AccessModel, principal: Principal) -> Iterator[Power]:
    for method in _possible(model, principal):
        answers: list[Answer] = []
        for need in method.requires:
            answer = _requirement(model, principal, need.action, need.resource)
            if answer.verdict == Verdict.NO:
                break  # a method needs all its actions
            answers.append(answer)
        else:
            yield _power(method, answers)


def _possible(model: AccessModel, principal: Principal) -> tuple[Method, ...]:
    """The methods whose every action some Allow of the principal names at all (or of a role
    it reaches): a quick look that spares most principals most of the catalog."""
    holders = [model.holder(principal)]
    holders += [model.holder(Principal(ROLE, role)) for role in model.reachable(principal)]
    sets = tuple(holder.policies for holder in holders if holder is not None)
    return _possible_for(sets)


def _possible_for(sets: tuple[PolicySet, ...]) -> tuple[Method, ...]:
    named = frozenset().union(*(_named_needs(s) for s in sets))
    return tuple(method for method, needs in _needs() if needs <= named)


@functools.lru_cache(maxsize=1)
def _needs() -> tuple[tuple[Method, frozenset[str]], ...]:
    """Each method of the catalog with the actions it needs (lower case)."""
    return tuple((method, frozenset(need.action.lower() for need in method.requires))
                 for method in methods())


# The catalog's actions some Allow of a policy set names, kept with the set while it lives:
# thousands of principals share a few hundred sets, made of a few dozen statements.
_NAMED: weakref.WeakKeyDictionary[PolicySet, frozenset[str]] = weakref.WeakKeyDictionary()


def _named_needs(policies: PolicySet) -> frozenset[str]:
    found = _NAMED.get(policies)
    if found is None:
        found = _NAMED[policies] = frozenset().union(
            *(_named_by(grant) for grant in policies.grants if grant.effect == ALLOW))
    return found


@functools.lru_cache(maxsize=8192)
def _named_by(grant: Grant) -> frozenset[str]:
    """The catalog's actions the statement names (a statement is in many sets)."""
    return grant.names_among(frozenset().union(*(needs for _, needs in _needs())))


def _power(method: Method, answers: list[Answer]) -> Power:
    verdict = min(answer.verdict for answer in answers)
    via = tuple(dict.fromkeys(v for answer in answers for v in answer.via))
    category = ADMIN if method.gains == ADMIN else ESCALATION
    return Power(category, _title(method), via, verdict)


def _requirement(model: AccessModel, principal: Principal, action: str,
                 resource: str) -> Answer:
    if resource == OTHER_USER:
        users = f"arn:{model.partition}:iam::{model.account_id}:user/*"
        return model.answer(principal, action, users, other_user=True)
    if resource == SELF:
        return _on_self(model, principal, action)
    if action.lower() == PASS_ROLE:
        return _passes_a_stronger_role(model, principal, resource)
    return model.answer(principal, action, resource)


def _passes_a_stronger_role(model: AccessModel, principal: Principal, resource: str) -> Answer:
    """`iam:PassRole` counts where it reaches a role that may do more than the principal
    itself (section 10): passing a weaker role to a service gains nothing. Worked out once per
    shared policy set (as `powers`)."""
    key = _shared_key(model, principal)
    if key is None:
        return _passes(model, principal, resource)
    cache = model.cache.setdefault("passes", {})
    if (key, resource) not in cache:
        cache[(key, resource)] = _passes(model, principal, resource)
    found: Answer = cache[(key, resource)]
    return found


def _passes(model: AccessModel, principal: Principal, resource: str) -> Answer:
    if model.answer(principal, "iam:PassRole", resource).verdict == Verdict.NO:
        return Answer(Verdict.NO)  # passes no role at all: no need to look at each
    mine = model.holder(principal)
    best = Answer(Verdict.NO)
    for role in model.roles:
        arn = model.role_arn(role)
        if not meets(resource, arn):
            continue
        passed = model.answer(principal, "iam:PassRole", arn)
        if passed.verdict <= best.verdict:
            continue
        theirs = model.holder(Principal(ROLE, role))
        if theirs is None or mine is None or stronger(mine, theirs):
            best = Answer(passed.verdict, (*passed.via, f"passes role {role}"))
    return best


def _on_self(model: AccessModel, principal: Principal, action: str) -> Answer:
    """The action on the principal's own user or role, or on a role it reaches, by that role
    (lifting its own boundary, deleting its own Deny)."""
    best = model.own_answer(principal, action, own_arn(model, principal))
    for role, chain in model.reachable(principal).items():
        held = Principal(ROLE, role)
        found = model.own_answer(held, action, model.role_arn(role))
        verdict = min(found.verdict, *(step.verdict for step in chain))
        if verdict > best.verdict:
            best = Answer(verdict, (f"assumes role {role}", *found.via))
    return best


def own_arn(model: AccessModel, principal: Principal) -> str:
    holder = model.holder(principal)
    return holder.facts.arn if holder is not None else ""


def _title(method: Method) -> str:
    return method.title
