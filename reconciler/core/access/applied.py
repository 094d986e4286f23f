"""A state with changes applied, as far as access goes: what the account will look like.

Pure. The access model compares the live state with the state a change (or the whole plan)
leaves behind, so each kind of change that moves access says here what it does to a `State`:
memberships, attachments, inline policies, boundaries, trust policies, entities created and
deleted. Kinds that move no access as the model sees it (tags, paths, credentials, settings,
identity providers) leave the state as it is; their verdicts are decided in `verdicts.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from ..arns import policy_arn
from ..model import Action, Change, Document, Group, Kind, ManagedPolicy, Role, State, User
from ..payloads import ReplacedPolicy, payload_as, text_of
from ..policydoc import canonical
from ..trust import trust_document
from .overlay import with_item, without_item

Applier = Callable[[State, Change, State], State]
_ENTITIES = (Kind.USER, Kind.GROUP, Kind.ROLE, Kind.POLICY)


def applied(live: State, changes: Iterable[Change], desired: State) -> State:
    """The live state after the changes, in order; `desired` fills in what a change names but
    does not carry (a new user's path, a new policy's document)."""
    state = live
    for change in changes:
        state = apply_change(state, change, desired)
    return state


def apply_change(state: State, change: Change, desired: State) -> State:
    applier = APPLIERS.get(change.kind)
    return applier(state, change, desired) if applier else state


def with_new_policies(live: State, desired: State) -> State:
    """The live state with the policies the files declare and the account lacks yet: a change
    judged alone may attach a policy the same plan creates (a policy grants nothing until it
    is attached)."""
    new = {name: policy for name, policy in desired.policies.items() if name not in live.policies}
    return replace(live, policies={**live.policies, **new}) if new else live


def moves_access(kind: Kind) -> bool:
    return kind in APPLIERS


def reverted(state: State, change: Change, live: State, desired: State) -> State:
    """The state without one change: a deleted entity comes back as the live account holds
    it, anything else is the change done the other way round."""
    if change.action == Action.DELETE and change.kind in _ENTITIES:
        return _restored(state, change, live)
    return apply_change(state, _inverse(change), desired)


def _inverse(change: Change) -> Change:
    action = {Action.CREATE: Action.DELETE, Action.DELETE: Action.CREATE}.get(
        change.action, Action.UPDATE)
    return replace(change, action=action, before=change.after, after=change.before)


def _restored(state: State, change: Change, live: State) -> State:
    name = change.name
    if change.kind == Kind.USER and name in live.users:
        return replace(state, users=with_item(state.users, name, live.users[name]))
    if change.kind == Kind.ROLE and name in live.roles:
        return replace(state, roles=with_item(state.roles, name, live.roles[name]))
    if change.kind == Kind.GROUP and name in live.groups:
        users = {n: replace(u, groups=u.groups | {name})
                 if n in live.users and name in live.users[n].groups else u
                 for n, u in state.users.items()}
        groups = with_item(state.groups, name, live.groups[name])
        return replace(state, groups=groups, users=users)
    if change.kind == Kind.POLICY and name in live.policies:
        arn = _policy_arn(live, name)
        return replace(
            state, policies=with_item(state.policies, name, live.policies[name]),
            users=_reattached(state.users, live.users, arn),
            groups=_reattached(state.groups, live.groups, arn),
            roles=_reattached(state.roles, live.roles, arn))
    return state


def _reattached(now: Mapping[str, Any], before: Mapping[str, Any], arn: str) -> dict[str, Any]:
    return {name: replace(entity, policies=entity.policies | {arn})
            if name in before and arn in before[name].policies else entity
            for name, entity in now.items()}


# Users.


def _user(state: State, change: Change, desired: State) -> State:
    if change.action == Action.DELETE:
        return replace(state, users=without_item(state.users, change.name))
    wanted = desired.users.get(change.name)
    user = User(change.name, path=wanted.path if wanted else "/",
                tags=wanted.tags if wanted else None)
    return replace(state, users=with_item(state.users, change.name, user))


def _membership(state: State, change: Change, desired: State) -> State:
    user, group = ((change.name, change.target) if change.kind == Kind.USER_GROUP
                   else (change.target, change.name))
    groups = _entity(state, "users", user).groups
    groups = groups | {group} if change.action == Action.CREATE else groups - {group}
    return _edited(state, "users", user, groups=groups)


# Groups.


def _group(state: State, change: Change, desired: State) -> State:
    if change.action == Action.CREATE:
        return replace(state, groups=with_item(state.groups, change.name, Group(change.name)))
    users = {name: replace(user, groups=user.groups - {change.name})
             if change.name in user.groups else user for name, user in state.users.items()}
    return replace(state, groups=without_item(state.groups, change.name), users=users)


# Customer managed policies.


def _policy(state: State, change: Change, desired: State) -> State:
    if change.action == Action.CREATE:
        wanted = desired.policies.get(change.name)
        policies = with_item(state.policies, change.name, wanted) if wanted else state.policies
        return replace(state, policies=policies)
    # Deleting a policy detaches it from every entity first (DeletePolicy needs that).
    arn = _policy_arn(state, change.name)
    return replace(
        state, policies=without_item(state.policies, change.name),
        users={n: replace(u, policies=u.policies - {arn}) for n, u in state.users.items()},
        groups={n: replace(g, policies=g.policies - {arn}) for n, g in state.groups.items()},
        roles={n: replace(r, policies=r.policies - {arn}) for n, r in state.roles.items()},
    )


def _policy_document(state: State, change: Change, desired: State) -> State:
    return _new_document(state, change.name, _document(text_of(change.after)))


def _replacement(state: State, change: Change, desired: State) -> State:
    after = payload_as(change.after, ReplacedPolicy).policy
    return _new_document(state, change.name, canonical(after.document))


def _new_document(state: State, name: str, document: Document) -> State:
    found = state.policies.get(name) or ManagedPolicy(name, document, path="/")
    policies = with_item(state.policies, name, replace(found, document=document))
    return replace(state, policies=policies)


# Roles.


def _role(state: State, change: Change, desired: State) -> State:
    if change.action == Action.DELETE:
        return replace(state, roles=without_item(state.roles, change.name))
    wanted = desired.roles.get(change.name)
    role = Role(change.name, path=wanted.path if wanted else "/",
                trust=wanted.trust if wanted else None,
                permissions_boundary=wanted.permissions_boundary if wanted else None,
                tags=wanted.tags if wanted else None)
    return replace(state, roles=with_item(state.roles, change.name, role))


def _role_trust(state: State, change: Change, desired: State) -> State:
    trust = trust_document(text_of(change.after), state.account.partition)
    return _edited(state, "roles", change.name, trust=trust)


# What users, groups and roles share: managed policies, inline policies, a boundary. One
# applier each, made for the owner's collection in the state (`users`, `groups`, `roles`).

# A missing owner (its creation is another change of the plan) starts empty.
_EMPTY: dict[str, Callable[[str], Any]] = {
    "users": lambda name: User(name, path="/"),
    "groups": lambda name: Group(name),
    "roles": lambda name: Role(name, path="/"),
}


def _entity(state: State, owners: str, name: str) -> Any:
    return getattr(state, owners).get(name) or _EMPTY[owners](name)


def _edited(state: State, owners: str, name: str, **fields: Any) -> State:
    entity = replace(_entity(state, owners, name), **fields)
    changed: dict[str, Any] = {owners: with_item(getattr(state, owners), name, entity)}
    return replace(state, **changed)


def _attachment(owners: str) -> Applier:
    def apply(state: State, change: Change, desired: State) -> State:
        held: frozenset[str] = _entity(state, owners, change.name).policies
        target = {change.target}
        policies = held | target if change.action == Action.CREATE else held - target
        return _edited(state, owners, change.name, policies=policies)
    return apply


def _inline_policy(owners: str) -> Applier:
    def apply(state: State, change: Change, desired: State) -> State:
        current: Mapping[str, Document] = _entity(state, owners, change.name).inline_policies
        if change.action == Action.DELETE:
            inline = {k: v for k, v in current.items() if k != change.target}
        else:
            inline = {**current, change.target: _document(text_of(change.after))}
        return _edited(state, owners, change.name, inline_policies=inline)
    return apply


def _boundary(owners: str) -> Applier:
    def apply(state: State, change: Change, desired: State) -> State:
        boundary = None if change.action == Action.DELETE else text_of(change.after)
        return _edited(state, owners, change.name, permissions_boundary=boundary)
    return apply


# Shared.


@functools.lru_cache(maxsize=4096)
def _document(text: str) -> Document:
    """A document's text read once: a plan of thousands of users often gives them the same."""
    return canonical(text)


def _policy_arn(state: State, name: str) -> str:
    found = state.policies.get(name)
    if found is not None and found.arn:
        return found.arn
    path = found.path if found is not None else None
    return policy_arn(state.account.partition, state.account.id, path, name)


APPLIERS: dict[Kind, Applier] = {
    Kind.USER: _user,
    Kind.USER_GROUP: _membership,
    Kind.GROUP_MEMBER: _membership,
    Kind.USER_POLICY: _attachment("users"),
    Kind.USER_INLINE_POLICY: _inline_policy("users"),
    Kind.USER_BOUNDARY: _boundary("users"),
    Kind.GROUP: _group,
    Kind.GROUP_POLICY: _attachment("groups"),
    Kind.GROUP_INLINE_POLICY: _inline_policy("groups"),
    Kind.POLICY: _policy,
    Kind.POLICY_DOCUMENT: _policy_document,
    Kind.POLICY_REPLACEMENT: _replacement,
    Kind.ROLE: _role,
    Kind.ROLE_TRUST: _role_trust,
    Kind.ROLE_POLICY: _attachment("roles"),
    Kind.ROLE_INLINE_POLICY: _inline_policy("roles"),
    Kind.ROLE_BOUNDARY: _boundary("roles"),
}
