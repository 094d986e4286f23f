"""The plan keeps the diff's notes, and a saved plan reads back: the current format whole, and a
file written before a field existed with that field's safe default. Plain data (no AWS)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.core.changes import Action, Change, ChangeKind, Impact
from reconciler.core.diff.diff import Diff
from reconciler.core.plan.plan import make_plan, plan_from_dict, plan_to_dict
from tests.factories import state

NOTE = "user ann: key rotation under way, nothing due before 2026-03-01"


def saved(data: Any) -> Any:
    return json.loads(json.dumps(data))  # what the plan file holds


def test_the_diffs_notes_reach_the_plan_and_survive_saving_it() -> None:
    change = Change(Action.CREATE, ChangeKind.USER, "ann")
    plan = make_plan(state(), state(), Diff((change,), (), notes=(NOTE,)))
    assert plan.notes == (NOTE,)
    data = saved(plan_to_dict(plan))
    assert data["notes"] == [NOTE]
    assert plan_from_dict(data).notes == (NOTE,)


def test_a_plan_saved_before_notes_impact_risks_and_lockout_existed_still_reads() -> None:
    """Missing fields read as: no notes, impact unknown (never assumed safe), no risks, no
    lockout warning."""
    plan = make_plan(state(), state(), Diff((Change(Action.CREATE, ChangeKind.USER, "ann"),), ()))
    data = saved(plan_to_dict(plan))
    del data["notes"]
    for item in data["changes"]:
        for key in ("self_lockout", "impact", "risks"):
            del item[key]
    read = plan_from_dict(data)
    assert read.notes == ()
    [change] = read.changes
    assert (change.impact, change.risks, change.self_lockout) == (Impact.UNKNOWN, (), "")
