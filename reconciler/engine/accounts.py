"""Runs the pipeline for several accounts at once: one account's failure never stops the others.

Each account is planned (and applied) on its own thread with its own credentials; results come
back in the order the files named the accounts. Also what is shown of several accounts: the exit
code, the totals, the JSON and Markdown documents. Saved plans are `saved_plans.py`'s job, the
places new secrets go `secret_sinks.py`'s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..aws.live import ReadStats
from ..config.desired import Config
from ..core.changes import Change
from ..core.errors import ApplyError, IamctlError
from ..core.plan.destinations import DEFAULT_DELIVERY, Delivery
from ..core.plan.plan import FORMAT_VERSION, Plan, plan_to_dict
from ..core.plan.targets import Target
from ..core.render import impact as impact_text
from ..core.render.markdown import render_comment, render_failed_account, render_markdown
from ..delivery.credentials import SecretsSink
from .connection import Connection
from .run import AccountPlan, apply_account, plan_account

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
    # The files the account's configuration was read from, as given: a saved plan names them,
    # so that `apply PLANFILE` reads them again.
    files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.planned is not None:  # frozen: set once, here, from what apply keeps
            object.__setattr__(self, "plan", self.planned.plan)
            object.__setattr__(self, "stats", self.planned.stats)
            object.__setattr__(self, "files", self.planned.config.files)


def select_accounts(configs: Sequence[Config], accounts: Sequence[str]) -> list[Config]:
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
    delivery: Delivery = DEFAULT_DELIVERY,
    targets: Sequence[Target] = (),
) -> list[AccountResult]:
    """Plan every account, several at a time. `release`: the run will not apply, so each
    account's AWS clients, states and configuration are dropped once it is planned, and only its
    plan and read summary kept (memory stays flat in accounts): `configs` is then taken over,
    and emptied."""

    def plan_one(config: Config) -> AccountResult:
        try:
            planned = plan_account(config, connection.open(config), exact_credentials, delivery,
                                   targets)
            if release:
                planned.aws.release()
                return AccountResult(config.account_id, plan=planned.plan, stats=planned.stats,
                                     files=config.files)
            return AccountResult(config.account_id, planned=planned)
        except IamctlError as error:
            return AccountResult(config.account_id, error=error, files=config.files)

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
    summed = {"add": 0, "change": 0, "destroy": 0, "human": 0, "broadening": 0, "escalation": 0,
              "unknown": 0, "principals_gaining_access": 0}
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
        return {**plan_to_dict(result.plan), "read": result.stats.to_json(),
                "files": list(result.files)}
    return {
        "format_version": FORMAT_VERSION,
        "account": {"id": result.account_id},
        "error": str(result.error),
        "files": list(result.files),
    }


def render_markdown_all(results: Sequence[AccountResult]) -> str:
    sections = [
        render_markdown(result.plan)
        if result.plan is not None
        else render_failed_account(result.account_id, str(result.error))
        for result in results
    ]
    return render_comment(sections, total_line(results) if len(results) > 1 else None)


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
