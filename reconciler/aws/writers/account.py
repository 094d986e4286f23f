"""Writers for account settings: the alias and the password policy."""

from __future__ import annotations

from dataclasses import asdict

from ...core.changes import Action, Change, ChangeKind
from ...core.errors import (
    EntityAlreadyExistsError,
    IamctlError,
)
from ...core.payloads import optional_text, payload_as, text_of
from ...core.state import PasswordPolicy
from .base import WriteContext, remove, writes


@writes(ChangeKind.ALIAS, Action.UPDATE)
def set_alias(ctx: WriteContext, change: Change) -> None:
    old, alias = optional_text(change.before), text_of(change.after)
    if old:
        # One alias per account: the old one must go first.
        remove(ctx, "delete_account_alias", f"remove account alias {old}", AccountAlias=old)
    try:
        ctx.aws.iam("create_account_alias", f"set account alias {alias}", AccountAlias=alias)
    except EntityAlreadyExistsError:
        if alias_is(ctx, alias):
            return  # an earlier attempt, whose answer was lost, set it
        raise IamctlError(
            f"set account alias {alias}: the alias is taken by another AWS account "
            "(aliases are unique across all of AWS); choose another"
        ) from None


def alias_is(ctx: WriteContext, alias: str) -> bool:
    """After EntityAlreadyExists: is the alias ours already (an earlier attempt's lost answer)?"""
    aliases = ctx.aws.iam("list_account_aliases", f"check account alias {alias}")
    return alias in aliases["AccountAliases"]


_PASSWORD_POLICY_FIELDS = {
    "minimum_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase": "RequireUppercaseCharacters",
    "require_lowercase": "RequireLowercaseCharacters",
    "allow_users_to_change": "AllowUsersToChangePassword",
    "max_age_days": "MaxPasswordAge",
    "reuse_prevention": "PasswordReusePrevention",
    "hard_expiry": "HardExpiry",
}


@writes(ChangeKind.PASSWORD_POLICY, Action.UPDATE)
def set_password_policy(ctx: WriteContext, change: Change) -> None:
    # Fields left out of UpdateAccountPasswordPolicy are reset to AWS's defaults.
    wanted = asdict(payload_as(change.after, PasswordPolicy))
    params = {
        aws_name: wanted[field]
        for field, aws_name in _PASSWORD_POLICY_FIELDS.items()
        if wanted[field] is not None
    }
    ctx.aws.iam("update_account_password_policy", "set the account password policy", **params)
