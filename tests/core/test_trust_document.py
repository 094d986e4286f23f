"""Trust documents: `==` means the same trust to IAM (principals as IAM stores them), the text stays
as written; deleted principals are found; documents IAM would refuse are reported where they
fail. Plain data."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any
from urllib.parse import quote

import pytest

from reconciler.core.policy.documents import canonical
from reconciler.core.policy.trust import check_trust_document, deleted_principals, trust_document

ROLE = "arn:aws:iam::210987654321:role/deployer"
GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def doc(*statements: dict[str, Any], version: Any = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def trust(principal: Any, action: Any = "sts:AssumeRole", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **more}


GITHUB_TRUST = trust(
    {"Federated": GITHUB},
    "sts:AssumeRoleWithWebIdentity",
    Condition={"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main",
    }},
)

# Re-spellings that are the same trust to IAM: (as the file writes it, as AWS shows it).
EQUAL = {
    "account id against its root ARN": (
        doc(trust({"AWS": "210987654321"})),
        doc(trust({"AWS": "arn:aws:iam::210987654321:root"})),
    ),
    "string against a one-element list": (
        doc(trust({"AWS": ROLE})), doc(trust({"AWS": [ROLE]})),
    ),
    "service string against a list": (
        doc(trust({"Service": "ec2.amazonaws.com"})),
        doc(trust({"Service": ["ec2.amazonaws.com"]})),
    ),
    "principal order and duplicates": (
        doc(trust({"AWS": [ROLE, "210987654321", ROLE]})),
        doc(trust({"AWS": ["arn:aws:iam::210987654321:root", ROLE]})),
    ),
    "principal type order": (
        doc(trust({"AWS": ROLE, "Service": "ec2.amazonaws.com"})),
        doc(trust({"Service": "ec2.amazonaws.com", "AWS": ROLE})),
    ),
    "statement order": (
        doc(trust({"Service": "ec2.amazonaws.com"}), GITHUB_TRUST),
        doc(GITHUB_TRUST, trust({"Service": "ec2.amazonaws.com"})),
    ),
    "action case and list": (
        doc(trust({"AWS": ROLE}, ["sts:AssumeRole", "sts:TagSession"])),
        doc(trust({"AWS": ROLE}, ["STS:tagsession", "sts:assumerole"])),
    ),
    "condition key case and value list": (
        doc(GITHUB_TRUST),
        doc(trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity",
                  Condition={"StringEquals": {
                      "Token.Actions.GitHubUserContent.com:Sub":
                          ["repo:acme/infra:ref:refs/heads/main"],
                      "token.actions.githubusercontent.com:AUD": ["sts.amazonaws.com"],
                  }})),
    ),
    "YAML boolean and date": (
        doc(trust({"AWS": "210987654321"},
                  Condition={"Bool": {"aws:MultiFactorAuthPresent": True}}),
            version=datetime.date(2012, 10, 17)),
        doc(trust({"AWS": "arn:aws:iam::210987654321:root"},
                  Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    ),
    "key order": (
        doc(trust({"AWS": ROLE})),
        doc({"Action": "sts:AssumeRole", "Principal": {"AWS": ROLE}, "Effect": "Allow"}),
    ),
}


@pytest.mark.parametrize("written,shown", EQUAL.values(), ids=list(EQUAL))
def test_re_spelled_trust_is_equal(written: dict[str, Any], shown: dict[str, Any]) -> None:
    assert trust_document(written, "aws") == trust_document(shown, "aws")


@pytest.mark.parametrize("written,shown", EQUAL.values(), ids=list(EQUAL))
def test_aws_url_encoded_text_is_read(written: dict[str, Any], shown: dict[str, Any]) -> None:
    """GetAccountAuthorizationDetails returns trust policies URL-encoded."""
    encoded = quote(json.dumps(shown))
    assert trust_document(encoded, "aws") == trust_document(written, "aws")
    assert trust_document(json.dumps(shown), "aws") == trust_document(written, "aws")


def test_account_id_is_its_root_arn_in_the_account_partition() -> None:
    written = doc(trust({"AWS": "210987654321"}))
    shown = doc(trust({"AWS": "arn:aws-cn:iam::210987654321:root"}))
    assert trust_document(written, "aws-cn") == trust_document(shown, "aws-cn")
    # In the aws partition the id is another principal than a China root ARN.
    assert trust_document(written, "aws") != trust_document(shown, "aws")


def test_policy_meaning_alone_would_not_tell_the_partition() -> None:
    """What `trust_document` adds to `policydoc.canonical`: the same pair differs by partition."""
    aws = doc(trust({"AWS": "arn:aws:iam::210987654321:root"}))
    china = doc(trust({"AWS": "arn:aws-cn:iam::210987654321:root"}))
    assert canonical(aws) == canonical(china)
    assert trust_document(aws, "aws") != trust_document(china, "aws")


def changed(edit: Any) -> dict[str, Any]:
    document = copy.deepcopy(doc(GITHUB_TRUST, trust({"AWS": ["210987654321", ROLE]})))
    edit(document["Statement"])
    return document


def _set(statement: int, key: str, value: Any) -> Any:
    return lambda statements: statements[statement].__setitem__(key, value)


# Changes that are changes to IAM.
DIFFERENT = {
    "another account": _set(1, "Principal", {"AWS": ["310987654321", ROLE]}),
    "a principal removed": _set(1, "Principal", {"AWS": "210987654321"}),
    "a principal added": _set(1, "Principal", {"AWS": ["210987654321", ROLE, "*"]}),
    "the same value as another principal type": _set(
        1, "Principal", {"AWS": "210987654321", "Federated": ROLE}),
    "a deleted role's unique id": _set(1, "Principal", {
        "AWS": ["210987654321", "AROADBQP57FF2AEXAMPLE"]}),
    "an action added": _set(1, "Action", ["sts:AssumeRole", "sts:TagSession"]),
    "the effect": _set(1, "Effect", "Deny"),
    "a Sid": _set(1, "Sid", "Accounts"),
    "another branch": _set(0, "Condition", {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/dev",
    }}),
    "the sub condition as a pattern": _set(0, "Condition", {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {
            "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main"},
    }),
    "the audience condition dropped": _set(0, "Condition", {"StringEquals": {
        "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main",
    }}),
    "a statement dropped": lambda statements: statements.pop(),
}


@pytest.mark.parametrize("edit", DIFFERENT.values(), ids=list(DIFFERENT))
def test_a_change_of_trust_is_not_equal(edit: Any) -> None:
    before = trust_document(changed(lambda statements: None), "aws")
    assert trust_document(changed(edit), "aws") != before


def test_anyone_and_any_aws_principal_are_kept_apart() -> None:
    """Some services tell `"*"` from `{"AWS": "*"}`: where unsure, two documents differ."""
    assert trust_document(doc(trust("*")), "aws") != trust_document(
        doc(trust({"AWS": "*"})), "aws")


def test_the_text_stays_as_written() -> None:
    written = doc(trust({"AWS": "210987654321"}, ["sts:AssumeRole"]),
                  version=datetime.date(2012, 10, 17))
    document = trust_document(written, "aws")
    assert json.loads(document.text) == doc(trust({"AWS": "210987654321"}, ["sts:AssumeRole"]))


# Principals whose user or role was deleted.


def test_unique_ids_of_deleted_roles_and_users_are_found() -> None:
    document = doc(
        trust({"AWS": ["AROADBQP57FF2AEXAMPLE", ROLE, "210987654321"]}),
        trust({"AWS": "AIDAJQABLZS4A3QDU576Q"}, "sts:TagSession"),
    )
    assert deleted_principals(document) == ["AIDAJQABLZS4A3QDU576Q", "AROADBQP57FF2AEXAMPLE"]


def test_unique_ids_are_found_in_aws_text() -> None:
    shown = doc(trust({"AWS": "AROADBQP57FF2AEXAMPLE"}))
    assert deleted_principals(quote(json.dumps(shown))) == ["AROADBQP57FF2AEXAMPLE"]
    assert deleted_principals(trust_document(shown, "aws")) == ["AROADBQP57FF2AEXAMPLE"]


@pytest.mark.parametrize("prefix", ["AROA", "AIDA", "AGPA", "AIPA", "ANPA", "ASIA"])
def test_every_iam_unique_id_prefix_counts(prefix: str) -> None:
    value = f"{prefix}QDU576QJQABLZS4A3"
    assert deleted_principals(doc(trust({"AWS": value}))) == [value]


NOT_DELETED = {
    "role ARN": {"AWS": ROLE},
    "role whose name looks like an id": {"AWS": "arn:aws:iam::210987654321:role/AROAEXAMPLE12345"},
    "account": {"AWS": "210987654321"},
    "anyone": "*",
    "service": {"Service": "ec2.amazonaws.com"},
    "lower case": {"AWS": "aroadbqp57ff2aexample"},
    "prefix alone": {"AWS": "AROA"},
}


@pytest.mark.parametrize("principal", NOT_DELETED.values(), ids=list(NOT_DELETED))
def test_no_deleted_principal(principal: Any) -> None:
    assert deleted_principals(doc(trust(principal))) == []


def test_a_document_without_statements_has_no_deleted_principal() -> None:
    assert deleted_principals({}) == []
    assert deleted_principals("") == []


# Local checks: what IAM would refuse.

VALID = {
    "service": doc(trust({"Service": "ec2.amazonaws.com"})),
    "every allowed action, any case": doc(trust({"AWS": ROLE}, [
        "sts:AssumeRole", "STS:TagSession", "sts:setsourceidentity",
        "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"])),
    "github": doc(GITHUB_TRUST),
    "anyone with a condition": doc(trust("*", Condition={
        "StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})),
    "a single statement object": {"Version": "2012-10-17",
                                  "Statement": trust({"AWS": "210987654321"})},
    "a Deny statement": doc(trust({"AWS": ROLE}), {**trust({"AWS": ROLE}), "Effect": "Deny"}),
    "every form of AWS principal": doc(trust({"AWS": [
        "*", "210987654321", "arn:aws:iam::210987654321:root",
        "arn:aws:iam::210987654321:user/alice", "arn:aws:iam::210987654321:user/team/alice",
        "arn:aws:iam::210987654321:role/path/deployer", "arn:aws-cn:iam::210987654321:root",
        "arn:aws:sts::210987654321:assumed-role/deployer/session-1",
        "arn:aws:sts::210987654321:federated-user/bob", "AROA1234567890EXAMPLE"]})),
    "regional and China service principals": doc(trust({"Service": [
        "states.eu-west-1.amazonaws.com", "ec2.amazonaws.com.cn"]})),
    "every form of federated principal": doc(trust({"Federated": [
        GITHUB, "arn:aws:iam::123456789012:saml-provider/okta", "cognito-identity.amazonaws.com",
        "accounts.google.com", "graph.facebook.com", "www.amazon.com"]},
        "sts:AssumeRoleWithWebIdentity")),
}


@pytest.mark.parametrize("document", VALID.values(), ids=list(VALID))
def test_valid_trust_policies_have_no_problem(document: dict[str, Any]) -> None:
    assert check_trust_document(document) == []
    assert check_trust_document(json.dumps(document)) == []


def statement_with(**changes: Any) -> dict[str, Any]:
    statement = trust({"AWS": ROLE})
    for key, value in changes.items():
        if value is None:
            statement.pop(key)
        else:
            statement[key] = value
    return doc(statement)


PROBLEMS: dict[str, tuple[Any, str]] = {
    "not an object": (["x"], "a trust policy must be an object"),
    "not JSON": ("{not json", "not valid JSON"),
    "no Version": ({"Statement": [trust({"AWS": ROLE})]}, 'missing Version (use "2012-10-17")'),
    "no Statement": ({"Version": "2012-10-17"}, "missing Statement"),
    "unknown top key": ({**doc(trust({"AWS": ROLE})), "Trust": 1}, "Trust: unknown key"),
    "no Principal": (statement_with(Principal=None),
                     "Statement[0]: missing Principal (who may assume the role)"),
    "NotPrincipal": (statement_with(Principal=None, NotPrincipal={"AWS": ROLE}),
                     "Statement[0].NotPrincipal: not allowed in a trust policy"),
    "Resource": (statement_with(Resource="*"),
                 "Statement[0].Resource: not allowed in a trust policy (the role itself is the "
                 "resource)"),
    "NotResource": (statement_with(NotResource="*"),
                    "Statement[0].NotResource: not allowed in a trust policy"),
    "NotAction": (statement_with(Action=None, NotAction="sts:AssumeRole"),
                  "Statement[0].NotAction: not allowed in a trust policy"),
    "unknown statement key": (statement_with(Principle={"AWS": ROLE}),
                              "Statement[0].Principle: unknown key (allowed: Sid, Effect, "
                              "Principal, Action, Condition)"),
    "no Effect": (statement_with(Effect=None), "Statement[0]: missing Effect (Allow or Deny)"),
    "bad Effect": (statement_with(Effect="allow"), "Statement[0].Effect: must be Allow or Deny"),
    "no Action": (statement_with(Action=None), "Statement[0]: missing Action"),
    "a permission action": (statement_with(Action="s3:GetObject"),
                            "Statement[0].Action: not an action of a trust policy (allowed: "
                            "sts:AssumeRole, sts:AssumeRoleWithSAML, "
                            "sts:AssumeRoleWithWebIdentity, sts:SetSourceIdentity, "
                            "sts:TagSession)"),
    "a wildcard action": (statement_with(Action="sts:*"),
                          "Statement[0].Action: not an action of a trust policy"),
    "a bad action in a list": (statement_with(Action=["sts:AssumeRole", "iam:PassRole"]),
                               "Statement[0].Action[1]: not an action of a trust policy"),
    "no actions": (statement_with(Action=[]), "Statement[0].Action: is empty"),
    "principal a list": (statement_with(Principal=[ROLE]),
                         'Statement[0].Principal: must be "*" or an object of AWS, Service, '
                         "Federated"),
    "principal empty": (statement_with(Principal={}), "Statement[0].Principal: must be"),
    "unknown principal type": (statement_with(Principal={"CanonicalUser": "abc"}),
                               "Statement[0].Principal.CanonicalUser: unknown principal type "
                               "(allowed: AWS, Service, Federated)"),
    "account read as a number": (statement_with(Principal={"AWS": 210987654321}),
                                 "Statement[0].Principal.AWS: not a string (quote an account "
                                 "id"),
    "empty principal": (statement_with(Principal={"AWS": [ROLE, ""]}),
                        "Statement[0].Principal.AWS[1]: is empty"),
    "no principals": (statement_with(Principal={"Service": []}),
                      "Statement[0].Principal.Service: is empty"),
    # IAM refuses a wildcard anywhere but "*" alone ("Invalid principal in policy").
    "any account's root": (statement_with(Principal={"AWS": "arn:aws:iam::*:root"}),
                           'Statement[0].Principal.AWS: a wildcard may stand only alone, as "*"'),
    "any role of an account": (
        statement_with(Principal={"AWS": [ROLE, "arn:aws:iam::210987654321:role/*"]}),
        'Statement[0].Principal.AWS[1]: a wildcard may stand only alone, as "*"'),
    "a wildcard account id": (statement_with(Principal={"AWS": "21098765432?"}),
                              "Statement[0].Principal.AWS: a wildcard may stand only alone"),
    "any service": (statement_with(Principal={"Service": "*"}),
                    "Statement[0].Principal.Service: no wildcard in a service principal"),
    "services by wildcard": (statement_with(Principal={"Service": "*.amazonaws.com"}),
                             "Statement[0].Principal.Service: no wildcard in a service"),
    "any identity provider": (statement_with(Principal={"Federated": "*"}),
                              "Statement[0].Principal.Federated: no wildcard in a federated"),
    "a group": (statement_with(Principal={"AWS": "arn:aws:iam::210987654321:group/admins"}),
                "Statement[0].Principal.AWS: not an AWS principal (IAM accepts"),
    "a bare name": (statement_with(Principal={"AWS": "deployer"}),
                    "Statement[0].Principal.AWS: not an AWS principal"),
    "a short account id": (statement_with(Principal={"AWS": "arn:aws:iam::2109876:root"}),
                           "Statement[0].Principal.AWS: not an AWS principal"),
    "a service that is no host name": (statement_with(Principal={"Service": "ec2"}),
                                       "Statement[0].Principal.Service: not a service principal"),
    "a federated user name": (statement_with(Principal={"Federated": "okta"}),
                              "Statement[0].Principal.Federated: not a federated principal"),
    "bad Sid": (statement_with(Sid="allow-ci"),
                "Statement[0].Sid: must contain only letters and digits"),
    "condition not a mapping": (statement_with(Condition=["x"]),
                                "Statement[0].Condition: must map operators"),
    "statement not an object": ({"Version": "2012-10-17", "Statement": ["sts:AssumeRole"]},
                                "Statement[0]: a statement must be an object"),
    "repeated Sid": (doc(trust({"AWS": ROLE}, Sid="A"), trust({"AWS": ROLE}, Sid="A")),
                     "Statement[1].Sid: repeats the Sid of Statement[0]"),
}


@pytest.mark.parametrize("document,expected", PROBLEMS.values(), ids=list(PROBLEMS))
def test_problems_point_at_the_fault(document: Any, expected: str) -> None:
    problems = [str(problem) for problem in check_trust_document(document)]
    assert any(problem.startswith(expected) for problem in problems), problems


def test_each_problem_is_reported_once() -> None:
    document = statement_with(Principal=None, NotPrincipal={"AWS": ROLE}, Resource="*")
    assert [str(problem) for problem in check_trust_document(document)] == [
        "Statement[0].NotPrincipal: not allowed in a trust policy: name who may assume the role "
        "in Principal",
        "Statement[0].Resource: not allowed in a trust policy (the role itself is the resource)",
    ]
