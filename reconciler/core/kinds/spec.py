"""What every kind of change declares (`KindSpec`), and the phases apply runs them in.

Pure. The built-in kinds' table is `changes.py`; a kind declared in a module of its own
(`declared/`) lists its specs there, made with the same `spec`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from ..changes import Action, ChangeKind
from ..payloads import Reader, tags, text
from .access_rules import Access
from .describers import Describer

CREATE, UPDATE, DELETE, REPLACE = Action.CREATE, Action.UPDATE, Action.DELETE, Action.REPLACE


class Phase:
    """Apply runs phase by phase: what others depend on first, deletions last.

    The alias comes first: new credentials are delivered with the sign-in URL it makes, so it
    must be set (or have failed, stopping apply) before any is created. Identity providers come
    before the roles that trust them (IAM refuses a trust policy naming a missing provider), and
    roles after users (a role may trust a user created in the same apply). The password policy
    can follow the users: generated passwords already satisfy the policy the file asks for."""

    ACCOUNT = 0
    POLICIES = 1
    GROUPS = 2
    USERS = 3
    PROVIDERS = 4
    ROLES = 5
    PASSWORD_POLICY = 6
    # Detach, leave a group, delete an inline policy, a login profile or a boundary.
    REMOVALS = 7
    # Whole entities last: users first (they leave their groups), roles, groups, then policies
    # (which by then are attached to fewer entities), then the providers no role trusts any more.
    DELETE_USERS = 8
    DELETE_ROLES = 9
    DELETE_GROUPS = 10
    DELETE_POLICIES = 11
    DELETE_PROVIDERS = 12


@dataclass(frozen=True)
class KindSpec:
    kind: ChangeKind
    phase: int  # of its creations and updates (and deletions, when `deletion_phase` is None)
    actions: frozenset[Action]
    describe: Describer
    # Where its deletions run; None = with its creations (an access key makes room for another).
    deletion_phase: int | None = Phase.REMOVALS
    # How a saved plan's `before` and `after` are read back (`payloads.py`); None: the kind
    # carries nothing there.
    before: Reader | None = None
    after: Reader | None = None
    # Whether its creation makes a secret (a password, a secret key) that apply delivers: the
    # plan names where each goes (`destinations.py`).
    secret: bool = False
    # How a change of the kind is judged for access (`access_rules.py`): no default, so the type
    # checker rejects a kind that does not say.
    access: Access = field(kw_only=True)
    # A change to a user's credentials (console password, access keys): it is about that user,
    # and a plan reads that user's credentials exactly before it.
    credential: bool = field(default=False, kw_only=True)
    # How both sides of its replacement (`-/+`, `Action.REPLACE`) are read back; None: the kind
    # is never replaced.
    replaced: Reader | None = field(default=None, kw_only=True)

    def readers(self, action: Action) -> tuple[Reader | None, Reader | None]:
        """How a saved change's `before` and `after` are read back, by its action."""
        if action == REPLACE:
            return self.replaced, self.replaced
        return self.before, self.after


def spec(
    kind: ChangeKind,
    phase: int,
    actions: Iterable[Action],
    describe: Describer,
    deletion_phase: int | None = Phase.REMOVALS,
    *,
    before: Reader | None = None,
    after: Reader | None = None,
    secret: bool = False,
    access: Access,
    credential: bool = False,
    replaced: Reader | None = None,
) -> KindSpec:
    """`access` has no default: a new kind says how the plan judges what it does to access."""
    if (REPLACE in actions) != (replaced is not None):
        raise ValueError(f"{kind.value}: a kind replaced says how its replacement is read back")
    return KindSpec(
        kind, phase, frozenset(actions), describe, deletion_phase, before, after, secret,
        access=access, credential=credential, replaced=replaced,
    )


class Both(TypedDict):
    """The readers of a kind whose before and after are the same type (text, tags)."""

    before: Reader
    after: Reader


TEXT = Both(before=text, after=text)  # a path, a document, an alias, a policy ARN, ...
TAGS = Both(before=tags, after=tags)


