"""The deny-without-MFA policy of `mfa: enforced`, judged by what it lets a user do.

A small evaluator of identity-based policies (the parts of IAM's logic this policy uses) states
the guarantee independently of how the policy is written: explicit Deny wins, an Allow is
needed, Action/NotAction and Resource match with wildcards, `${aws:username}` is the caller,
and Bool/BoolIfExists test aws:MultiFactorAuthPresent, which is absent from requests signed
with long-term access keys, "false" for a console session without MFA, "true" with MFA.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from reconciler.core.policy.mfa_policy import enforce_mfa_document
from tests.mfa_policy_checks import (
    ACCOUNT,
    ALLOW,
    DENY,
    IMPLICIT_DENY,
    NO_MFA,
    OWN_MFA,
    OWN_USER,
    decision,
)

# (what, action, resource, with AdministratorAccess too, decision)
WITHOUT_MFA = [
    ("create their own virtual MFA device", "iam:CreateVirtualMFADevice", OWN_MFA, False, ALLOW),
    ("enable their own MFA device", "iam:EnableMFADevice", OWN_USER, False, ALLOW),
    ("list their own MFA devices", "iam:ListMFADevices", OWN_USER, False, ALLOW),
    ("see themselves", "iam:GetUser", OWN_USER, False, ALLOW),
    ("change their password at first sign-in", "iam:ChangePassword", OWN_USER, False, ALLOW),
    ("read the password rules", "iam:GetAccountPasswordPolicy", "*", False, ALLOW),
    ("change their password, admin too", "iam:ChangePassword", OWN_USER, True, ALLOW),
    ("enable their own device, admin too", "iam:EnableMFADevice", OWN_USER, True, ALLOW),
    (
        "not create a device named for someone else",
        "iam:CreateVirtualMFADevice",
        f"arn:aws:iam::{ACCOUNT}:mfa/bob",
        False,
        IMPLICIT_DENY,
    ),
    ("not list a bucket", "s3:ListBucket", "arn:aws:s3:::reports", True, DENY),
    ("not create an access key", "iam:CreateAccessKey", OWN_USER, True, DENY),
    (
        "not run an instance",
        "ec2:RunInstances",
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
        True,
        DENY,
    ),
    ("not deactivate an MFA device", "iam:DeactivateMFADevice", OWN_USER, True, DENY),
    ("not attach a policy to themselves", "iam:AttachUserPolicy", OWN_USER, True, DENY),
    ("not list a bucket without admin", "s3:ListBucket", "arn:aws:s3:::reports", False, DENY),
]
WITH_MFA_ACTIONS = [
    ("s3:ListBucket", "arn:aws:s3:::reports"),
    ("iam:CreateAccessKey", OWN_USER),
    ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"),
    ("iam:DeactivateMFADevice", OWN_USER),
    ("iam:ChangePassword", OWN_USER),
]
CASES = [
    (f"without MFA ({mfa or 'key absent'}) a user may {what}", action, resource, mfa, admin, want)
    for what, action, resource, admin, want in WITHOUT_MFA
    for mfa in NO_MFA
] + [
    (f"with MFA and AdministratorAccess a user may {action}", action, resource, "true", True, ALLOW)
    for action, resource in WITH_MFA_ACTIONS
]




@pytest.mark.parametrize(
    "what,action,resource,mfa,admin,expected", CASES, ids=[case[0] for case in CASES]
)
def test_enforce_mfa_policy(
    what: str, action: str, resource: str, mfa: str | None, admin: bool, expected: str
) -> None:
    assert decision(enforce_mfa_document(), action, resource, mfa, admin) == expected


@pytest.mark.parametrize("action,resource", WITH_MFA_ACTIONS)
def test_with_mfa_the_policy_denies_nothing(action: str, resource: str) -> None:
    assert decision(enforce_mfa_document(), action, resource, "true", False) != DENY


def _without(action: str) -> dict[str, Any]:
    document = copy.deepcopy(enforce_mfa_document())
    for statement in document["Statement"]:
        for key in ("Action", "NotAction"):
            if isinstance(statement.get(key), list) and action in statement[key]:
                statement[key].remove(action)
    return document


def _deny_condition(operator: str, value: str) -> dict[str, Any]:
    document = copy.deepcopy(enforce_mfa_document())
    [deny] = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    deny["Condition"] = {operator: {"aws:MultiFactorAuthPresent": value}}
    return document


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(_without("iam:ChangePassword"), id="ChangePassword not exempted"),
        pytest.param(_deny_condition("BoolIfExists", "true"), id="false flipped to true"),
        pytest.param(_deny_condition("Bool", "false"), id="Bool misses access-key requests"),
        pytest.param(_without("iam:EnableMFADevice"), id="EnableMFADevice not exempted"),
    ],
)
def test_the_cases_catch_a_broken_policy(broken: dict[str, Any]) -> None:
    """The cases above are not vacuous: each of these mistakes breaks at least one."""
    failing = [
        what
        for what, action, resource, mfa, admin, expected in CASES
        if decision(broken, action, resource, mfa, admin) != expected
    ]
    assert failing
