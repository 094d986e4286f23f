"""The `iamctl` command: the only place that prints, prompts, exits or catches our errors."""

from __future__ import annotations

import functools
import gc
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .aws.mfa import enroll as mfa_enroll
from .aws.mfa import read_account_label, refuse_in_ci, refuse_off_terminal
from .aws.sessions import quiet_botocore_logs
from .config import desired
from .core import impact_text
from .core.access import queries
from .core.destinations import DEFAULT_DELIVERY, Delivery
from .core.errors import ApplyError, IamctlError
from .core.findings import file_findings
from .core.markdown import render_comment, render_error
from .core.model import Change
from .core.plan import Plan
from .core.render import (
    change_lines,
    change_title,
    printable,
    render_text,
    step_line,
    warning_lines,
)
from .core.wording import plural
from .delivery.credentials import SecretsSink
from .engine.access import model_after_apply
from .engine.accounts import (
    EXIT_ERROR,
    EXIT_OK,
    AccountResult,
    apply_all,
    exit_code,
    plan_all,
    render_markdown_all,
    select_accounts,
    to_json,
    total_line,
)
from .engine.apply import DEFAULT_PARALLELISM
from .engine.connection import Connection
from .engine.export import export_document, read_for_export
from .engine.export_providers import write_metadata_files
from .engine.interrupt import EXIT_INTERRUPTED, StopOnCtrlC
from .engine.progress import Progress
from .engine.run import refuse_self_lockout
from .engine.saved_plans import use_saved_plan
from .engine.secret_sinks import delivered_lines, prepare_sinks
from .options import (
    chosen_options,
    debug_requested,
    delivery_of,
    delivery_options,
    global_options,
)

GC_THRESHOLD = 50_000  # allocations between two runs of the cycle collector


@dataclass(frozen=True)
class Options:
    connection: Connection
    color: bool


def wants_color(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iamctl")
@global_options
def cli() -> None:
    """Manage an AWS account's IAM set-up from a YAML file."""


def pass_options(func: Callable[..., int]) -> Callable[..., int]:
    """Calls a command with the global options as they stand once its own are parsed (they may
    come after the subcommand), and with logging set up from them."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> int:
        chosen = chosen_options(click.get_current_context())
        set_up_logging(chosen.debug)
        opts = Options(
            Connection(chosen.profile, chosen.endpoint_url), wants_color(chosen.no_color)
        )
        return func(opts, *args, **kwargs)

    return command


def set_up_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    quiet_botocore_logs(debug)


def files_argument(func: Any) -> Any:
    return click.argument("files", nargs=-1, required=True, type=click.Path())(func)


def exact_credentials_option(func: Any) -> Any:
    return click.option(
        "--exact-credentials",
        is_flag=True,
        help="Read every declared user's access keys, console password and MFA with exact "
        "calls (3 per user) instead of trusting the credential report, which can be hours old.",
    )(func)


def account_option(func: Any) -> Any:
    return click.option(
        "--account", "accounts", multiple=True, help="Only these account ids (repeatable)."
    )(func)


def reach_options(func: Any) -> Any:
    """`export` and `mfa enroll` read no file: which account, and how to reach it."""
    func = click.option(
        "--role-arn",
        metavar="ARN",
        help="Assume this role to reach the account (as account.role_arn in a file).",
    )(func)
    return click.option(
        "--account",
        "account_id",
        metavar="ID",
        help="Refuse unless the credentials reach this account (as account.id in a file).",
    )(func)


@cli.command()
@files_argument
@global_options
@pass_options
def validate(opts: Options, files: Sequence[str]) -> int:
    """Check files offline: syntax, schema, names, references, quotas."""
    for config in desired.load(files):
        state = config.state
        click.echo(
            f"ok: account {config.account_id} ({', '.join(config.files)}): "
            f"{plural(len(state.users), 'user')}, {plural(len(state.groups), 'group')}, "
            f"{plural(len(state.policies), 'policy', 'policies')}, "
            f"{plural(len(state.roles), 'role')}"
        )
        for line in warning_lines(file_findings(state)):
            click.echo(line, err=True)
        for note in config.trust_notes:
            click.echo(f"note: {printable(note)}", err=True)
    return EXIT_OK


@cli.command()
@files_argument
@account_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--markdown", is_flag=True, help="Print the plan as Markdown (pull requests).")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Also save the plan (JSON) for `apply --plan`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when changes are pending, 3 when only human steps are.",
)
@click.option(
    "--fail-on",
    type=click.Choice(impact_text.FAIL_ON),
    multiple=True,
    help="Exit 1 after printing when a change broadens access, or opens an escalation path.",
)
@delivery_options
@exact_credentials_option
@global_options
@pass_options
def plan(
    opts: Options,
    files: Sequence[str],
    accounts: Sequence[str],
    as_json: bool,
    markdown: bool,
    out_file: str | None,
    detailed_exitcode: bool,
    fail_on: Sequence[str],
    secrets_dir: str | None,
    secrets_to: str,
    exact_credentials: bool,
) -> int:
    """Show what apply would change (reads AWS, changes nothing), and where new credentials go
    with apply's --secrets-to and --secrets-dir."""
    if as_json and markdown:
        raise click.UsageError("--json and --markdown cannot be used together")
    with errors_in_markdown(markdown):
        delivery = delivery_of(secrets_to, secrets_dir)
        results = read_and_plan(files, accounts, opts, exact_credentials, delivery,
                                release=True)
        # Built only when asked for: for thousands of users it costs as much as the plan itself.
        document = json.dumps(to_json(results), indent=2) if as_json or out_file else ""
        if out_file and any(result.error for result in results):
            click.echo(f"not saving {out_file}: an account failed to plan", err=True)
        elif out_file:
            write_file(out_file, document + "\n")
    if as_json:
        click.echo(document)
    elif markdown:
        click.echo(render_markdown_all(results))
    else:
        print_plans(results, opts.color)
    refusal = gate_refusal(results, fail_on)
    if refusal:
        if markdown:
            click.echo(render_error(refusal))  # a section of the comment printed above
        click.echo(refusal, err=True)
        return EXIT_ERROR  # the gate wins over --detailed-exitcode's 2 and 3
    return exit_code(results, detailed_exitcode)


@contextmanager
def errors_in_markdown(markdown: bool) -> Iterator[None]:
    """`plan --markdown`: an error that stops the plan is printed as a comment too (and raised,
    for its line on standard error), so that whoever posts the Markdown (the GitHub Action)
    posts only what iamctl escaped, never the error line as it is."""
    try:
        yield
    except IamctlError as error:
        if markdown:
            click.echo(render_comment([render_error(f"error: {error}")]))
        raise


def gate_refusal(results: Sequence[AccountResult], fail_on: Sequence[str]) -> str | None:
    """`plan --fail-on`: one line naming the changes that broaden (or escalate) access."""
    plans = [result.plan for result in results if result.plan is not None]
    changes = impact_text.offending(plans, fail_on)
    if not changes:
        return None
    return f"error: {impact_text.fail_on_line(changes, fail_on, change_title)}"


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
) -> int:
    """Make the account match the files."""
    delivery = delivery_of(secrets_to, secrets_dir)
    results = read_and_plan(files, accounts, opts, exact_credentials, delivery)
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
    if not yes:
        click.confirm("Apply these changes?", abort=True)
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


