"""The `iamctl` command: the only place that prints, prompts, exits or catches our errors."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__, desired, multi, secrets_manager
from .apply import DEFAULT_PARALLELISM
from .aws import Aws, quiet_botocore_logs
from .credentials import SecretsSink
from .errors import ApplyError, IamctlError
from .export import export_document
from .findings import file_findings
from .live import confirm_credentials, confirm_policy_tags, read_live
from .mfa import enroll as mfa_enroll
from .mfa import refuse_in_ci
from .model import Change
from .multi import EXIT_ERROR, EXIT_OK
from .plan import Plan
from .progress import Progress
from .render import change_lines, render_text, step_line, warning_lines
from .run import Connection
from .wording import plural


@dataclass(frozen=True)
class Options:
    connection: Connection
    color: bool


def wants_color(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iamctl")
@click.option("--profile", help="AWS profile to use (default: the standard credential chain).")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Send AWS calls to this URL.")
@click.option("--debug", is_flag=True, help="Show debug logs and tracebacks (never secrets).")
@click.option("--no-color", is_flag=True, help="Plain output, even on a terminal.")
@click.pass_context
def cli(
    ctx: click.Context, profile: str | None, endpoint_url: str | None, debug: bool, no_color: bool
) -> None:
    """Manage an AWS account's IAM set-up from a YAML file."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    quiet_botocore_logs(debug)
    ctx.obj = Options(Connection(profile, endpoint_url), wants_color(no_color))


def files_argument(func: Any) -> Any:
    return click.argument("files", nargs=-1, required=True, type=click.Path())(func)


def account_option(func: Any) -> Any:
    return click.option(
        "--account", "accounts", multiple=True, help="Only these account ids (repeatable)."
    )(func)


@cli.command()
@files_argument
def validate(files: Sequence[str]) -> int:
    """Check files offline: syntax, schema, names, references, quotas."""
    for config in desired.load(files):
        state = config.state
        click.echo(
            f"ok: account {config.account_id} ({', '.join(config.files)}): "
            f"{plural(len(state.users), 'user')}, {plural(len(state.groups), 'group')}, "
            f"{plural(len(state.policies), 'policy', 'policies')}"
        )
        for line in warning_lines(file_findings(state)):
            click.echo(line, err=True)
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
@click.pass_obj
def plan(
    opts: Options,
    files: Sequence[str],
    accounts: Sequence[str],
    as_json: bool,
    markdown: bool,
    out_file: str | None,
    detailed_exitcode: bool,
) -> int:
    """Show what apply would change (reads AWS, changes nothing)."""
    if as_json and markdown:
        raise click.UsageError("--json and --markdown cannot be used together")
    results = read_and_plan(files, accounts, opts)
    document = json.dumps(multi.to_json(results), indent=2)
    if out_file and any(result.error for result in results):
        click.echo(f"not saving {out_file}: an account failed to plan", err=True)
    elif out_file:
        write_file(out_file, document + "\n")
    if as_json:
        click.echo(document)
    elif markdown:
        click.echo(multi.render_markdown_all(results))
    else:
        print_plans(results, opts.color)
    return multi.exit_code(results, detailed_exitcode)


@cli.command()
@files_argument
@account_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--secrets-dir",
    type=click.Path(file_okay=False),
    help="Directory for new credentials (one CSV per user, mode 0600).",
)
@click.option(
    "--secrets-to",
    type=click.Choice(["files", "secretsmanager"]),
    default="files",
    show_default=True,
    help="Where new credentials go: files in --secrets-dir, or AWS Secrets Manager "
    "(iamctl/credentials/NAME, readable only by that user).",
)
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
@click.pass_obj
def apply(
    opts: Options,
    files: Sequence[str],
    accounts: Sequence[str],
    yes: bool,
    secrets_dir: str | None,
    secrets_to: str,
    plan_file: str | None,
    parallelism: int,
) -> int:
    """Make the account match the files."""
    results = read_and_plan(files, accounts, opts)
    if plan_file:
        results = multi.use_saved_plan(results, plan_file)
    print_plans(results, opts.color)
    runnable = [r for r in results if r.planned and r.planned.plan.changes]
    if not runnable:
        return EXIT_ERROR if any(r.error for r in results) else EXIT_OK
    if secrets_to == "secretsmanager":
        sinks = secrets_manager.prepare(runnable)
    else:
        sinks = multi.prepare_secrets(runnable, Path(secrets_dir) if secrets_dir else None)
    if not yes:
        click.confirm("Apply these changes?", abort=True)
    total = sum(len(r.planned.plan.changes) for r in runnable if r.planned)
    progress = Progress("applying", total)
    outcome = multi.apply_all(
        runnable, sinks, done_printer(progress, len(runnable) > 1), parallelism
    )
    progress.clear()
    print_apply_outcome(runnable, outcome, sinks)
    for result in results:
        if result.error:
            click.echo(
                f"Not applied: account {result.account_id} (its plan failed, see above).", err=True
            )
    failed = any(r.error for r in results) or any(outcome.values())
    return EXIT_ERROR if failed else EXIT_OK


