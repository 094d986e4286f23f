"""The customer managed policy iamctl creates for users with `mfa: enforced`.

It follows the pattern AWS documents as "allows MFA-authenticated IAM users to manage their own
MFA device": until a request carries MFA, everything is denied except what a user needs to enrol
their own virtual MFA device and to change the initial password at first sign-in.
"""

from __future__ import annotations

from typing import Any

ENFORCE_MFA_POLICY_NAME = "iamctl-enforce-mfa"
ENFORCE_MFA_POLICY_DESCRIPTION = (
    "Managed by iamctl: denies everything but MFA self-enrolment and the first password change "
    "until the user signs in with MFA"
)

# Actions a user without MFA may still take on their own user or MFA device.
_SELF_SERVICE_WITHOUT_MFA = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "iam:ChangePassword",
    "iam:GetAccountPasswordPolicy",
    "sts:GetSessionToken",
]


def enforce_mfa_document() -> dict[str, Any]:
    # One literal document, over 40 lines because it is read whole: the pattern AWS documents,
    # statement by statement, with why each is there.
    own_user = "arn:aws:iam::*:user/${aws:username}"
    own_mfa = "arn:aws:iam::*:mfa/${aws:username}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # The console's MFA page lists all virtual devices to show the user theirs.
                "Sid": "AllowListingMFADevicesAndUsers",
                "Effect": "Allow",
                "Action": ["iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ListUsers"],
                "Resource": "*",
            },
            {
                # Enrolment: create a virtual device named after oneself and enable it.
                "Sid": "AllowManageOwnVirtualMFADevice",
                "Effect": "Allow",
                "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
                "Resource": own_mfa,
            },
            {
                "Sid": "AllowManageOwnMFADevice",
                "Effect": "Allow",
                "Action": [
                    "iam:EnableMFADevice",
                    "iam:GetUser",
                    "iam:ListMFADevices",
                    "iam:ResyncMFADevice",
                ],
                "Resource": own_user,
            },
            {
                # A new console user must set a password at first sign-in, before having MFA;
                # without this they would be locked out.
                "Sid": "AllowChangeOwnPasswordAtFirstSignIn",
                "Effect": "Allow",
                "Action": ["iam:ChangePassword", "iam:GetAccountPasswordPolicy"],
                "Resource": "*",
            },
            {
                # The enforcement: without MFA, deny everything else. BoolIfExists also matches
                # requests signed with long-term access keys, which carry no MFA key at all.
                "Sid": "DenyAllExceptListedIfNoMFA",
                "Effect": "Deny",
                "NotAction": _SELF_SERVICE_WITHOUT_MFA,
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }
