"""What iamctl knows of AWS managed policies without reading them (pure data for `impact.py`).

A plan reads customer managed documents only; an AWS managed policy attached by ARN is judged by
name. The documents of the policies that grant the most are kept here (as AWS publishes them),
and the names of those with a Deny statement (removing one of them may broaden access), taken
from the copy of AWS's documents that moto ships; a test keeps this list in step with moto's.
"""

from __future__ import annotations

from typing import Any

DOCUMENTS: dict[str, dict[str, Any]] = {
    "AdministratorAccess": {
        "Statement": [
            {
                "Action": "*",
                "Effect": "Allow",
                "Resource": "*"
            }
        ],
        "Version": "2012-10-17"
    },
    "PowerUserAccess": {
        "Statement": [
            {
                "Effect": "Allow",
                "NotAction": [
                    "iam:*",
                    "organizations:*",
                    "account:*"
                ],
                "Resource": "*"
            },
            {
                "Action": [
                    "account:GetAccountInformation",
                    "account:GetGovCloudAccountInformation",
                    "account:GetPrimaryEmail",
                    "account:ListRegions",
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeEffectivePolicy",
                    "organizations:DescribeOrganization"
                ],
                "Effect": "Allow",
                "Resource": "*"
            }
        ],
        "Version": "2012-10-17"
    },
    "IAMFullAccess": {
        "Statement": [
            {
                "Action": [
                    "iam:*",
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribePolicy",
                    "organizations:ListChildren",
                    "organizations:ListParents",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListRoots",
                    "organizations:ListPolicies",
                    "organizations:ListTargetsForPolicy"
                ],
                "Effect": "Allow",
                "Resource": "*"
            }
        ],
        "Version": "2012-10-17"
    }
}

WITH_DENY = frozenset({
    "AWSCertificateManagerPrivateCAPrivilegedUser", "AWSCertificateManagerPrivateCAUser",
    "AWSCleanRoomsFullAccessNoQuerying", "AWSCompromisedKeyQuarantine",
    "AWSCompromisedKeyQuarantineV2", "AWSCompromisedKeyQuarantineV3",
    "AWSDeepRacerDefaultMultiUserAccess", "AWSDenyAll", "AWSEC2SpotServiceRolePolicy",
    "AWSIAMIdentityCenterAllowListForIdentityContext", "AWSLakeFormationDataAdmin",
    "AWSPrivateCAPrivilegedUser", "AWSPrivateCAUser",
    "AWSQuickSetupManagedInstanceProfileExecutionPolicy",
    "AWSSystemsManagerOpsDataSyncServiceRolePolicy", "AWSTransformApplicationDeploymentPolicy",
    "AmazonCognitoIdpEmailServiceRolePolicy", "AmazonConnectReadOnlyAccess",
    "AmazonConnectServiceLinkedRolePolicy", "AmazonConnectSynchronizationServiceRolePolicy",
    "AmazonDataZoneEnvironmentRolePermissionsBoundary",
    "AmazonDataZoneSageMakerEnvironmentRolePermissionsBoundary",
    "AmazonGuardDutyMalwareProtectionServiceRolePolicy",
    "AmazonInspector2AgentlessServiceRolePolicy", "AmazonInspector2AmiScanServiceRolePolicy",
    "AmazonRDSCustomPreviewServiceRolePolicy", "AmazonRDSCustomServiceRolePolicy",
    "AmazonRedshiftDataFullAccess", "AmazonSecurityLakePermissionsBoundary",
    "AwsGlueSessionUserRestrictedNotebookPolicy",
    "AwsGlueSessionUserRestrictedNotebookServiceRole", "AwsGlueSessionUserRestrictedPolicy",
    "AwsGlueSessionUserRestrictedServiceRole", "CloudWatchOmniSpaceAccessPolicy",
    "IAMAuditRootUserCredentials", "IAMCreateRootUserPassword", "IAMDeleteRootUserCredentials",
    "S3UnlockBucketPolicy", "SQSUnlockQueuePolicy",
    "SageMakerStudioAdminIAMDefaultExecutionPolicy",
    "SageMakerStudioAdminIAMPermissiveExecutionPolicy",
    "SageMakerStudioProjectUserRolePermissionsBoundary",
    "SageMakerStudioUserIAMDefaultExecutionPolicy",
    "SageMakerStudioUserIAMPermissiveExecutionPolicy",
})
