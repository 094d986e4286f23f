"""More of what the deny-without-MFA policy lets a user do, judged by the evaluator of
tests/test_mfa_policy.py: the console's MFA page, resyncing and replacing one's own device."""

from __future__ import annotations

import pytest

from reconciler.core.policy.mfa_policy import enforce_mfa_document
from tests.mfa_policy_checks import ACCOUNT, ALLOW, DENY, OWN_MFA, OWN_USER, decision

OTHER_USER = f"arn:aws:iam::{ACCOUNT}:user/bob"
# (what, action, resource, aws:MultiFactorAuthPresent, decision); no other policy attached
CASES = [
    ("list the account's virtual devices without MFA", "iam:ListVirtualMFADevices", "*", None,
     ALLOW),
    ("see the MFA devices on the console's user list", "iam:ListMFADevices", OTHER_USER, "false",
     ALLOW),
    ("resync their own device without MFA", "iam:ResyncMFADevice", OWN_USER, None, ALLOW),
    ("list users once signed in with MFA", "iam:ListUsers", "*", "true", ALLOW),
    ("not list users without MFA", "iam:ListUsers", "*", "false", DENY),
    ("delete their own virtual device once signed in with MFA", "iam:DeleteVirtualMFADevice",
     OWN_MFA, "true", ALLOW),
]


@pytest.mark.parametrize("what,action,resource,mfa,expected", CASES, ids=[c[0] for c in CASES])
def test_enforce_mfa_policy_self_service(
    what: str, action: str, resource: str, mfa: str | None, expected: str
) -> None:
    assert decision(enforce_mfa_document(), action, resource, mfa, False) == expected


def test_the_enforcement_uses_the_condition_value_aws_documents() -> None:
    """AWS documents `"false"` for aws:MultiFactorAuthPresent and does not say whether Bool
    compares values without regard to case: the policy keeps the documented spelling, so its
    Deny cannot silently stop matching."""
    from reconciler.core.policy.mfa_policy import enforce_mfa_document

    [deny] = [s for s in enforce_mfa_document()["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