def read_and_plan(
    files: Sequence[str],
    accounts: Sequence[str],
    opts: Options,
    exact_credentials: bool,
    delivery: Delivery,
    release: bool = False,
) -> list[AccountResult]:
    configs = select_accounts(desired.load(files), accounts)
    if sys.stderr.isatty():
        click.echo(f"reading {len(configs)} account(s)...", err=True, nl=False)
    results = plan_all(configs, opts.connection, exact_credentials, release, delivery)
    if sys.stderr.isatty():
        click.echo("\r\x1b[K", err=True, nl=False)
    print_stats(results)
    return results


def print_stats(results: Sequence[AccountResult]) -> None:
    for result in results:
        if result.stats is not None:
            click.echo(f"account {result.account_id}: {result.stats.summary()}", err=True)


def print_plans(results: Sequence[AccountResult], color: bool) -> None:
    printed = 0
    for result in results:
        if result.error:
            where = f"account {result.account_id}: " if len(results) > 1 else ""
            click.echo(f"error: {where}{result.error}", err=True)
            continue
        assert result.plan is not None
        click.echo(("\n" if printed else "") + render_text(result.plan, color), nl=False)
        printed += 1
    if len(results) > 1:
        click.echo(f"\n{total_line(results)}")


@cli.command()
@files_argument
@account_option
@click.option("--action", metavar="ACTION", help="Who may perform this action (e.g. iam:PassRole).")
@click.option("--resource", default="*", show_default=True, metavar="ARN",
              help="With --action: on this resource (an ARN, wildcards allowed).")
