"""Before apply changes anything: where each account's new secrets (console passwords, access
keys) will go, in the secrets directory (encrypted for users with `deliver_to`) or in AWS
Secrets Manager (`secrets_manager.py`), every target checked. The writers then deliver through
these sinks, and the apply report says where they went (`delivered_lines`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..core.errors import IamctlError
from ..core.plan.plan import Plan
from ..delivery.age_delivery import sink_for
from ..delivery.credentials import SecretsSink
from .accounts import AccountResult
from .apply import creates_secret
from .run import AccountPlan, plan_creates_secrets
from .secrets_manager import SecretsManagerSink


def users_with_new_secrets(plan: Plan) -> list[str]:
    return sorted({change.name for change in plan.changes if creates_secret(change)})


def prepare_sinks(
    runnable: Sequence[AccountResult], directory: Path | None, to_secrets_manager: bool
) -> dict[str, SecretsSink | None]:
    """Each account's sink (None where it gets no new secret): `apply --secrets-to`."""
    if to_secrets_manager:
        return prepare_secrets_manager(runnable)
    return prepare_secrets(runnable, directory)


def prepare_secrets_manager(runnable: Sequence[AccountResult]) -> dict[str, SecretsSink | None]:
    """One sink per account that gets new credentials, its targets checked before any change."""
    sinks: dict[str, SecretsSink | None] = {}
    for result in runnable:
        assert result.planned is not None
        users = users_with_new_secrets(result.planned.plan)
        sink = SecretsManagerSink(result.planned.aws, result.planned.plan.sign_in_url)
        for user in users:
            sink.check_target(user)
        sinks[result.account_id] = sink if users else None
    return sinks


def prepare_secrets(
    runnable: Sequence[AccountResult], directory: Path | None
) -> dict[str, SecretsSink | None]:
    """Checks, before any change, that every new secret has a safe place to go: a private
    directory, and for each user a file that is absent or a valid credentials file of ours."""
    needing = [r for r in runnable if r.planned and plan_creates_secrets(r.planned.plan)]
    if needing and directory is None:
        raise IamctlError(
            "this plan creates new credentials (console password or access key): pass "
            "--secrets-dir DIR to receive them; nothing was changed"
        )
    sinks: dict[str, SecretsSink | None] = {r.account_id: None for r in runnable}
    if directory is None:
        return sinks
    try:
        SecretsSink.check_directory(directory)
        for result in needing:
            assert result.planned is not None
            target = directory if len(runnable) == 1 else directory / result.account_id
            sinks[result.account_id] = checked_sink(result.planned, target)
    except IamctlError as error:
        raise IamctlError(f"{error}; nothing was changed") from None
    return sinks


def checked_sink(planned: AccountPlan, directory: Path) -> SecretsSink:
    """The sink of one account, every user's target checked (encrypted files included)."""
    users = planned.desired.users.items()
    recipients = {name: user.deliver_to for name, user in users if user.deliver_to}
    sink = sink_for(directory, planned.plan.sign_in_url, recipients)
    for user in users_with_new_secrets(planned.plan):
        sink.check_target(user)
    return sink


def delivered_lines(sink: SecretsSink) -> list[str]:
    """Where this run's new credentials went, never what they are. Only what this run wrote:
    a file that merely exists may hold nothing new. A secret is named by its ARN: with several
    accounts, its name alone would not say which account holds it."""
    if isinstance(sink, SecretsManagerSink):
        where = {
            user: f"AWS Secrets Manager secret {arn} (readable only by that user)"
            for user, arn in sink.secret_arns.items()
        }
    else:
        where = {
            user: f"{path} (mode 0600; contents never printed)"
            for user, path in sink.written.items()
        }
    return [f"New credentials for user {user}: {where[user]}" for user in sorted(where)]
