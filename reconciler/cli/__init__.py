"""The `iamctl` command: the only place that prints, prompts, exits or catches our errors.

One module per command (`validate`, `plan`, `apply`, `show`, `access`, `export`, `mfa`), each
registering on the `cli` group of `common.py`; `main`, here, is the console script: it runs the
group and turns every error into one line and an exit code.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

import click

from ..core.errors import IamctlError
from ..engine.accounts import EXIT_ERROR, EXIT_OK
from ..engine.interrupt import EXIT_INTERRUPTED
from ..options import debug_requested

# Each command module registers its commands on `cli` when imported.
from . import access, apply, export, mfa, plan, show, validate  # noqa: F401
from .common import Session, cli, name_environment_variables, stopped_early, wants_color

__all__ = ["cli", "main", "wants_color"]

GC_THRESHOLD = 50_000  # allocations between two runs of the cycle collector

name_environment_variables(cli)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    debug = debug_requested(argv if argv is not None else sys.argv[1:], os.environ)
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
