"""Every kind of change is declared once (core/kinds.py) and has a writer for each of its actions.

A kind added to the model without a spec, a describer or a writer fails here, not halfway
through an apply that has already changed the account.
"""

from __future__ import annotations

import pytest

from reconciler.aws.writers import WRITERS, WriteContext
from reconciler.core.access.applied import APPLIERS
from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.errors import IamctlError
from reconciler.core.kinds.access_rules import MODELLED
from reconciler.core.kinds.changes import (
    SPECS,
    access_of,
    allows,
    phase_of,
    spec_of,
    touches_credentials,
)
from reconciler.core.kinds.declared import DECLARED
from reconciler.core.payloads import RoleSettings
from reconciler.core.plan.plan import (
    Plan,
    change_to_dict,
    order_changes,
    plan_from_dict,
    plan_to_dict,
)
from reconciler.core.render.text import change_lines
from reconciler.core.state import PasswordPolicy
from reconciler.engine import apply

ACCOUNT = "123456789012"


def test_every_kind_has_exactly_one_spec():
    declared = [s.kind for s in SPECS]
    assert sorted(declared) == sorted(ChangeKind.every())
    assert len(set(declared)) == len(declared)


@pytest.mark.parametrize("kind", ChangeKind.every(), ids=lambda kind: kind.value)
def test_every_action_of_a_kind_has_a_writer_and_nothing_else_does(kind):
    declared = spec_of(kind).actions
    assert declared, f"{kind.value} declares no action"
    written = {action for (k, action) in WRITERS if k == kind}
    assert written == declared


# A declared kind's plan lines are tested with the kind (its payloads are its own).
_OWN_TESTS = {kind_spec.kind for declared in DECLARED for kind_spec in declared.changes}


@pytest.mark.parametrize(
    ("kind", "action"),
    [(s.kind, action) for s in SPECS if s.kind not in _OWN_TESTS for action in sorted(s.actions)],
    ids=lambda value: value.value,
)
def test_every_built_in_change_reads_as_one_line_naming_its_entity(kind, action):
    change = Change(action, kind, "alice", target="t", before="/a/", after="/b/")
    if kind == ChangeKind.PASSWORD_POLICY:
        change = Change(action, kind, ACCOUNT, after=PasswordPolicy(minimum_length=14))
    if kind == ChangeKind.OIDC_THUMBPRINTS:
        change = Change(action, kind, "alice", target="t", before=["a" * 40], after=["b" * 40])
    if kind == ChangeKind.ROLE_SETTINGS:
        before = RoleSettings("", 3600)
        after = RoleSettings("Deploys", 5400)
        change = Change(action, kind, "alice", before=before, after=after)
    documents = (
        ChangeKind.POLICY_DOCUMENT,
        ChangeKind.USER_INLINE_POLICY,
        ChangeKind.GROUP_INLINE_POLICY,
        ChangeKind.ROLE_INLINE_POLICY,
        ChangeKind.ROLE_TRUST,
    )
    if kind in documents:
        document = '{"Version":"2012-10-17","Statement":[]}'
        change = Change(action, kind, "alice", target="t", before=document, after=document)
    first = change_lines(change)[0]
    assert first.split(" ", 1)[0] in {"+", "~", "-", "-/+"}
    assert "alice" in first or kind in (ChangeKind.ALIAS, ChangeKind.PASSWORD_POLICY)
    assert "_" not in first  # words, never an enum value such as user_inline_policy


def test_whole_entities_are_deleted_after_what_they_hold_and_policies_last():
    def deletion(kind: ChangeKind) -> int:
        return phase_of(Change(Action.DELETE, kind, "x"))

    detach = deletion(ChangeKind.USER_POLICY)
    assert detach < deletion(ChangeKind.USER) < deletion(ChangeKind.GROUP) \
        < deletion(ChangeKind.POLICY)
    # An inactive key makes room for a new one within the user's own phase.
    assert deletion(ChangeKind.ACCESS_KEY) == phase_of(Change(Action.CREATE, ChangeKind.ACCESS_KEY,
                                                              "x"))


def test_a_saved_plan_asking_for_an_action_its_kind_never_takes_is_refused():
    assert not allows(ChangeKind.ALIAS, Action.DELETE)
    plan = Plan(ACCOUNT, None, (Change(Action.UPDATE, ChangeKind.ALIAS, ACCOUNT, after="acme"),))
    data = plan_to_dict(plan)
    assert plan_from_dict(data) == plan
    data["changes"][0] = change_to_dict(Change(Action.DELETE, ChangeKind.ALIAS, ACCOUNT))
    with pytest.raises(ValueError, match="alias change cannot delete"):
        plan_from_dict(data)


class RecordingAws:
    """Stands in for the IAM client: records each call (none is expected)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def iam(self, operation: str, doing: str, **params: object) -> dict[str, object]:
        self.calls.append(operation)
        return {}


def test_a_change_without_a_writer_stops_apply_before_its_first_write(monkeypatch):
    writers = dict(WRITERS)
    del writers[(ChangeKind.PASSWORD_POLICY, Action.UPDATE)]
    monkeypatch.setattr(apply, "WRITERS", writers)
    changes = order_changes(
        [
            Change(Action.UPDATE, ChangeKind.ALIAS, ACCOUNT, after="acme"),  # the first phase
            Change(Action.UPDATE, ChangeKind.PASSWORD_POLICY, ACCOUNT, after=PasswordPolicy(14)),
        ]
    )
    aws = RecordingAws()
    with pytest.raises(IamctlError, match="no way to carry out .*password policy.*nothing was"):
        apply.apply_plan(Plan(ACCOUNT, None, changes), WriteContext(aws, None, None))  # type: ignore[arg-type]
    assert aws.calls == []


def test_the_kinds_the_access_model_applies_are_those_declared_modelled():
    # Each kind declares how it is judged (`kinds/access_rules.py`): a kind declared MODELLED
    # has an applier in the access model (`access/applied.py`), and an applier serves only
    # such a kind; the others have a rule of their own. Self-lockout asks the same model.
    modelled = {kind for kind in ChangeKind.every() if access_of(kind) is MODELLED}
    assert set(APPLIERS) == modelled
    assert all(callable(access_of(kind)) for kind in set(ChangeKind.every()) - modelled)


def test_the_credential_kinds_are_those_of_passwords_and_access_keys():
    assert {kind for kind in ChangeKind.every() if touches_credentials(kind)} == {
        ChangeKind.LOGIN_PROFILE, ChangeKind.ACCESS_KEY, ChangeKind.ACCESS_KEY_STATUS}
