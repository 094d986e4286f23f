"""What users, groups and roles alike hold: path, tags, attachments, memberships, inline policies
and the permissions boundary. One diff function each, taking the kind of change as a parameter
(`USER_PATH`, `GROUP_PATH`, ...). `None` wanted means not managed for paths and tags; attachments,
inline policies and boundaries are exact. Pure, used by `diff.py` and `roles.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..changes import Action, Change, ChangeKind
from ..state import Document


def diff_path(kind: ChangeKind, owner: str, wanted: str | None,
              current: str | None) -> list[Change]:
    if wanted is None or wanted == current:
        return []
    return [Change(Action.UPDATE, kind, owner, before=current, after=wanted)]


def diff_tags(
    kind: ChangeKind,
    owner: str,
    wanted: Mapping[str, str] | None,
    current: Mapping[str, str] | None,
    target: str = "",
) -> list[Change]:
    """Tags are exact once managed; `target` is the owner's ARN where IAM's calls want it."""
    before = dict(current or {})
    if wanted is None or dict(wanted) == before:
        return []
    return [Change(Action.UPDATE, kind, owner, target=target, before=before, after=dict(wanted))]


def diff_attachments(
    kind: ChangeKind, owner: str, wanted: Iterable[str], current: Iterable[str]
) -> list[Change]:
    to_add = sorted(set(wanted) - set(current))
    to_remove = sorted(set(current) - set(wanted))
    return [Change(Action.CREATE, kind, owner, target=item) for item in to_add] + [
        Change(Action.DELETE, kind, owner, target=item) for item in to_remove
    ]


def diff_inline(
    kind: ChangeKind, owner: str, wanted: Mapping[str, Document], current: Mapping[str, Document]
) -> list[Change]:
    changes = []
    for name in sorted(wanted):
        if name not in current:
            changes.append(
                Change(Action.CREATE, kind, owner, target=name, after=wanted[name].text)
            )
        elif wanted[name] != current[name]:
            changes.append(
                Change(
                    Action.UPDATE,
                    kind,
                    owner,
                    target=name,
                    before=current[name].text,
                    after=wanted[name].text,
                )
            )
    for name in sorted(set(current) - set(wanted)):
        changes.append(
            Change(Action.DELETE, kind, owner, target=name, before=current[name].text)
        )
    return changes


def diff_boundary(kind: ChangeKind, owner: str, wanted: str | None,
                  current: str | None) -> list[Change]:
    """The permissions boundary (a policy ARN) is exact: none wanted removes the one found."""
    if wanted == current:
        return []
    if wanted is None:
        return [Change(Action.DELETE, kind, owner, before=current)]
    action = Action.CREATE if current is None else Action.UPDATE
    return [Change(action, kind, owner, before=current, after=wanted)]
