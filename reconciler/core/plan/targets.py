"""`--target KIND:NAME`: a diff limited to some entities and what they need to exist, before it
becomes a (partial) plan.

Pure. A targeted entity keeps all its changes; an entity it needs (a user's groups and the
customer policies it attaches or has as boundary, a role's policies and the users and identity
providers its trust names) keeps only its creation, so the targeted changes can succeed; and a
change of a declared kind keeps the others its kind says it needs (`DeclaredKind.needs`). The
account's own settings are left out, but for the alias when a kept change makes a credential:
new credentials are delivered with the sign-in URL the alias makes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ..arns import is_aws_managed, policy_name
from ..changes import Action, Change, ChangeKind, HumanStep, StepSubject
from ..diff.diff import Diff
from ..errors import IamctlError
from ..kinds.changes import spec_of
from ..kinds.declaration import EntityKind
from ..kinds.declared import DECLARED
from ..kinds.entities import COUNT_ORDER
from ..state import State

# A declared kind with an `owner` (a user's SSH public keys) is a part of its owner: its changes
# are the owner's (their `name` is the owner's), and it is targeted through its owner.
_PARTS = {kind.entity.section: kind.owner for kind in DECLARED if kind.owner}

# As `--target` spells a kind: the entity kind's label, lower case, spaces as dashes.
TARGET_KINDS: dict[str, EntityKind] = {
    kind.label.lower().replace(" ", "-"): kind for kind in COUNT_ORDER
    if kind.section not in _PARTS
}

# The entity a built-in kind of change belongs to, by its name (`user_group` is the user's); the
# first prefix that matches wins. The alias and the password policy are the account's own. A
# kind declared in `kinds/declared/` says its kinds of change itself.
_OWNERS: tuple[tuple[str, str], ...] = (
    ("login_profile", "users"), ("access_key", "users"), ("instance_profile", "roles"),
    ("user", "users"), ("group", "groups"), ("policy", "policies"), ("role", "roles"),
    ("oidc", "oidc_providers"), ("saml", "saml_providers"),
)

# The change that creates an entity of each kind (a declared kind's first kind of change: its
# changes are in the order one entity's are run).
_CREATION: dict[str, ChangeKind] = {
    "users": ChangeKind.USER, "groups": ChangeKind.GROUP, "policies": ChangeKind.POLICY,
    "roles": ChangeKind.ROLE, "oidc_providers": ChangeKind.OIDC_PROVIDER,
    "saml_providers": ChangeKind.SAML_PROVIDER,
    **{kind.entity.section: kind.changes[0].kind for kind in DECLARED
       if kind.changes and not kind.owner},
}
_DECLARED_OWNERS: dict[ChangeKind, str] = {
    spec.kind: kind.owner or kind.entity.section for kind in DECLARED for spec in kind.changes
}
# What a declared kind's change needs of the rest of the plan (`DeclaredKind.needs`).
_NEEDS: dict[ChangeKind, Callable[[Change, Sequence[Change]], Iterable[Change]]] = {
    spec.kind: kind.needs for kind in DECLARED for spec in kind.changes if kind.needs
}

# Principals a trust policy names that the same apply may have to create.
_TRUSTED = re.compile(r"arn:[^:\"]+:iam::\d{12}:(user|oidc-provider|saml-provider)/([^\"]+)")
_TRUSTED_SECTIONS = {"user": "users", "oidc-provider": "oidc_providers",
                     "saml-provider": "saml_providers"}

Key = tuple[str, str]  # (entity kind's section, name as compared: see `_key`)


@dataclass(frozen=True)
class Target:
    kind: EntityKind
    name: str  # as a state holds it (an OIDC provider's URL without https://)
    text: str  # as typed: `user:alice`

    @property
    def key(self) -> Key:
        return _key(self.kind.section, self.name)


def _key(section: str, name: str) -> Key:
    ignore_case = next(k.names_ignore_case for k in COUNT_ORDER if k.section == section)
    return section, name.lower() if ignore_case else name


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_target(text: str) -> Target:
    """`user:alice`; a malformed one or an unknown kind is an error naming the kinds."""
    kinds = ", ".join(TARGET_KINDS)
    kind_name, colon, name = text.partition(":")
    if not colon or not kind_name or not name:
        raise IamctlError(f"--target {text}: expected KIND:NAME, KIND one of {kinds}")
    kind = TARGET_KINDS.get(kind_name.lower())
    if kind is None:
        raise IamctlError(f"--target {text}: no kind {kind_name!r}"
                          f"{_did_you_mean(kind_name, TARGET_KINDS)}; kinds: {kinds}")
    return Target(kind, kind.key(name), text)


def check_declared(targets: Sequence[Target], declared: Sequence[State]) -> None:
    """Each target names an entity some file declares (in any account of the run)."""
    for target in targets:
        names = [name for state in declared for name in target.kind.of(state)]
        if target.key not in {_key(target.kind.section, name) for name in names}:
            raise IamctlError(f"--target {target.text}: no {target.kind.label} {target.name!r} "
                              f"in the files{_did_you_mean(target.name, names)}")


def owner_of(change: Change) -> Key | None:
    """The entity `change` belongs to; None for the account's own settings."""
    if change.kind in _DECLARED_OWNERS:
        return _key(_DECLARED_OWNERS[change.kind], change.name)
    for prefix, section in _OWNERS:
        if change.kind.value.startswith(prefix):
            return _key(section, change.name)
    return None


