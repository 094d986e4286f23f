"""`iamctl plan`, and the reading and printing of plans that `apply` and `access` share."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click

from ..config import desired
from ..core.errors import IamctlError
from ..core.plan.check_settings import failing, failing_line
from ..core.plan.destinations import Delivery
from ..core.plan.targets import Target, check_declared
from ..core.render import impact as impact_text
from ..core.render.markdown import render_comment, render_error
from ..core.render.text import change_title, render_text
from ..engine.accounts import (
    EXIT_ERROR,
    AccountResult,
    exit_code,
    plan_all,
    render_markdown_all,
    select_accounts,
    to_json,
    total_line,
)
from ..options import delivery_of, delivery_options, global_options
from .common import (
    Options,
    account_option,
    cli,
    exact_credentials_option,
    files_argument,
    pass_options,
    target_option,
    write_file,
)


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
@target_option
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
    targets: Sequence[Target],
) -> int:
    """Show what apply would change (reads AWS, changes nothing), and where new credentials go
    with apply's --secrets-to and --secrets-dir."""
    refuse_together(as_json, markdown, detailed_exitcode, targets)
    with errors_in_markdown(markdown):
        delivery = delivery_of(secrets_to, secrets_dir)
        results = read_and_plan(files, accounts, opts, exact_credentials, delivery,
                                release=True, targets=targets)
        # Built only when asked for: for thousands of users it costs as much as the plan itself.
        document = json.dumps(to_json(results), indent=2) if as_json or out_file else ""
        if out_file and any(result.error for result in results):
            click.echo(f"not saving {out_file}: an account failed to plan", err=True)
        elif out_file:
            write_file(out_file, document + "\n")
    print_as_asked(results, document if as_json else None, markdown, opts.color)
    refusal = gate_refusal(results, fail_on) or findings_refusal(results)
    if refusal:
        if markdown:
            click.echo(render_error(refusal))  # a section of the comment printed above
        click.echo(refusal, err=True)
        return EXIT_ERROR  # the gate wins over --detailed-exitcode's 2 and 3
    return exit_code(results, detailed_exitcode)


def refuse_together(as_json: bool, markdown: bool, detailed_exitcode: bool,
                    targets: Sequence[Target]) -> None:
    if as_json and markdown:
        raise click.UsageError("--json and --markdown cannot be used together")
    if detailed_exitcode and targets:
        # A drift check must never take a partial plan for the whole account in sync.
        raise click.UsageError(
            "--detailed-exitcode answers for the whole account: it cannot be used with --target")


def print_as_asked(results: Sequence[AccountResult], json_document: str | None, markdown: bool,
                   color: bool) -> None:
    """The JSON document when given, else the Markdown comment or the text plans."""
    if json_document is not None:
        click.echo(json_document)
    elif markdown:
        click.echo(render_markdown_all(results))
    else:
        print_plans(results, color)


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


def findings_refusal(results: Sequence[AccountResult]) -> str | None:
    """The file's `checks: fail_on`: one line naming the checks whose findings fail the plan."""
    found = [finding for result in results if result.plan is not None
             for finding in failing(result.plan.findings)]
    return failing_line(found) if found else None


def read_and_plan(
    files: Sequence[str],
    accounts: Sequence[str],
    opts: Options,
    exact_credentials: bool,
    delivery: Delivery,
    release: bool = False,
    targets: Sequence[Target] = (),
) -> list[AccountResult]:
    configs = select_accounts(desired.load(files), accounts)
    check_declared(targets, [config.state for config in configs])
    if sys.stderr.isatty():
        click.echo(f"reading {len(configs)} account(s)...", err=True, nl=False)
    results = plan_all(configs, opts.connection, exact_credentials, release, delivery, targets)
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
