"""Saved plans (`plan --out`, `apply --plan`): read one back and refuse it unless the fresh plan
of every account it names is the same (same configuration, same account, same changes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core.errors import IamctlError, StalePlanError
from ..core.plan import Plan, plan_from_dict
from ..core.render import change_lines
from .accounts import AccountResult
from .run import AccountPlan


def use_saved_plan(results: Sequence[AccountResult], plan_file: str) -> list[AccountResult]:
    """Refuses a saved plan that no longer matches; otherwise the fresh plans go ahead.

    Only the saved changes and fingerprints are read, to be checked: once the fresh changes are
    found equal, everything else (alias and sign-in URL, human steps, findings) comes from the
    fresh read and the configuration, never from a file anyone could have edited."""
    saved = load_saved_plans(plan_file)
    for result in results:
        if result.error:
            raise result.error
    fresh_ids = {result.account_id for result in results}
    if set(saved) != fresh_ids:
        raise StalePlanError(
            f"{plan_file}: the plan is for account(s) {', '.join(sorted(saved))}, "
            f"not {', '.join(sorted(fresh_ids))}"
        )
    for result in results:
        assert result.planned is not None
        check_saved(result.planned, saved[result.account_id], plan_file)
    return list(results)


def load_saved_plans(plan_file: str) -> dict[str, Plan]:
    try:
        data = json.loads(Path(plan_file).read_text())
        documents = data.get("accounts", [data])
        refuse_failed_accounts(documents, plan_file)
        plans = [plan_from_dict(document) for document in documents]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise IamctlError(f"{plan_file}: not a saved iamctl plan ({error})") from None
    return {plan.account_id: plan for plan in plans}


def refuse_failed_accounts(documents: Sequence[dict[str, Any]], plan_file: str) -> None:
    """A saved plan in which an account failed to plan says nothing of what to do there."""
    for document in documents:
        if "error" in document:
            raise StalePlanError(
                f"{plan_file}: account {document['account']['id']} failed to plan when this "
                f"plan was made ({document['error']}); run plan again"
            )


def check_saved(planned: AccountPlan, saved: Plan, plan_file: str) -> None:
    fresh = planned.plan
    if saved.config_fingerprint != fresh.config_fingerprint:
        raise StalePlanError(
            f"{plan_file}: the plan was made from other configuration than "
            f"{', '.join(planned.config.files)}; run plan again"
        )
    if saved.live_fingerprint != fresh.live_fingerprint or saved.changes != fresh.changes:
        raise StalePlanError(
            f"{plan_file}: plan is stale: account {fresh.account_id} changed since the plan was "
            f"made ({what_changed(saved, fresh)}); run plan again"
        )


def what_changed(saved: Plan, fresh: Plan) -> str:
    old = {change_lines(c)[0] for c in saved.changes}
    new = {change_lines(c)[0] for c in fresh.changes}
    dropped, added = sorted(old - new), sorted(new - old)
    parts = [f"no longer needed: {line}" for line in dropped[:3]]
    parts += [f"now also needed: {line}" for line in added[:3]]
    return "; ".join(parts) or "the account was modified outside iamctl"
