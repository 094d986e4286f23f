"""Accounts arranged in moto for the tests that read them (reading, export): one of every
managed attribute of users, groups and policies; roles with each of theirs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.factories import ACCOUNT_ID as ACCOUNT

AWS_POLICY = "arn:aws:iam::aws:policy/"


def document(*actions: str, effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": list(actions), "Resource": "*"}],
    }


def make_varied_account(iam: Any) -> VariedAccount:
    """Users with paths, tags, groups, AWS and customer policies, inline policies, console
    passwords, 0/1/2 keys (one inactive), a virtual MFA device; an alias; a password policy."""
    s3 = iam.create_policy(
        PolicyName="s3-read", Path="/team/", PolicyDocument=json.dumps(S3_V1),
        Description="Read S3", Tags=[{"Key": "owner", "Value": "ops"}],
    )["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=s3, PolicyDocument=json.dumps(S3_V2), SetAsDefault=True)
    billing = iam.create_policy(PolicyName="billing", PolicyDocument=json.dumps(BILLING))
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=AWS_POLICY + "AdministratorAccess")
    iam.put_group_policy(GroupName="admins", PolicyName="deny-iam",
                         PolicyDocument=json.dumps(DENY_IAM))
    iam.create_group(GroupName="auditors", Path="/audit/")
    iam.attach_group_policy(GroupName="auditors",
                            PolicyArn=AWS_POLICY + "job-function/ViewOnlyAccess")
    iam.attach_group_policy(GroupName="auditors", PolicyArn=billing["Policy"]["Arn"])

    iam.create_user(UserName="alice", Path="/staff/",
                    Tags=[{"Key": "team", "Value": "platform"}, {"Key": "cost", "Value": "42"}])
    for group in ("admins", "auditors"):
        iam.add_user_to_group(UserName="alice", GroupName=group)
    iam.attach_user_policy(UserName="alice", PolicyArn=s3)
    iam.put_user_policy(UserName="alice", PolicyName="own-bucket",
                        PolicyDocument=json.dumps(OWN_BUCKET))
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-9")
    iam.create_access_key(UserName="alice")
    old_key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="alice", AccessKeyId=old_key, Status="Inactive")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    # moto accepts any codes; real AWS wants two consecutive TOTP codes.
    iam.enable_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="123456", AuthenticationCode2="654321")

    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=AWS_POLICY + "ReadOnlyAccess")
    iam.create_access_key(UserName="bob")
    iam.create_user(UserName="carol")

    iam.create_account_alias(AccountAlias="acme-sandbox")
    iam.update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
        AllowUsersToChangePassword=True, MaxPasswordAge=90, PasswordReusePrevention=24,
    )
    return VariedAccount(device["SerialNumber"], device["Base32StringSeed"])


def make_roles(iam: Any) -> None:
    """A role with every attribute, a bare one, and a service-linked role (AWS's own)."""
    iam.create_policy(PolicyName="Boundary", PolicyDocument=json.dumps(LOGS))
    iam.create_role(
        RoleName="deploy", Path="/ci/", AssumeRolePolicyDocument=json.dumps(EC2_TRUST),
        Description="Deploys", MaxSessionDuration=7200, PermissionsBoundary=BOUNDARY,
        Tags=[{"Key": "team", "Value": "platform"}],
    )
    iam.attach_role_policy(RoleName="deploy", PolicyArn=READ_ONLY)
    iam.put_role_policy(RoleName="deploy", PolicyName="logs", PolicyDocument=json.dumps(LOGS))
    iam.create_instance_profile(InstanceProfileName="deploy", Path="/ci/")
    iam.add_role_to_instance_profile(InstanceProfileName="deploy", RoleName="deploy")
    iam.create_role(RoleName="bare", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")


S3_V1 = document("s3:GetObject")


S3_V2 = document("s3:GetObject", "s3:ListBucket")


BILLING = document("aws-portal:ViewBilling")


DENY_IAM = document("iam:*", effect="Deny")


OWN_BUCKET = document("s3:PutObject")


@dataclass(frozen=True)
class VariedAccount:
    alice_mfa_serial: str
    alice_mfa_seed: bytes


READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"


EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


LOGS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
}
