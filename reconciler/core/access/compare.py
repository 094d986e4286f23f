"""Did a principal's access grow, shrink, both, or stay the same between two access models?

Pure. Access grows unless it can be shown not to: every Allow after is covered by one Allow
before (its actions, its resources, and no condition the earlier one lacked), no Deny of before
is gone, the boundary did not loosen or go, and no role is newly reached (nor did a role it
reaches grow). A covering that needs two statements together is not tried, so a grant split
differently reads as grown: the conservative answer. Shrinking is shown the same way the other
way round. A principal holding a policy iamctl could not read is `UNKNOWN`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from enum import Enum

from ..policy import catalog
from .conditions import Verdict
from .grants import ALLOW, DENY, Grant, PolicySet, action_index
from .holders import Holder
from .model import AccessModel, Side
from .patterns import ANY, contains, meets
from .principals import ROLE, Principal
from .reach import Step


class Growth(str, Enum):
    SAME = "same"
    GREW = "grew"
    SHRANK = "shrank"
    BOTH = "both"  # grew in one way, shrank in another: it grew
    UNKNOWN = "unknown"


def compared(before: AccessModel, after: AccessModel, principal: Principal) -> Growth:
    return compared_sides(before.side(principal), after.side(principal),
                          _differing_roles(before, after, principal))


def compared_sides(before: Side, after: Side,
                   differing: frozenset[str] | None = None) -> Growth:
    """`differing`: the only roles whose chain or policies may differ between the sides (one
    model was made from the other for one change); None: any of them."""
    if before.unread or after.unread:
        return Growth.UNKNOWN
    grew = _grew(before, after, differing)
    shrank = _grew(after, before, differing)
    if grew and shrank:
        return Growth.BOTH
    return Growth.GREW if grew else Growth.SHRANK if shrank else Growth.SAME


def _grew(before: Side, after: Side, differing: frozenset[str] | None) -> bool:
    """Whether `after` lets the principal do anything `before` did not (soundly: True when
    it cannot be shown otherwise)."""
    old, new = before.holder, after.holder
    if new is not None and (_own_grew(old, new) if old is not None
                            else bool(_allows(new.policies.grants))):
        return True  # more allowed (a principal that did not exist was allowed nothing)
    reached_before, reached_after = before.reach, after.reach
    # Every role reached, however far down a chain, is in `reached_after`: each one's chain and
    # own policies are compared; between a model of one change and its parent, only the roles
    # the change touches can differ (roles the plan leaves alone share their policy set).
    roles = reached_after if differing is None else \
        [role for role in differing if role in reached_after]
    for role in roles:
        # A role newly reached, or reached on easier terms (a trust condition dropped).
        chain = reached_after[role]
        if role not in reached_before or _surety(chain) > _surety(reached_before[role]):
            return True
    for role in roles:
        held = Principal(ROLE, role)
        old_role, new_role = before.model.holder(held), after.model.holder(held)
        if new_role is not None and (old_role is None or _own_grew(old_role, new_role)):
            return True
    return False


def _differing_roles(one: AccessModel, other: AccessModel,
                     principal: Principal) -> frozenset[str] | None:
    """The roles where the principal's reach may differ, when one model was made from the
    other for one change; None when every role must be looked at."""
    for child, parent in ((one, other), (other, one)):
        if child.parent is parent:
            return child.reach_changed(principal)
    return None


def _surety(chain: tuple[Step, ...]) -> Verdict:
    return min(step.verdict for step in chain)


def stronger(mine: Holder, theirs: Holder) -> bool:
    """Whether `theirs` may do something `mine` may not (by their own policies)."""
    return _own_grew(mine, theirs)


def _own_grew(old: Holder, new: Holder) -> bool:
    if old.policies is new.policies:  # the plan's models share unchanged policy sets
        return False
    known = new.policies.grew_since
    if old.policies not in known:
        known[old.policies] = _set_grew(old.policies, new.policies)
    return known[old.policies]


def _set_grew(old: PolicySet, new: PolicySet) -> bool:
    if _denies(old.grants) - _denies(new.grants):
        return True  # a Deny gone (conservatively, whatever it denied)
    allowed = _allows(old.grants)
    if not all(_covered(g, allowed) for g in _allows(new.grants)):
        return True
    return _boundary_loosened(old.boundary, new.boundary)


def _boundary_loosened(old: tuple[Grant, ...] | None, new: tuple[Grant, ...] | None) -> bool:
    if old is None:
        return False  # no cap before: a boundary can only take away
    if new is None:
        return True
    if _denies(old) - _denies(new):
        return True
    allowed = _allows(old)
    return not all(_covered(g, allowed) for g in _allows(new))


def _allows(grants: Sequence[Grant]) -> tuple[Grant, ...]:
    return tuple(g for g in grants if g.effect == ALLOW)


def _denies(grants: Sequence[Grant]) -> set[tuple[object, ...]]:
    """Denies by what they deny (their source may be renamed without any effect)."""
    return {(g.actions, g.not_action, g.resources, g.not_resource, g.condition)
            for g in grants if g.effect == DENY}


def _covered(grant: Grant, allows: Sequence[Grant]) -> bool:
    if grant in allows:  # the same statement (the common case: most grants do not change)
        return True
    return any(_covers(other, grant) for other in allows)


@functools.lru_cache(maxsize=65536)
def _covers(wide: Grant, narrow: Grant) -> bool:
    """Whether `wide` allows everything `narrow` does: no condition of its own beyond
    `narrow`'s, every action, every resource."""
    if wide.condition and wide.condition != narrow.condition:
        return False
    return _actions_covered(wide, narrow) and _resources_covered(wide, narrow)


def _actions_covered(wide: Grant, narrow: Grant) -> bool:
    if narrow.not_action:
        if wide.not_action:  # wide excludes less: each of its exclusions is one of narrow's
            return all(any(contains(x, y) for x in narrow.actions) for y in wide.actions)
        return bool({"*", "*:*"} & wide.actions)
    if not wide.not_action and narrow.actions <= wide.actions:
        return True
    index = action_index(wide.actions)
    for pattern in narrow.actions - wide.actions:
        if not wide.not_action and index.contains(pattern):
            continue
        known = catalog.expand(pattern)
        # An action pattern the catalog names nothing of may name an action it does not know.
        if not known or not all(wide.names(action) for action in known):
            return False
    return True


def _resources_covered(wide: Grant, narrow: Grant) -> bool:
    if narrow.not_resource:
        if wide.not_resource:
            return all(any(contains(x, y) for x in narrow.resources) for y in wide.resources)
        return ANY in wide.resources
    if wide.not_resource:
        return all(not any(meets(x, y) for x in wide.resources) for y in narrow.resources)
    return all(any(contains(mine, pattern) for mine in wide.resources)
               for pattern in narrow.resources)

