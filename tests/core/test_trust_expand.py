"""`trusted_by` expands into the trust policy AWS holds, the same for the same file; what cannot
be expanded is reported at its path inside `trusted_by`. Plain data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.core.policy.trust import check_trust_document, trust_document
from reconciler.core.policy.trust_findings import trust_findings
from reconciler.core.policy.trusted_by import TrustedByError, expand_trusted_by, trusted_by_problems

ACCOUNT = "123456789012"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
OIDC = ("https://token.actions.githubusercontent.com",)
SAML = ("okta",)


def expand(trusted_by: dict[str, Any], partition: str = "aws") -> dict[str, Any]:
    return expand_trusted_by(trusted_by, ACCOUNT, partition, OIDC, SAML)


def only_statement(trusted_by: dict[str, Any], partition: str = "aws") -> dict[str, Any]:
    document = expand(trusted_by, partition)
    assert document["Version"] == "2012-10-17"
    [statement] = document["Statement"]
    return dict(statement)


def sub_condition(trusted_by: dict[str, Any]) -> tuple[str, Any]:
    """(operator, values) of the GitHub statement's sub condition."""
    condition = only_statement(trusted_by)["Condition"]
    key = "token.actions.githubusercontent.com:sub"
    [(operator, values)] = [(op, block[key]) for op, block in condition.items() if key in block]
    return operator, values


# Each form of the shorthand.


def test_one_service_is_assumed_with_assume_role() -> None:
    assert only_statement({"services": ["ec2.amazonaws.com"]}) == {
        "Sid": "Services",
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }


def test_several_services_are_one_sorted_list_without_duplicates() -> None:
    statement = only_statement(
        {"services": ["lambda.amazonaws.com", "ec2.amazonaws.com", "lambda.amazonaws.com"]}
    )
    assert statement["Principal"] == {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}


def test_an_account_is_written_as_its_root_arn_without_condition() -> None:
    statement = only_statement({"accounts": ["210987654321"]})
    assert statement["Principal"] == {"AWS": "arn:aws:iam::210987654321:root"}
    assert statement["Action"] == "sts:AssumeRole"
    assert "Condition" not in statement


def test_accounts_root_arns_use_the_partition() -> None:
    statement = only_statement({"accounts": ["210987654321", "110987654321"]}, "aws-cn")
    assert statement["Principal"] == {
        "AWS": ["arn:aws-cn:iam::110987654321:root", "arn:aws-cn:iam::210987654321:root"]
    }


def test_require_mfa_adds_the_mfa_condition_to_accounts() -> None:
    statement = only_statement({"accounts": ["210987654321"], "require_mfa": True})
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_require_mfa_false_adds_nothing() -> None:
    statement = only_statement({"accounts": ["210987654321"], "require_mfa": False})
    assert "Condition" not in statement


GITHUB_SUBJECTS = {
    "branch": ({"repository": "acme/infra", "branch": "main"},
               "repo:acme/infra:ref:refs/heads/main"),
    "tag": ({"repository": "acme/infra", "tag": "v1.2.0"}, "repo:acme/infra:ref:refs/tags/v1.2.0"),
    "environment": ({"repository": "acme/infra", "environment": "production"},
                    "repo:acme/infra:environment:production"),
    "pull request": ({"repository": "acme/infra", "pull_request": True},
                     "repo:acme/infra:pull_request"),
}


@pytest.mark.parametrize("entry,subject", GITHUB_SUBJECTS.values(), ids=list(GITHUB_SUBJECTS))
def test_github_entry_becomes_the_sub_claim_github_documents(
    entry: dict[str, Any], subject: str
) -> None:
    assert only_statement({"github": [entry]}) == {
        "Sid": "GitHubActions",
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB_PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": subject,
            }
        },
    }


def test_several_github_entries_are_one_sorted_list_of_subjects() -> None:
    entries = [entry for entry, _ in GITHUB_SUBJECTS.values()]
    operator, values = sub_condition({"github": entries + entries[:1]})
    assert operator == "StringEquals"
    assert values == sorted(subject for _, subject in GITHUB_SUBJECTS.values())


