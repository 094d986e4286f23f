"""Runs the pipeline for several accounts at once: one account's failure never stops the others.

Each account is planned (and applied) on its own thread with its own credentials; results come
back in the order the files named the accounts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..aws.live import ReadStats
from ..config.desired import Config
from ..core import impact_text
from ..core.errors import ApplyError, IamctlError, StalePlanError
from ..core.markdown import render_comment, render_failed_account, render_markdown
from ..core.model import Change
from ..core.plan import FORMAT_VERSION, Plan, plan_from_dict, plan_to_dict
from ..core.render import change_lines
from ..delivery.age_delivery import sink_for
from ..delivery.credentials import SecretsSink
from .apply import creates_secret
from .run import AccountPlan, Connection, apply_account, plan_account, plan_creates_secrets

MAX_PARALLEL_ACCOUNTS = 8

# Exit codes: Terraform's convention, extended (`plan --detailed-exitcode`).
EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_HUMAN_STEPS = 0, 1, 2, 3


@dataclass(frozen=True)
class AccountResult:
    """One account's outcome: its plan and read summary (what is printed or saved), or its error.
    `planned` (the states, clients and configuration apply needs) is kept only by a run that may
    apply: a plan over many accounts would otherwise hold every account's states to the end."""

    account_id: str
    planned: AccountPlan | None = None
    error: IamctlError | None = None
    plan: Plan | None = None
    stats: ReadStats | None = None

    def __post_init__(self) -> None:
        if self.planned is not None:  # frozen: set once, here, from what apply keeps
            object.__setattr__(self, "plan", self.planned.plan)
            object.__setattr__(self, "stats", self.planned.stats)


def select(configs: Sequence[Config], accounts: Sequence[str]) -> list[Config]:
    """The configs of the accounts named with `--account` (all when none is named)."""
    if not accounts:
        return list(configs)
    known = {config.account_id for config in configs}
    unknown = sorted(set(accounts) - known)
    if unknown:
        raise IamctlError(
            f"--account {', '.join(unknown)}: no such account in the files "
            f"(they declare {', '.join(sorted(known))})"
        )
    return [config for config in configs if config.account_id in accounts]


def plan_all(
    configs: list[Config],
    connection: Connection,
    exact_credentials: bool = False,
    release: bool = False,
) -> list[AccountResult]:
    """Plan every account, several at a time. `release`: the run will not apply, so each
    account's AWS clients, states and configuration are dropped once it is planned, and only its
    plan and read summary kept (memory stays flat in accounts): `configs` is then taken over,
    and emptied."""

    def plan_one(config: Config) -> AccountResult:
        try:
            planned = plan_account(config, connection.open(config), exact_credentials)
            if release:
                planned.aws.release()
                return AccountResult(config.account_id, plan=planned.plan, stats=planned.stats)
            return AccountResult(config.account_id, planned=planned)
        except IamctlError as error:
            return AccountResult(config.account_id, error=error)

    count = len(configs)
    jobs = _taken(configs) if release else iter(configs)
    if count == 1:
        return [plan_one(next(jobs))]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_ACCOUNTS, count)) as pool:
        # Each config is then held only by its queued task, which the pool drops once run.
        return list(pool.map(plan_one, jobs))


def _taken(configs: list[Config]) -> Iterator[Config]:
    while configs:
        yield configs.pop(0)


def exit_code(results: Sequence[AccountResult], detailed: bool) -> int:
    """The most severe outcome wins: error 1, then changes 2, then human steps 3, then 0."""
    if any(result.error for result in results):
        return EXIT_ERROR
    if not detailed:
        return EXIT_OK
    plans = [result.plan for result in results if result.plan is not None]
    if any(plan.changes for plan in plans):
        return EXIT_CHANGES
    if any(plan.human_steps for plan in plans):
        return EXIT_HUMAN_STEPS
    return EXIT_OK


def totals(results: Sequence[AccountResult]) -> dict[str, int]:
    """The plans' summaries added up (accounts that failed to plan count for nothing)."""
    summed = {"add": 0, "change": 0, "destroy": 0, "human": 0, "broadening": 0, "escalation": 0}
    for result in results:
        if result.plan is not None:
            for key, value in result.plan.summary.items():
                summed[key] += value
    return summed


