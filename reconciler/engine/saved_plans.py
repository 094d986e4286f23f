"""Saved plans (`plan --out`, `apply --plan`): read one back and refuse it unless the fresh plan
of every account it names is the same (same configuration, same account, same changes, and new
secrets delivered where it said).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core.changes import Change, ChangeKind
from ..core.errors import IamctlError, StalePlanError
from ..core.plan.destinations import place, same_place
from ..core.plan.plan import Plan, plan_from_dict
from ..core.render.text import change_lines, printable
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
    moved = saved.live_fingerprint != fresh.live_fingerprint
    if moved or undelivered(saved.changes) != undelivered(fresh.changes):
        raise StalePlanError(
            f"{plan_file}: plan is stale: account {fresh.account_id} changed since the plan was "
            f"made ({what_changed(saved, fresh)}); run plan again"
        )
    for kept, made in zip(saved.changes, fresh.changes, strict=True):
        refuse_other_destination(kept, made, plan_file)


def undelivered(changes: Sequence[Change]) -> list[Change]:
    """The changes without their destinations, which `refuse_other_destination` compares."""
    return [replace(change, destination=None) for change in changes]


def refuse_other_destination(saved: Change, fresh: Change, plan_file: str) -> None:
    """Apply delivers a new secret where the saved plan showed it would, or not at all: its own
    options (`--secrets-to`, `--secrets-dir`) and the files decide where it delivers, and a plan
    made with others, or edited by hand, is refused before any change."""
    if fresh.destination is None:
        return
    what = f"the new {_secret_of(fresh)} of user {fresh.name}"
    if saved.destination is None:
        raise IamctlError(
            f"{plan_file}: the plan names no destination for {what}; run plan again; "
            "nothing was changed"
        )
    if not same_place(saved.destination, fresh.destination):
        raise IamctlError(printable(
            f"{plan_file}: the plan delivers {what} {place(saved.destination)}, but this apply "
            f"would deliver it {place(fresh.destination)}: give apply the --secrets-to and "
            "--secrets-dir the plan was made with, or run plan again; nothing was changed"
        ))


def _secret_of(change: Change) -> str:
    return "access key" if change.kind == ChangeKind.ACCESS_KEY else "console password"


def what_changed(saved: Plan, fresh: Plan) -> str:
    # Destinations aside: a saved plan that differs only in them is refused on its own terms.
    old = {change_lines(c)[0] for c in undelivered(saved.changes)}
    new = {change_lines(c)[0] for c in undelivered(fresh.changes)}
    dropped, added = sorted(old - new), sorted(new - old)
    parts = [f"no longer needed: {line}" for line in dropped[:3]]
    parts += [f"now also needed: {line}" for line in added[:3]]
    return "; ".join(parts) or "the account was modified outside iamctl"
