"""`iamctl show PLANFILE`: a saved plan, printed as `plan` printed it (reads no AWS, no file of
the configuration)."""

from __future__ import annotations

import json

import click

from ..engine.accounts import EXIT_OK, render_markdown_all
from ..engine.saved_plans import saved_document, saved_results
from ..options import global_options
from .common import Options, cli, pass_options
from .plan import print_plans


@cli.command()
@click.argument("plan_file", metavar="PLANFILE", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--markdown", is_flag=True, help="Print the plan as Markdown (pull requests).")
@global_options
@pass_options
def show(opts: Options, plan_file: str, as_json: bool, markdown: bool) -> int:
    """Print a saved plan (`plan --out`) as plan printed it; reads nothing else."""
    if as_json and markdown:
        raise click.UsageError("--json and --markdown cannot be used together")
    if as_json:
        click.echo(json.dumps(saved_document(plan_file), indent=2))
        return EXIT_OK
    results = saved_results(plan_file)
    if markdown:
        click.echo(render_markdown_all(results))
    else:
        print_plans(results, opts.color)
    return EXIT_OK