@click.option("--principal", metavar="NAME",
              help="What this principal may do (`alice`, `role ci`, `AWS *`).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@global_options
@pass_options
def access(
    opts: Options,
    files: Sequence[str],
    accounts: Sequence[str],
    action: str | None,
    resource: str,
    principal: str | None,
    as_json: bool,
) -> int:
    """Who may do what once the files are applied (reads AWS, changes nothing)."""
    if (action is None) == (principal is None):
        raise click.UsageError("give exactly one of --action and --principal")
    answers = []
    for result in read_and_plan(files, accounts, opts, False, DEFAULT_DELIVERY):
        model = model_after_apply(result)
        if action is not None:
            grantees = queries.who_can(model, action, resource)
            answers.append((result.account_id, {
                "action": action, "resource": resource,
                "principals": [g.to_json() for g in grantees]},
                queries.who_can_text(action, resource, grantees)))
            continue
        assert principal is not None
        found = queries.find_principal(model, principal)
        if found is None:
            raise IamctlError(f"account {result.account_id}: no principal {principal!r} "
                              "(name a user, `role NAME`, or an outside principal as listed "
                              "by --action)")
        profile = queries.what_can(model, found)
        answers.append((result.account_id, profile.to_json(), queries.what_can_text(profile)))
    if as_json:
        click.echo(json.dumps(
            answers[0][1] if len(answers) == 1 else {a: j for a, j, _ in answers}, indent=2))
    else:
        for account, _, text in answers:
            click.echo((f"account {account}:\n" if len(answers) > 1 else "") + text, nl=False)
    return EXIT_OK


@cli.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Write the file here instead of standard output.",
)
@reach_options
@global_options
@pass_options
def export(
    opts: Options, out_file: str | None, account_id: str | None, role_arn: str | None
) -> int:
    """Write the live account as a file in iamctl's format."""
    live = read_for_export(opts.connection.open_account(account_id, role_arn))
    click.echo(f"account {live.identity.account}: {live.stats.summary()}", err=True)
    text = export_document(live, metadata_written=bool(out_file))
    if out_file:
        write_file(out_file, text)
        click.echo(f"wrote {out_file}", err=True)
        for path in write_metadata_files(out_file, live.state):
            click.echo(f"wrote {path}", err=True)
    else:
        click.echo(text, nl=False)
    return EXIT_OK


@cli.group()
@global_options
def mfa() -> None:
    """Multi-factor authentication for IAM users."""


@mfa.command()
@click.argument("user")
@click.option("--show-seed", is_flag=True, help="Also print the secret seed as text.")
@reach_options
@global_options
@pass_options
def enroll(
    opts: Options, user: str, show_seed: bool, account_id: str | None, role_arn: str | None
) -> int:
    """Guided virtual MFA enrolment on a terminal: scan the QR code, type two codes."""
    terminal = sys.stdout.isatty()
    refuse_in_ci()
    refuse_off_terminal(terminal)
    aws = opts.connection.open_account(account_id, role_arn)
    label = read_account_label(aws)
    session().writes_started = True  # the device exists from its first call on
    result = mfa_enroll(aws, user, read_code, click.echo, label, show_seed, terminal=terminal)
    click.echo(f"MFA device {result.serial} is now enabled for user {result.user}.")
    return EXIT_OK


def write_file(path: str, text: str) -> None:
    """An output file the user named (`--out`); a failure is theirs to fix, in one line."""
    try:
        Path(path).write_text(text)
    except OSError as error:
        raise IamctlError(f"cannot write {path}: {error.strerror}") from None


def read_code(prompt: str) -> str:
    """A code from the terminal, or the next line of a pipe."""
    if sys.stdin.isatty():
        try:
            return str(click.prompt(prompt, type=str)).strip()
        except click.exceptions.Abort:
            # click turns Ctrl-C into Abort; enrolment must see the interruption to clean up.
            raise KeyboardInterrupt from None
    line = sys.stdin.readline()
    if not line:
        raise IamctlError(f"{prompt}: no more input")
    click.echo(f"{prompt}: (read from standard input)")
    return line.strip()


@dataclass
class Session:
    """What `main` must know when a command ends early: whether it may have changed AWS."""

    writes_started: bool = False


def session() -> Session:
    """The one `main` passed in (a fresh one when `cli` is called another way)."""
    return click.get_current_context().ensure_object(Session)


def stopped_early(state: Session) -> str:
    if state.writes_started:
        return "interrupted: changes may have been made; run `iamctl plan` to see the account"
    return "aborted: nothing was changed"


def main(argv: Sequence[str] | None = None) -> NoReturn:
    debug = debug_requested(argv if argv is not None else sys.argv[1:])
    state = Session()
    # A plan of thousands of users makes millions of small objects (boto3's parsed pages, the
    # states) that hold no cycles: at the default threshold (700) the cycle collector runs over
    # them thousands of times, about a tenth of the command's CPU.
    gc.set_threshold(GC_THRESHOLD, 20, 20)
    try:
        code = cli.main(args=argv, prog_name="iamctl", standalone_mode=False, obj=state)
    except click.exceptions.Abort as abort:
        # Ctrl-C (click turns it into Abort) or "no" at the confirmation prompt.
        click.echo(stopped_early(state), err=True)
        by_ctrl_c = isinstance(abort.__context__, KeyboardInterrupt)
        code = EXIT_INTERRUPTED if by_ctrl_c else EXIT_ERROR
    except click.ClickException as error:
        # Usage errors exit 1 like every other error (click's default would be 2, which
        # `--detailed-exitcode` uses for "changes pending").
        click.echo(f"error: {error.format_message()}", err=True)
        code = EXIT_ERROR
    except IamctlError as error:
        click.echo(f"error: {error}", err=True)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        click.echo(stopped_early(state), err=True)
        code = EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line for the user, the traceback with --debug
        if debug:
            traceback.print_exc()
        click.echo(
            f"internal error: {type(error).__name__}: {error} "
            "(run with --debug for details, and please report it)",
            err=True,
        )
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else EXIT_OK)
