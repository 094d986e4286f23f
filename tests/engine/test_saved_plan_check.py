"""The saved-plan check on plain data: `apply --plan` goes ahead only when the account, the files
and the changes are all what the saved plan was made from.

The CLI tests cover the same guarantees end to end; these reach the check without an emulator, so
the fast tests (and `make mutate`) see every way it can refuse.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.core.errors import IamctlError, StalePlanError
from reconciler.core.state import User
from reconciler.engine.accounts import AccountResult
from reconciler.engine.saved_plans import use_saved_plan
from tests.factories import ACCOUNT_ID, live_user
from tests.saved_plans import LIVE, OTHER_ACCOUNT, WANTED, planned, result, save


def test_an_unchanged_account_applies_the_fresh_plan(tmp_path: Path) -> None:
    made = planned(WANTED, LIVE)
    fresh = planned(WANTED, LIVE)
    [kept] = use_saved_plan([result(fresh)], save(tmp_path, made))
    assert kept.planned is fresh  # the fresh plan goes ahead, nothing is taken from the file


def test_a_plan_is_refused_when_only_the_live_account_moved(tmp_path: Path) -> None:
    # bob (not in the file, so no change for him) got a tag: the changes are the same, the
    # account is not.
    made = planned(WANTED, LIVE)
    moved = planned(WANTED, (live_user("alice"), live_user("bob", tags={"x": "1"})))
    assert moved.plan.changes == made.plan.changes
    with pytest.raises(StalePlanError) as refused:
        use_saved_plan([result(moved)], save(tmp_path, made))
    assert str(refused.value) == (
        f"{tmp_path / 'plan.json'}: plan is stale: account {ACCOUNT_ID} changed since the plan "
        "was made (the account was modified outside iamctl); run plan again"
    )


def test_a_plan_is_refused_when_the_changes_differ(tmp_path: Path) -> None:
    made = planned(WANTED, LIVE)
    fresh = planned(WANTED, (live_user("alice", tags={"team": "a"}), live_user("bob")))
    with pytest.raises(StalePlanError) as refused:
        use_saved_plan([result(fresh)], save(tmp_path, made))
    assert "no longer needed: ~ user alice: tags" in str(refused.value)


def test_a_plan_is_refused_when_the_saved_changes_were_edited(tmp_path: Path) -> None:
    made = planned(WANTED, LIVE)
    path = save(tmp_path, made)
    data = json.loads(Path(path).read_text())
    data["changes"][0]["after"] = {"team": "evil"}
    Path(path).write_text(json.dumps(data))
    with pytest.raises(StalePlanError, match="plan is stale"):
        use_saved_plan([result(planned(WANTED, LIVE))], path)


def test_a_plan_made_from_other_files_is_refused(tmp_path: Path) -> None:
    made = planned(WANTED, LIVE)
    other = planned((User("alice", tags={"team": "b"}),), LIVE)
    with pytest.raises(StalePlanError) as refused:
        use_saved_plan([result(other)], save(tmp_path, made))
    assert "was made from other configuration than account.yaml" in str(refused.value)


def test_a_plan_for_other_accounts_is_refused(tmp_path: Path) -> None:
    made = planned(WANTED, LIVE, account=OTHER_ACCOUNT)
    with pytest.raises(StalePlanError) as refused:
        use_saved_plan([result(planned(WANTED, LIVE))], save(tmp_path, made))
    assert f"the plan is for account(s) {OTHER_ACCOUNT}, not {ACCOUNT_ID}" in str(refused.value)


def test_every_account_of_a_saved_plan_is_checked(tmp_path: Path) -> None:
    first, second = planned(WANTED, LIVE), planned(WANTED, LIVE, account=OTHER_ACCOUNT)
    path = save(tmp_path, first, second)
    moved = planned(WANTED, (live_user("alice"),), account=OTHER_ACCOUNT)
    with pytest.raises(StalePlanError, match=f"account {OTHER_ACCOUNT} changed"):
        use_saved_plan([result(first), result(moved)], path)
    kept = use_saved_plan([result(first), result(second)], path)
    assert [r.planned for r in kept] == [first, second]


def test_an_account_that_failed_to_plan_now_stops_apply(tmp_path: Path) -> None:
    made = planned(WANTED, LIVE)
    failure = IamctlError("access denied")
    with pytest.raises(IamctlError, match="access denied"):
        use_saved_plan([AccountResult(ACCOUNT_ID, error=failure)], save(tmp_path, made))


def test_a_file_that_is_not_a_plan_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"accounts": 3}')
    with pytest.raises(IamctlError, match="not a saved iamctl plan"):
        use_saved_plan([result(planned(WANTED, LIVE))], str(path))


def test_stale_reasons_name_at_most_three_lines_each_way(tmp_path: Path) -> None:
    many = tuple(User(f"u{i}") for i in range(5))
    made = planned(many, ())
    fresh = planned(many, tuple(live_user(f"u{i}") for i in range(5)))
    fresh = replace(fresh, config=made.config)
    with pytest.raises(StalePlanError) as refused:
        use_saved_plan([result(fresh)], save(tmp_path, made))
    assert str(refused.value).count("no longer needed: + user") == 3
