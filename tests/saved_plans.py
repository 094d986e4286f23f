"""Saved plans made from plain data, for the tests of the saved-plan check (no emulator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.config.desired import Config
from reconciler.core.diff.diff import diff
from reconciler.core.plan.plan import make_plan, plan_to_dict
from reconciler.core.state import Account, User
from reconciler.engine.accounts import AccountResult
from reconciler.engine.run import AccountPlan
from tests.factories import ACCOUNT_ID, live_user, state

OTHER_ACCOUNT = "210987654321"


def planned(desired_users: tuple[User, ...], live_users: tuple[User, ...], account: str = ACCOUNT_ID
            ) -> AccountPlan:
    desired = state(*desired_users, account=Account(account))
    live = state(*live_users, account=Account(account))
    plan = make_plan(desired, live, diff(desired, live))
    config = Config(account, desired, ("account.yaml",), None, None, ())
    no_aws: Any = None  # the check never calls AWS
    return AccountPlan(config, no_aws, no_aws, desired, live, plan, no_aws)


def save(tmp_path: Path, *plans: AccountPlan) -> str:
    documents = [plan_to_dict(p.plan) for p in plans]
    data = documents[0] if len(documents) == 1 else {"accounts": documents}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    return str(path)


def result(p: AccountPlan) -> AccountResult:
    return AccountResult(p.config.account_id, planned=p)


WANTED = (User("alice", tags={"team": "a"}),)
LIVE = (live_user("alice"), live_user("bob"))
