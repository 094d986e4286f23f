"""`iamctl access`: who may do what once the files are applied (reads AWS, changes nothing)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click

from ..core.access import queries
from ..core.access.ceiling import Ceiling
from ..core.access.center_access import CenterGrantee, center_text, center_who_can
from ..core.access.model import AccessModel
from ..core.errors import IamctlError
from ..core.plan.destinations import DEFAULT_DELIVERY
from ..engine.access import ceilings_of, model_after_apply
from ..engine.accounts import EXIT_OK, AccountResult
from ..options import global_options
from .common import Options, account_option, cli, files_argument, pass_options
from .plan import read_and_plan


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
    results = list(read_and_plan(files, accounts, opts, False, DEFAULT_DELIVERY))
    known = ceilings_of(results)
    answers = []
    for result in results:
        model = model_after_apply(result, known)
        if action is not None:
            center = _center(result, action, resource, known)
            answers.append((result.account_id, *_who_can(model, action, resource, center)))
            continue
        assert principal is not None
        found = queries.find_principal(model, principal)
        if found is not None:  # of several accounts, those that hold it answer
            profile = queries.what_can(model, found)
            answers.append((result.account_id, profile.to_json(),
                            queries.what_can_text(profile)))
    if not answers:
        where = ", ".join(f"account {result.account_id}" for result in results)
        raise IamctlError(f"{where}: no principal {principal!r} (name a user, `role NAME`, or "
                          "an outside principal as listed by --action)")
    if as_json:
        click.echo(json.dumps(
            answers[0][1] if len(answers) == 1 else {a: j for a, j, _ in answers}, indent=2))
    else:
        for account, _, text in answers:
            click.echo((f"account {account}:\n" if len(answers) > 1 else "") + text, nl=False)
    return EXIT_OK


def _who_can(model: AccessModel, action: str, resource: str,
             center: list[CenterGrantee]) -> tuple[dict[str, Any], str]:
    """The answer to --action in one account, as JSON and as text: the organisation's ceiling
    on it included when the run knows it, and who may through IAM Identity Center when the
    account's files hold its assignments."""
    grantees = queries.who_can(model, action, resource)
    limit = queries.ceiling_of(model, action, resource)
    found: dict[str, Any] = {"action": action, "resource": resource,
                             "principals": [g.to_json() for g in grantees], **limit.to_json()}
    if center:
        found["identity_center"] = [grantee.to_json() for grantee in center]
    return found, (queries.who_can_text(action, resource, grantees) + limit.text()
                   + center_text(action, center))


def _center(result: AccountResult, action: str, resource: str,
            known: Mapping[str, Ceiling]) -> list[CenterGrantee]:
    planned = result.planned
    if planned is None or "assignments" not in planned.desired.declared:
        return []
    return center_who_can(planned.desired, planned.live, planned.documents, action, resource,
                          known)
