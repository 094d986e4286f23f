"""`iamctl access`: the access model of each account as the files will leave it.

Plans each account (reading it as `plan` does), then applies the plan's changes to the live
state in memory, with the AWS managed policies' documents the plan read: the model answers for
the account after apply, with the live account for what the files do not manage.
"""

from __future__ import annotations

from ..core.access.applied import applied
from ..core.access.model import AccessModel
from ..core.errors import IamctlError
from .accounts import AccountResult


def model_after_apply(result: AccountResult) -> AccessModel:
    if result.error is not None:
        raise result.error
    planned = result.planned
    if planned is None:  # planned without keeping the states: a bug, never the user's input
        raise IamctlError(f"account {result.account_id}: the plan kept no state to model")
    state = applied(planned.live, planned.plan.changes, planned.desired)
    return AccessModel.of(state, planned.documents)
