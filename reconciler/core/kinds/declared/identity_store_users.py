"""IAM Identity Center's own users (`identity_center.users`), for an organisation that keeps its
people in the identity store rather than in an external IdP: the file's entries, their changes
and how a plan says them. A kind declared once, here; its reader is
`aws/readers/identity_store_users.py`, its writers `aws/writers/identity_store_users.py`.

A declared user's fields are exact once given (`email`, when absent, is not managed), compared
as the store holds them (the email is the user's primary one). User names are unique in the
store without regard to case, so the files' are too. A user an external IdP provisions (SCIM:
it carries `ExternalIds`) cannot be declared (the reader refuses it) and is never pruned.
Without `prune`, undeclared users are listed; with it they are deleted.

A user the files declare may be named by `identity_center.groups` members and by assignments
in the same files: it is created before them (phase GROUPS; memberships are added in USERS and
assignments later), and they find its id by name when apply makes them.

Pure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...arns import identity_center_user
from ...changes import Action, Change, ChangeKind, Impact
from ...payloads import tags as string_map
from ...state import Caller
from ..declaration import DeclaredKind, EntityKind, FileEntry
from ..describers import shown
from ..spec import CREATE, DELETE, UPDATE, Phase, spec
from ._identity_center import in_instance

# CreateUser's limits: UserName of 1 to 128 letters, marks, symbols, numbers and punctuation
# (no space); the other fields 1 to 1024 of those or a space, tab or line break.
MAX_USER_NAME = 128
MAX_TEXT = 1024
# Names the identity store refuses for users and groups (by its documentation; compared
# without regard to case, as it compares user names).
RESERVED = frozenset({"administrator", "awsadministrators"})
SPACES = frozenset("\t\n\r \u00a0\u3000")

# The managed fields, in the order a plan line says them.
FIELDS = ("user_name", "display_name", "given_name", "family_name", "email")
# How the user signs in (the user name) and is reached to set a password or to reset it (the
# email): a change there may hand the user to someone else.
SIGN_IN = frozenset({"user_name", "email"})
CREATED = FIELDS[1:]  # a creation's payload: the name is the change's

IDENTITY_STORE_USER = ChangeKind.named("identity_store_user")  # target: its id (none at first)
IDENTITY_STORE_USER_FIELDS = ChangeKind.named("identity_store_user_fields")  # target: its id


@dataclass(frozen=True)
class StoreUser:
    user_name: str  # as the store holds it (live); as the file writes it (desired)
    display_name: str
    given_name: str
    family_name: str
    email: str | None = None  # desired: None is not managed; live: None is none
    # Live only.
    user_id: str = ""
    external: bool = False  # provisioned by an external IdP (SCIM)

    def fields(self) -> dict[str, str]:
        """The fields it gives, by name (the email left out when it has none)."""
        found = {name: getattr(self, name) for name in FIELDS}
        return {name: value for name, value in found.items() if value is not None}


def from_file(entry: FileEntry) -> StoreUser:
    data = entry.data
    check_not_reserved(entry, "user_name")
    check_text(entry, "user_name", frozenset())
    for field_name in CREATED:
        if field_name in data:
            check_text(entry, field_name, SPACES)
    return StoreUser(data["user_name"], data["display_name"], data["given_name"],
                     data["family_name"], data.get("email"))


def check_not_reserved(entry: FileEntry, field_name: str) -> None:
    """A user's or group's name: not one the store reserves."""
    name = entry.data[field_name]
    if name.lower() in RESERVED:
        raise entry.error((field_name,), f"{name} is a name the identity store reserves")


def check_text(entry: FileEntry, field_name: str, spaces: frozenset[str]) -> None:
    """The identity store's characters (the schema checks the lengths): no control character,
    and no space but `spaces` (`SPACES`: those the store allows in its texts)."""
    for char in entry.data[field_name]:
        if char not in spaces and unicodedata.category(char)[0] in "CZ":
            allowed = "spaces, tabs and line breaks" if spaces else "no spaces"
            raise entry.error((field_name,), f"character {char!r} is not allowed ({allowed}, "
                                             "no control characters)")


def key_of(user: StoreUser) -> str:
    return user.user_name


def diff(desired: Mapping[str, StoreUser], live: Mapping[str, StoreUser],
         prune: bool) -> Iterable[Change]:
    for name, wanted in desired.items():
        found = live.get(name)
        if found is None:
            given = wanted.fields()
            yield Change(Action.CREATE, IDENTITY_STORE_USER, name,
                         after={field_name: given.get(field_name, "") for field_name in CREATED})
            continue
        before, after = differences(wanted, found)
        if after:
            yield Change(Action.UPDATE, IDENTITY_STORE_USER_FIELDS, name, found.user_id,
                         before=before, after=after)
    if prune:
        for name, found in live.items():
            if name not in desired and not found.external:
                yield Change(Action.DELETE, IDENTITY_STORE_USER, name, found.user_id)


def differences(wanted: StoreUser, found: StoreUser) -> tuple[dict[str, str], dict[str, str]]:
    """The fields the file gives that the store holds otherwise: (as held, as wanted)."""
    held = found.fields()
    after = {name: value for name, value in wanted.fields().items() if held.get(name) != value}
    return {name: held.get(name, "") for name in after}, after


def to_file(found: StoreUser) -> dict[str, Any]:
    return found.fields()


def describe_user(change: Change) -> tuple[str, list[str]]:
    return f"Identity Center user {change.name}", []


def describe_fields(change: Change) -> tuple[str, list[str]]:
    before, after = string_map(change.before), string_map(change.after)
    said = ", ".join(f"{name} {shown(before.get(name) or None)} -> {shown(after[name])}"
                     for name in FIELDS if name in after)
    return f"Identity Center user {change.name}: {said}", []


def judged(change: Change) -> tuple[Impact, str]:
    if change.action == DELETE:
        return Impact.NARROWS, ""  # what it held through groups and assignments goes with it
    if change.kind == IDENTITY_STORE_USER_FIELDS:
        signing_in = sorted(SIGN_IN & set(string_map(change.after)))
        if signing_in:
            return Impact.UNKNOWN, (
                f"{' and '.join(signing_in)}: how the user signs in (and is sent a password "
                "reset); who signs in as this user, with what the user holds, may change")
    # A new user holds nothing: its memberships and assignments are changes of their own,
    # judged there; a display name or a name opens nothing.
    return Impact.NEUTRAL, ""


def cuts_off(change: Change, caller: Caller, account: str) -> str:
    """Deleting the user whose Identity Center session runs iamctl: the next run cannot sign
    in as it."""
    own = identity_center_user(caller.role, caller.session)
    if change.action != DELETE or own is None or own.lower() != change.name.lower():
        return ""
    return (f"deletes {change.name}, the Identity Center user whose session runs iamctl: the "
            "next run could not sign in")


def _created(data: object) -> Mapping[str, str]:
    found = string_map(data)
    if sorted(found) != sorted(CREATED):
        raise ValueError("expected the fields " + ", ".join(CREATED))
    return found


def _fields(data: object) -> Mapping[str, str]:
    found = string_map(data)
    if not found or not set(found) <= set(FIELDS):
        raise ValueError("expected some of the fields " + ", ".join(FIELDS))
    return found


KIND = DeclaredKind(
    entity=EntityKind("identity_store_users", "Identity Center user", "Identity Center users",
                      name_field="user_name", within=("identity_center",), file_key="users"),
    changes=(
        # Made before the memberships (USERS) and assignments (PASSWORD_POLICY) that name it;
        # deleted with IAM's users, after those are removed (REMOVALS).
        spec(IDENTITY_STORE_USER, Phase.GROUPS, [CREATE, DELETE], describe_user,
             Phase.DELETE_USERS, after=_created, access=judged),
        spec(IDENTITY_STORE_USER_FIELDS, Phase.GROUPS, [UPDATE], describe_fields,
             before=_fields, after=_fields, access=judged),
    ),
    from_file=from_file,
    key_of=key_of,
    check=None,
    diff=diff,
    to_file=to_file,
    cuts_off=cuts_off,
    link=in_instance(),
)
