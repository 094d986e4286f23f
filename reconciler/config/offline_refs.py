"""`validate`'s check of policy references without AWS: a name that is neither declared nor in
the dated list of AWS managed policies shipped in the package (`core/policy/aws_managed.py`).

`plan` resolves references against the account's own list (`aws/live.py`), which is always
current; `validate` has only the shipped list, and AWS adds managed policies every week. A name
absent from the list is still an error here, not a warning: a misspelt attachment
(`ReadOnlyAcess`) is caught before review instead of at the first plan, and a CI gate that
only warns is one nobody reads. A policy newer than the list stays usable without waiting for
a release: written as its ARN (`arn:aws:iam::aws:policy/NAME`) it is not judged here, and
`plan` checks it against the account. The error says so, with the list's date.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.arns import is_aws_managed
from ..core.errors import ConfigError
from ..core.policy import aws_managed
from .desired import _ref_uses, _Resolver, _Spellings
from .validation import Declared

REFRESH = "scripts/refresh_aws_managed.py"


def reference_problems(
    account_id: str, policies: Sequence[Declared], holders: Sequence[Declared]
) -> list[ConfigError]:
    """Every policy reference of `holders` (users, groups, roles) that resolves to nothing
    offline, at the line it is written. From the declarations, not a built Config: a file with
    other errors has its references checked too."""
    declared = {policy.name: policy.data.get("path") for policy in policies}
    names = _Spellings(groups={}, policies={name.lower(): name for name in declared})
    resolver = _Resolver(account_id, declared, aws_managed.references(), "aws")
    problems = []
    for use in (use for holder in holders for use in _ref_uses(holder, names)):
        if use.ref.startswith("arn:") and is_aws_managed(use.ref):
            continue  # the way to name a policy newer than the list: plan checks it
        try:
            resolver.arn(use.ref, use.location, use.field)
        except ConfigError as error:
            problems.append(_dated(error, use.ref))
    return problems


def _dated(error: ConfigError, ref: str) -> ConfigError:
    """A name's error says how old the list is and what to do about a newer policy."""
    if ref.startswith("arn:"):
        return error
    note = (
        f"; iamctl's list of AWS managed policies was refreshed on "
        f"{aws_managed.data().refreshed}: for a newer one, write its ARN "
        f"(arn:aws:iam::aws:policy/...), which plan checks against the account, or upgrade "
        f"iamctl (the list is refreshed with {REFRESH})"
    )
    return ConfigError(error.location, error.field, error.message + note)
