"""`iamctl apply`: the plan printed, confirmed, carried out, and the outcome reported (done,
failed, not attempted; delivered secrets; human steps left)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from ..core.changes import Change
from ..core.errors import ApplyError
from ..core.plan.plan import Plan
from ..core.plan.targets import Target
from ..core.render.text import change_lines, step_line
from ..core.wording import plural
from ..delivery.credentials import SecretsSink
from ..engine.accounts import EXIT_ERROR, EXIT_OK, AccountResult, apply_all
from ..engine.apply import DEFAULT_PARALLELISM
from ..engine.interrupt import EXIT_INTERRUPTED, StopOnCtrlC
from ..engine.progress import Progress
from ..engine.run import refuse_self_lockout
from ..engine.saved_plans import SavedRun, is_saved_plan, saved_run, use_saved_plan
from ..engine.secret_sinks import delivered_lines, prepare_sinks
from ..options import delivery_of, delivery_options, global_options
from .common import (
    Options,
    account_option,
    cli,
    exact_credentials_option,
    files_argument,
    pass_options,
    session,
    target_option,
)
from .plan import print_plans, read_and_plan


@cli.command()
@files_argument
@account_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@delivery_options
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Apply exactly this saved plan (refused if the account changed since).",
)
@click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=DEFAULT_PARALLELISM,
    show_default=True,
    help="How many independent changes run at once.",
)
@click.option(
    "--allow-self-lockout",
    is_flag=True,
    help="Apply even changes that cut off the credentials running iamctl (marked SELF-LOCKOUT).",
)
@exact_credentials_option
@target_option
@global_options
@pass_options
def apply(
    opts: Options,
    files: Sequence[str],
    accounts: Sequence[str],
    yes: bool,
    secrets_dir: str | None,
    secrets_to: str,
    plan_file: str | None,
    parallelism: int,
    allow_self_lockout: bool,
    exact_credentials: bool,
    targets: Sequence[Target],
) -> int:
    """Make the account match the files; or apply a saved plan: `apply PLANFILE` (no files
    named, the ones the plan names are read again) or `apply FILE... --plan PLANFILE`. A saved
    plan is applied without a question, once checked against the account."""
    delivery = delivery_of(secrets_to, secrets_dir)
    if len(files) == 1 and is_saved_plan(files[0]):
        plan_file, run = saved_plan_alone(files[0], plan_file, accounts, targets)
        files, accounts, targets = run.files, run.accounts, run.targets
        exact_credentials = exact_credentials or run.exact_credentials
    results = read_and_plan(files, accounts, opts, exact_credentials, delivery, targets=targets)
    if plan_file:
        results = use_saved_plan(results, plan_file)
    print_plans(results, opts.color)
    runnable = [r for r in results if r.planned and r.planned.plan.changes]
    if not runnable:
        return EXIT_ERROR if any(r.error for r in results) else EXIT_OK
    if not allow_self_lockout:
        refuse_self_lockout([r.planned for r in runnable if r.planned])
    directory = Path(secrets_dir) if secrets_dir else None
    sinks = prepare_sinks(runnable, directory, secrets_to == "secretsmanager")
    if not yes and not plan_file:  # a saved plan was reviewed when it was made (Terraform)
        click.confirm("Apply these changes?", abort=True)
    return carry_out(results, runnable, sinks, parallelism)


def carry_out(results: Sequence[AccountResult], runnable: list[AccountResult],
              sinks: dict[str, SecretsSink | None], parallelism: int) -> int:
    """Apply the plans that have changes, Ctrl-C stopping new calls; the exit code."""
    with StopOnCtrlC() as ctrl_c:
        session().writes_started = True
        outcome = apply_with_progress(runnable, sinks, parallelism, ctrl_c.stop)
        print_apply_outcome(runnable, outcome, sinks)
        print_not_applied(results)
        if ctrl_c.interrupted:
            click.echo(interrupted_line(runnable, outcome), err=True)
            return EXIT_INTERRUPTED
    failed = any(r.error for r in results) or any(outcome.values())
    return EXIT_ERROR if failed else EXIT_OK


def saved_plan_alone(
    plan_file: str, other_plan: str | None, accounts: Sequence[str], targets: Sequence[Target]
) -> tuple[str, SavedRun]:
    """`apply PLANFILE`: the files, accounts and targets are the plan's own."""
    if other_plan:
        raise click.UsageError(
            "a saved plan is given once: apply PLANFILE, or apply FILE... --plan PLANFILE")
    if accounts or targets:
        raise click.UsageError(
            "apply PLANFILE applies the accounts and targets the plan names; --account and "
            "--target are for apply FILE...")
    return plan_file, saved_run(plan_file)


