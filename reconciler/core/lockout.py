"""Self-lockout: changes that would cut off the credentials running iamctl.

Pure: a function of the changes, the live state and the caller (`Caller`: the IAM user and the
access key in use, or the role the credentials assumed). `run.py` marks the plan's changes with
it, and apply refuses marked changes unless `--allow-self-lockout` is given. Conservative: a
change that takes away any permission of the caller is marked, even if another grant would
remain, because iamctl cannot tell which of its permissions apply needs next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .attachments import entities_in
from .model import Action, Caller, Change, Entity, Kind, State

USER = "the user these credentials belong to"


@dataclass(frozen=True)
class _Who:
    """The caller as the live account knows it: its user and that user's groups, its role."""

    caller: Caller
    live: State
    groups: frozenset[str]  # the groups the calling user is in (they give it permissions)

    @classmethod
    def of(cls, caller: Caller, live: State) -> _Who:
        user = next((u for n, u in live.users.items() if _same(caller.user, n)), None)
        return cls(caller, live, user.groups if user else frozenset())

    def is_user(self, name: str) -> bool:
        return _same(self.caller.user, name)

    def is_role(self, name: str) -> bool:
        return _same(self.caller.role, name)

    def in_group(self, name: str) -> bool:
        return any(_same(group, name) for group in self.groups)

    def grants(self, group: str) -> bool:
        """Whether the live group gives its members any permission."""
        found = self.live.groups.get(group)
        return found is not None and bool(found.policies or found.inline_policies)

    def describe(self, entity: Entity) -> str | None:
        """How `entity` carries the caller's permissions, or None if it does not."""
        if entity.kind == "user" and self.is_user(entity.name):
            return USER
        if entity.kind == "role" and _same(self.caller.role, entity.name):
            return f"role {entity.name}, which these credentials run as"
        if entity.kind == "group" and self.in_group(entity.name):
            return f"group {entity.name}, through which these credentials get permissions"
        return None


def _same(caller_name: str | None, name: str) -> bool:
    """IAM names are unique without regard to case."""
    return caller_name is not None and caller_name.lower() == name.lower()


def mark_self_lockout(changes: Iterable[Change], live: State, caller: Caller) -> tuple[Change, ...]:
    """The changes, each with `self_lockout` saying how it would cut off the caller (or "")."""
    who = _Who.of(caller, live)
    return tuple(mark(change, lockout_reason(change, who)) for change in changes)


def mark(change: Change, reason: str) -> Change:
    # Most changes lock nobody out: keep them as they are (plans can hold thousands).
    return replace(change, self_lockout=reason) if reason != change.self_lockout else change


# Changes that are no deletion yet may cut off the caller: a policy replaced (detached until it
# is recreated), a key deactivated, a permissions boundary set or replaced (it caps every grant).
_NOT_ONLY_DELETIONS = (
    Kind.POLICY_REPLACEMENT, Kind.ACCESS_KEY_STATUS, Kind.USER_BOUNDARY, Kind.ROLE_BOUNDARY
)


def lockout_reason(change: Change, who: _Who) -> str:
    if change.action != Action.DELETE and change.kind not in _NOT_ONLY_DELETIONS:
        return ""
    check = CHECKS.get(change.kind)
    return (check(change, who) or "") if check else ""


def _access_key(change: Change, who: _Who) -> str | None:
    if who.is_user(change.name) and change.target and change.target == who.caller.access_key_id:
        return "deletes the access key these credentials use"
    return None


def _access_key_status(change: Change, who: _Who) -> str | None:
    if change.after != "Inactive" or not _access_key(change, who):
        return None
    return "deactivates the access key these credentials use"


def _user(change: Change, who: _Who) -> str | None:
    return f"deletes {USER}" if who.is_user(change.name) else None


def _membership(user: str, group: str, who: _Who) -> str | None:
    if who.is_user(user) and who.grants(group):
        return f"removes {USER} from group {group}, which gives it permissions"
    return None


def _user_permission(change: Change, who: _Who) -> str | None:
    if not who.is_user(change.name):
        return None
    return f"{_taken(change)} {USER}"


def _group_permission(change: Change, who: _Who) -> str | None:
    if not who.in_group(change.name):
        return None
    group = f"group {change.name}, through which these credentials get permissions"
    return f"deletes {group}" if change.kind == Kind.GROUP else f"{_taken(change)} {group}"


def _role(change: Change, who: _Who) -> str | None:
    if not who.is_role(change.name):
        return None
    role = f"role {change.name}, which these credentials run as"
    if change.kind == Kind.ROLE:
        return f"deletes {role}"
    if change.kind == Kind.INSTANCE_PROFILE:  # on EC2, the instance's credentials come from it
        return f"removes {role}, from its instance profile"
    return f"{_taken(change)} {role}"


def _boundary(change: Change, who: _Who) -> str | None:
    """A boundary set or replaced caps every permission; one removed takes none away."""
    if change.action == Action.DELETE:
        return None
    if change.kind == Kind.USER_BOUNDARY:
        whose = USER if who.is_user(change.name) else None
    else:
        whose = f"role {change.name}, which these credentials run as"
        whose = whose if who.is_role(change.name) else None
    return f"sets a permissions boundary on {whose}" if whose else None


def _taken(change: Change) -> str:
    """`detaches ReadOnlyAccess from`, `deletes inline policy own of`."""
    if change.kind in (Kind.USER_INLINE_POLICY, Kind.GROUP_INLINE_POLICY, Kind.ROLE_INLINE_POLICY):
        return f"deletes inline policy {change.target} of"
    return f"detaches {change.target.split(':policy/', 1)[-1]} from"


def _policy(change: Change, who: _Who) -> str | None:
    """A policy deleted, or replaced (detached until it is recreated, so apply may lose the
    very permission it needs to re-attach it)."""
    for entity in entities_in(change.before):
        carrier = who.describe(entity)
        if carrier:
            return f"detaches policy {change.name} from {carrier}"
    return None


# Kinds of change that never cut off the credentials running iamctl, and why: with `_CHECKS`,
# every kind is in exactly one of the two (tests/test_kinds.py), so a new kind is a decision.
CANNOT_CUT_OFF: dict[Kind, str] = {
    Kind.ALIAS: "an account setting",
    Kind.PASSWORD_POLICY: "an account setting; API credentials use no password",
    Kind.POLICY_DOCUMENT: "a new version: judged by permission impact, not by who holds it",
    Kind.POLICY_TAGS: "tags",
    Kind.GROUP_PATH: "a path",
    Kind.USER_PATH: "a path",
    Kind.USER_TAGS: "tags",
    Kind.ROLE_TAGS: "tags",
    Kind.LOGIN_PROFILE: "a console password: API credentials do not use it",
    Kind.ROLE_SETTINGS: "a description, or the length of sessions to come",
    Kind.ROLE_TRUST: "who may assume the role next: the running session keeps its credentials",
    Kind.OIDC_PROVIDER: "an identity provider: the running session keeps its credentials",
    Kind.OIDC_CLIENT_ID: "an identity provider's audience: sessions to come",
    Kind.OIDC_THUMBPRINTS: "an identity provider's certificate: sessions to come",
    Kind.OIDC_PROVIDER_TAGS: "tags",
    Kind.SAML_PROVIDER: "an identity provider: the running session keeps its credentials",
    Kind.SAML_METADATA: "an identity provider's metadata: sessions to come",
    Kind.SAML_PROVIDER_TAGS: "tags",
}

CHECKS: dict[Kind, Callable[[Change, _Who], str | None]] = {
    Kind.ACCESS_KEY: _access_key,
    Kind.ACCESS_KEY_STATUS: _access_key_status,
    Kind.USER: _user,
    Kind.USER_GROUP: lambda change, who: _membership(change.name, change.target, who),
    Kind.GROUP_MEMBER: lambda change, who: _membership(change.target, change.name, who),
    Kind.USER_POLICY: _user_permission,
    Kind.USER_INLINE_POLICY: _user_permission,
    Kind.GROUP_POLICY: _group_permission,
    Kind.GROUP_INLINE_POLICY: _group_permission,
    Kind.GROUP: _group_permission,
    Kind.POLICY: _policy,
    Kind.POLICY_REPLACEMENT: _policy,
    Kind.ROLE: _role,
    Kind.ROLE_POLICY: _role,
    Kind.ROLE_INLINE_POLICY: _role,
    Kind.INSTANCE_PROFILE: _role,
    Kind.ROLE_BOUNDARY: _boundary,
    Kind.USER_BOUNDARY: _boundary,
}
