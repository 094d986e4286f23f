"""Prune keeps what other AWS services create outside AWS's reserved paths (plain data): the
roles of AWS Organizations, Control Tower, StackSets and AFT, Control Tower's and AFT's policies,
and IAM Identity Center's SAML provider; each kept with a note, unless the file declares it."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reconciler.core.changes import ChangeKind
from reconciler.core.diff.diff import diff
from reconciler.core.diff.protected_names import PROTECTED, protected
from reconciler.core.policy.documents import canonical
from reconciler.core.render.text import change_lines
from reconciler.core.state import Ignore, ManagedPolicy, Role, SamlProvider
from tests.factories import ACCOUNT_ID, ADMIN, EC2_TRUST, READ_ONLY, live_policy, live_role, state
from tests.files import REPO_ROOT

# The guide that tells users what prune keeps, with the table of these names and their sources.
ROLES_GUIDE = REPO_ROOT / "docs" / "guides" / "roles-and-federation.md"
CUSTOMER = f"arn:aws:iam::{ACCOUNT_ID}:policy/"


@pytest.mark.parametrize("name", [
    "OrganizationAccountAccessRole",
    "organizationaccountaccessrole",  # IAM names ignore case: it could only be that role
    "AWSControlTowerExecution",
    "AWSControlTowerAdmin",
    "AWSControlTowerStackSetRole",
    "AWSControlTowerCloudTrailRole",
    "AWSControlTowerConfigAggregatorRoleForOrganizations",
    "AWSControlTowerBlueprintAccess",
    "aws-controltower-AdministratorExecutionRole",
    "aws-controltower-AuditReadOnlyRole",
    "aws-controltower-ConfigRecorderRole",
    "stacksets-exec-0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "AWSCloudFormationStackSetExecutionRole",
    "AWSCloudFormationStackSetAdministrationRole",
    "AWSAFTExecution",
    "AWSAFTService",
    "AWSAFTAdmin",
    "aws-ct-aft-codebuild-role",
])
def test_the_roles_other_aws_services_create_are_protected(name: str) -> None:
    assert protected("roles", name) is not None


@pytest.mark.parametrize("name", [
    "deploy", "OrganizationAccountAccessRole2", "my-OrganizationAccountAccessRole",
    "stacksets-exec", "AWSControlTower", "controltower-admin",
])
def test_other_role_names_are_not(name: str) -> None:
    assert protected("roles", name) is None


def test_a_name_is_protected_only_for_its_kind() -> None:
    assert protected("users", "OrganizationAccountAccessRole") is None
    assert protected("policies", "AWSControlTowerAdminPolicy") is not None
    assert protected("roles", "AWSControlTowerAdminPolicy") is None
    assert protected("saml_providers", "AWSSSO_0123456789abcdef_DO_NOT_DELETE") is not None


def test_every_entry_names_its_service_and_the_aws_page_it_comes_from() -> None:
    for entry in PROTECTED:
        assert entry.section in ("roles", "policies", "saml_providers"), entry
        assert entry.service.startswith("AWS ") and entry.purpose, entry
        assert re.match(r"^https://docs\.aws\.amazon\.com/\S+\.html$", entry.source), entry


def test_the_roles_guide_lists_every_entry_with_its_source() -> None:
    text = ROLES_GUIDE.read_text()
    for entry in PROTECTED:
        assert f"`{entry.pattern}`" in text, entry.pattern
        assert entry.source in text, entry.source


# Prune.


def desired(*entities: object) -> object:
    return state(*entities, prune=True)


def test_prune_keeps_roles_other_aws_services_create() -> None:
    live = state(
        live_role("OrganizationAccountAccessRole", policies=frozenset({ADMIN})),
        live_role("AWSControlTowerExecution", policies=frozenset({ADMIN})),
        live_role("AWSControlTowerAdmin", path="/service-role/"),
        live_role("stacksets-exec-5d1b0c6f0e2a4a3b9c8d7e6f5a4b3c2d", policies=frozenset({ADMIN})),
        live_role("AWSCloudFormationStackSetExecutionRole"),
        live_role("hand-made"),
    )
    result = diff(desired(), live)  # type: ignore[arg-type]
    assert [change_lines(c)[0] for c in result.changes] == ["- role hand-made"]
    assert result.kept == (
        "role AWSCloudFormationStackSetExecutionRole is not deleted: created by AWS "
        "CloudFormation StackSets, the execution role of self-managed stack sets, AWS Landing "
        "Zone's too",
        "role AWSControlTowerAdmin is not deleted: created by AWS Control Tower, the role "
        "Control Tower runs the landing zone as",
        "role AWSControlTowerExecution is not deleted: created by AWS Control Tower, Control "
        "Tower's administrator access to an enrolled account",
        "role OrganizationAccountAccessRole is not deleted: created by AWS Organizations, the "
        "management account's administrator access to an account it created",
        "role stacksets-exec-5d1b0c6f0e2a4a3b9c8d7e6f5a4b3c2d is not deleted: created by AWS "
        "CloudFormation StackSets, the execution role of service-managed stack sets, with "
        "AdministratorAccess",
    )


def test_prune_keeps_a_protected_role_in_any_spelling_and_the_policies_it_holds() -> None:
    boundary = replace(live_policy("AdminBoundary"), boundary_count=1)
    live = state(
        live_role("organizationAccountAccessRole", policies=frozenset({CUSTOMER + "Extra"}),
                  permissions_boundary=CUSTOMER + "AdminBoundary"),
        live_policy("Extra", attachment_count=1), boundary,
    )
    result = diff(desired(), live)  # type: ignore[arg-type]
    assert result.changes == ()
    assert result.kept[1:] == (
        "policy AdminBoundary is not deleted: it is the permissions boundary of 1 user or role",
        "policy Extra is not deleted: attached to role organizationAccountAccessRole (created "
        "by AWS Organizations, the management account's administrator access to an account it "
        "created)",
    )


def test_a_declared_protected_role_is_managed_as_usual() -> None:
    wanted = desired(Role("OrganizationAccountAccessRole", trust=EC2_TRUST,
                          policies=frozenset({READ_ONLY})))
    live = state(live_role("OrganizationAccountAccessRole", policies=frozenset({ADMIN})))
    result = diff(wanted, live)  # type: ignore[arg-type]
    assert [change_lines(c)[0] for c in result.changes] == [
        "+ role OrganizationAccountAccessRole: attach ReadOnlyAccess",
        "- role OrganizationAccountAccessRole: detach AdministratorAccess",
    ]
    assert result.kept == ()


def test_an_ignored_protected_role_is_kept_as_ignored_without_a_note() -> None:
    live = state(live_role("OrganizationAccountAccessRole"))
    result = diff(state(prune=True, ignore=Ignore(roles=("Organization*",))), live)
    assert (result.changes, result.kept, result.unmanaged) == ((), (), {})


def test_prune_keeps_control_tower_and_aft_policies() -> None:
    live = state(
        live_policy("AWSControlTowerAdminPolicy", path="/service-role/"),
        live_policy("AWSControlTowerStackSetRolePolicy", path="/service-role/"),
        live_policy("aws-ct-aft-lambda-policy"),
        live_policy("HandMade"),
    )
    result = diff(desired(), live)  # type: ignore[arg-type]
    assert [(c.kind, c.name) for c in result.changes] == [(ChangeKind.POLICY, "HandMade")]
    assert result.kept == (
        "policy AWSControlTowerAdminPolicy is not deleted: created by AWS Control Tower, the "
        "policy of role AWSControlTowerAdmin",
        "policy AWSControlTowerStackSetRolePolicy is not deleted: created by AWS Control Tower, "
        "the policy of role AWSControlTowerStackSetRole",
        "policy aws-ct-aft-lambda-policy is not deleted: created by AWS Control Tower Account "
        "Factory for Terraform, a policy of AFT's roles",
    )


def test_a_declared_protected_policy_is_managed_as_usual() -> None:
    wanted = desired(ManagedPolicy("AWSControlTowerAdminPolicy", canonical('{"a": 1}'),
                                   path="/service-role/"))
    live = state(live_policy("AWSControlTowerAdminPolicy", path="/service-role/"))
    result = diff(wanted, live)  # type: ignore[arg-type]
    assert [c.kind for c in result.changes] == [ChangeKind.POLICY_DOCUMENT]
    assert result.kept == ()


def test_prune_keeps_identity_centers_saml_provider_even_when_no_role_trusts_it() -> None:
    name = "AWSSSO_0123456789abcdef_DO_NOT_DELETE"
    arn = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/"
    live = replace(state(), saml_providers={
        name: SamlProvider(name, "<md/>", tags={}, arn=arn + name),
        "okta": SamlProvider("okta", "<md/>", tags={}, arn=arn + "okta"),
    })
    result = diff(desired(), live)  # type: ignore[arg-type]
    assert [(c.kind, c.name) for c in result.changes] == [(ChangeKind.SAML_PROVIDER, "okta")]
    assert result.kept == (
        f"SAML provider {name} is not deleted: created by AWS IAM Identity Center, the "
        "identity provider its AWSReservedSSO_ roles trust",
    )
