"""What every `iamctl` command shares: the `cli` group the commands register on, the global
options as each command sees them, the options several commands take, and what `main` must know
when a command ends early (`Session`)."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..aws.sessions import quiet_botocore_logs
from ..core.errors import IamctlError
from ..core.plan.targets import Target, parse_target
from ..engine.connection import Connection
from ..options import chosen_options, global_options


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
    """Manage an AWS account's IAM set-up from a YAML file.

    Every option also reads an environment variable: the global ones IAMCTL_PROFILE,
    IAMCTL_REGION, IAMCTL_ENDPOINT_URL, IAMCTL_DEBUG, IAMCTL_NO_COLOR; a command's own
    IAMCTL_COMMAND_OPTION (IAMCTL_APPLY_SECRETS_DIR); not --allow-self-lockout nor
    --show-seed, which lower a guard. The command line wins."""


# Options that lower a guard are read from the command line only, where a reviewer of the job
# sees them: an environment variable left set (or set by a poisoned CI environment) must not
# let apply cut off its own credentials, nor print an MFA seed.
TYPED_ONLY = frozenset({"allow-self-lockout", "show-seed"})


def name_environment_variables(group: click.Group, prefix: str = "IAMCTL") -> None:
    """Gives every command option without one its variable, named for the command and the
    option as typed: `apply --secrets-dir` reads IAMCTL_APPLY_SECRETS_DIR, `mfa enroll
    --show-seed` IAMCTL_MFA_ENROLL_SHOW_SEED. (click's `auto_envvar_prefix` names them for the
    Python parameter, IAMCTL_PLAN_AS_JSON for `--json`.) The global options name theirs,
    without the command (IAMCTL_PROFILE, `options.py`). The command line still wins."""
    for name, command in group.commands.items():
        scope = f"{prefix}_{name.upper().replace('-', '_')}"
        if isinstance(command, click.Group):
            name_environment_variables(command, scope)
            continue
        for param in command.params:
            if isinstance(param, click.Option) and param.envvar is None:
                flag = max(param.opts, key=len).lstrip("-")
                if flag not in TYPED_ONLY:
                    param.envvar = f"{scope}_{flag.upper().replace('-', '_')}"


def pass_options(func: Callable[..., int]) -> Callable[..., int]:
    """Calls a command with the global options as they stand once its own are parsed (they may
    come after the subcommand), and with logging set up from them."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> int:
        chosen = chosen_options(click.get_current_context())
        set_up_logging(chosen.debug)
        opts = Options(
            Connection(chosen.profile, chosen.endpoint_url, chosen.region),
            wants_color(chosen.no_color),
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
    # What the user is told while waiting (`aws/connecting.py`): a plain line, not a log record.
    notices = logging.getLogger("reconciler.notices")
    notices.handlers = [_Notices()]
    notices.propagate = False


class _Notices(logging.Handler):
    """A notice as one plain line on whatever standard error is at the time it is said."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage(), err=True)


def files_argument(func: Any) -> Any:
    return click.argument("files", nargs=-1, required=True, type=click.Path())(func)


def exact_credentials_option(func: Any) -> Any:
    return click.option(
        "--exact-credentials",
        is_flag=True,
        help="Read every declared user's access keys, console password and MFA with exact "
        "calls (3 per user) instead of trusting the credential report, which can be hours old.",
    )(func)


def target_option(func: Any) -> Any:
    """`plan` and `apply`: `--target KIND:NAME`, repeatable, read into targets at once (an
    unknown kind is an error before anything is read)."""

    def parsed(ctx: click.Context, param: click.Parameter, value: Any) -> tuple[Target, ...]:
        return tuple(parse_target(text) for text in value or ())

    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="KIND:NAME",
        callback=parsed,
        help="Plan only this entity and what it needs (user:alice, group:devs, policy:P, "
        "role:ci, oidc-provider:URL, saml-provider:NAME); repeatable. The plan is marked partial.",
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


def refuse_overwrite(paths: Sequence[str]) -> None:
    """An output file that exists is the user's (a hand-edited export, say): replacing it
    silently would lose their work, so it takes `--force`."""
    existing = [path for path in paths if Path(path).exists()]
    if existing:
        raise IamctlError(f"{', '.join(existing)} already exists; give --force to overwrite it")


def write_file(path: str, text: str) -> None:
    """An output file the user named (`--out`); a failure is theirs to fix, in one line."""
    try:
        Path(path).write_text(text)
    except OSError as error:
        raise IamctlError(f"cannot write {path}: {error.strerror}") from None


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
