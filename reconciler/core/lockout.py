"""Self-lockout: changes that would cut off the credentials running iamctl.

Pure: a function of the changes, the live state and the caller (`Caller`: the IAM user and the
access key in use, or the role the credentials assumed). `run.py` marks the plan's changes with
it, and apply refuses marked changes unless `--allow-self-lockout` is given. Conservative: a
change that takes away any permission of the caller is marked, even if another grant would
remain, because iamctl cannot tell which of its permissions apply needs next.

Some changes spare the running session and stop the next run instead: a trust policy of the
caller's role that no longer admits whoever assumed it, or the identity provider (or the client
id, the audience) that the role's trust relies on removed. GetCallerIdentity names the role, not
who assumed it, so any principal the trust stops admitting as before may be that one: such a
change is marked too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from .attachments import entities_in
from .model import Action, Caller, Change, Entity, Kind, Role, State
from .trust import loaded, principal_values, statement_list, trust_meaning

# Shared on purpose, as trust.py shares policydoc's: the audience a trust statement accepts is
# read here as the trust findings read it.
from .trust_conditions import positive_blocks

USER = "the user these credentials belong to"


@dataclass(frozen=True)
class _Who:
    """The caller as the live account knows it: its user and that user's groups, its role."""

    caller: Caller
    live: State
    groups: frozenset[str]  # the groups the calling user is in (they give it permissions)
    role: Role | None = None  # the live role the credentials assumed

    @classmethod
    def of(cls, caller: Caller, live: State) -> _Who:
        user = next((u for n, u in live.users.items() if _same(caller.user, n)), None)
        roles = {**live.roles, **live.aws_roles}
        role = next((r for n, r in roles.items() if _same(caller.role, n)), None)
        return cls(caller, live, user.groups if user else frozenset(), role)

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
# is recreated), a key deactivated, a permissions boundary set or replaced (it caps every grant),
# a trust policy rewritten.
_NOT_ONLY_DELETIONS = (
    Kind.POLICY_REPLACEMENT, Kind.ACCESS_KEY_STATUS, Kind.USER_BOUNDARY, Kind.ROLE_BOUNDARY,
    Kind.ROLE_TRUST,
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
    return f"deletes {USER}" if who.is_user(change.name) else _trusted(change, who)


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
        return _trusted(change, who) if change.kind == Kind.ROLE else None
    role = f"role {change.name}, which these credentials run as"
    if change.kind == Kind.ROLE:
        return f"deletes {role}"
    if change.kind == Kind.INSTANCE_PROFILE:  # on EC2, the instance's credentials come from it
        return f"removes {role}, from its instance profile"
    return f"{_taken(change)} {role}"


def _trusted(change: Change, who: _Who) -> str | None:
    """A user or role deleted that the caller's role trusts by ARN: it may be the one that
    assumed the role (role chaining), and the next run would start from it."""
    deleted = (who.live.users if change.kind == Kind.USER else who.live.roles).get(change.name)
    if who.role is None or who.role.trust is None or deleted is None or not deleted.arn:
        return None
    trusted = {
        value.lower() for item in statement_list(who.role.trust.text)
        if item.get("Effect") == "Allow" for value in principal_values(item.get("Principal"), "AWS")
    }
    if deleted.arn.lower() not in trusted:
        return None
    kind = "user" if change.kind == Kind.USER else "role"
    return (f"deletes {kind} {change.name}, which role {who.role.name}, which these credentials "
            "run as, trusts")


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


def _trust(change: Change, who: _Who) -> str | None:
    """A new trust policy for the caller's role: marked unless it still admits every principal,
    for every action, that the old one admitted (under no condition the old one did not set)
    and adds no Deny; the principal that assumed the role may be any of them."""
    if not who.is_role(change.name):
        return None
    role = f"who may assume role {change.name}, which these credentials run as"
    read = _read_both(change, who.live.account.partition)
    if read is None:  # not documents iamctl can read: it cannot judge
        return (f"changes {role}, and iamctl cannot read the trust policy to tell whether it "
                "still admits the principal that assumed the role")
    before, after = read
    lost = {admission for admission in before[0] if not _still_admitted(admission, after[0])}
    denied = after[1] - before[1]
    if not lost and not denied:
        return None
    what = [f"{_principals(lost)} no longer admitted as before"] if lost else []
    what += [f"a Deny added for {_principals(denied)}"] if denied else []
    return f"changes {role}: {'; '.join(what)} (iamctl cannot tell which principal assumed it)"


# (principal, action, conditions): one thing a trust statement admits, or denies, each
# condition an (operator, key, values) test that must hold.
_Condition = frozenset[tuple[str, str, str]]
_Admission = tuple[str, str, _Condition]


_Read = tuple[set[_Admission], set[_Admission]]  # allowed, denied


def _read_both(change: Change, partition: str) -> tuple[_Read, _Read] | None:
    if not isinstance(change.before, str) or not isinstance(change.after, str):
        return None
    try:
        return _admissions(change.before, partition), _admissions(change.after, partition)
    except (TypeError, ValueError):  # JSON that does not parse, or a shape that does not fold
        return None


def _admissions(text: str, partition: str) -> tuple[set[_Admission], set[_Admission]]:
    """What a trust policy allows and denies, in canonical form (`trust_meaning`: an account id
    is its root ARN, action names ignore case, condition keys too)."""
    allowed: set[_Admission] = set()
    denied: set[_Admission] = set()
    meaning = trust_meaning(loaded(text), partition)
    for item in statement_list(meaning):
        condition = _tests(item.get("Condition"))
        found = allowed if item.get("Effect") == "Allow" else denied
        actions = item.get("Action")
        for principal in _principal_names(item.get("Principal")):
            for action in actions if isinstance(actions, list) else [actions]:
                found.add((principal, str(action), condition))
    return allowed, denied


def _tests(condition: Any) -> _Condition:
    if condition is None:
        return frozenset()
    if not isinstance(condition, dict):  # not a shape IAM accepts: kept whole, as one test
        return frozenset({("", "", json.dumps(condition, sort_keys=True))})
    return frozenset(
        (operator, key, json.dumps(values, sort_keys=True))
        for operator, block in condition.items()
        for key, values in (block.items() if isinstance(block, dict) else [("", block)])
    )


def _still_admitted(admission: _Admission, allowed: set[_Admission]) -> bool:
    """Whether a statement of the new policy admits the same principal for the same action
    under some of the old conditions only (each test that holds still holds)."""
    principal, action, condition = admission
    return any(p == principal and a == action and c <= condition for p, a, c in allowed)


def _principal_names(principal: Any) -> list[str]:
    """`AWS arn:aws:iam::111111111111:root`, `Federated ...`, `Service ...`; `"*"` is `AWS *`."""
    return [f"{kind} {value}" for kind in ("AWS", "Service", "Federated")
            for value in principal_values(principal, kind)]


def _principals(admissions: set[_Admission]) -> str:
    return ", ".join(sorted({principal for principal, _, _ in admissions}))


def _trusting_statements(who: _Who, provider_arn: str) -> list[dict[str, Any]]:
    """The Allow statements of the caller's role (as the account holds it) that admit users of
    the identity provider `provider_arn`."""
    if who.role is None or who.role.trust is None:
        return []
    return [
        item for item in statement_list(who.role.trust.text)
        if item.get("Effect") == "Allow"
        and any(_same(provider_arn, value)
                for value in principal_values(item.get("Principal"), "Federated"))
    ]


def _provider(change: Change, who: _Who) -> str | None:
    """An OIDC or SAML provider deleted (or, its URL changed, replaced) that the caller's role
    trusts: the next run cannot sign in through it."""
    if not _trusting_statements(who, change.target) or who.role is None:
        return None
    return f"deletes a provider that role {who.role.name}, which these credentials run as, trusts"


def _client_id(change: Change, who: _Who) -> str | None:
    """A client id (the audience of tokens) removed from an OIDC provider the caller's role
    trusts. AWS accepts a token only if its audience is one of the provider's client ids: the
    removal stops the next run when the role's trust accepts that audience, or any."""
    client = str(change.before)
    role = f"role {who.role.name}, which these credentials run as" if who.role else ""
    for item in _trusting_statements(who, change.target):
        audiences = _audiences(item, f"{change.name}:aud")
        if audiences is None:
            return f"removes client id {client} of a provider that {role}, trusts for any audience"
        if any(_admits(client, pattern, like) for like, patterns in audiences
               for pattern in patterns):
            return f"removes client id {client}, which {role}, requires of this provider's tokens"
    return None


def _audiences(item: dict[str, Any], key: str) -> list[tuple[bool, list[str]]] | None:
    """The audiences a trust statement accepts, as (is a pattern, values) blocks; None when no
    condition limits them."""
    condition = item.get("Condition")
    # An audience is a claim every token carries: qualified operators count too.
    found = positive_blocks(condition, key, always_present=True) \
        if isinstance(condition, dict) else []
    return [(block.is_pattern, list(block.values)) for block in found] or None


def _admits(client: str, value: str, like: bool) -> bool:
    """Whether a condition value accepts the client id (ignoring case, which only ever marks
    more changes)."""
    if like:
        return fnmatchcase(client.lower(), value.lower())
    return client.lower() == value.lower()


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
    Kind.OIDC_THUMBPRINTS: "the provider's certificate, as the file declares it",
    Kind.OIDC_PROVIDER_TAGS: "tags",
    Kind.SAML_METADATA: "the provider's metadata, as the file declares it",
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
    Kind.ROLE_TRUST: _trust,
    Kind.OIDC_PROVIDER: _provider,
    Kind.OIDC_CLIENT_ID: _client_id,
    Kind.SAML_PROVIDER: _provider,
}
