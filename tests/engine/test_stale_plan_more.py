"""Why a saved plan is refused, naming every account and file, and what changed (briefly); and
the diff keeps every change when a policy must wait for a person. Plain data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.core.changes import Action, Change, ChangeKind
from reconciler.core.diff.diff import Diff, diff
from reconciler.core.errors import StalePlanError
from reconciler.core.plan.plan import Plan, make_plan
from reconciler.core.state import Account, ManagedPolicy, User
from reconciler.engine.saved_plans import use_saved_plan, what_changed
from tests.factories import ACCOUNT_ID, doc, live_policy, state
from tests.saved_plans import LIVE, OTHER_ACCOUNT, WANTED, planned, result, save

THIRD_ACCOUNT = "333333333333"


def plan_of(*users: str) -> Plan:
    changes = tuple(Change(Action.CREATE, ChangeKind.USER, name) for name in users)
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
    assert {change.kind for change in result.changes} == {ChangeKind.ALIAS,
                                                          ChangeKind.POLICY_DOCUMENT}
    assert [step.subject for step in result.human_steps] == ["policy_boundary"]


def test_a_plan_for_other_accounts_names_each_side(tmp_path: Path) -> None:
    made = [planned(WANTED, LIVE, account) for account in (ACCOUNT_ID, OTHER_ACCOUNT)]
    fresh = planned(WANTED, LIVE, THIRD_ACCOUNT)
    with pytest.raises(StalePlanError) as refused:
        use_saved_plan([result(fresh), result(made[0])], save(tmp_path, *made))
    assert str(refused.value) == (
        f"{tmp_path / 'plan.json'}: the plan is for account(s) {ACCOUNT_ID}, {OTHER_ACCOUNT}, "
        f"not {ACCOUNT_ID}, {THIRD_ACCOUNT}"
    )


def test_a_plan_from_other_files_names_every_file_read(tmp_path: Path) -> None:
    made = planned(WANTED, LIVE)
    other = planned((User("alice", tags={"team": "b"}),), LIVE)
    split = replace(other, config=replace(other.config, files=("a.yaml", "b.yaml")))
    with pytest.raises(StalePlanError) as refused:
        use_saved_plan([result(split)], save(tmp_path, made))
    assert str(refused.value) == (
        f"{tmp_path / 'plan.json'}: the plan was made from other configuration than "
        "a.yaml, b.yaml; run plan again"
    )
