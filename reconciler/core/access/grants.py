"""Policy statements as grants, and a principal's grants asked "may it do this action here?".

Pure. The evaluation follows AWS's "Policy evaluation logic" page for one account: an explicit
Deny in any policy that applies wins over every Allow; an identity-policy Allow is needed; a
permissions boundary caps the identity policies (both must allow, and its Denies apply too).
Answers are three-valued (`Verdict`): a Condition iamctl cannot decide makes an Allow MAYBE and
a Deny only MAYBE-blocking, so each caller reads MAYBE the conservative way for its question.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..policy import catalog
from .conditions import Facts, Verdict, judge_text
from .patterns import ANY, contains, meets

ALLOW, DENY = "Allow", "Deny"
_USERNAME = re.compile(r"\$\{aws:username\}", re.IGNORECASE)
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_PERSONAL_KEYS = ("aws:username", "aws:principal", "aws:userid")


@dataclass(frozen=True)
class Grant:
    """One statement of an identity or boundary policy, from `source` ("policy ReadOnlyAccess",
    "inline policy deploy of role ci")."""

    effect: str
    actions: frozenset[str]  # lower-case patterns
    not_action: bool  # True: every action but `actions`
    resources: frozenset[str]
    not_resource: bool
    condition: str  # the Condition as canonical JSON ("": none), so a grant is hashable
    source: str

    def names(self, action: str) -> bool:
        """Whether the statement applies to the action (lower case, no wildcard)."""
        return action_index(self.actions).names(action) != self.not_action

    def names_among(self, actions: frozenset[str]) -> frozenset[str]:
        """The actions (lower case, no wildcard) the statement applies to: `names` for many at
        once, a service at a time."""
        named = action_index(self.actions).named_among(actions)
        return actions - named if self.not_action else named

    def reaches(self, resource: str, facts: Facts) -> bool:
        """Whether the statement applies to some resource the pattern names."""
        if self.not_resource:
            excluded = self.resolved(facts, wide=False)
            return not any(contains(pattern, resource) for pattern in excluded)
        return any(meets(pattern, resource) for pattern in self.resolved(facts, wide=True))

    def covers(self, resource: str, facts: Facts) -> bool:
        """Whether the statement applies to every resource the pattern names (a Deny that
        covers a question's resources leaves nothing of them allowed)."""
        if self.not_resource:
            excluded = self.resolved(facts, wide=True)
            return not any(meets(pattern, resource) for pattern in excluded)
        return any(contains(pattern, resource) for pattern in self.resolved(facts, wide=False))

    def only_own_user(self, facts: Facts) -> bool:
        """Whether every resource the statement names is the principal's own IAM user: a user
        name is unique in an account, so an ARN whose last segment is the name, whatever the
        path before it, names that user alone (`user/${aws:username}`, `user/*/alice`)."""
        if self.not_resource or not facts.username:
            return False
        resolved = self.resolved(facts, wide=False)
        if len(resolved) < len(self.resources):
            return False  # a variable iamctl cannot resolve may name anyone
        return all(":user/" in pattern and pattern.rsplit("/", 1)[-1] == facts.username
                   for pattern in resolved)

    def resolved(self, facts: Facts, wide: bool) -> frozenset[str]:
        """The resource patterns with `${aws:username}` put in for a user. A variable iamctl
        cannot resolve (another key, or `aws:username` for a role) becomes `*` when `wide`
        (the reading under which more is allowed or less is excluded), else it leaves that
        pattern out."""
        if not any("${" in pattern for pattern in self.resources):
            return self.resources
        result = set()
        for pattern in self.resources:
            if facts.username:
                pattern = _USERNAME.sub(lambda _: facts.username or "", pattern)
            if "${" not in pattern:
                result.add(pattern)
            elif wide:
                result.add(_VARIABLE.sub("*", pattern))
        return frozenset(result)

    @property
    def allows_everything(self) -> bool:
        return (self.effect == ALLOW and not self.not_action and not self.not_resource
                and bool({"*", "*:*"} & self.actions) and ANY in self.resources)


def grants_of(document: Mapping[str, Any], source: str) -> tuple[Grant, ...]:
    """The statements of a policy document in its meaning form (`meaning.py`: lists, action
    names in lower case). A statement of a shape IAM refuses grants nothing: validation and
    IAM refuse such documents before they can apply."""
    found = document.get("Statement", [])
    statements = found if isinstance(found, list) else [found]
    return tuple(grant for s in statements if (grant := _grant(s, source)) is not None)


def _grant(statement: Any, source: str) -> Grant | None:
    if not isinstance(statement, dict) or statement.get("Effect") not in (ALLOW, DENY):
        return None
    not_action = "NotAction" in statement
    not_resource = "NotResource" in statement
    actions = _strings(statement.get("NotAction" if not_action else "Action"), str.lower)
    resources = _strings(statement.get("NotResource" if not_resource else "Resource"))
    condition = statement.get("Condition")
    text = json.dumps(condition, sort_keys=True) if condition else ""
    return Grant(statement["Effect"], actions, not_action, resources, not_resource, text, source)


def _strings(value: Any, fold: Any = None) -> frozenset[str]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    return frozenset(fold(str(item)) if fold else str(item) for item in items)


@dataclass(frozen=True)
class Answer:
    """Whether a principal may do an action somewhere in a resource pattern, and through which
    policy (`via`: the sources of the Allow that gives it, empty when it may not)."""

    verdict: Verdict
    via: tuple[str, ...] = ()


NO = Answer(Verdict.NO)


@dataclass(frozen=True, eq=False)
class PolicySet:
    """What applies to one principal's own requests: its identity policies' statements (its
    own and its groups'), and its permissions boundary's (None: no boundary).

    Compared and hashed by identity: a plan's models share one object per distinct set
    (`model.Pool`), and what is worked out about it is kept with it."""

    grants: tuple[Grant, ...]
    boundary: tuple[Grant, ...] | None = None

    @functools.cached_property
    def shared(self) -> dict[tuple[str, str], Answer] | None:
        """A cache of answers for principals holding these policies, or None when an answer
        may depend on who the principal is (a policy variable, or a condition on
        `aws:username`, `aws:Principal...`): thousands of users share a few groups."""
        every = self.grants + (self.boundary or ())
        personal = any(any("${" in r for r in g.resources)
                       or any(key in g.condition.lower() for key in _PERSONAL_KEYS)
                       for g in every)
        return None if personal else {}

    @functools.cached_property
    def _named(self) -> dict[str, bool]:
        return {}

    @functools.cached_property
    def grew_since(self) -> dict[PolicySet, bool]:
        """Whether these policies allow more than an earlier set (`compare.py`), by that set:
        thousands of users move between the same few sets."""
        return {}

    def may_allow(self, action: str) -> bool:
        """Whether some Allow statement names the action at all (lower case), whatever its
        resources and conditions: when none does, every question about it is answered NO
        without asking who the principal is."""
        named = self._named
        if action not in named:
            named[action] = any(g.effect == ALLOW and g.names(action) for g in self.grants)
        return named[action]

    def decide(self, action: str, resource: str, facts: Facts,
               other_user: bool = False) -> Answer:
        """`other_user`: on a user other than the principal itself (an Allow that names only
        its own user does not count)."""
        if not self.may_allow(action):
            return NO
        cache = self.shared
        if cache is None or other_user:
            return self._decide(action, resource, facts, other_user)
        key = (action, resource)
        if key not in cache:
            cache[key] = self._decide(action, resource, facts, False)
        return cache[key]

    def _decide(self, action: str, resource: str, facts: Facts, other_user: bool) -> Answer:
        answer = decide(self.grants, action, resource, facts, other_user)
        if self.boundary is None or answer.verdict == Verdict.NO:
            return answer
        capped = decide(self.boundary, action, resource, facts)
        return Answer(min(answer.verdict, capped.verdict), answer.via)


def decide(grants: Iterable[Grant], action: str, resource: str, facts: Facts,
           other_user: bool = False) -> Answer:
    """What a set of statements decides of the action on `resource`: the best Allow, less what
    a Deny takes away surely (NO) or maybe (MAYBE)."""
    best = Verdict.NO
    via: tuple[str, ...] = ()
    blocked = Verdict.NO  # how surely a Deny takes the action away on all those resources
    for grant in grants:
        if not grant.names(action) or not grant.reaches(resource, facts):
            continue
        if other_user and grant.effect == ALLOW and grant.only_own_user(facts):
            continue
        met = judge_text(grant.condition, facts)
        if met == Verdict.NO:
            continue
        if grant.effect == DENY:
            # A Deny on part of the resources, or under a condition, may leave some allowed.
            blocked = max(blocked, met if grant.covers(resource, facts) else Verdict.MAYBE)
        elif met > best:
            best, via = met, (grant.source,)
        elif met == best and grant.source not in via:
            via = (*via, grant.source)
    if best == Verdict.NO or blocked == Verdict.YES:
        return NO
    return Answer(Verdict.MAYBE if blocked == Verdict.MAYBE else best, via)


@dataclass(frozen=True)
class _ActionIndex:
    """A statement's action patterns, looked up fast: AWS managed policies list thousands
    (ReadOnlyAccess), and the model asks each of them about hundreds of actions."""

    exact: frozenset[str]
    by_service: dict[str, tuple[str, ...]]  # wildcard patterns by their (exact) service prefix
    anywhere: tuple[str, ...]  # wildcard patterns whose service part has a wildcard too

    def names(self, action: str) -> bool:
        if action in self.exact:
            return True
        return any(catalog.matches(action, pattern) for pattern in self._candidates(action))

    def named_among(self, actions: frozenset[str]) -> frozenset[str]:
        named = set(actions & self.exact)
        by_service: dict[str, list[str]] = {}
        for action in actions - self.exact:
            by_service.setdefault(action.split(":", 1)[0], []).append(action)
        for service, listed in by_service.items():
            patterns = (*self.by_service.get(service, ()), *self.anywhere)
            named.update(action for action in listed
                         if any(catalog.matches(action, pattern) for pattern in patterns))
        return frozenset(named)

    def contains(self, pattern: str) -> bool:
        """Whether one of the patterns names every action `pattern` names (sound: see
        `patterns.contains`)."""
        if not catalog.is_wildcard(pattern):
            return self.names(pattern)
        return any(contains(mine, pattern) for mine in self._candidates(pattern))

    def _candidates(self, action: str) -> tuple[str, ...]:
        service = action.split(":", 1)[0]
        if catalog.is_wildcard(service):  # a pattern across services: only these can hold it
            return self.anywhere
        return (*self.by_service.get(service, ()), *self.anywhere)


@functools.lru_cache(maxsize=8192)
def action_index(patterns: frozenset[str]) -> _ActionIndex:
    exact = frozenset(p for p in patterns if not catalog.is_wildcard(p))
    by_service: dict[str, list[str]] = {}
    anywhere: list[str] = []
    for pattern in patterns - exact:
        service, _, _ = pattern.partition(":")
        if catalog.is_wildcard(service) or ":" not in pattern:
            anywhere.append(pattern)
        else:
            by_service.setdefault(service, []).append(pattern)
    return _ActionIndex(exact, {k: tuple(v) for k, v in by_service.items()}, tuple(anywhere))
