"""`iamctl export`: the live account written as a file in iamctl's format."""

from __future__ import annotations

import click

from ..engine.accounts import EXIT_OK
from ..engine.export import export_document, read_for_export
from ..engine.export_providers import metadata_paths, write_metadata_files
from ..options import global_options
from .common import Options, cli, pass_options, reach_options, refuse_overwrite, write_file


@cli.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Write the file here instead of standard output.",
)
@click.option("--force", is_flag=True, help="With --out: overwrite files that already exist.")
@reach_options
@global_options
@pass_options
def export(
    opts: Options,
    out_file: str | None,
    force: bool,
    account_id: str | None,
    role_arn: str | None,
) -> int:
    """Write the live account as a file in iamctl's format."""
    if out_file and not force:
        refuse_overwrite([out_file])  # before reading: a long read must not end in a refusal
    live = read_for_export(opts.connection.open_account(account_id, role_arn))
    click.echo(f"account {live.identity.account}: {live.stats.summary()}", err=True)
    text = export_document(live, metadata_written=bool(out_file))
    if out_file:
        if not force:
            refuse_overwrite(metadata_paths(out_file, live.state))
        write_file(out_file, text)
        click.echo(f"wrote {out_file}", err=True)
        for path in write_metadata_files(out_file, live.state):
            click.echo(f"wrote {path}", err=True)
    else:
        click.echo(text, nl=False)
    return EXIT_OK
