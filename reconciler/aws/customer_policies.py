"""Before any change: each customer managed policy a permission set names exists in every account
the files assign the set in. AWS checks it only when it provisions the set, half-way through an
apply (the failure Terraform's users meet late); iamctl reads the accounts first.

An account is read where the run can: the account iamctl runs in (its IAM state is already
read), or, with `identity_center.member_role`, through that read-only role assumed in each
account (one ListPolicies of its customer managed policies, paged). An account it cannot read
is named in a notice, never taken as holding the policy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ..core.errors import AwsError, ConfigError
from ..core.kinds.declared.assignments import Assignments
from ..core.state import State
from .client import Aws

notices = logging.getLogger("reconciler.notices")


def check_customer_policies(aws: Aws, live: State, wanted: Mapping[str, Assignments],
                            found: Mapping[str, Assignments]) -> None:
    """Refuses (ConfigError at the reference that reaches the account) a set whose customer
    managed policy is missing in an account it is assigned in."""
    held: dict[str, frozenset[str] | None] = {}
    unchecked: set[str] = set()
    for name, entries in wanted.items():
        if not entries.customer_policies:
            continue
        for ref, accounts in sorted(found[name].targets.items()):
            for account in sorted(accounts):
                if account not in held:
                    held[account] = local_policies(aws, live, account, entries.member_role)
                policies = held[account]
                if policies is None:
                    unchecked.add(account)
                    continue
                missing = sorted(entries.customer_policies - policies)
                if missing:
                    place = entries.place(f"account:{ref}")
                    raise ConfigError(place.location, place.field, (
                        f"permission set {name} names the customer managed policy "
                        f"{missing[0]}, which account {account} does not have: create it "
                        "there first (AWS would fail the set's provisioning half-way through "
                        "apply)"))
    if unchecked:
        notices.warning(
            "identity_center: customer managed policies not checked in %d account(s) (%s): set "
            "identity_center.member_role to a read-only role in each to check them before "
            "apply", len(unchecked), ", ".join(sorted(unchecked)))


def local_policies(aws: Aws, live: State, account: str,
                   member_role: str | None) -> frozenset[str] | None:
    """The account's customer managed policies ("path" + "name"); None where they cannot be
    read."""
    if account == live.account.id:
        return frozenset(f"{policy.path or '/'}{policy.name}" for policy in live.policies.values())
    if member_role is None:
        return None
    role = f"arn:{aws.identity().partition}:iam::{account}:role/{member_role}"
    try:
        member = aws.assume_role(role, aws.endpoint_url)
        return frozenset(f"{policy.get('Path', '/')}{policy['PolicyName']}"
                         for page in member.pages("iam", "list_policies",
                                                  f"list the customer managed policies of "
                                                  f"account {account}", Scope="Local")
                         for policy in page.get("Policies", []))
    except AwsError as error:
        notices.warning("identity_center: cannot read account %s through %s: %s", account,
                        role, error)
        return None
