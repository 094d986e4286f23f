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
from typing import Any, TypeVar

from ..arns import policy_arn
from ..changes import Action, Change, ChangeKind
from ..payloads import ReplacedPolicy, payload_as, text_of
from ..policy.documents import canonical
from ..policy.trust import trust_document
from ..state import Document, Group, ManagedPolicy, Role, State, User
from .overlay import plain, with_item, without_item

Applier = Callable[[State, Change, State], State]
_ENTITIES = (ChangeKind.USER, ChangeKind.GROUP, ChangeKind.ROLE, ChangeKind.POLICY)


def applied(live: State, changes: Iterable[Change], desired: State) -> State:
    """The live state after the changes, in order; `desired` fills in what a change names but
    does not carry (a new user's path, a new policy's document).

    Changes that edit one entity (most of a plan) edit a working copy of its collection in
    place, copied once per run of such changes: a state per change would copy tens of
    thousands of times."""
    state = live
    working: dict[str, dict[str, Any]] = {}  # collection name: its working copy
    for change in changes:
        owned = _OWNED_EDITS.get(change.kind)
        if owned is None:
            state = apply_change(_with_collections(state, working), change, desired)
            working = {}
            continue
        owners, edit, owner_of = owned
        if owners not in working:
            working[owners] = plain(getattr(state, owners))
        entities, name = working[owners], owner_of(change)
        entity = edit(entities.get(name) or _EMPTY[owners](name), change, desired)
        if entity is None:
            entities.pop(name, None)
        else:
            entities[name] = entity
    return _with_collections(state, working)


def _with_collections(state: State, collections: dict[str, dict[str, Any]]) -> State:
    return replace(state, **collections) if collections else state  # type: ignore[arg-type]


def apply_change(state: State, change: Change, desired: State) -> State:
    applier = APPLIERS.get(change.kind)
    return applier(state, change, desired) if applier else state


def with_new_policies(live: State, desired: State) -> State:
    """The live state with the policies the files declare and the account lacks yet: a change
    judged alone may attach a policy the same plan creates (a policy grants nothing until it
    is attached)."""
    new = {name: policy for name, policy in desired.policies.items() if name not in live.policies}
    return replace(live, policies={**live.policies, **new}) if new else live


def moves_access(kind: ChangeKind) -> bool:
    return kind in APPLIERS


def reverted(state: State, change: Change, live: State, desired: State) -> State:
    """The state without one change: a deleted entity comes back as the live account holds
    it, anything else is the change done the other way round."""
    if change.action == Action.DELETE and change.kind in _ENTITIES:
        return _restored(state, change, live)
    return apply_change(state, _inverse(change), desired)


def reverted_user(state: State, change: Change, live: State, desired: State) -> User | None:
    """The user without one change that moves its access (`edited_user`), as `reverted`."""
    if change.action == Action.DELETE and change.kind == ChangeKind.USER:
        return live.users.get(change.name)
    return edited_user(state, _inverse(change), desired)


def _inverse(change: Change) -> Change:
    action = {Action.CREATE: Action.DELETE, Action.DELETE: Action.CREATE}.get(
        change.action, change.action)
    return _copied(change, action=action, before=change.after, after=change.before)


def _restored(state: State, change: Change, live: State) -> State:
    name = change.name
    if change.kind == ChangeKind.USER and name in live.users:
        return replace(state, users=with_item(state.users, name, live.users[name]))
    if change.kind == ChangeKind.ROLE and name in live.roles:
        return replace(state, roles=with_item(state.roles, name, live.roles[name]))
    if change.kind == ChangeKind.GROUP and name in live.groups:
        users = {n: replace(u, groups=u.groups | {name})
                 if n in live.users and name in live.users[n].groups else u
                 for n, u in state.users.items()}
        groups = with_item(state.groups, name, live.groups[name])
        return replace(state, groups=groups, users=users)
    if change.kind == ChangeKind.POLICY and name in live.policies:
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


def _user(user: User, change: Change, desired: State) -> User | None:
    if change.action == Action.DELETE:
        return None
    wanted = desired.users.get(change.name)
    return User(change.name, path=wanted.path if wanted else "/",
                tags=wanted.tags if wanted else None)


def _membership(user: User, change: Change, desired: State) -> User:
    group = change.target if change.kind == ChangeKind.USER_GROUP else change.name
    groups = user.groups | {group} if change.action == Action.CREATE else user.groups - {group}
    return _copied(user, groups=groups)


def _member(change: Change) -> str:
    """The user a change of group membership is about (from the user's or the group's side)."""
    return change.name if change.kind == ChangeKind.USER_GROUP else change.target


def moves_one_user(kind: ChangeKind) -> bool:
    """Whether changes of the kind move one user's own access and nothing else (no one
    reaches or passes a user)."""
    return kind in _ONE_USER_EDITS


def changed_user(change: Change) -> str:
    """The user a change that moves one user's access is about."""
    return _ONE_USER_EDITS[change.kind][2](change)


def edited_user(state: State, change: Change, desired: State) -> User | None:
    """The user such a change leaves (None: gone), without the state around it: a plan
    weighs thousands of these changes one user at a time."""
    owners, edit, owner_of = _ONE_USER_EDITS[change.kind]
    name = owner_of(change)
    return edit(_entity(state, owners, name), change, desired)  # type: ignore[no-any-return]


# Groups.


def _group(state: State, change: Change, desired: State) -> State:
    if change.action == Action.CREATE:
        return replace(state, groups=with_item(state.groups, change.name, Group(change.name)))
    users = {name: replace(user, groups=user.groups - {change.name})
             if change.name in user.groups else user for name, user in state.users.items()}
    return replace(state, groups=without_item(state.groups, change.name), users=users)


