"""`iamctl validate`: files checked offline, no AWS call."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..config.account_files import with_their_accounts
from ..config.problems import find_problems
from ..core.changes import Finding
from ..core.kinds.entities import counts
from ..core.plan.check_settings import failing, failing_line, tuned
from ..core.plan.findings import file_findings
from ..core.render.text import printable, warning_lines
from ..engine.accounts import EXIT_ERROR, EXIT_OK
from ..options import global_options
from .common import Options, cli, files_argument, pass_options


@cli.command()
@files_argument
@click.option(
    "--whole-accounts",
    is_flag=True,
    help="Validate each file with the other files beside it that name the same account, as "
    "`iamctl plan DIR` merges them (the pre-commit hook, given only the changed files).",
)
@global_options
@pass_options
def validate(opts: Options, files: Sequence[str], whole_accounts: bool) -> int:
    """Check files offline: syntax, schema, names, references, quotas."""
    if whole_accounts:
        files = with_their_accounts(files)
    findings = find_problems(files)
    if findings.problems:
        for problem in findings.problems:
            click.echo(f"error: {problem}", err=True)
        return EXIT_ERROR
    failed: list[Finding] = []
    for config in findings.configs:
        state = config.state
        click.echo(f"ok: account {config.account_id} ({', '.join(config.files)}): "
                   f"{counts(state)}")
        shown = tuned(file_findings(state), config.checks)
        for line in warning_lines(shown):
            click.echo(line, err=True)
        for note in config.trust_notes:
            click.echo(f"note: {printable(note)}", err=True)
        failed += failing(shown)
    if failed:
        click.echo(failing_line(failed, "validation"), err=True)
        return EXIT_ERROR
    return EXIT_OK
