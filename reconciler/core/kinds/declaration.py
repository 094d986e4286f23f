"""What a kind of entity declares: `EntityKind` (where the file declares it, what a person calls
it, what it needs to exist first) and, for a kind held in a module of its own, `DeclaredKind`
(its model, its kinds of change, how the file and export write it, how it is compared).

Pure. The built-in kinds (users, groups, policies, roles, identity providers) are `EntityKind`s
in `entities.py`, with fields of their own in `State` and hand-written code around them; every
other kind is one `DeclaredKind` in `declared/`, which the generic code loops over: loading the
files (`config/declared_kinds.py`), reading the account (`aws/readers/`), the diff, the counts,
export and apply's writers (`aws/writers/`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ..changes import Change, Risk
from ..errors import ConfigError, Location
from ..state import Caller, Document, State
from ..wording import plural
from .spec import KindSpec

Model = TypeVar("Model")

# The access model's judge of a role holding these AWS managed policies (ARNs) and this inline
# policy within this boundary (an AWS managed policy's ARN): (category, detail) of each of its
# powers, full access and escalation methods (`access/permission_set_powers.py`).
PowersOf = Callable[[frozenset[str], "Document | None", "str | None"], Sequence[tuple[str, str]]]


def _same(name: str) -> str:
    return name


@dataclass(frozen=True)
class EntityKind:
    """A kind of IAM entity the files declare."""

    section: str  # the file's section; the `State` and `Ignore` field; `ignore:`'s key
    label: str  # as messages and plan lines name one: "user", "OIDC provider"
    plural: str  # as counts name several: "policies", "OIDC providers"
    name_field: str = "name"  # the field of a file entry that names it
    # The key a state holds it by, from what the file writes (an OIDC provider's URL without
    # https://, as IAM puts it in the provider's ARN); `ignore` patterns are keyed alike.
    key: Callable[[str], str] = _same
    # The kinds that must exist before one of this kind is created (and outlive its deletion).
    depends_on: tuple[str, ...] = ()
    # IAM names of this kind are unique without regard to case (`Alice` is `alice`).
    names_ignore_case: bool = True
    # The file's keys the section sits under (`("identity_center",)` for permission sets).
    within: tuple[str, ...] = ()
    # The key the file lists them under, when not the section (which must be unique among
    # kinds: Identity Center's `groups` are the section `identity_store_groups`).
    file_key: str = ""

    @property
    def file_path(self) -> tuple[str, ...]:
        """Where the file lists them: `("identity_center", "permission_sets")`."""
        return (*self.within, self.file_key or self.section)

    def of(self, state: State) -> Mapping[str, object]:
        """The entities of this kind in a state, by key."""
        if self.section in state.declared:
            return state.declared[self.section]
        found: Mapping[str, object] = getattr(state, self.section, {})
        return found

    def counted(self, count: int) -> str:
        return plural(count, self.label, self.plural)


class FileEntry(Protocol):
    """One entry of a section as the configuration layer hands it over: its data (after the
    schema's check) and a way to point at a field of it."""

    @property
    def data(self) -> dict[str, Any]: ...

    def error(self, rest: tuple[str | int, ...], message: str) -> ConfigError: ...

    def read_document(self, rest: tuple[str | int, ...]) -> Any:
        """The JSON document in the file the field at `rest` names (a `document_file`),
        relative to the YAML file and inside the configuration's tree; a ConfigError there."""


@dataclass(frozen=True)
class Place:
    """Where the file writes a value, for an error only the account's read can find (an
    unknown group, a target that names no OU)."""

    location: Location
    field: str

    @classmethod
    def at(cls, entry: FileEntry, rest: tuple[str | int, ...]) -> Place:
        error = entry.error(rest, "")
        return cls(error.location, error.field)

    def error(self, message: str) -> ConfigError:
        return ConfigError(self.location, self.field, message)


class Settings(dict[str, Any]):
    """The single values of the section a kind sits within (`identity_center.member_role`), by
    key, and where the files give each (location, field): for an error only the account's read
    can find (an `identity_center.instance_arn` the account does not list)."""

    def __init__(self, values: Mapping[str, Any], places: Mapping[str, Place]) -> None:
        super().__init__(values)
        self.places = dict(places)


class LiveRead(dict[str, Any]):
    """A reader's result that carries, beside the entities by key, what the kind's diff needs
    of the account as a whole (for an organization policy type: the organisation's tree,
    whether the type is enabled, and every policy of the type, those `ignore` names too)."""

    def __init__(self, entities: Mapping[str, Any], context: object) -> None:
        super().__init__(entities)
        self.context = context

    def only(self, keep: Callable[[str], bool]) -> LiveRead:
        return LiveRead({key: value for key, value in self.items() if keep(key)}, self.context)


@dataclass(frozen=True)
class DeclaredKind(Generic[Model]):
    """A kind declared once, in a module of `declared/`: the generic code does the rest."""

    entity: EntityKind
    changes: tuple[KindSpec, ...]  # its kinds of change, in the order one entity's are run
    # One entry of the file's section -> the model; a rule the schema cannot state is a
    # ConfigError at its field (`entry.error`).
    from_file: Callable[[FileEntry], Model]
    key_of: Callable[[Model], str]  # the key a state holds it by
    # The kind's rules across entries (a quota per owner), each error at an entry's field.
    check: Callable[[Sequence[tuple[FileEntry, Model]]], None] | None
    # What the files declare and what the account holds (what its reader read), each by key,
    # and the files' `prune` -> the changes, its removals included: the kind's prune rule.
    diff: Callable[[Mapping[str, Model], Mapping[str, Model], bool], Iterable[Change]]
    # Export: the entry the file would write (or entries: one set's assignments are written
    # per kind of principal); None when export leaves the kind out.
    to_file: Callable[[Model], dict[str, Any] | list[dict[str, Any]]] | None
    # The IAM actions its reader and writers call that no built-in kind does: the apply role of
    # examples/github-actions/bootstrap.yaml lists them, and self-lockout checks the caller
    # keeps them (`access/lockout.py`).
    iam_actions: tuple[str, ...] = ()
    # Why a change of the kind would cut off the credentials running iamctl (the caller, in
    # this account's id), or "": `access/lockout.py` marks it SELF-LOCKOUT. None: never.
    cuts_off: Callable[[Change, Caller, str], str] | None = None
    # The named dangers a change of the kind opens (`Risk`s: an assignment of a set that
    # grants everything is `admin` for its principal), beside its access rule's impact; given
    # the desired and the live state and the access model's judge of a set of policies.
    risks: Callable[[Change, State, State, PowersOf], tuple[Risk, ...]] | None = None
    # Each entry belongs to an entity of the kind of this section, which the files must
    # declare: the entry's `entity.name_field` names it (an SSH public key's `user`).
    owner: str | None = None
    # Whether `ignore:` may name its entities (an assignment goes with its permission set).
    ignorable: bool = True
    # Entries of one key may be several (one permission set's assignments, split across
    # files): two of them -> one. None: a second entry of a key is an error.
    merge: Callable[[Model, Model], Model] | None = None
    # What the kind's entities need to know of the other kinds the files declare (whether a
    # permission set an assignment names is declared) and of the settings of the section they
    # sit within (`identity_center.member_role`): its entities, the keys of every declared
    # kind by section, and the settings -> its entities.
    link: Callable[[Mapping[str, Model], Mapping[str, Iterable[str]], Settings],
                   dict[str, Model]] | None = None
    # The changes of the same plan a change of the kind cannot succeed without, whichever
    # entity they belong to (an SCP's attach needs its type enabled; its detach from a target,
    # the attachments that keep the target covered): a partial plan (`--target`) keeps them.
    needs: Callable[[Change, Sequence[Change]], Iterable[Change]] | None = None

    def declared_in(self, state: State) -> Mapping[str, Model]:
        found: Mapping[str, Model] = state.declared.get(self.entity.section, {})
        return found