def total_line(results: Sequence[AccountResult]) -> str:
    summed = totals(results)
    failed = sum(1 for result in results if result.error)
    human = summed["human"]
    line = (
        f"Total for {len(results)} accounts: {summed['add']} to add, {summed['change']} to change, "
        f"{summed['destroy']} to destroy, {human} human step{'s' if human != 1 else ''}"
    )
    line += impact_text.summary_counts(summed)
    return line + (f"; {failed} account(s) failed to plan." if failed else ".")


def to_json(results: Sequence[AccountResult]) -> dict[str, Any]:
    """One account: its plan document. Several: one document with an entry per account and the
    summaries added up (an account that failed to plan has `error` instead of changes)."""
    entries = [entry(result) for result in results]
    if len(entries) == 1:
        return entries[0]
    return {"format_version": FORMAT_VERSION, "accounts": entries, "summary": totals(results)}


def entry(result: AccountResult) -> dict[str, Any]:
    if result.plan is not None and result.stats is not None:
        return {**plan_to_dict(result.plan), "read": result.stats.to_json()}
    return {
        "format_version": FORMAT_VERSION,
        "account": {"id": result.account_id},
        "error": str(result.error),
    }


def render_markdown_all(results: Sequence[AccountResult]) -> str:
    sections = [
        render_markdown(result.plan)
        if result.plan is not None
        else render_failed_account(result.account_id, str(result.error))
        for result in results
    ]
    return render_comment(sections, total_line(results) if len(results) > 1 else None)


# Saved plans.


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


# Apply.


def users_with_new_secrets(plan: Plan) -> list[str]:
    return sorted({change.name for change in plan.changes if creates_secret(change)})


def prepare_secrets(
    runnable: Sequence[AccountResult], directory: Path | None
) -> dict[str, SecretsSink | None]:
    """Checks, before any change, that every new secret has a safe place to go: a private
    directory, and for each user a file that is absent or a valid credentials file of ours."""
    needing = [r for r in runnable if r.planned and plan_creates_secrets(r.planned.plan)]
    if needing and directory is None:
        raise IamctlError(
            "this plan creates new credentials (console password or access key): pass "
            "--secrets-dir DIR to receive them; nothing was changed"
        )
    sinks: dict[str, SecretsSink | None] = {r.account_id: None for r in runnable}
    if directory is None:
        return sinks
    try:
        SecretsSink.check_directory(directory)
        for result in needing:
            assert result.planned is not None
            target = directory if len(runnable) == 1 else directory / result.account_id
            sinks[result.account_id] = checked_sink(result.planned, target)
    except IamctlError as error:
        raise IamctlError(f"{error}; nothing was changed") from None
    return sinks


def checked_sink(planned: AccountPlan, directory: Path) -> SecretsSink:
    """The sink of one account, every user's target checked (encrypted files included)."""
    users = planned.desired.users.items()
    recipients = {name: user.deliver_to for name, user in users if user.deliver_to}
    sink = sink_for(directory, planned.plan.sign_in_url, recipients)
    for user in users_with_new_secrets(planned.plan):
        sink.check_target(user)
    return sink


def apply_all(
    runnable: Sequence[AccountResult],
    sinks: dict[str, SecretsSink | None],
    on_done: Callable[[str, Change], None],
    parallelism: int,
    stop: threading.Event | None = None,
) -> dict[str, ApplyError | None]:
    """Applies each account's plan, accounts side by side; `on_done(account_id, change)`. One
    `stop` for all: once it is set, no account starts a new change."""
    # Each account's apply serializes its own reports; accounts run side by side, so reports
    # from two accounts would otherwise reach the terminal at the same time.
    lock = threading.Lock()

    def apply_one(result: AccountResult) -> tuple[str, ApplyError | None]:
        assert result.planned is not None

        def report(change: Change) -> None:
            with lock:
                on_done(result.account_id, change)

        try:
            apply_account(
                result.planned, sinks[result.account_id], report, parallelism, stop=stop
            )
        except ApplyError as error:
            return result.account_id, error
        return result.account_id, None

    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_ACCOUNTS, len(runnable))) as pool:
        return dict(pool.map(apply_one, runnable))