def test_a_wildcard_branch_needs_string_like_for_every_subject() -> None:
    operator, values = sub_condition({"github": [
        {"repository": "acme/infra", "branch": "release/*"},
        {"repository": "acme/infra", "pull_request": True},
    ]})
    assert operator == "StringLike"
    assert values == ["repo:acme/infra:pull_request", "repo:acme/infra:ref:refs/heads/release/*"]
    condition = only_statement({"github": [{"repository": "acme/infra", "branch": "r?"}]})[
        "Condition"]
    # The audience stays an exact comparison.
    assert condition["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
    }


def test_github_provider_arn_names_the_account_and_partition() -> None:
    trusted_by = {"github": [{"repository": "acme/infra", "branch": "main"}]}
    statement = expand_trusted_by(trusted_by, "999988887777", "aws-us-gov", OIDC, SAML)[
        "Statement"][0]
    assert statement["Principal"] == {
        "Federated": "arn:aws-us-gov:iam::999988887777:oidc-provider/"
                     "token.actions.githubusercontent.com"
    }


def test_saml_trusts_the_declared_provider_through_aws_sign_in() -> None:
    assert only_statement({"saml": "okta"}) == {
        "Sid": "SAML",
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/okta"},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    }


EVERYTHING: dict[str, Any] = {
    "saml": "okta",
    "github": [
        {"repository": "acme/infra", "pull_request": True},
        {"repository": "acme/infra", "branch": "main"},
    ],
    "accounts": ["310987654321", "210987654321"],
    "require_mfa": True,
    "services": ["lambda.amazonaws.com", "ec2.amazonaws.com"],
}


def test_statements_come_in_a_fixed_order_whatever_the_file_order() -> None:
    sids = [statement["Sid"] for statement in expand(EVERYTHING)["Statement"]]
    assert sids == ["Services", "Accounts", "GitHubActions", "SAML"]


def test_the_same_file_gives_the_same_text_whatever_the_order_of_its_lists() -> None:
    reordered = {key: list(reversed(value)) if isinstance(value, list) else value
                 for key, value in reversed(EVERYTHING.items())}
    assert json.dumps(expand(reordered)) == json.dumps(expand(EVERYTHING))


def test_the_expansion_is_a_valid_trust_policy_without_findings() -> None:
    document = expand(EVERYTHING)
    assert check_trust_document(document) == []
    assert trust_findings("deploy", document, None) == []


def test_the_expansion_equals_what_aws_shows_back() -> None:
    """AWS shows the account as its root ARN (the expansion writes that already) and may list
    one-element values as strings or lists: no change either way."""
    shown = expand(EVERYTHING)
    for statement in shown["Statement"]:
        principal = statement["Principal"]
        for kind, values in principal.items():
            principal[kind] = values if isinstance(values, list) else [values]
    shown["Statement"].reverse()
    assert trust_document(shown, "aws") == trust_document(expand(EVERYTHING), "aws")


@pytest.mark.parametrize("declared", [
    "https://token.actions.githubusercontent.com",
    "https://token.actions.githubusercontent.com/",
    "token.actions.githubusercontent.com",
    GITHUB_PROVIDER,
])
def test_the_github_provider_may_be_given_by_url_or_arn(declared: str) -> None:
    trusted_by = {"github": [{"repository": "acme/infra", "branch": "main"}]}
    assert trusted_by_problems(trusted_by, [declared], []) == []


@pytest.mark.parametrize("declared", ["okta", f"arn:aws:iam::{ACCOUNT}:saml-provider/okta"])
def test_the_saml_provider_may_be_given_by_name_or_arn(declared: str) -> None:
    assert trusted_by_problems({"saml": "okta"}, [], [declared]) == []


# What cannot be expanded, and where.

PROBLEMS: dict[str, tuple[Any, str, str]] = {
    "not a mapping": (["ec2.amazonaws.com"], "", "must be a mapping"),
    "unknown key": ({"services": ["ec2.amazonaws.com"], "users": ["x"]}, "users",
                    "unknown key (allowed: services, accounts, require_mfa, github, saml)"),
    "trusts no one": ({}, "", "trusts no one: give services, accounts, github or saml"),
    "empty lists trust no one": ({"services": [], "github": []}, "", "trusts no one"),
    "services not a list": ({"services": "ec2.amazonaws.com"}, "services", "must be a list"),
    "service without domain": ({"services": ["ec2.amazonaws.com", "ec2"]}, "services[1]",
                               "not a service principal (like ec2.amazonaws.com)"),
    "account as a number": ({"accounts": [210987654321]}, "accounts[0]",
                            "not a 12-digit account id in quotes"),
    "short account": ({"accounts": ["10987654321"]}, "accounts[0]", "not a 12-digit account id"),
    "account arn": ({"accounts": ["arn:aws:iam::210987654321:root"]}, "accounts[0]",
                    "not a 12-digit account id"),
    "require_mfa alone": ({"services": ["ec2.amazonaws.com"], "require_mfa": True},
                          "require_mfa", "applies to the principals of accounts"),
    "require_mfa not boolean": ({"accounts": ["210987654321"], "require_mfa": "yes"},
                                "require_mfa", "must be true or false"),
    "github not a list": ({"github": {"repository": "acme/infra"}}, "github", "must be a list"),
    "github entry not a mapping": ({"github": ["acme/infra"]}, "github[0]", "must be a mapping"),
    "no repository": ({"github": [{"branch": "main"}]}, "github[0]",
                      "missing repository (OWNER/REPO)"),
    "repository without owner": ({"github": [{"repository": "infra", "branch": "main"}]},
                                 "github[0].repository", "must be OWNER/REPO"),
    "wildcard owner": ({"github": [{"repository": "*/infra", "branch": "main"}]},
                       "github[0].repository", "repositories of any GitHub account"),
    "no branch, tag, environment or pull request": (
        {"github": [{"repository": "acme/infra"}]}, "github[0]",
        "give one of branch, environment, tag or pull_request: true"),
    "two of them": ({"github": [{"repository": "acme/infra", "branch": "main",
                                 "environment": "production"}]},
                    "github[0]", "gives branch and environment: give only one"),
    "pull_request false": ({"github": [{"repository": "acme/infra", "pull_request": False}]},
                           "github[0].pull_request", "must be true (or left out)"),
    "tag read as a number": ({"github": [{"repository": "acme/infra", "tag": 1.0}]},
                             "github[0].tag", "must be a name in quotes"),
    "empty branch": ({"github": [{"repository": "acme/infra", "branch": ""}]},
                     "github[0].branch", "must be a name"),
    "unknown github key": ({"github": [{"repository": "acme/infra", "branch": "main",
                                        "workflow": "deploy.yml"}]},
                           "github[0].workflow", "unknown key (allowed: repository, branch"),
    "undeclared saml provider": ({"saml": "azure"}, "saml",
                                 '"azure" is not a declared SAML provider (saml_providers: okta)'),
    "one of several saml providers undeclared": ({"saml": ["okta", "azure"]}, "saml[1]",
                                                 '"azure" is not a declared SAML provider'),
}


@pytest.mark.parametrize("trusted_by,where,message", PROBLEMS.values(), ids=list(PROBLEMS))
def test_problems_point_inside_trusted_by(trusted_by: Any, where: str, message: str) -> None:
    problems = trusted_by_problems(trusted_by, OIDC, SAML)
    assert [p for p in map(str, problems) if p.startswith(f"{where}: " if where else "")
            and message in p], [str(p) for p in problems]
    with pytest.raises(TrustedByError) as raised:
        expand(trusted_by)
    assert raised.value.problems == problems


def test_github_without_a_declared_provider_says_what_to_declare() -> None:
    trusted_by = {"github": [{"repository": "acme/infra", "branch": "main"}]}
    [problem] = trusted_by_problems(trusted_by, ["https://oidc.example.com"], SAML)
    assert str(problem) == (
        "github: needs the OIDC provider of GitHub Actions: declare it in oidc_providers "
        "(url: https://token.actions.githubusercontent.com)"
    )


def test_saml_with_no_provider_declared_says_none() -> None:
    [problem] = trusted_by_problems({"saml": "okta"}, OIDC, [])
    assert str(problem) == 'saml: "okta" is not a declared SAML provider (saml_providers: none)'


def test_the_error_names_every_problem_in_one_line() -> None:
    with pytest.raises(TrustedByError) as raised:
        expand({"accounts": ["1"], "saml": "azure"})
    text = str(raised.value)
    assert "\n" not in text
    assert "accounts[0]: not a 12-digit account id" in text
    assert 'saml: "azure" is not a declared SAML provider' in text


def test_a_valid_trusted_by_has_no_problems() -> None:
    assert trusted_by_problems(EVERYTHING, OIDC, SAML) == []
