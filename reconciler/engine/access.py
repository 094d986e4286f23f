"""`iamctl access`: the access model of each account as the files will leave it.

Plans each account (reading it as `plan` does), then applies the plan's changes to the live
state in memory, with the AWS managed policies' documents the plan read: the model answers for
the account after apply, with the live account for what the files do not manage. A member
account's answers are capped by the organisation's service control policies when the run holds
the management account's files that declare them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core.access.applied import applied
from ..core.access.ceiling import Ceiling, ceilings
from ..core.access.model import AccessModel
from ..core.errors import IamctlError
from .accounts import AccountResult


def ceilings_of(results: Sequence[AccountResult]) -> Mapping[str, Ceiling]:
    """The service control policies' ceiling of each member account, as the files of the
    organisation's management account in this run leave them (none: no ceiling known)."""
    found: dict[str, Ceiling] = {}
    for result in results:
        if result.planned is not None:
            found.update(ceilings(result.planned.desired, result.planned.live))
    return found


def model_after_apply(result: AccountResult,
                      known: Mapping[str, Ceiling] | None = None) -> AccessModel:
    if result.error is not None:
        raise result.error
    planned = result.planned
    if planned is None:  # planned without keeping the states: a bug, never the user's input
        raise IamctlError(f"account {result.account_id}: the plan kept no state to model")
    state = applied(planned.live, planned.plan.changes, planned.desired)
    model = AccessModel.of(state, planned.documents)
    model.ceiling = (known or {}).get(result.account_id)
    return model
