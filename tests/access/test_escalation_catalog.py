"""The escalation catalog's data: every method well formed, sourced, and made of real actions."""

from __future__ import annotations

import functools
import re
import sys
from collections import Counter

import pytest
from policy_sentry.querying.actions import get_action_data

from reconciler.core.access import escalation_catalog
from reconciler.core.access.escalation_catalog import (
    GAINS,
    OTHER_USER,
    SELF,
    SPECIAL_RESOURCES,
    Method,
    Requirement,
    methods,
)
from reconciler.core.policy import catalog
from tests.files import REPO_ROOT

ROOT = REPO_ROOT
METHODS = methods()
REQUIREMENTS = [(method.id, need) for method in METHODS for need in method.requires]


def actions_of(method: Method) -> frozenset[str]:
    return frozenset(need.action.lower() for need in method.requires)


def method_with(*actions: str) -> Method:
    """The method that needs exactly these actions."""
    wanted = frozenset(action.lower() for action in actions)
    found = [method for method in METHODS if actions_of(method) == wanted]
    assert found, f"no method needs exactly {sorted(wanted)}"
    return found[0]


@functools.cache
def arn_formats(action: str) -> frozenset[str]:
    """The ARN formats of the resource types the action works on, per the action catalog."""
    service, _, name = action.partition(":")
    rows = get_action_data(service, name).get(service, [])
    return frozenset(row["resource_arn_format"] for row in rows
                     if row["action"].lower() == action.lower()
                     and row["resource_arn_format"] != "*")


def sample(arn_format: str) -> str:
    """An ARN of the format, each placeholder filled in."""
    return re.sub(r"\$\{[^}]*\}", "x", arn_format)


def test_the_json_loads_into_frozen_methods_and_requirements() -> None:
    assert len(METHODS) > 150
    assert all(isinstance(method, Method) for method in METHODS)
    assert all(isinstance(need, Requirement) for _, need in REQUIREMENTS)
    assert all(isinstance(method.requires, tuple) and isinstance(method.sources, tuple)
               for method in METHODS)
    with pytest.raises(AttributeError):
        METHODS[0].id = "changed"  # type: ignore[misc]


def test_methods_are_read_once() -> None:
    assert escalation_catalog.methods() is METHODS


def test_every_method_has_a_requirement_a_known_gain_and_an_https_source() -> None:
    for method in METHODS:
        assert method.requires, method.id
        assert method.gains in GAINS, method.id
        assert method.sources, method.id
        assert all(source.startswith("https://") for source in method.sources), method.id
        assert len(set(method.sources)) == len(method.sources), method.id


def test_every_action_is_in_the_action_catalog() -> None:
    unknown = {need.action for _, need in REQUIREMENTS
               if need.action.lower() not in catalog.all_actions()}
    assert not unknown


def test_no_method_names_an_action_twice() -> None:
    for method in METHODS:
        assert len(actions_of(method)) == len(method.requires), method.id


def test_no_two_methods_need_the_same_actions() -> None:
    counts = Counter(actions_of(method) for method in METHODS)
    assert [sorted(actions) for actions, n in counts.items() if n > 1] == []


def test_ids_are_unique_and_kebab_case() -> None:
    ids = [method.id for method in METHODS]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", id_) for id_ in ids)


@pytest.mark.parametrize(("method_id", "need"), REQUIREMENTS,
                         ids=[f"{m}-{n.action}" for m, n in REQUIREMENTS])
def test_each_resource_is_any_a_special_value_or_an_arn_of_the_actions_service(
        method_id: str, need: Requirement) -> None:
    if need.resource == "*" or need.resource in SPECIAL_RESOURCES:
        return
    parts = need.resource.split(":")
    assert parts[0] == "arn" and len(parts) >= 6, need.resource
    # sts:AssumeRole acts on IAM roles and ssm:SendCommand on EC2 instances: the action
    # catalog's ARN formats say which other services an action's resources belong to.
    services = {need.action.split(":")[0].lower(), "*"}
    services |= {arn.split(":")[2] for arn in arn_formats(need.action)}
    assert parts[2] in services


@pytest.mark.parametrize(("method_id", "need"), REQUIREMENTS,
                         ids=[f"{m}-{n.action}" for m, n in REQUIREMENTS])
def test_each_arn_pattern_reaches_a_resource_type_of_its_action(
        method_id: str, need: Requirement) -> None:
    """A misspelt resource type (`devendpoint/*` for `devEndpoint/*` is fine, `dev-endpoint/*`
    is not) would make a method that never applies."""
    if need.resource == "*" or need.resource in SPECIAL_RESOURCES:
        return
    assert any(catalog.matches(sample(arn), need.resource) for arn in arn_formats(need.action))


def test_special_resources_are_only_on_actions_on_users_or_roles() -> None:
    for method_id, need in REQUIREMENTS:
        formats = arn_formats(need.action)
        if need.resource == OTHER_USER:
            assert any(":user/" in arn for arn in formats), (method_id, need)
        if need.resource == SELF:
            assert any(":user/" in arn or ":role/" in arn for arn in formats), (method_id, need)


def test_the_methods_a_review_found_missing_are_present() -> None:
    method_with("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction")
    method_with("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping")
    assert method_with("sts:AssumeRole").requires[0].resource == "arn:*:iam::*:role/*"
    assert method_with("iam:AddUserToGroup").gains == "admin"
    boundaries = {"iam:deleteuserpermissionsboundary", "iam:deleterolepermissionsboundary",
                  "iam:putuserpermissionsboundary", "iam:putrolepermissionsboundary"}
    assert boundaries <= {need.action.lower() for _, need in REQUIREMENTS}
    for action in ("lambda:UpdateFunctionCode", "ssm:SendCommand", "cloudformation:UpdateStack",
                   "codebuild:StartBuild"):
        assert method_with(action).gains == "existing-role"


def test_pass_role_must_reach_a_role_and_credentials_another_user() -> None:
    for method_id, need in REQUIREMENTS:
        if need.action == "iam:PassRole":
            assert need.resource == "arn:*:iam::*:role/*", method_id
    assert method_with("iam:CreateAccessKey").requires[0].resource == OTHER_USER
    assert method_with("iam:CreateLoginProfile").requires[0].resource == OTHER_USER
    assert method_with("iam:UpdateLoginProfile").requires[0].resource == OTHER_USER
    assert method_with("ec2:RunInstances", "iam:PassRole").gains == "passed-role"


# What the per-statement classifier it replaced flagged, as a floor: the catalog knows no less.
FORMER_PATHS = ("iam:PassRole", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
                "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
                "iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
                "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
                "iam:UpdateAssumeRolePolicy", "sts:AssumeRole")


def test_every_action_the_former_classifier_flagged_is_in_a_method() -> None:
    in_catalog = {need.action.lower() for _, need in REQUIREMENTS}
    assert {action.lower() for action in FORMER_PATHS} <= in_catalog


def test_wheels_carry_the_catalog() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["reconciler"]
    data = ROOT / "reconciler" / "core" / "access" / "escalation_methods.json"
    assert any(data.match(f"reconciler/{glob}") for glob in globs)
