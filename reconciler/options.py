"""Options declared once: the global ones, accepted before the subcommand and after it; and the
delivery options that `plan` and `apply` share (`delivery_options`).

AWS CLI users type `iamctl plan x.yaml --profile prod --debug`; Terraform users type the options
first. `global_options` is applied to the group and to each command (the way pip-tools declares
its shared click options once), and every occurrence records its value in `ctx.meta`, which the
group's and the command's contexts share. A value typed on the command line wins over one from
the environment or a default, and a later one (the command's) over an earlier one (the group's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

from .core.plan.destinations import Delivery, Route

_META_KEY = "iamctl.global_options"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class GlobalOptions:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    debug: bool = False
    no_color: bool = False


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    chosen: dict[str, Any] = ctx.meta.setdefault(_META_KEY, {})
    assert param.name is not None
    typed = ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE
    if typed or param.name not in chosen:
        chosen[param.name] = value
    return value


def _remember_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # botocore would reject it only when the first client is made, as an internal ValueError.
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter(
                f"{value!r} is not an http:// or https:// URL (from the option, "
                "IAMCTL_ENDPOINT_URL or AWS_ENDPOINT_URL)",
                ctx,
                param,
            )
    _remember(ctx, param, value)
    return value


_OPTIONS = (
    click.option(
        "--profile",
        envvar="IAMCTL_PROFILE",
        expose_value=False,
        callback=_remember,
        help="AWS profile to use; wins over a file's account.profile "
        "(default: the standard credential chain).",
    ),
    click.option(
        "--region",
        envvar="IAMCTL_REGION",
        expose_value=False,
        callback=_remember,
        help="AWS region for regional services (Secrets Manager); default: the profile's, "
        "AWS_REGION or AWS_DEFAULT_REGION.",
    ),
    click.option(
        "--endpoint-url",
        envvar=["IAMCTL_ENDPOINT_URL", "AWS_ENDPOINT_URL"],
        expose_value=False,
        callback=_remember_url,
        help="Send AWS calls to this URL.",
    ),
    click.option(
        "--debug",
        envvar="IAMCTL_DEBUG",
        is_flag=True,
        expose_value=False,
        callback=_remember,
        help="Show debug logs and tracebacks (never secrets).",
    ),
    click.option(
        "--no-color",
        envvar="IAMCTL_NO_COLOR",
        is_flag=True,
        expose_value=False,
        callback=_remember,
        help="Plain output, even on a terminal.",
    ),
)


def global_options(func: F) -> F:
    """Adds --profile, --region, --endpoint-url, --debug and --no-color to a group or a
    command. Each reads an `IAMCTL_*` variable too (named here: on a command, click's automatic
    name would carry the command's, `IAMCTL_PLAN_PROFILE`)."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def chosen_options(ctx: click.Context) -> GlobalOptions:
    """The global options as they stand once the command's own options are parsed."""
    return GlobalOptions(**ctx.meta.get(_META_KEY, {}))


def debug_requested(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """`--debug` anywhere before `--` (after it, a file could be named `--debug`), or
    IAMCTL_DEBUG, for the error handling that runs when parsing itself failed or never
    finished."""
    args = list(argv)
    typed = "--debug" in (args[: args.index("--")] if "--" in args else args)
    # click's spellings of true; anything else is left for click to refuse when it parses.
    return typed or environ.get("IAMCTL_DEBUG", "").lower() in ("1", "true", "t", "yes", "y", "on")


def delivery_options(func: F) -> F:
    """`--secrets-dir` and `--secrets-to`, the same for `plan` and `apply`: the plan names where
    each new secret will go, so it must be told what apply will be told."""
    func = click.option(
        "--secrets-to",
        type=click.Choice([route.value for route in Route]),
        default=Route.FILES.value,
        show_default=True,
        help="Where new credentials go: files in --secrets-dir, or AWS Secrets Manager "
        "(iamctl/credentials/NAME, readable only by that user).",
    )(func)
    return click.option(
        "--secrets-dir",
        type=click.Path(file_okay=False),
        help="Directory for new credentials (one CSV per user, mode 0600).",
    )(func)


def delivery_of(secrets_to: str, secrets_dir: str | None) -> Delivery:
    """The delivery options as the plan records them."""
    route = Route(secrets_to)
    if route == Route.SECRETS_MANAGER and secrets_dir:
        # One place for new secrets: a directory given beside it would be silently unused.
        raise click.UsageError("--secrets-dir and --secrets-to secretsmanager exclude each other")
    return Delivery(route, secrets_dir)
