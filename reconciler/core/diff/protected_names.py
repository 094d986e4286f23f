"""Names prune never deletes: what other AWS services create outside AWS's reserved paths.

Pure data for `undeclared.py`. Service-linked roles (`/aws-service-role/`) and IAM Identity
Center's roles (`/aws-reserved/`) are set apart by their path when the account is read; the
entities below are not. AWS Organizations, AWS Control Tower, CloudFormation StackSets, Account
Factory for Terraform and IAM Identity Center create them with ordinary paths, and some of them
are the only administrator access into an account (deleting `OrganizationAccountAccessRole`
cuts the management account out of the member account in one apply). So an undeclared entity
whose name matches an entry is kept by prune, with a note naming the service; a declared one is
managed like any other. Each entry names the AWS documentation page it comes from.

Names match without regard to case, as IAM compares them (two names that differ only by case
cannot both exist, so a differently spelled one would be the service's). A name AWS lets the
caller choose (`CreateAccount`'s `RoleName`, a custom StackSets execution role) is not known
here: keep such a role with `ignore.roles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

_ORGANIZATIONS = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html"
)
_CT = "https://docs.aws.amazon.com/controltower/latest/userguide/"
_CT_ROLES = _CT + "roles-how.html"
_CT_CONSOLE_ROLES = _CT + "access-control-managing-permissions.html"
_CT_RESOURCES = _CT + "how-control-tower-works.html"
_AFT_ROLES = _CT + "aft-required-roles.html"
_AFT_RESOURCES = _CT + "aft-resources.html"
_CFN = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
_STACKSETS_SELF = _CFN + "stacksets-prereqs-self-managed.html"
_STACKSETS_SERVICE = _CFN + "stacksets-custom-execution-role.html"
_IDENTITY_CENTER = (
    "https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html"
)


@dataclass(frozen=True)
class ProtectedName:
    """A name (or glob pattern) another AWS service gives an IAM entity it creates."""

    section: str  # the entity kind's, as in `ignore`: "roles", "policies", "saml_providers"
    pattern: str  # an exact name, or a glob (`stacksets-exec-*`)
    service: str  # who creates it
    purpose: str  # what it is for, in a few words
    source: str  # the AWS documentation page that says so

    def matches(self, section: str, name: str) -> bool:
        return section == self.section and fnmatchcase(name.lower(), self.pattern.lower())


PROTECTED: tuple[ProtectedName, ...] = (
    ProtectedName("roles", "OrganizationAccountAccessRole", "AWS Organizations",
                  "the management account's administrator access to an account it created",
                  _ORGANIZATIONS),
    ProtectedName("roles", "AWSControlTowerExecution", "AWS Control Tower",
                  "Control Tower's administrator access to an enrolled account", _CT_ROLES),
    ProtectedName("roles", "AWSControlTowerAdmin", "AWS Control Tower",
                  "the role Control Tower runs the landing zone as", _CT_CONSOLE_ROLES),
    ProtectedName("roles", "AWSControlTowerStackSetRole", "AWS Control Tower",
                  "the role that deploys Control Tower's stack sets", _CT_CONSOLE_ROLES),
    ProtectedName("roles", "AWSControlTowerCloudTrailRole", "AWS Control Tower",
                  "the role that publishes the landing zone's CloudTrail logs", _CT_CONSOLE_ROLES),
    ProtectedName("roles", "AWSControlTowerConfigAggregatorRoleForOrganizations",
                  "AWS Control Tower", "the role of the organization's AWS Config aggregator",
                  _CT_ROLES),
    ProtectedName("roles", "AWSControlTowerBlueprintAccess", "AWS Control Tower",
                  "Account Factory's access to the blueprint hub account", _CT_CONSOLE_ROLES),
    ProtectedName("roles", "aws-controltower-*", "AWS Control Tower",
                  "one of the audit, logging and AWS Config roles of its accounts",
                  _CT_ROLES),
    ProtectedName("roles", "AWSAFT*", "AWS Control Tower Account Factory for Terraform",
                  "AFT's provisioning and customization access to its accounts", _AFT_ROLES),
    ProtectedName("roles", "aws-ct-aft-*", "AWS Control Tower Account Factory for Terraform",
                  "part of AFT's pipeline", _AFT_RESOURCES),
    ProtectedName("roles", "stacksets-exec-*", "AWS CloudFormation StackSets",
                  "the execution role of service-managed stack sets, with AdministratorAccess",
                  _STACKSETS_SERVICE),
    ProtectedName("roles", "AWSCloudFormationStackSetExecutionRole",
                  "AWS CloudFormation StackSets",
                  "the execution role of self-managed stack sets, AWS Landing Zone's too",
                  _STACKSETS_SELF),
    ProtectedName("roles", "AWSCloudFormationStackSetAdministrationRole",
                  "AWS CloudFormation StackSets",
                  "the administration role of self-managed stack sets", _STACKSETS_SELF),
    ProtectedName("policies", "AWSControlTowerAdminPolicy", "AWS Control Tower",
                  "the policy of role AWSControlTowerAdmin", _CT_RESOURCES),
    ProtectedName("policies", "AWSControlTowerStackSetRolePolicy", "AWS Control Tower",
                  "the policy of role AWSControlTowerStackSetRole", _CT_RESOURCES),
    ProtectedName("policies", "AWSControlTowerCloudTrailRolePolicy", "AWS Control Tower",
                  "the policy of role AWSControlTowerCloudTrailRole", _CT_RESOURCES),
    ProtectedName("policies", "aws-ct-aft-*", "AWS Control Tower Account Factory for Terraform",
                  "a policy of AFT's roles", _AFT_RESOURCES),
    ProtectedName("saml_providers", "AWSSSO_*", "AWS IAM Identity Center",
                  "the identity provider its AWSReservedSSO_ roles trust", _IDENTITY_CENTER),
)


def protected(section: str, name: str) -> ProtectedName | None:
    """The entry that keeps `name` (an entity of the kind of `section`, as in `ignore`) from
    prune, if any."""
    return next((entry for entry in PROTECTED if entry.matches(section, name)), None)


def kept_because(entry: ProtectedName) -> str:
    """Why prune keeps it, for the plan's note (declaring it is how to manage it)."""
    return f"created by {entry.service}, {entry.purpose}"