def print_not_applied(results: Sequence[AccountResult]) -> None:
    for result in results:
        if result.error:
            click.echo(
                f"Not applied: account {result.account_id} (its plan failed, see above).", err=True
            )


def apply_with_progress(
    runnable: Sequence[AccountResult],
    sinks: dict[str, SecretsSink | None],
    parallelism: int,
    stop: threading.Event,
) -> dict[str, ApplyError | None]:
    total = sum(len(r.planned.plan.changes) for r in runnable if r.planned)
    progress = Progress("applying", total)
    outcome = apply_all(
        runnable, sinks, done_printer(progress, len(runnable) > 1), parallelism, stop
    )
    progress.clear()
    return outcome


def interrupted_line(
    runnable: Sequence[AccountResult], outcome: dict[str, ApplyError | None]
) -> str:
    """The last word after Ctrl-C: never "nothing was changed" unless that is true."""
    done = not_attempted = failed = 0
    for result in runnable:
        assert result.planned is not None
        error = outcome[result.account_id]
        if error is None:
            done += len(result.planned.plan.changes)
        else:
            done += len(error.done)
            not_attempted += len(error.not_attempted)
            failed += error.failed is not None
    if not done and not failed:
        return "Interrupted before any change started: nothing was changed."
    return (
        f"Interrupted: {plural(done, 'change')} made, {not_attempted:,} not attempted. "
        "Run apply again to finish: it converges from where this stopped."
    )


def done_printer(progress: Progress, name_accounts: bool) -> Callable[[str, Change], None]:
    """Prints each completed change (apply calls it under its lock, from worker threads)."""

    def print_done(account_id: str, change: Change) -> None:
        progress.clear()
        where = f"{account_id}: " if name_accounts else ""
        click.echo(f"  done: {where}{change_lines(change)[0]}")
        progress.advance()

    return print_done


def print_apply_outcome(
    runnable: Sequence[AccountResult],
    outcome: dict[str, ApplyError | None],
    sinks: dict[str, SecretsSink | None],
) -> None:
    for result in runnable:
        assert result.planned is not None
        plan_made = result.planned.plan
        error = outcome[result.account_id]
        if error is not None:
            print_apply_error(result.account_id, error)
        else:
            click.echo(f"Apply complete for account {result.account_id}: {applied_line(plan_made)}")
        sink = sinks.get(result.account_id)
        for line in delivered_lines(sink) if sink else []:
            click.echo(line)
        if plan_made.human_steps:
            click.echo("Human steps still to do:")
            for step in plan_made.human_steps:
                click.echo(f"  ! {step_line(step)}")


def applied_line(plan: Plan) -> str:
    s = plan.summary
    return f"{s['add']} added, {s['change']} changed, {s['destroy']} destroyed."


def print_apply_error(account_id: str, error: ApplyError) -> None:
    why = "interrupted" if error.interrupted else "stopped"
    click.echo(f"Apply {why} on account {account_id}.", err=True)
    for line in error.done:
        click.echo(f"  done:          {line}", err=True)
    if error.failed is not None:
        click.echo(f"  failed:        {error.failed}: {error.error}", err=True)
    for line in error.not_attempted:
        click.echo(f"  not attempted: {line}", err=True)
    if not error.interrupted:
        click.echo("Run apply again to finish: it converges from where this stopped.", err=True)