# Customer managed policies.


def _policy(state: State, change: Change, desired: State) -> State:
    if change.action == Action.REPLACE:
        return _replacement(state, change)
    if change.action == Action.CREATE:
        wanted = desired.policies.get(change.name)
        if wanted is None or state.policies.get(change.name) is wanted:
            return state  # already there (`with_new_policies`): the very same state
        return replace(state, policies=with_item(state.policies, change.name, wanted))
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


def _replacement(state: State, change: Change) -> State:
    # Where it is attached stays: the replacement re-attaches it (`after.attached`), and an
    # entity the file moves to another ARN has an attachment change of its own.
    after = payload_as(change.after, ReplacedPolicy).policy
    return _new_document(state, change.name, canonical(after.document))


def _new_document(state: State, name: str, document: Document) -> State:
    found = state.policies.get(name) or ManagedPolicy(name, document, path="/")
    policies = with_item(state.policies, name, replace(found, document=document))
    return replace(state, policies=policies)


# Roles.


def _role(role: Role, change: Change, desired: State) -> Role | None:
    if change.action == Action.DELETE:
        return None
    wanted = desired.roles.get(change.name)
    return Role(change.name, path=wanted.path if wanted else "/",
                trust=wanted.trust if wanted else None,
                permissions_boundary=wanted.permissions_boundary if wanted else None,
                tags=wanted.tags if wanted else None)


def _role_trust(state: State, change: Change, desired: State) -> State:
    trust = trust_document(text_of(change.after), state.account.partition)
    return _edited(state, "roles", change.name, trust=trust)


# What users, groups and roles share: managed policies, inline policies, a boundary. One
# edit each, whatever the owner; `_owned` puts the edited entity back in the owner's
# collection in the state (`users`, `groups`, `roles`).

# An edit of one entity: the entity before (an empty one when absent) to the entity after
# (None: gone).
Edit = Callable[[Any, Change, State], Any]

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


def _owned(owners: str, edit: Edit, owner_of: Callable[[Change], str]) -> Applier:
    def apply(state: State, change: Change, desired: State) -> State:
        name = owner_of(change)
        entity = edit(_entity(state, owners, name), change, desired)
        entities = getattr(state, owners)
        kept = without_item(entities, name) if entity is None else \
            with_item(entities, name, entity)
        changed: dict[str, Any] = {owners: kept}
        return replace(state, **changed)
    return apply


def _attachment(entity: Any, change: Change, desired: State) -> Any:
    held: frozenset[str] = entity.policies
    target = {change.target}
    policies = held | target if change.action == Action.CREATE else held - target
    return _copied(entity, policies=policies)


def _inline_policy(entity: Any, change: Change, desired: State) -> Any:
    current: Mapping[str, Document] = entity.inline_policies
    if change.action == Action.DELETE:
        inline = {k: v for k, v in current.items() if k != change.target}
    else:
        inline = {**current, change.target: _document(text_of(change.after))}
    return _copied(entity, inline_policies=inline)


def _boundary(entity: Any, change: Change, desired: State) -> Any:
    boundary = None if change.action == Action.DELETE else text_of(change.after)
    return _copied(entity, permissions_boundary=boundary)


# Shared.


T = TypeVar("T")


def _copied(value: T, **fields: Any) -> T:
    """`dataclasses.replace` without running `__init__` again (ten times faster): a plan's
    verdicts edit tens of thousands of entities and changes, whose classes check nothing when
    made. Only dataclasses without slots, and only their own fields."""
    known = value.__dataclass_fields__  # type: ignore[attr-defined]
    assert all(name in known for name in fields), f"no such field in {sorted(fields)}"
    copied = object.__new__(type(value))
    copied.__dict__.update(value.__dict__)
    copied.__dict__.update(fields)
    return copied


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


def _named(change: Change) -> str:
    return change.name


# Changes that edit one entity: its collection in the state, the edit, and whose the change is.
Owned = tuple[str, Edit, Callable[[Change], str]]
_ONE_USER_EDITS: dict[ChangeKind, Owned] = {
    ChangeKind.USER: ("users", _user, _named),
    ChangeKind.USER_GROUP: ("users", _membership, _member),
    ChangeKind.GROUP_MEMBER: ("users", _membership, _member),
    ChangeKind.USER_POLICY: ("users", _attachment, _named),
    ChangeKind.USER_INLINE_POLICY: ("users", _inline_policy, _named),
    ChangeKind.USER_BOUNDARY: ("users", _boundary, _named),
}
_OWNED_EDITS: dict[ChangeKind, Owned] = {
    **_ONE_USER_EDITS,
    ChangeKind.GROUP_POLICY: ("groups", _attachment, _named),
    ChangeKind.GROUP_INLINE_POLICY: ("groups", _inline_policy, _named),
    ChangeKind.ROLE: ("roles", _role, _named),
    ChangeKind.ROLE_POLICY: ("roles", _attachment, _named),
    ChangeKind.ROLE_INLINE_POLICY: ("roles", _inline_policy, _named),
    ChangeKind.ROLE_BOUNDARY: ("roles", _boundary, _named),
}

APPLIERS: dict[ChangeKind, Applier] = {
    **{kind: _owned(*owned) for kind, owned in _OWNED_EDITS.items()},
    ChangeKind.GROUP: _group,
    ChangeKind.POLICY: _policy,
    ChangeKind.POLICY_DOCUMENT: _policy_document,
    ChangeKind.ROLE_TRUST: _role_trust,
}
