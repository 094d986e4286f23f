"""`iamctl mfa enroll`: guided virtual MFA enrolment, on a terminal."""

from __future__ import annotations

import sys

import click

from ..aws.mfa import enroll as mfa_enroll
from ..aws.mfa import read_account_label, refuse_in_ci, refuse_off_terminal
from ..core.errors import IamctlError
from ..engine.accounts import EXIT_OK
from ..options import global_options
from .common import Options, cli, pass_options, reach_options, session


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
