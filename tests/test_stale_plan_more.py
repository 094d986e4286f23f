"""Why a saved plan is stale, told briefly; and the diff keeps every change when a policy must wait
for a person. Plain data."""

from __future__ import annotations

from reconciler.diff import Diff, diff
from reconciler.model import Account, Action, Change, Kind, ManagedPolicy
from reconciler.multi import what_changed
from reconciler.plan import Plan, make_plan
from tests.factories import ACCOUNT_ID, doc, live_policy, state


def plan_of(*users: str) -> Plan:
    changes = tuple(Change(Action.CREATE, Kind.USER, name) for name in users)
    return make_plan(state(), state(), Diff(changes, ()))


def test_a_stale_plan_names_at_most_three_new_changes_each_on_its_own() -> None:
    assert what_changed(plan_of(), plan_of("a", "b", "c", "d")) == (
        "now also needed: + user a; now also needed: + user b; now also needed: + user c"
    )


def test_a_policy_left_to_a_person_does_not_drop_the_other_changes() -> None:
    desired = state(ManagedPolicy("Limit", doc("s3:*"), description="new"),
                    account=Account(ACCOUNT_ID, alias="acme"))
    live = state(live_policy("Limit", doc(), description="before", boundary_count=1),
                 account=Account(ACCOUNT_ID, alias="old"))
    result = diff(desired, live)
    assert {change.kind for change in result.changes} == {Kind.ALIAS, Kind.POLICY_DOCUMENT}
    assert [step.kind for step in result.human_steps] == ["policy_boundary"]
