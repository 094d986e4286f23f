"""Trust findings of web identity issuers other than GitHub's: the known multi-tenant issuers
(and issuers of one tenant) must have a `sub` condition naming the tenant, any other OIDC issuer
a `sub` condition at all, a Cognito identity pool an `amr` condition; a provider ARN in other
capitals is judged as the provider it names. Plain data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.core.policy.oidc_issuers import ANY_REPOSITORY, ANY_SUBJECT, ISSUERS, known_issuer
from reconciler.core.policy.trust_findings import ANY_AUDIENCE, ANY_SIGN_IN, trust_findings

ACCOUNT = "123456789012"
CIRCLECI_ORG = "0b5e8c6a-1f2d-4e3c-9a8b-7c6d5e4f3a2b"
CIRCLECI_PROJECT = "5e3c9a8b-0b5e-4e3c-8c6a-1f2d7c6d5e4f"


def arn(provider: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}"


def web_identity(principal: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": principal},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}]}


def with_audience(provider: str, **more: Any) -> dict[str, Any]:
    """A condition with the audience held (so only the subject is judged), and `more` beside."""
    condition: dict[str, Any] = {"StringEquals": {f"{provider}:aud": "sts.amazonaws.com"}}
    for operator, block in more.items():
        condition.setdefault(operator, {}).update(block)
    return condition


def checks(principal: str, condition: dict[str, Any]) -> list[str]:
    return [finding.check for finding in trust_findings("ci", web_identity(principal, condition),
                                                        None)]


# provider (as in its ARN), a `sub` naming the tenant, `sub` patterns of any tenant, and what
# a trust without a `sub` condition lets in, as the message says it.
TENANTS = {
    "GitLab.com CI/CD jobs": (
        "gitlab.com", "project_path:acme/infra:ref_type:branch:ref:main",
        ["*", "project_path:*", "project_path:acme*", "p*"],
        "trusts GitLab.com CI/CD jobs of any project"),
    "HCP Terraform runs": (
        "app.terraform.io",
        "organization:acme:project:Default Project:workspace:prod:run_phase:apply",
        ["*", "organization:*", "organization:acme*:workspace:prod:*"],
        "trusts HCP Terraform runs of any workspace"),
    "CircleCI jobs": (
        f"oidc.circleci.com/org/{CIRCLECI_ORG}",
        f"org/{CIRCLECI_ORG}/project/{CIRCLECI_PROJECT}/user/*",
        ["*", "org/*", f"org/{CIRCLECI_ORG}/*", f"org/{CIRCLECI_ORG}/project/*"],
        "trusts CircleCI jobs of any project of the organization"),
    "Bitbucket Pipelines steps": (
        "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc",
        "{7c6d5e4f-3a2b-4e3c-9a8b-0b5e8c6a1f2d}:*",
        ["*", "{*", "{7c6d*"],
        "trusts Bitbucket Pipelines steps of any repository of the workspace"),
    "Buildkite jobs": (
        "agent.buildkite.com",
        "organization:acme:pipeline:deploy:ref:refs/heads/main:commit:*:step:*",
        ["*", "organization:*", "organization:acme*"],
        "trusts Buildkite jobs of any pipeline"),
    "EKS service accounts": (
        "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E",
        "system:serviceaccount:payments:api",
        ["*", "system:serviceaccount:*", "system:serviceaccount:pay*"],
        "trusts EKS service accounts of any namespace of the cluster"),
}


def test_every_known_issuer_is_tested_and_cites_its_source() -> None:
    assert {issuer.name for issuer in ISSUERS} == {"GitHub Actions", *TENANTS}
    assert all(issuer.source.startswith("https://") for issuer in ISSUERS)
    for name, (provider, *_) in TENANTS.items():
        issuer = known_issuer(provider)
        assert issuer is not None and issuer.name == name


@pytest.mark.parametrize("provider,named,loose,said", TENANTS.values(), ids=list(TENANTS))
def test_a_multi_tenant_issuer_with_only_an_audience_condition_trusts_any_tenant(
    provider: str, named: str, loose: list[str], said: str
) -> None:
    [finding] = trust_findings("ci", web_identity(arn(provider), with_audience(provider)), None)
    assert finding.check == ANY_SUBJECT
    assert finding.problem == f"{said} (statement 1 has no {provider}:sub condition)"
    assert finding.message.startswith(f"role ci: {said} (statement 1 has no {provider}:sub "
                                      "condition); add one that names the ")
    assert finding.message.endswith('or set accept_risk: {any-subject: "why"}')


@pytest.mark.parametrize("provider,named,loose,said", TENANTS.values(), ids=list(TENANTS))
def test_a_sub_condition_naming_the_tenant_is_no_finding(
    provider: str, named: str, loose: list[str], said: str
) -> None:
    operator = "StringLike" if "*" in named else "StringEquals"
    condition = with_audience(provider, **{operator: {f"{provider}:sub": named}})
    assert checks(arn(provider), condition) == []


@pytest.mark.parametrize("provider,named,loose,said", TENANTS.values(), ids=list(TENANTS))
def test_a_sub_pattern_of_any_tenant_is_a_finding(
    provider: str, named: str, loose: list[str], said: str
) -> None:
    for pattern in loose:
        condition = with_audience(provider, StringLike={f"{provider}:sub": [named, pattern]})
        [finding] = trust_findings("ci", web_identity(arn(provider), condition), None)
        assert finding.check == ANY_SUBJECT, pattern
        assert finding.problem.startswith(
            f"{said} (statement 1's {provider}:sub condition {json.dumps(pattern)} matches any ")


@pytest.mark.parametrize("provider,named,loose,said", TENANTS.values(), ids=list(TENANTS))
def test_a_sub_pattern_without_a_wildcard_is_compared_exactly(
    provider: str, named: str, loose: list[str], said: str
) -> None:
    # StringLike with no `*` or `?` matches that text only, however short.
    for exact in ("p", "org", "{", "system"):
        condition = with_audience(provider, StringLike={f"{provider}:sub": exact})
        assert checks(arn(provider), condition) == [], exact


def test_buildkite_session_tags_can_name_the_organization_instead() -> None:
    provider = "agent.buildkite.com"
    tagged = with_audience(provider, StringEquals={"aws:RequestTag/organization_slug": "acme"})
    assert checks(arn(provider), tagged) == []
    any_slug = with_audience(provider, StringLike={"aws:RequestTag/organization_slug": "ac*"})
    assert checks(arn(provider), any_slug) == [ANY_SUBJECT]
    if_tagged = with_audience(provider, StringEqualsIfExists={
        "aws:RequestTag/organization_id": "0b5e8c6a"})
    assert checks(arn(provider), if_tagged) == [ANY_SUBJECT]


def test_an_unknown_issuer_needs_a_sub_condition() -> None:
    provider = "auth.example.com"
    [finding] = trust_findings("ci", web_identity(arn(provider), with_audience(provider)), None)
    assert finding.check == ANY_SUBJECT
    assert finding.message == (
        "role ci: accepts tokens of auth.example.com for any subject (statement 1 has no "
        'auth.example.com:sub condition); add one, or set accept_risk: {any-subject: "why"}')
    held = with_audience(provider, StringEquals={f"{provider}:sub": "deploy-bot"})
    assert checks(arn(provider), held) == []
    anything = with_audience(provider, StringLike={f"{provider}:sub": "*"})
    assert checks(arn(provider), anything) == [ANY_SUBJECT]


def test_a_sign_in_provider_named_by_its_arn_needs_its_audience_only() -> None:
    # Google signs users in to an app: the audience (the app's client id) is what to name.
    provider = "accounts.google.com"
    assert checks(arn(provider), with_audience(provider)) == []


COGNITO = "cognito-identity.amazonaws.com"
POOL = {"StringEquals": {f"{COGNITO}:aud": "us-east-1:12345678-corner-cafe-123456790ab"}}


def test_a_cognito_identity_pool_trust_without_amr_lets_guests_in_too() -> None:
    [finding] = trust_findings("app", web_identity(COGNITO, POOL), None)
    assert finding.check == ANY_SIGN_IN
    assert finding.message == (
        "role app: accepts identities of Cognito identity pools signed in or not (statement 1 "
        f'has no {COGNITO}:amr condition); add one: "authenticated" or "unauthenticated", or '
        'set accept_risk: {any-sign-in: "why"}')
    for amr in ("authenticated", "unauthenticated", "graph.facebook.com"):
        signed_in = {**POOL, "ForAnyValue:StringLike": {f"{COGNITO}:amr": amr}}
        assert checks(COGNITO, signed_in) == []
    anything = {**POOL, "ForAnyValue:StringLike": {f"{COGNITO}:amr": "*"}}
    assert checks(COGNITO, anything) == [ANY_SIGN_IN]
    assert checks(COGNITO, {"ForAnyValue:StringLike": {f"{COGNITO}:amr": "authenticated"}}) == [
        ANY_AUDIENCE]
    assert checks("Cognito-Identity.amazonaws.com", POOL) == [ANY_SIGN_IN]


GITHUB = "token.actions.githubusercontent.com"


@pytest.mark.parametrize("spelled", [
    arn("Token.Actions.GitHubUserContent.com"),
    f"ARN:AWS:IAM::{ACCOUNT}:OIDC-PROVIDER/TOKEN.ACTIONS.GITHUBUSERCONTENT.COM",
])
def test_a_provider_arn_in_other_capitals_is_judged_as_the_provider_it_names(
    spelled: str
) -> None:
    findings = trust_findings("ci", web_identity(spelled, with_audience(GITHUB)), None)
    assert [finding.check for finding in findings] == [ANY_REPOSITORY]
    assert f"has no {GITHUB}:sub condition" in findings[0].problem
    named = with_audience(GITHUB, StringEquals={f"{GITHUB}:sub": "repo:acme/infra:pull_request"})
    assert checks(spelled, named) == []