def limit(result: Diff, targets: Sequence[Target], desired: State) -> Diff:
    """`result` with only the targets' changes and the creations of what they need."""
    wanted = {target.key for target in targets}
    needed = {key for target in targets for key in needs(target, desired)} - wanted
    kept = _with_their_needs([
        change for change in result.changes
        if owner_of(change) in wanted
        or (owner_of(change) in needed and _creates_entity(change))
    ], result.changes)
    if any(change.action == Action.CREATE and spec_of(change.kind).secret for change in kept):
        kept += [change for change in result.changes if change.kind == ChangeKind.ALIAS]
    steps = tuple(step for step in result.human_steps if _step_owner(step) in wanted)
    return replace(result, changes=tuple(kept), human_steps=steps)


def _with_their_needs(kept: list[Change], every: Sequence[Change]) -> list[Change]:
    """The kept changes, and the others of the plan they cannot succeed without (a declared
    kind's `needs`: an attach needs its policy type enabled), and theirs in turn; in the
    plan's order."""
    chosen = {id(change) for change in kept}
    waiting = list(kept)
    while waiting:
        change = waiting.pop()
        rule = _NEEDS.get(change.kind)
        for needed in rule(change, every) if rule else ():
            if id(needed) not in chosen:
                chosen.add(id(needed))
                waiting.append(needed)
    return [change for change in every if id(change) in chosen]


def _creates_entity(change: Change) -> bool:
    owner = owner_of(change)
    return owner is not None and change.action == Action.CREATE and (
        change.kind == _CREATION.get(owner[0]))


def _step_owner(step: HumanStep) -> Key | None:
    if step.subject == StepSubject.USER_MFA:
        return _key("users", step.name)
    if step.subject == StepSubject.POLICY_BOUNDARY:
        return _key("policies", step.name)
    return None  # the root user's: the account's own


def needs(target: Target, desired: State) -> set[Key]:
    """The entities the target needs to exist, as the files declare it."""
    entity = target.kind.of(desired).get(target.name)
    if entity is None:  # spelled in another case than the file: look it up so
        entity = next((e for n, e in target.kind.of(desired).items()
                       if _key(target.kind.section, n) == target.key), None)
    found: set[Key] = set()
    for group in getattr(entity, "groups", ()):
        found.add(_key("groups", group))
    arns = [*getattr(entity, "policies", ()), getattr(entity, "permissions_boundary", None)]
    found |= {_key("policies", policy_name(arn)) for arn in arns
              if arn and not is_aws_managed(arn)}
    trust = getattr(entity, "trust", None)
    for kind, name in _TRUSTED.findall(trust.text if trust is not None else ""):
        found.add(_key(_TRUSTED_SECTIONS[kind], name.rsplit("/", 1)[-1] if kind == "user"
                       else name))
    return found


def target_texts(targets: Sequence[Target]) -> tuple[str, ...]:
    return tuple(target.text for target in targets)
