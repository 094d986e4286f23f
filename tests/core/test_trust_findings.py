"""Trust findings: a role anyone can assume, a GitHub trust open to any repository, a web identity
trust open to any audience; each names the role and statement in one line, and an
`accept_risk` entry naming its kind turns it into an accepted note. Plain data."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from reconciler.core.policy.oidc_issuers import ANY_REPOSITORY, ANY_SUBJECT
from reconciler.core.policy.trust import trust_document
from reconciler.core.policy.trust_findings import (
    ANY_AUDIENCE,
    ANY_SIGN_IN,
    ANYONE,
    TRUST_CHECKS,
    TrustFinding,
    trust_findings,
)

GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
EKS = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
SUB = "token.actions.githubusercontent.com:sub"
AUD = "token.actions.githubusercontent.com:aud"
MAIN = "repo:acme/infra:ref:refs/heads/main"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust(principal: Any, condition: dict[str, Any] | None = None, **more: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **more}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def github(condition: dict[str, Any] | None, **more: Any) -> dict[str, Any]:
    return trust({"Federated": GITHUB}, condition, Action="sts:AssumeRoleWithWebIdentity", **more)


def checks(*statements: dict[str, Any]) -> list[str]:
    return [finding.check for finding in trust_findings("deploy", doc(*statements), None)]


# (a) anyone.

ANYONE_CASES = {
    "star": trust("*"),
    "any AWS principal": trust({"AWS": "*"}),
    "star among principals": trust({"AWS": ["arn:aws:iam::210987654321:root", "*"]}),
    "empty condition": trust("*", {}),
}


@pytest.mark.parametrize("statement", ANYONE_CASES.values(), ids=list(ANYONE_CASES))
def test_a_role_anyone_can_assume(statement: dict[str, Any]) -> None:
    [finding] = trust_findings("public", doc(statement), None)
    assert finding.check == ANYONE
    assert finding.message == (
        'role public: anyone can assume it (statement 1 trusts principal "*" without a '
        'condition); name the principals or limit the caller with aws:PrincipalOrgID, '
        'aws:PrincipalAccount or aws:PrincipalArn, or set accept_risk: {anyone: "why"}'
    )


NOT_ANYONE = {
    "with a condition": trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
    "a Deny": {**trust("*"), "Effect": "Deny"},
    "an account": trust({"AWS": "210987654321"}),
    "a service": trust({"Service": "ec2.amazonaws.com"}),
}


@pytest.mark.parametrize("statement", NOT_ANYONE.values(), ids=list(NOT_ANYONE))
def test_not_anyone(statement: dict[str, Any]) -> None:
    assert checks(statement) == []


# Conditions that let a stranger of any account through: none names who the caller is.
NOT_THE_CALLER = {
    "secure transport": {"Bool": {"aws:SecureTransport": "true"}},
    "any principal ARN": {"StringLike": {"aws:PrincipalArn": "*"}},
    "a role of that name in any account": {
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}},
    "an account pattern": {"StringLike": {"aws:PrincipalAccount": "2109*"}},
    "all but one account": {"StringNotEquals": {"aws:PrincipalAccount": "210987654321"}},
    "true when the key is missing": {
        "StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}},
    "true when the key is missing, for all values": {
        "ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    "any organization, as long as there is one": {"Null": {"aws:PrincipalOrgID": "false"}},
    "an organization pattern": {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
    "any organization path": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-*"}},
    "a wildcard among accounts": {"StringLike": {"aws:PrincipalAccount": ["210987654321", "*"]}},
    "a source ARN of any account": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:alerts"}},
    # ArnEquals reads wildcards as ArnLike does.
    "an exact ARN operator with a wildcard account": {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}},
    "an empty account": {"StringEquals": {"aws:PrincipalAccount": ""}},
    "no account": {"StringEquals": {"aws:PrincipalAccount": []}},
}


@pytest.mark.parametrize("condition", NOT_THE_CALLER.values(), ids=list(NOT_THE_CALLER))
def test_anyone_with_a_condition_that_does_not_limit_the_caller(
    condition: dict[str, Any]
) -> None:
    for principal in ("*", {"AWS": "*"}):
        [finding] = trust_findings("public", doc(trust(principal, condition)), None)
        assert finding.check == ANYONE
        assert finding.problem.startswith(
            'anyone can assume it (statement 1 trusts principal "*", and its condition does not '
            "limit who the caller is: ")


def test_the_finding_says_which_condition_was_not_enough() -> None:
    condition = {"Bool": {"aws:SecureTransport": True},
                 "StringLike": {"aws:PrincipalArn": ["*"]},
                 "StringEquals": {"sts:ExternalId": "kept-to-ourselves"}}
    [finding] = trust_findings("public", doc(trust("*", condition)), None)
    assert finding.problem == (
        'anyone can assume it (statement 1 trusts principal "*", and its condition does not '
        'limit who the caller is: Bool aws:SecureTransport, StringLike aws:PrincipalArn "*", '
        "StringEquals sts:ExternalId)")


# Conditions that name the caller's account, organization or ARN.
THE_CALLER = {
    "an organization": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    "an account": {"StringEquals": {"aws:PrincipalAccount": ["210987654321", "310987654321"]}},
    "the key in another case": {"StringEquals": {"AWS:principalAccount": "210987654321"}},
    "a principal ARN in one account": {
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::210987654321:role/ci-*"}},
    "a principal ARN compared exactly": {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::210987654321:role/ci"}},
    "an organization path": {"ForAnyValue:StringLike": {
        "aws:PrincipalOrgPaths": "o-abc123/r-ab12/ou-ab12-11111111/*"}},
    "every path of one organization": {"ForAnyValue:StringLike": {
        "aws:PrincipalOrgPaths": "o-abc123/*"}},
    "an account compared as a pattern without a wildcard": {
        "StringLike": {"aws:PrincipalAccount": "210987654321"}},
    "a service acting for one account": {"StringEquals": {"aws:SourceAccount": "210987654321"}},
    "a service acting for one resource": {
        "ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:210987654321:alerts"}},
    "a meaningless condition beside one that holds": {
        "Bool": {"aws:SecureTransport": "true"},
        "StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
}


@pytest.mark.parametrize("condition", THE_CALLER.values(), ids=list(THE_CALLER))
def test_a_condition_naming_the_caller_is_no_finding(condition: dict[str, Any]) -> None:
    assert checks(trust("*", condition), trust({"AWS": "*"}, condition)) == []


# (b) GitHub Actions of any repository.


def test_github_without_a_sub_condition_trusts_any_repository() -> None:
    [finding] = trust_findings("deploy", doc(github({"StringEquals": {AUD: "sts.amazonaws.com"}})),
                               None)
    assert finding.check == ANY_REPOSITORY
    assert finding.statement == "statement 1"
    assert finding.message == (
        "role deploy: trusts GitHub Actions of any repository (statement 1 has no "
        "token.actions.githubusercontent.com:sub condition); add one that names the owner: "
        'repo:OWNER/REPO:..., or set accept_risk: {any-repository: "why"}'
    )


LOOSE_SUBJECTS = ["*", "repo:*", "repo:*/infra:*", "repo:acme*", "r*", "repo:acm?/infra:*"]


@pytest.mark.parametrize("pattern", LOOSE_SUBJECTS)
def test_a_sub_pattern_that_matches_any_owner_trusts_any_repository(pattern: str) -> None:
    condition = {"StringEquals": {AUD: "sts.amazonaws.com"}, "StringLike": {SUB: [MAIN, pattern]}}
    [finding] = trust_findings("deploy", doc(github(condition)), None)
    assert finding.check == ANY_REPOSITORY
    assert finding.message.startswith(
        f"role deploy: trusts GitHub Actions of any repository (statement 1's {SUB} condition "
        f"{json.dumps(pattern)} matches any owner); name the owner: repo:OWNER/REPO:..."
    )


PINNED = {
    "exact": {"StringEquals": {SUB: MAIN}},
    "one repository, any ref": {"StringLike": {SUB: "repo:acme/infra:*"}},
    "any repository of one owner": {"StringLike": {SUB: "repo:acme/*"}},
    # StringEquals compares a `*` as a character: it lets no other repository in.
    "a star compared exactly": {"StringEquals": {SUB: "repo:*"}},
    # Both operators apply: the exact one pins the repository.
    "a loose pattern beside an exact value": {"StringLike": {SUB: "repo:*"},
                                              "StringEquals": {SUB: MAIN}},
    "the key in another case": {"StringEquals": {"Token.Actions.GitHubUserContent.com:Sub": MAIN}},
    "if exists": {"StringLikeIfExists": {SUB: "repo:acme/infra:*"}},
    "ignoring case": {"StringEqualsIgnoreCase": {SUB: MAIN}},
    # A claim every token carries: a qualifier that is true when a key is missing still holds.
    "for all values": {"ForAllValues:StringLike": {SUB: "repo:acme/infra:*"}},
    "a custom subject template": {"StringLike": {SUB: "repository_owner_id:1234:*"}},
}


@pytest.mark.parametrize("condition", PINNED.values(), ids=list(PINNED))
def test_a_sub_condition_naming_an_owner_is_no_finding(condition: dict[str, Any]) -> None:
    condition = {**condition}
    condition.setdefault("StringEquals", {})
    condition["StringEquals"] = {**condition["StringEquals"], AUD: "sts.amazonaws.com"}
    assert checks(github(condition)) == []


NOT_LIMITING = {
    "a negated condition": {"StringNotEquals": {SUB: "repo:evil/x:pull_request"}},
    "a negated pattern": {"StringNotLike": {SUB: "repo:evil/*"}},
    "a qualified loose pattern": {"ForAnyValue:StringLike": {SUB: "repo:*"}},
    "a condition on another claim": {"StringEquals": {
        "token.actions.githubusercontent.com:actor": "octocat"}},
}


@pytest.mark.parametrize("condition", NOT_LIMITING.values(), ids=list(NOT_LIMITING))
def test_a_condition_that_does_not_name_an_owner_is_a_finding(condition: dict[str, Any]) -> None:
    condition = {**condition, "StringEquals": {
        **condition.get("StringEquals", {}), AUD: "sts.amazonaws.com"}}
    assert checks(github(condition)) == [ANY_REPOSITORY]


def test_a_github_enterprise_issuer_is_judged_by_its_own_keys() -> None:
    provider = f"{GITHUB}/acme"
    issuer = "token.actions.githubusercontent.com/acme"
    statement = trust({"Federated": provider},
                      {"StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"}})
    [finding] = trust_findings("deploy", doc(statement), None)
    assert f"has no {issuer}:sub condition" in finding.message
    statement["Condition"]["StringEquals"][f"{issuer}:sub"] = MAIN
    assert checks(statement) == []


# (c) web identity without an audience condition.


def test_github_without_an_audience_condition_accepts_any_audience() -> None:
    [finding] = trust_findings("deploy", doc(github({"StringEquals": {SUB: MAIN}})), None)
    assert finding.check == ANY_AUDIENCE
    assert finding.message == (
        "role deploy: accepts tokens of token.actions.githubusercontent.com for any audience "
        f"(statement 1 has no {AUD} condition); add one, or set accept_risk: "
        '{any-audience: "why"}'
    )


def test_github_with_no_condition_at_all_has_both_findings() -> None:
    assert checks(github(None)) == [ANY_REPOSITORY, ANY_AUDIENCE]


def test_an_audience_pattern_that_matches_anything_is_a_finding() -> None:
    condition = {"StringEquals": {SUB: MAIN}, "StringLike": {AUD: "*"}}
    [finding] = trust_findings("deploy", doc(github(condition)), None)
    assert finding.check == ANY_AUDIENCE
    assert f'{AUD} condition "*" matches any value' in finding.message


WEB_IDENTITY = {
    "EKS": (EKS, "oidc.eks.eu-west-1.amazonaws.com/id/ABC123:aud"),
    "Cognito": ("cognito-identity.amazonaws.com", "cognito-identity.amazonaws.com:aud"),
    "Google": ("accounts.google.com", "accounts.google.com:aud"),
    "Facebook": ("graph.facebook.com", "graph.facebook.com:app_id"),
    "Login with Amazon": ("www.amazon.com", "www.amazon.com:app_id"),
}


@pytest.mark.parametrize("provider,key", WEB_IDENTITY.values(), ids=list(WEB_IDENTITY))
def test_any_web_identity_trust_needs_its_audience_condition(provider: str, key: str) -> None:
    statement = trust({"Federated": provider}, Action="sts:AssumeRoleWithWebIdentity")
    findings = trust_findings("app", doc(statement), None)
    [finding] = [finding for finding in findings if finding.check == ANY_AUDIENCE]
    assert f"(statement 1 has no {key} condition)" in finding.message
    statement["Condition"] = {"StringEquals": {key: "my-app"}}
    assert ANY_AUDIENCE not in checks(statement)


def test_saml_and_other_principals_have_no_audience_finding() -> None:
    saml = trust({"Federated": "arn:aws:iam::123456789012:saml-provider/okta"},
                 Action="sts:AssumeRoleWithSAML")
    assert checks(saml, trust({"Service": "ec2.amazonaws.com"})) == []


# Naming, acceptance, inputs.


def test_a_statement_is_named_by_its_sid_else_its_position() -> None:
    findings = trust_findings("deploy", doc(
        trust({"Service": "ec2.amazonaws.com"}),
        {**trust("*"), "Effect": "Deny"},
        trust("*"),
        trust("*", Sid="Public"),
    ), None)
    assert [finding.statement for finding in findings] == ["statement 3", "statement Public"]
    assert "(statement Public trusts" in findings[1].message


def test_accept_risk_keeps_the_finding_as_an_accepted_note() -> None:
    [finding] = trust_findings("public", doc(trust("*")),
                               {ANYONE: "a public demo role, no permissions"})
    assert finding.accepted == "a public demo role, no permissions"
    assert not finding.fails
    assert finding.message == (
        'role public: anyone can assume it (statement 1 trusts principal "*" without a '
        "condition); risk accepted: a public demo role, no permissions"
    )
    assert str(finding) == finding.message


def test_without_accept_risk_the_finding_fails() -> None:
    [finding] = trust_findings("public", doc(trust("*")), None)
    assert finding.fails
    assert finding.accepted is None


def test_an_empty_accept_risk_acknowledges_nothing() -> None:
    [finding] = trust_findings("public", doc(trust("*")), {ANYONE: ""})
    assert finding.fails


def test_one_accept_risk_waives_only_the_kind_it_names() -> None:
    findings = trust_findings("ci", doc(trust("*"), github(None)), {ANYONE: "lab account"})
    assert [(finding.check, finding.fails) for finding in findings] == [
        (ANYONE, False), (ANY_REPOSITORY, True), (ANY_AUDIENCE, True)]
    accepted = {ANYONE: "lab", ANY_REPOSITORY: "lab", ANY_AUDIENCE: "lab"}
    assert not any(finding.fails for finding in trust_findings(
        "ci", doc(trust("*"), github(None)), accepted))


def test_every_kind_is_a_name_accept_risk_takes() -> None:
    assert TRUST_CHECKS == (ANYONE, ANY_REPOSITORY, ANY_SUBJECT, ANY_AUDIENCE, ANY_SIGN_IN)


def test_findings_read_aws_text_and_documents() -> None:
    shown = doc(trust({"AWS": "*"}))
    expected = [TrustFinding("r", ANYONE, "statement 1",
                             'anyone can assume it (statement 1 trusts principal "*" without a '
                             "condition)", "name the principals or limit the caller with "
                             "aws:PrincipalOrgID, aws:PrincipalAccount or aws:PrincipalArn")]
    assert trust_findings("r", quote(json.dumps(shown)), None) == expected
    assert trust_findings("r", trust_document(shown, "aws"), None) == expected
    assert trust_findings("r", {"Version": "2012-10-17", "Statement": trust("*")}, None) == expected


def test_a_safe_github_trust_has_no_finding() -> None:
    condition = {"StringEquals": {AUD: "sts.amazonaws.com"}, "StringLike": {SUB: [
        "repo:acme/infra:ref:refs/heads/release/*", "repo:acme/infra:pull_request"]}}
    assert checks(github(condition)) == []