def done_printer(progress: Progress, name_accounts: bool) -> Callable[[str, Change], None]:
    """Prints each completed change (apply calls it under its lock, from worker threads)."""

    def print_done(account_id: str, change: Change) -> None:
        progress.clear()
        where = f"{account_id}: " if name_accounts else ""
        click.echo(f"  done: {where}{change_lines(change)[0]}")
        progress.advance()

    return print_done


def print_apply_outcome(
    runnable: Sequence[multi.AccountResult],
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
        for user in multi.users_with_new_secrets(plan_made):
            if isinstance(sink, secrets_manager.SecretsManagerSink):
                if user in sink.delivered:
                    click.echo(
                        f"New credentials for user {user}: AWS Secrets Manager secret "
                        f"{sink.delivered[user]} (readable only by that user)"
                    )
            elif sink is not None and sink.path_for(user).exists():
                click.echo(
                    f"New credentials for user {user}: {sink.path_for(user)} "
                    "(mode 0600; contents never printed)"
                )
        if plan_made.human_steps:
            click.echo("Human steps still to do:")
            for step in plan_made.human_steps:
                click.echo(f"  ! {step_line(step)}")


def applied_line(plan: Plan) -> str:
    s = plan.summary
    return f"{s['add']} added, {s['change']} changed, {s['destroy']} destroyed."


def print_apply_error(account_id: str, error: ApplyError) -> None:
    click.echo(f"Apply stopped on account {account_id}.", err=True)
    for line in error.done:
        click.echo(f"  done:          {line}", err=True)
    click.echo(f"  failed:        {error.failed}: {error.error}", err=True)
    for line in error.not_attempted:
        click.echo(f"  not attempted: {line}", err=True)
    click.echo("Run apply again to finish: it converges from where this stopped.", err=True)


def read_and_plan(
    files: Sequence[str], accounts: Sequence[str], opts: Options
) -> list[multi.AccountResult]:
    configs = multi.select(desired.load(files), accounts)
    if sys.stderr.isatty():
        click.echo(f"reading {len(configs)} account(s)...", err=True, nl=False)
    results = multi.plan_all(configs, opts.connection)
    if sys.stderr.isatty():
        click.echo("\r\x1b[K", err=True, nl=False)
    print_stats(results)
    return results


def print_stats(results: Sequence[multi.AccountResult]) -> None:
    for result in results:
        if result.planned:
            click.echo(f"account {result.account_id}: {result.planned.stats.summary()}", err=True)


def print_plans(results: Sequence[multi.AccountResult], color: bool) -> None:
    printed = 0
    for result in results:
        if result.error:
            where = f"account {result.account_id}: " if len(results) > 1 else ""
            click.echo(f"error: {where}{result.error}", err=True)
            continue
        assert result.planned is not None
        click.echo(("\n" if printed else "") + render_text(result.planned.plan, color), nl=False)
        printed += 1
    if len(results) > 1:
        click.echo(f"\n{multi.total_line(results)}")


@cli.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Write the file here instead of standard output.",
)
@click.pass_obj
def export(opts: Options, out_file: str | None) -> int:
    """Write the live account as a file in iamctl's format."""
    aws = Aws.connect(opts.connection.profile, opts.connection.endpoint_url)
    identity = aws.identity()
    live = read_live(aws, identity)
    # An export becomes the record: confirm what the bulk read may have stale or lacks (the
    # credential report can be hours old; policy tags are not in it). A few calls per user is
    # fine for a one-off.
    state = confirm_credentials(aws, live.state, list(live.state.users))
    state = confirm_policy_tags(aws, state, list(state.policies))
    live = replace(live, state=state)
    click.echo(f"account {identity.account}: {live.stats.summary()}", err=True)
    text = export_document(live)
    if out_file:
        write_file(out_file, text)
        click.echo(f"wrote {out_file}", err=True)
    else:
        click.echo(text, nl=False)
    return EXIT_OK


@cli.group()
def mfa() -> None:
    """Multi-factor authentication for IAM users."""


@mfa.command()
@click.argument("user")
@click.option("--show-seed", is_flag=True, help="Also print the secret seed as text.")
@click.pass_obj
def enroll(opts: Options, user: str, show_seed: bool) -> int:
    """Guided virtual MFA enrolment: scan the QR code, type two codes."""
    refuse_in_ci()
    aws = Aws.connect(opts.connection.profile, opts.connection.endpoint_url)
    aliases = aws.iam("list_account_aliases", "read the account alias")["AccountAliases"]
    label = aliases[0] if aliases else aws.identity().account
    result = mfa_enroll(aws, user, read_code, click.echo, label, show_seed)
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


def main(argv: Sequence[str] | None = None) -> NoReturn:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        code = cli.main(args=argv, prog_name="iamctl", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted: nothing was changed", err=True)
        code = EXIT_ERROR
    except click.ClickException as error:
        # Usage errors exit 1 like every other error (click's default would be 2, which
        # `--detailed-exitcode` uses for "changes pending").
        click.echo(f"error: {error.format_message()}", err=True)
        code = EXIT_ERROR
    except IamctlError as error:
        click.echo(f"error: {error}", err=True)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = EXIT_ERROR
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
