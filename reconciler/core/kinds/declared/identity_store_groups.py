"""IAM Identity Center's own groups (`identity_center.groups`), for an organisation that keeps its
people in the identity store rather than in an external IdP: the file's entries, their changes
and how a plan says them. A kind declared once, here; its reader is
`aws/readers/identity_store_groups.py`, its writers `aws/writers/identity_store_groups.py`.

A declared group's `members` (identity-store user names) are exact, like an IAM group's; its
description, when absent, is not managed. A group an external IdP provisions (SCIM: it carries
`ExternalIds`) cannot be declared: two sources would fight over it (the reader refuses it).
Without `prune`, undeclared groups are listed; with it they are deleted. A member may be a
user `identity_center.users` declares and the same apply creates: members are added after the
users are made (phase USERS), each found by name then.

Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ...arns import identity_center_user
from ...changes import Action, Change, ChangeKind, Impact
from ...payloads import tags as string_map
from ...payloads import text
from ...state import Caller
from ..declaration import DeclaredKind, EntityKind, FileEntry
from ..describers import shown
from ..spec import CREATE, DELETE, TEXT, UPDATE, Phase, spec
from ._identity_center import in_instance
from .identity_store_users import SPACES, check_not_reserved, check_text

# The identity store's limits (CreateGroup: DisplayName and Description of 1 to 1024).
MAX_TEXT = 1024

IDENTITY_STORE_GROUP = ChangeKind.named("identity_store_group")  # target: its id (none at first)
IDENTITY_STORE_GROUP_DESCRIPTION = ChangeKind.named("identity_store_group_description")
IDENTITY_STORE_GROUP_MEMBER = ChangeKind.named("identity_store_group_member")  # target: a user


@dataclass(frozen=True)
class StoreGroup:
    name: str  # its DisplayName, unique in the store
    description: str | None = None  # None: not managed (desired)
    members: frozenset[str] = frozenset()  # user names
    # Live only.
    group_id: str = ""
    external: bool = False  # provisioned by an external IdP (SCIM)
    memberships: Mapping[str, str] = field(default_factory=dict)  # user name: membership id
    # Desired only: the users `identity_center.users` declares (they may not exist yet).
    users_declared: frozenset[str] = field(default=frozenset(), compare=False)


def from_file(entry: FileEntry) -> StoreGroup:
    data = entry.data
    check_not_reserved(entry, "name")
    for text_field in ("name", "description"):
        if text_field in data:
            check_text(entry, text_field, SPACES)
    members = data.get("members", [])
    for index, member in enumerate(members):
        if members.index(member) != index:
            raise entry.error(("members", index), f"user {member} is listed twice")
    return StoreGroup(data["name"], data.get("description"), frozenset(members))


def key_of(group: StoreGroup) -> str:
    return group.name


def link(declared: Mapping[str, StoreGroup], others: Mapping[str, Iterable[str]],
         settings: Mapping[str, Any]) -> dict[str, StoreGroup]:
    """Each group told which users the files declare: a member may be one of them, which the
    store lacks until this apply creates it (the reader accepts it)."""
    users = frozenset(others.get("identity_store_users", ()))
    return {key: replace(group, users_declared=users) for key, group in declared.items()}


def diff(desired: Mapping[str, StoreGroup], live: Mapping[str, StoreGroup],
         prune: bool) -> Iterable[Change]:
    for name, wanted in desired.items():
        yield from _group_changes(wanted, live.get(name))
    if prune:
        for name, found in live.items():
            if name not in desired and not found.external:
                yield Change(Action.DELETE, IDENTITY_STORE_GROUP, name, found.group_id)


def _group_changes(wanted: StoreGroup, found: StoreGroup | None) -> list[Change]:
    if found is None:
        changes = [Change(Action.CREATE, IDENTITY_STORE_GROUP, wanted.name,
                          after={"description": wanted.description or ""})]
        current = StoreGroup(wanted.name, description=wanted.description or "")
    else:
        changes, current = [], found
    if wanted.description is not None and wanted.description != current.description:
        changes.append(Change(Action.UPDATE, IDENTITY_STORE_GROUP_DESCRIPTION, wanted.name,
                              current.group_id, before=current.description or "",
                              after=wanted.description))
    changes += [Change(Action.CREATE, IDENTITY_STORE_GROUP_MEMBER, wanted.name, user,
                       after=current.group_id) for user in sorted(wanted.members - current.members)]
    changes += [Change(Action.DELETE, IDENTITY_STORE_GROUP_MEMBER, wanted.name, user,
                       before=current.memberships.get(user, ""))
                for user in sorted(current.members - wanted.members)]
    return changes


def to_file(found: StoreGroup) -> dict[str, Any]:
    return {"name": found.name, "description": found.description or "",
            "members": sorted(found.members)}


def describe_group(change: Change) -> tuple[str, list[str]]:
    return f"Identity Center group {change.name}", []


def describe_description(change: Change) -> tuple[str, list[str]]:
    return (f"Identity Center group {change.name}: description {shown(change.before)} -> "
            f"{shown(change.after)}"), []


def describe_member(change: Change) -> tuple[str, list[str]]:
    verb = "add" if change.action == CREATE else "remove"
    return f"Identity Center group {change.name}: {verb} {change.target}", []


def judged(change: Change) -> tuple[Impact, str]:
    # A member added gets whatever the group is assigned, in every account it is assigned to:
    # the access model judges an assignment when it is made, not a member added to a group
    # that holds some, so that is not called harmless.
    if change.kind == IDENTITY_STORE_GROUP_MEMBER and change.action == CREATE:
        return Impact.UNKNOWN, ("what the group is assigned, and where, is not judged for a "
                                "member added")
    if change.action == DELETE:
        return Impact.NARROWS, ""
    return Impact.NEUTRAL, ""  # a new group holds nothing; a description opens nothing


def cuts_off(change: Change, caller: Caller, account: str) -> str:
    """Taking the user whose Identity Center session runs iamctl out of a group: the group may
    be how it holds its permission set (which is not known here, so any group counts)."""
    own = identity_center_user(caller.role, caller.session)
    if change.kind != IDENTITY_STORE_GROUP_MEMBER or change.action != DELETE or own is None \
            or own.lower() != change.target.lower():
        return ""
    return (f"removes {change.target}, the Identity Center user whose session runs iamctl, from "
            f"group {change.name}: it may be how the session holds its permission set")


def _created(data: object) -> Mapping[str, str]:
    found = string_map(data)
    if list(found) != ["description"]:
        raise ValueError("expected the field description")
    return found


KIND = DeclaredKind(
    entity=EntityKind("identity_store_groups", "Identity Center group", "Identity Center groups",
                      within=("identity_center",), file_key="groups", names_ignore_case=False),
    changes=(
        # Members are added once their group and the users the files declare exist (those
        # are made in GROUPS), removed with the other removals.
        spec(IDENTITY_STORE_GROUP, Phase.GROUPS, [CREATE, DELETE], describe_group,
             Phase.DELETE_GROUPS, after=_created, access=judged),
        spec(IDENTITY_STORE_GROUP_DESCRIPTION, Phase.GROUPS, [UPDATE], describe_description,
             **TEXT, access=judged),
        spec(IDENTITY_STORE_GROUP_MEMBER, Phase.USERS, [CREATE, DELETE], describe_member,
             before=text, after=text, access=judged),
    ),
    from_file=from_file,
    key_of=key_of,
    check=None,
    diff=diff,
    to_file=to_file,
    link=in_instance(link),
    cuts_off=cuts_off,
)
